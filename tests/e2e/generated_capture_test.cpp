// End to end on generated traffic: the alerts equal the generator's ground truth exactly,
// and are identical for one and two workers.
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

TEST_F(GeneratedCapture, SameAlertsForOneAndTwoWorkers) {
  const auto one = scan(1);
  const auto two = scan(2);
  ASSERT_EQ(one.exit_code, 0) << one.err;
  ASSERT_EQ(two.exit_code, 0) << two.err;
  auto a = read_alerts(one.out);
  auto b = read_alerts(two.out);
  ASSERT_FALSE(a.empty());
  auto key = [](const AlertRow& r) { return r.tsv() + "\t" + std::to_string(r.flow_id); };
  std::vector<std::string> ka, kb;
  for (const auto& r : a) ka.push_back(key(r));
  for (const auto& r : b) kb.push_back(key(r));
  std::sort(ka.begin(), ka.end());
  std::sort(kb.begin(), kb.end());
  EXPECT_EQ(ka, kb);
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
