// The synthetic traffic generator: deterministic per seed, a valid classic pcap with the
// requested packet count, the expected ground truth for a known inject list, and (when
// tshark is installed) nothing Wireshark calls malformed.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/e2e/e2e_support.hpp"
#include "tests/test_support.hpp"

namespace tripline::test {
namespace {

constexpr const char* kInject =
    "# e2e indicators\n"
    "198.51.100.7\n"
    "203.0.113.0/24\n"
    "\n"
    "evil.example\n"
    "http://evil.example/gate.php?id=1\n"
    "bad.example/path\n"
    "2001:db8:1::5\n";

class TrafficgenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bin_ = trafficgen_binary();
    inject_ = dir_.path() / "inject.txt";
    std::ofstream(inject_) << kInject;
  }

  // Runs the generator; returns {pcap, truth} paths.
  std::pair<std::filesystem::path, std::filesystem::path> generate(const std::string& name,
                                                                   uint64_t seed,
                                                                   uint64_t packets = 20000) {
    const auto pcap = dir_.path() / (name + ".pcap");
    const auto truth = dir_.path() / (name + ".tsv");
    const std::string cmd = shell_quote(bin_) + " --out " + shell_quote(pcap.string()) +
                            " --truth " + shell_quote(truth.string()) + " --inject " +
                            shell_quote(inject_.string()) + " --packets " +
                            std::to_string(packets) + " --seed " + std::to_string(seed) +
                            " --ipv6-share 0.2 --vlan-share 0.2 2>/dev/null";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    return {pcap, truth};
  }

  // stdout of a shell command.
  std::string run(const std::string& cmd) {
    const auto out = dir_.path() / "cmd.out";
    std::system((cmd + " > '" + out.string() + "' 2>/dev/null").c_str());
    return read_file(out);
  }

  TempDir dir_;
  std::string bin_;
  std::filesystem::path inject_;
};

uint32_t le32(const std::string& s, size_t at) {
  return static_cast<uint32_t>(static_cast<uint8_t>(s[at])) |
         static_cast<uint32_t>(static_cast<uint8_t>(s[at + 1])) << 8 |
         static_cast<uint32_t>(static_cast<uint8_t>(s[at + 2])) << 16 |
         static_cast<uint32_t>(static_cast<uint8_t>(s[at + 3])) << 24;
}

std::vector<std::vector<std::string>> tsv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::istringstream cell_in(line);
    std::string cell;
    while (std::getline(cell_in, cell, '\t')) cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

TEST_F(TrafficgenTest, SameSeedGivesIdenticalBytes) {
  const auto [pcap_a, truth_a] = generate("a", 42);
  const auto [pcap_b, truth_b] = generate("b", 42);
  const std::string a = read_file(pcap_a);
  ASSERT_FALSE(a.empty());
  EXPECT_TRUE(a == read_file(pcap_b));
  EXPECT_EQ(read_file(truth_a), read_file(truth_b));
}

TEST_F(TrafficgenTest, DifferentSeedGivesDifferentCapture) {
  const auto [pcap_a, truth_a] = generate("a", 1);
  const auto [pcap_b, truth_b] = generate("b", 2);
  EXPECT_FALSE(read_file(pcap_a) == read_file(pcap_b));
  EXPECT_NE(read_file(truth_a), read_file(truth_b));
}

TEST_F(TrafficgenTest, ClassicPcapWithExactPacketCountAndOrderedTimestamps) {
  const auto [pcap, truth] = generate("p", 3, 5000);
  const std::string data = read_file(pcap);
  ASSERT_GE(data.size(), 24u);
  EXPECT_EQ(le32(data, 0), 0xa1b2c3d4u);
  EXPECT_EQ(le32(data, 20), 1u);  // LINKTYPE_ETHERNET
  uint64_t packets = 0;
  uint64_t last_us = 0;
  size_t at = 24;
  while (at + 16 <= data.size()) {
    const uint64_t us = uint64_t{le32(data, at)} * 1000000 + le32(data, at + 4);
    const uint32_t caplen = le32(data, at + 8);
    EXPECT_EQ(caplen, le32(data, at + 12));
    EXPECT_LE(caplen, 1518u);
    EXPECT_GE(us, last_us);
    if (packets == 0) {
      EXPECT_GE(us, uint64_t{1767225600} * 1000000);  // 2026-01-01T00:00:00Z
    }
    last_us = us;
    at += 16 + caplen;
    ++packets;
  }
  EXPECT_EQ(at, data.size());
  EXPECT_EQ(packets, 5000u);
}

TEST_F(TrafficgenTest, TruthHasOneRowPerFlowAndIndicator) {
  const auto [pcap, truth] = generate("t", 7);
  const auto rows = tsv_rows(read_file(truth));
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows[0], (std::vector<std::string>{"pcap_cnt", "src_ip", "src_port", "dest_ip",
                                               "dest_port", "proto", "ioc_type", "ioc_value",
                                               "ioc_field", "ioc_matched"}));
  std::map<std::string, int> by_value_field;
  uint64_t last = 0;
  for (size_t i = 1; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i].size(), 10u) << "row " << i;
    const uint64_t cnt = std::stoull(rows[i][0]);
    EXPECT_GE(cnt, last);
    EXPECT_LE(cnt, 20000u);
    last = cnt;
    ++by_value_field[rows[i][7] + " " + rows[i][8]];
  }
  const std::map<std::string, int> expected = {
      {"198.51.100.7 ip.dst", 1},
      {"198.51.100.7 ip.src", 1},
      {"2001:db8:1::5 ip.dst", 1},
      {"2001:db8:1::5 ip.src", 1},
      {"203.0.113.0/24 ip.dst", 1},
      {"203.0.113.0/24 ip.src", 1},
      {"evil.example dns.query", 2},
      {"evil.example tls.sni", 1},
      {"evil.example http.host", 2},  // the :8080 flow and the URL's flow
      {"http://evil.example/gate.php?id=1 http.url", 1},
      {"bad.example/path http.url", 2},  // as written and with "?x=1" appended
  };
  EXPECT_EQ(by_value_field, expected);
}

TEST_F(TrafficgenTest, TsharkSeesNothingMalformed) {
  if (run("command -v tshark").empty()) GTEST_SKIP() << "tshark not installed";
  const auto [pcap, truth] = generate("w", 5);
  const std::string q = shell_quote(pcap.string());
  EXPECT_EQ(run("tshark -r " + q + " -Y _ws.malformed"), "");
  EXPECT_EQ(run("tshark -r " + q + " -Y '_ws.expert.severity >= error'"), "");
  // And it does dissect the application protocols.
  const std::string apps =
      run("tshark -r " + q +
          " -Y 'dns || tls.handshake.type == 1 || http.request' 2>/dev/null | wc -l");
  EXPECT_GT(std::atoi(apps.c_str()), 10);
}

}  // namespace
}  // namespace tripline::test
