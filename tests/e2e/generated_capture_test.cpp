// End to end on generated traffic: the alerts equal the generator's ground truth exactly,
// and are identical for any worker count.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/e2e/e2e_support.hpp"
#include "tests/test_support.hpp"

namespace tripline::test {
namespace {

constexpr const char* kIndicators = R"(# e2e indicators
192.0.2.10
198.51.100.7
203.0.113.0/25
2001:db8:bad::53
malware-c2.example
update-check[.]example.net
hxxp://files.example.org/payload/stage2.bin
http://portal.example.com/login.php?session=e2e
# overlapping indicators: the most specific one alerts
203.0.113.77
www.malware-c2.example
)";

class GeneratedCapture : public ::testing::Test {
 protected:
  void SetUp() override {
    rules_ = dir_.path() / "e2e.list";
    std::ofstream(rules_) << kIndicators;
    pcap_ = dir_.path() / "gen.pcap";
    truth_ = dir_.path() / "gen.truth.tsv";
    const auto gen = run_command(shell_quote(trafficgen_binary()) + " --out " + shell_quote(pcap_) +
                                 " --truth " + shell_quote(truth_) +
                                 " --packets 30000 --seed 7 --inject " + shell_quote(rules_));
    ASSERT_EQ(gen.exit_code, 0) << gen.err;
  }

  CommandResult scan(int workers, const std::string& extra = "") {
    return run_command(shell_quote(tripline_binary()) + " scan --rules " + shell_quote(rules_) +
                       " --workers " + std::to_string(workers) + " " + extra + " " +
                       shell_quote(pcap_));
  }

  TempDir dir_;
  std::filesystem::path rules_, pcap_, truth_;
};

TEST_F(GeneratedCapture, AlertsEqualGroundTruth) {
  const auto truth = read_truth(read_file(truth_));
  ASSERT_GE(truth.size(), 16u);  // 4 address, 2 domain and 2 URL indicators, several flows each
  const auto result = scan(1);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(sorted_tsv(read_alerts(result.out)), truth);
}

// Any worker count, and either way of reading the file (mapped, or through libpcap): the
// same alerts, flow ids included, and the same decoder counters.
TEST_F(GeneratedCapture, SameAlertsForAnyWorkerCountAndReader) {
  const auto one = scan(1);
  ASSERT_EQ(one.exit_code, 0) << one.err;
  auto key = [](const AlertRow& r) { return r.tsv() + "\t" + std::to_string(r.flow_id); };
  const auto keys = [&](const CommandResult& run) {
    std::vector<std::string> k;
    for (const auto& r : read_alerts(run.out)) k.push_back(key(r));
    std::sort(k.begin(), k.end());
    return k;
  };
  const auto decoder = [](const CommandResult& run) {
    const size_t at = run.out.rfind("\"decoder\":");
    return run.out.substr(at, run.out.find('}', run.out.find("\"errors\":", at)) - at);
  };
  const std::vector<std::string> expected = keys(one);
  ASSERT_FALSE(expected.empty());
  for (const char* extra : {"", "--no-mmap"})
    for (const int workers : {2, 3}) {
      const auto run = scan(workers, extra);
      ASSERT_EQ(run.exit_code, 0) << run.err;
      EXPECT_EQ(keys(run), expected) << workers << " workers, " << extra;
      EXPECT_EQ(decoder(run), decoder(one)) << workers << " workers, " << extra;
    }
}

TEST_F(GeneratedCapture, PacketModeAlertsOnEveryPacketThatShowsAnIndicator) {
  const auto flow_mode = scan(2);
  const auto packet_mode = scan(2, "--alert-mode packet");
  ASSERT_EQ(packet_mode.exit_code, 0) << packet_mode.err;
  const auto flows = read_alerts(flow_mode.out);
  const auto packets = read_alerts(packet_mode.out);
  // Every flow-mode alert is also a packet-mode alert, and IP indicators repeat on
  // every packet of their flows.
  const auto all = sorted_tsv(packets);
  for (const auto& row : sorted_tsv(flows))
    EXPECT_TRUE(std::binary_search(all.begin(), all.end(), row)) << row;
  EXPECT_GT(packets.size(), 3 * flows.size());
}

}  // namespace
}  // namespace tripline::test
