// End to end: `tripline scan --threshold-file` on a generated capture writes exactly the
// alerts the thresholds and suppressions leave, and counts the rest in the stats event;
// bad lines are reported (fatal with --strict, exit code 2).
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "tests/e2e/e2e_support.hpp"
#include "tests/test_support.hpp"

namespace tripline::test {
namespace {

class ThresholdCli : public ::testing::Test {
 protected:
  void SetUp() override {
    rules_ = dir_.path() / "demo.list";  // 192.0.2.10 is sid 9000001, the domain 9000002
    std::ofstream(rules_) << "192.0.2.10\nmalware-c2.example\n";
    pcap_ = dir_.path() / "gen.pcap";
    const auto gen =
        run_command(shell_quote(trafficgen_binary()) + " --out " + q(pcap_) +
                    " --truth /dev/null --packets 3000 --seed 11 --inject " + q(rules_));
    ASSERT_EQ(gen.exit_code, 0) << gen.err;
    // Every packet that shows an indicator: a few dozen alerts, from several sources.
    const auto base = scan("");
    ASSERT_EQ(base.exit_code, 0) << base.err;
    rows_ = read_alerts(read_file(eve_));
    for (const AlertRow& a : rows_) ++baseline_[a.ioc_value];
    ASSERT_GT(baseline_["192.0.2.10"], 2u);
    ASSERT_GT(baseline_["malware-c2.example"], 2u);
  }

  std::string q(const std::filesystem::path& p) { return shell_quote(p.string()); }
  CommandResult scan(const std::string& extra) {
    return run_command(shell_quote(tripline_binary()) +
                       " scan --workers 2 --alert-mode packet --rules " + q(rules_) + " --alerts " +
                       q(eve_) + " " + extra + " " + q(pcap_));
  }
  std::filesystem::path write_config(const std::string& text) {
    const auto path = dir_.path() / "threshold.config";
    std::ofstream(path) << text;
    return path;
  }
  // A number in the final stats event, e.g. "suppressed".
  uint64_t stat(const std::string& name) {
    const std::string eve = read_file(eve_);
    const size_t stats = eve.rfind("\"event_type\":\"stats\"");
    const size_t at = eve.find("\"" + name + "\":", stats);
    EXPECT_NE(at, std::string::npos) << name;
    if (at == std::string::npos) return ~0ull;
    return std::stoull(eve.substr(at + name.size() + 3));
  }

  TempDir dir_;
  std::filesystem::path rules_, pcap_, eve_ = dir_.path() / "eve.json";
  std::vector<AlertRow> rows_;              // the alerts without thresholds
  std::map<std::string, size_t> baseline_;  // their count per indicator
};

TEST_F(ThresholdCli, SuppressAndLimitLeaveExactlyTheExpectedAlerts) {
  // Whatever order the two workers' alerts reach the writer in: the address indicator is
  // suppressed entirely, and the domain gives one alert per hour (the capture lasts less).
  const auto config = write_config(
      "# tripline threshold test\n"
      "suppress gen_id 1, sig_id 9000001\n"
      "threshold gen_id 0, sig_id 0, type limit, track by_rule, count 1, seconds 3600\n");
  const auto r = scan("--threshold-file " + q(config));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto alerts = read_alerts(read_file(eve_));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].ioc_value, "malware-c2.example");
  EXPECT_EQ(stat("suppressed"), baseline_["192.0.2.10"]);
  EXPECT_EQ(stat("thresholded"), baseline_["malware-c2.example"] - 1);
  EXPECT_EQ(stat("threshold_evictions"), 0u);
  EXPECT_EQ(stat("alert"), baseline_["192.0.2.10"] + baseline_["malware-c2.example"]);
  EXPECT_NE(r.err.find("thresholds: 1 thresholds, 1 suppressions; 0 errors"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("; 1 alerts\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("tripline: thresholds: " + std::to_string(baseline_["192.0.2.10"]) +
                       " suppressed, " + std::to_string(baseline_["malware-c2.example"] - 1) +
                       " thresholded, 0 evictions"),
            std::string::npos)
      << r.err;
}

TEST_F(ThresholdCli, RuleSetScopeAndSuppressByAddress) {
  // Alerts to or from 192.0.2.0/24 are suppressed (every alert of the address indicator, and
  // any other alert of its hosts); the rest are limited per rule set: 2 per hour for the whole
  // of demo.list, whatever the indicator.
  const auto config = write_config(
      "suppress gen_id 1, sig_id 0, track by_either, ip 192.0.2.0/24\n"
      "threshold rule_set demo.list, type limit, track by_rule, count 2, seconds 3600\n");
  size_t to_suppress = 0;
  for (const AlertRow& a : rows_)
    to_suppress += a.src_ip.rfind("192.0.2.", 0) == 0 || a.dest_ip.rfind("192.0.2.", 0) == 0;
  ASSERT_GE(to_suppress, baseline_["192.0.2.10"]);
  ASSERT_GT(rows_.size() - to_suppress, 2u);
  const auto r = scan("--threshold-file " + q(config));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto alerts = read_alerts(read_file(eve_));
  ASSERT_EQ(alerts.size(), 2u);
  for (const AlertRow& a : alerts) EXPECT_EQ(a.ioc_value, "malware-c2.example");
  EXPECT_EQ(stat("suppressed"), to_suppress);
  EXPECT_EQ(stat("thresholded"), rows_.size() - to_suppress - 2);
}

TEST_F(ThresholdCli, BadLinesAreReportedAndStrictRefusesToStart) {
  const auto config = write_config(
      "suppress gen_id 1, sig_id 9000001\n"
      "threshold gen_id 1, sig_id 9000002, type sometimes, track by_src, count 1, seconds 1\n"
      "rate_filter gen_id 1, sig_id 9000002, track by_rule, count 1, seconds 1, new_action "
      "drop, timeout 5\n"
      "suppress gen_id 1, sig_id 4242\n"
      "suppress rule_set missing.list\n");
  const std::string path = config.string();
  const auto r = scan("--threshold-file " + q(config));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find(path + ":2: unknown type 'sometimes' (expected limit, threshold or both)"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(path + ":3: warning: rate_filter is not supported"), std::string::npos);
  EXPECT_NE(r.err.find(path + ":4: warning: no rule gen_id 1, sig_id 4242 is loaded"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(path + ":5: warning: no rule set 'missing.list' is loaded"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("thresholds: 0 thresholds, 3 suppressions; 1 errors"), std::string::npos)
      << r.err;
  // The good lines still apply.
  const auto alerts = read_alerts(read_file(eve_));
  EXPECT_EQ(alerts.size(), baseline_["malware-c2.example"]);

  const auto strict = scan("--strict --threshold-file " + q(config));
  EXPECT_EQ(strict.exit_code, 2);
  EXPECT_NE(strict.err.find("tripline: 1 threshold errors and --strict: not starting"),
            std::string::npos)
      << strict.err;
  EXPECT_EQ(strict.err.find("packets"), std::string::npos) << strict.err;

  const auto missing = scan("--strict --threshold-file " + q(dir_.path() / "nope.config"));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("nope.config: cannot read threshold file"), std::string::npos)
      << missing.err;
}

TEST_F(ThresholdCli, WithoutAThresholdFileTheStatsCountersAreZero) {
  const auto r = scan("");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(stat("suppressed"), 0u);
  EXPECT_EQ(stat("thresholded"), 0u);
  EXPECT_EQ(stat("threshold_trackers"), 0u);
  EXPECT_EQ(r.err.find("tripline: thresholds:"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace tripline::test
