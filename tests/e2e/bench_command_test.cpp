// `tripline bench`: the report's contents (never its timings): what was replayed, how many
// alerts each worker count raised (the same as `tripline scan`), the ceiling when payload
// rules are loaded, the compare form, and errors.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <fstream>

#include "tests/e2e/e2e_support.hpp"
#include "tests/test_support.hpp"

namespace tripline::test {
namespace {

class BenchCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    list_ = dir_.path() / "demo.list";
    std::ofstream(list_) << "192.0.2.10\nmalware-c2.example\n";
    sigs_ = dir_.path() / "payload.rules";
    std::ofstream(sigs_) << "alert tcp any any -> any any (msg:\"stage\"; "
                            "content:\"/payload/stage2.bin\"; sid:1;)\n"
                            "alert http any any -> any any (msg:\"ua\"; http.user_agent; "
                            "content:\"Mozilla\"; sid:2;)\n";
    pcap_ = dir_.path() / "gen.pcap";
    const auto gen = run_command(shell_quote(trafficgen_binary()) + " --out " + q(pcap_) +
                                 " --truth /dev/null --packets 4000 --seed 5 --inject " + q(list_));
    ASSERT_EQ(gen.exit_code, 0) << gen.err;
  }
  CommandResult tripline(const std::string& args) {
    return run_command(shell_quote(tripline_binary()) + " " + args);
  }
  static std::string q(const std::filesystem::path& p) { return shell_quote(p.string()); }
  uint64_t scan_alerts(const std::filesystem::path& rules) {
    const auto out = dir_.path() / "eve.json";
    const auto r = tripline("scan -q --rules " + q(rules) + " --alerts " + q(out) + " " + q(pcap_));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return read_alerts(read_file(out)).size();
  }

  TempDir dir_;
  std::filesystem::path list_, sigs_, pcap_;
};

TEST_F(BenchCommand, JsonReportsTheReplayAndTheAlertsOfEveryWorkerCount) {
  const auto r = tripline("bench --json --workers 1,2 --repeat 2 --profile-rules 1 --rules " +
                          q(list_) + " --rules " + q(sigs_) + " " + q(pcap_));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_FALSE(parser.parse(r.out).get(doc)) << r.out;
  EXPECT_EQ(doc["capture"]["packets"].get_uint64().value(), 4000u);
  EXPECT_GT(doc["capture"]["payload_bytes"].get_uint64().value(), 0u);
  simdjson::dom::array sets = doc["rule_sets"].get_array();
  ASSERT_EQ(sets.size(), 1u);
  simdjson::dom::element set = sets.at(0);
  EXPECT_EQ(set["indicators"].get_uint64().value(), 2u);
  EXPECT_EQ(set["signatures"].get_uint64().value(), 2u);
  EXPECT_GT(set["hyperscan_bytes"].get_uint64().value(), 0u);
  EXPECT_GT(set["ceiling_payload_gbps"].get_double().value(), 0.0);

  // The profiled replay: stage shares add up to one; the rule profile lists one rule each.
  double shares = 0;
  for (auto [stage, share] : set["stages"].get_object()) shares += share.get_double().value();
  EXPECT_NEAR(shares, 1.0, 0.005);  // nine shares, each printed to three decimals
  EXPECT_GT(set["stages"]["hs_stream"].get_double().value(), 0.0);
  EXPECT_GT(set["stages"]["decode"].get_double().value(), 0.0);
  ASSERT_EQ(set["rules_by_time"].get_array().size(), 1u);
  ASSERT_EQ(set["rules_by_matches"].get_array().size(), 1u);
  simdjson::dom::element top = set["rules_by_matches"].get_array().at(0);
  EXPECT_EQ(top["sid"].get_uint64().value(), 2u);  // every request has a Mozilla User-Agent
  EXPECT_EQ(top["matches"].get_uint64().value(), top["checks"].get_uint64().value());

  // Both rule files together, as scan sees them.
  const auto both = dir_.path() / "both";
  std::filesystem::create_directory(both);
  std::filesystem::copy(list_, both / "demo.list");
  std::filesystem::copy(sigs_, both / "payload.rules");
  const uint64_t expected = scan_alerts(both);
  ASSERT_GT(expected, 2u);
  simdjson::dom::array runs = set["runs"].get_array();
  ASSERT_EQ(runs.size(), 2u);
  uint64_t workers = 1;
  for (simdjson::dom::element run : runs) {
    EXPECT_EQ(run["workers"].get_uint64().value(), workers++);
    EXPECT_EQ(run["alerts"].get_uint64().value(), expected);
    EXPECT_GT(run["packets_per_second"].get_double().value(), 0.0);
    EXPECT_GT(run["ceiling_ratio"].get_double().value(), 0.0);
  }
}

TEST_F(BenchCommand, CompareRunsTwoRuleSetsSideBySide) {
  const auto r =
      tripline("bench --repeat 1 --compare " + q(list_) + " " + q(sigs_) + " " + q(pcap_));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("capture: 4000 packets"), std::string::npos) << r.out;
  const size_t a = r.out.find("rule set " + list_.string() + ": 2 indicators, 0 signatures");
  const size_t b = r.out.find("rule set " + sigs_.string() + ": 0 indicators, 2 signatures");
  ASSERT_NE(a, std::string::npos) << r.out;
  ASSERT_NE(b, std::string::npos) << r.out;
  EXPECT_LT(a, b);
  EXPECT_NE(r.out.find("Hyperscan ceiling", b), std::string::npos);
  EXPECT_EQ(r.out.find("Hyperscan ceiling"), r.out.find("Hyperscan ceiling", b))
      << "no ceiling for a set without payload rules";
}

TEST_F(BenchCommand, ErrorsAreClear) {
  const auto neither = tripline("bench " + q(pcap_));
  EXPECT_EQ(neither.exit_code, 1);  // CLI11 usage errors: see docs/usage.md
  EXPECT_NE(neither.err.find("give either --rules or --compare SET_A SET_B"), std::string::npos)
      << neither.err;
  const auto missing = tripline("bench --rules " + q(list_) + " " + q(dir_.path() / "none.pcap"));
  EXPECT_EQ(missing.exit_code, 3);
  EXPECT_NE(missing.err.find("none.pcap"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace tripline::test
