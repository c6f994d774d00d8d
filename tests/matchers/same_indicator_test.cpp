// CompiledRules groups the same indicator (type, value, port) listed by several files: the
// smallest id is the primary, same_indicator() lists every listing.
#include <gtest/gtest.h>

#include <vector>

#include "core/loaders.hpp"
#include "matchers/compiled_rules.hpp"

namespace tripline {
namespace {

std::vector<uint32_t> ids(IdSpan span) { return {span.begin(), span.end()}; }

TEST(SameIndicator, GroupsEqualTypeValueAndPortAcrossFiles) {
  RuleSet set;
  load_list("192.0.2.1\nexample.com\n192.0.2.1:443\n", "a.list", set);  // ids 0 1 2
  load_list("192.0.2.0/24\nEXAMPLE.com.\n192.0.2.1\n", "b.list", set);  // ids 3 4 5
  load_list("192.0.2.1\nhxxp://example.com/x\n", "c.list", set);        // ids 6 7
  ASSERT_EQ(set.indicators().size(), 8u);
  const CompiledRules rules(set);
  EXPECT_EQ(ids(rules.same_indicator(0)), (std::vector<uint32_t>{0, 5, 6}));
  EXPECT_EQ(ids(rules.same_indicator(6)), (std::vector<uint32_t>{0, 5, 6}));
  EXPECT_EQ(rules.primary(5), 0u);
  EXPECT_EQ(rules.primary(0), 0u);
  EXPECT_EQ(ids(rules.same_indicator(1)), (std::vector<uint32_t>{1, 4}));  // case, dot
  EXPECT_EQ(rules.primary(4), 1u);
  // Listed once: another port, a CIDR, a URL.
  for (uint32_t id : {2u, 3u, 7u}) {
    EXPECT_TRUE(rules.same_indicator(id).empty()) << id;
    EXPECT_EQ(rules.primary(id), id);
  }
}

TEST(SameIndicator, NothingListedTwiceCostsNothing) {
  RuleSet set;
  load_list("192.0.2.1\n198.51.100.1\nexample.com\n", "a.list", set);
  const CompiledRules rules(set);
  for (uint32_t id = 0; id < 3; ++id) {
    EXPECT_EQ(rules.primary(id), id);
    EXPECT_TRUE(rules.same_indicator(id).empty());
  }
}

}  // namespace
}  // namespace tripline
