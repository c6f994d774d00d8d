// JA3/JA3S indicators in every feed format.
#include <gtest/gtest.h>

#include "core/loaders.hpp"

namespace tripline {
namespace {

TEST(Ja3Indicators, ClassifiedOnlyWithTheirPrefix) {
  const auto ja3 = classify_indicator("ja3:FBE7E189E37A07EE33706F86BC746344");
  ASSERT_EQ(ja3.kind, Classification::kIndicator);
  EXPECT_EQ(ja3.type, IndicatorType::kJa3);
  EXPECT_EQ(ja3.normalized, "fbe7e189e37a07ee33706f86bc746344");
  const auto ja3s = classify_indicator("JA3S:2b341b88c742e940cfb485ce7d93dde7");
  ASSERT_EQ(ja3s.kind, Classification::kIndicator);
  EXPECT_EQ(ja3s.type, IndicatorType::kJa3s);
  // A bare MD5 stays a file hash.
  const auto md5 = classify_indicator("fbe7e189e37a07ee33706f86bc746344");
  EXPECT_EQ(md5.kind, Classification::kSkipped);
  EXPECT_EQ(md5.skipped_kind, "md5");
  const auto bad = classify_indicator("ja3:1234");
  EXPECT_EQ(bad.kind, Classification::kInvalid);
  EXPECT_EQ(bad.reason, "not a ja3 hash: 'ja3:1234'");
}

TEST(Ja3Indicators, LoadFromListCsvAndZeekIntel) {
  RuleSet rules;
  load_list("ja3:fbe7e189e37a07ee33706f86bc746344\n", "a.list", rules);
  load_csv(
      "value,type\nFBE7E189E37A07EE33706F86BC746344,ja3-fingerprint-md5\n"
      "2b341b88c742e940cfb485ce7d93dde7,ja3s\nnot-a-hash,ja3\n",
      "b.csv", rules);
  load_zeek_intel(
      "#fields\tindicator\tindicator_type\tmeta.source\n"
      "fbe7e189e37a07ee33706f86bc746344\tIntel::JA3\tzeek-ja3\n",
      "c.intel", rules);
  ASSERT_EQ(rules.indicators().size(), 4u);
  EXPECT_EQ(rules.indicators()[0].type, IndicatorType::kJa3);
  EXPECT_EQ(rules.indicators()[1].type, IndicatorType::kJa3);
  EXPECT_EQ(rules.indicators()[1].normalized, "fbe7e189e37a07ee33706f86bc746344");
  EXPECT_EQ(rules.indicators()[2].type, IndicatorType::kJa3s);
  EXPECT_EQ(rules.indicators()[3].type, IndicatorType::kJa3);
  ASSERT_EQ(rules.diagnostics().size(), 1u);
  EXPECT_EQ(rules.diagnostics()[0].to_string(), "b.csv:4: value 'not-a-hash' is not a ja3 hash");
}

}  // namespace
}  // namespace tripline
