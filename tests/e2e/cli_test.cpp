// The tripline command: exit codes, diagnostics and summaries on good and bad input.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/e2e/e2e_support.hpp"
#include "tests/test_support.hpp"

namespace tripline::test {
namespace {

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    rules_ = dir_.path() / "demo.list";
    std::ofstream(rules_) << "192.0.2.10\nmalware-c2.example\n";
    pcap_ = dir_.path() / "gen.pcap";
    const auto gen = run_command(shell_quote(trafficgen_binary()) + " --out " + shell_quote(pcap_) +
                                 " --truth /dev/null --packets 3000" + " --seed 11 --inject " +
                                 shell_quote(rules_));
    ASSERT_EQ(gen.exit_code, 0) << gen.err;
  }
  CommandResult tripline(const std::string& args) {
    return run_command(shell_quote(tripline_binary()) + " " + args);
  }
  std::string q(const std::filesystem::path& p) { return shell_quote(p.string()); }

  TempDir dir_;
  std::filesystem::path rules_, pcap_;
};

TEST_F(Cli, VersionAndHelp) {
  EXPECT_EQ(tripline("--version").out, "tripline 0.1.0\n");
  const auto help = tripline("scan --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--alert-mode"), std::string::npos);
  EXPECT_EQ(tripline("scan --workers 0 --rules x y").exit_code, 1);
  EXPECT_EQ(tripline("").exit_code, 1);
}

TEST_F(Cli, ScanWritesAlertsAndAFinalStatsEventAndSummary) {
  const auto out = dir_.path() / "eve.json";
  const auto r =
      tripline("scan --workers 2 --rules " + q(rules_) + " --alerts " + q(out) + " " + q(pcap_));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string eve = read_file(out);
  EXPECT_FALSE(read_alerts(eve).empty());
  const size_t last_line = eve.rfind('\n', eve.size() - 2);
  EXPECT_NE(eve.find("\"event_type\":\"stats\"", last_line), std::string::npos);
  EXPECT_NE(r.err.find("tripline: 3000 packets"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("2 workers"), std::string::npos) << r.err;
}

TEST_F(Cli, TruncatedLastRecordIsAWarningWithTheFrameNumber) {
  const auto cut = dir_.path() / "cut.pcap";
  std::string bytes = read_file(pcap_);
  bytes.resize(bytes.size() - 10);  // into the last record's data
  std::ofstream(cut, std::ios::binary) << bytes;
  const auto full = tripline("scan -q --rules " + q(rules_) + " " + q(pcap_));
  const auto r = tripline("scan --rules " + q(rules_) + " " + q(cut));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: " + cut.string() + ": truncated record at frame 3000"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("read 2999 packets"), std::string::npos) << r.err;
  // Every alert up to the cut is written.
  auto all = read_alerts(full.out);
  auto got = read_alerts(r.out);
  all.erase(std::remove_if(all.begin(), all.end(), [](auto& a) { return a.pcap_cnt >= 3000; }),
            all.end());
  EXPECT_EQ(sorted_tsv(got), sorted_tsv(all));
}

TEST_F(Cli, NotACaptureIsAnErrorNamingTheFileAndOtherFilesStillScan) {
  const auto junk = dir_.path() / "notes.txt";
  std::ofstream(junk) << "this is not a capture\n";
  const auto r = tripline("scan --rules " + q(rules_) + " " + q(junk) + " " + q(pcap_));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("error: " + junk.string() + ": not a readable capture file"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(read_alerts(r.out).empty());
  EXPECT_NE(r.err.find("tripline: 3000 packets"), std::string::npos) << r.err;
}

TEST_F(Cli, FailingToWriteAlertsIsAnError) {
  const auto r = tripline("scan -q --rules " + q(rules_) + " --alerts /dev/full " + q(pcap_));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("tripline: error: writing alerts to /dev/full failed"), std::string::npos)
      << r.err;
  EXPECT_EQ(
      tripline("scan -q --rules " + q(rules_) + " --alerts /nonexistent/dir/x.json " + q(pcap_))
          .exit_code,
      1);
}

TEST_F(Cli, MissingCaptureIsAnError) {
  const auto r = tripline("scan -q --rules " + q(rules_) + " /nonexistent/x.pcap");
  EXPECT_EQ(r.exit_code, 3);
}

TEST_F(Cli, BadRuleLinesAreReportedAndTheRestLoads) {
  const auto bad = dir_.path() / "bad.list";
  std::ofstream(bad) << "192.0.2.10\nnot an indicator\n999.1.1.1/8\nmalware-c2.example\n";
  const auto r = tripline("scan --rules " + q(bad) + " " + q(pcap_));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find(bad.string() + ":2: not an indicator: 'not an indicator'"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(bad.string() + ":3: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("rules: 2 indicators"), std::string::npos) << r.err;
  EXPECT_FALSE(read_alerts(r.out).empty());

  const auto strict = tripline("scan --strict --rules " + q(bad) + " " + q(pcap_));
  EXPECT_EQ(strict.exit_code, 2);
  EXPECT_TRUE(strict.out.empty());
}

TEST_F(Cli, RulesCheckCountsPerTypeAndFailsOnErrors) {
  const auto good = tripline("rules check " + q(rules_));
  EXPECT_EQ(good.exit_code, 0) << good.err;
  EXPECT_NE(good.err.find("  demo.list: domain 1, ip 1\n"), std::string::npos) << good.err;
  EXPECT_NE(good.err.find("rules: 2 indicators (domain 1, ip 1); 0 skipped; 0 errors"),
            std::string::npos)
      << good.err;

  const auto mixed = dir_.path() / "mixed.list";
  std::ofstream(mixed) << "d41d8cd98f00b204e9800998ecf8427e\nadmin@example.com\nexample.com\n";
  const auto r = tripline("rules check --list-skipped " + q(mixed));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find(mixed.string() + ":1: skipped md5 indicator"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("2 skipped (email 1, md5 1)"), std::string::npos) << r.err;

  const auto bad = dir_.path() / "bad.list";
  std::ofstream(bad) << "not an indicator\n";
  EXPECT_EQ(tripline("rules check " + q(bad)).exit_code, 2);
}

TEST_F(Cli, ADirectoryOfCapturesIsReadInNameOrder) {
  const auto caps = dir_.path() / "caps";
  std::filesystem::create_directories(caps);
  std::filesystem::copy_file(pcap_, caps / "a.pcap");
  const auto gen =
      run_command(shell_quote(trafficgen_binary()) + " --out " + q(caps / "b.pcap") +
                  " --truth /dev/null --packets 2000" + " --seed 12 --inject " + q(rules_));
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  const auto r = tripline("scan -q --workers 1 --rules " + q(rules_) + " " + q(caps));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto a_only = read_alerts(tripline("scan -q --rules " + q(rules_) + " " + q(pcap_)).out);
  const auto b_only =
      read_alerts(tripline("scan -q --rules " + q(rules_) + " " + q(caps / "b.pcap")).out);
  EXPECT_EQ(read_alerts(r.out).size(), a_only.size() + b_only.size());
  const size_t a = r.out.find("a.pcap"), b = r.out.find("b.pcap");
  ASSERT_NE(a, std::string::npos);
  ASSERT_NE(b, std::string::npos);
  EXPECT_LT(a, b);  // one worker: output follows the reading order
}

}  // namespace
}  // namespace tripline::test
