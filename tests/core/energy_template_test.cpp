// rules/energy-template: every file loads with zero errors, with exact per-file counts of
// indicators by type, skipped indicators by kind, rule objects loaded / skipped, and warnings.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "core/loaders.hpp"

namespace tripline {
namespace {

using Counts = std::map<std::string, size_t>;

const std::string kDir = std::string(TRIPLINE_SOURCE_DIR) + "/rules/energy-template";

class EnergyTemplate : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rules_ = new RuleSet;
    files_read_ = load_rules_path(kDir, *rules_);
  }
  static void TearDownTestSuite() { delete rules_; }

  // file name -> "type" -> count, for indicators.
  static std::map<std::string, Counts> indicators_by_file() {
    std::map<std::string, Counts> out;
    for (const auto& i : rules_->indicators())
      ++out[rules_->meta_of(i).rule_set][std::string(to_string(i.type))];
    return out;
  }

  static RuleSet* rules_;
  static size_t files_read_;
};

RuleSet* EnergyTemplate::rules_ = nullptr;
size_t EnergyTemplate::files_read_ = 0;

TEST_F(EnergyTemplate, EveryFileLoadsWithoutErrors) {
  // 10 data files (README.md is documentation and not read; categories.txt is read).
  EXPECT_EQ(files_read_, 10u);
  EXPECT_EQ(rules_->error_count(), 0u);
  std::vector<std::string> warnings;
  for (const auto& d : rules_->diagnostics())
    warnings.push_back(d.to_string().substr(kDir.size() + 1));
  EXPECT_EQ(warnings, (std::vector<std::string>{
                          "isac-bundle.stix.json: warning: "
                          "indicator--5cf7d1f1-6865-4b51-b780-4aae2302b982: unsupported object "
                          "path 'file:hashes.'SHA-256''",
                          "isac-bundle.stix.json: warning: "
                          "indicator--de0e4da7-bde8-49c7-a220-bd7e56f1cc2c: expired (valid_until "
                          "2025-06-30T00:00:00Z)",
                          "ot-protocols.rules:24: warning: sid 8100007: unsupported keyword "
                          "'byte_test'",
                      }));
}

TEST_F(EnergyTemplate, IndicatorsPerFile) {
  EXPECT_EQ(indicators_by_file(),
            (std::map<std::string, Counts>{
                {"c2-names.string.dataset", {{"domain", 2}}},
                {"cert-event.misp.json", {{"domain", 3}, {"ip", 4}, {"ja3", 1}, {"url", 1}}},
                {"grid-partners.csv", {{"domain", 1}, {"ip", 2}, {"ja3", 1}, {"url", 1}}},
                {"grid-watchlist.list", {{"cidr", 1}, {"domain", 2}, {"ip", 2}, {"url", 1}}},
                {"isac-bundle.stix.json", {{"cidr", 2}, {"domain", 1}, {"ip", 1}, {"url", 1}}},
                {"ot-blocklist.ip.dataset", {{"ip", 3}}},
                {"ot-dmz.intel", {{"cidr", 1}, {"domain", 1}, {"ip", 1}, {"url", 1}}},
                {"substation-scanners.iprep", {{"cidr", 2}, {"ip", 2}}},
            }));
  EXPECT_EQ(rules_->indicators().size(), 38u);
}

TEST_F(EnergyTemplate, SkippedPerFile) {
  std::map<std::string, Counts> skipped;
  for (const auto& s : rules_->skipped()) ++skipped[s.file.substr(kDir.size() + 1)][s.kind];
  EXPECT_EQ(skipped, (std::map<std::string, Counts>{
                         {"c2-names.string.dataset", {{"string", 1}}},
                         {"cert-event.misp.json", {{"sha256", 1}}},
                         {"grid-partners.csv", {{"email", 1}}},
                         {"grid-watchlist.list", {{"sha256", 1}}},
                         {"ot-dmz.intel", {{"sha256", 1}}},
                     }));
}

TEST_F(EnergyTemplate, RuleObjectsPerFile) {
  std::map<std::string, std::pair<size_t, Counts>> stats;
  for (const auto& [file, s] : rules_->rule_file_stats())
    stats[file.substr(kDir.size() + 1)] = {s.loaded, Counts(s.skipped.begin(), s.skipped.end())};
  EXPECT_EQ(stats,
            (std::map<std::string, std::pair<size_t, Counts>>{
                {"cert-event.misp.json", {9, {{"sha256", 1}, {"to_ids false", 1}}}},
                {"isac-bundle.stix.json",
                 {7, {{"expired", 1}, {"unsupported object path 'file:hashes.'SHA-256''", 1}}}},
                {"ot-protocols.rules", {6, {{"unsupported keyword 'byte_test'", 1}}}},
            }));
  // 6 rules; STIX: the compound network-traffic pattern (1), the LIKE pattern on the three host
  // buffers (3), the suricata pattern (1); MISP: the snort attribute (1).
  EXPECT_EQ(rules_->signatures().size(), 12u);
}

TEST_F(EnergyTemplate, ContextReachesIndicators) {
  std::map<std::string, const IndicatorMeta*> by_value;
  for (const auto& i : rules_->indicators()) by_value[i.normalized] = &rules_->meta_of(i);
  const IndicatorMeta* stix = by_value.at("203.0.113.66");
  EXPECT_EQ(stix->source, "Example Energy ISAC");
  EXPECT_EQ(stix->campaign, "GRIDLOCK-TEMPLATE");
  EXPECT_EQ(stix->tlp, "amber");
  EXPECT_EQ(stix->confidence, 80);
  const IndicatorMeta* misp = by_value.at("scada-patch.example.org");
  EXPECT_EQ(misp->source, "Example Grid CERT");
  EXPECT_EQ(misp->campaign, "GRIDLOCK-TEMPLATE");
  EXPECT_EQ(misp->tlp, "amber");
  const IndicatorMeta* iprep = by_value.at("203.0.113.99");
  EXPECT_EQ(iprep->confidence, 100);
  EXPECT_EQ(iprep->description, "Command and control used against energy operators");
  EXPECT_EQ(by_value.at("gridlock-c2.example")->source, "c2-names");
}

}  // namespace
}  // namespace tripline
