// End to end through DPDK: `tripline run --dpdk` on net_pcap virtual devices (no NIC, no
// hugepages) gives the same alerts as `tripline scan` on the same captures, one RX queue per
// rx_pcap= file, and stops cleanly on SIGINT. Skipped when tripline was built without DPDK.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "tests/e2e/e2e_support.hpp"
#include "tests/test_support.hpp"

namespace tripline::test {
namespace {

constexpr const char* kIndicators = R"(# dpdk e2e indicators
192.0.2.10
198.51.100.7
203.0.113.0/25
2001:db8:bad::53
malware-c2.example
update-check[.]example.net
hxxp://files.example.org/payload/stage2.bin
http://portal.example.com/login.php?session=e2e
203.0.113.77
www.malware-c2.example
)";

// `tripline run --help` output, to tell whether it was built with DPDK.
const CommandResult& run_help() {
  static const CommandResult help = run_command(shell_quote(tripline_binary()) + " run --help");
  return help;
}

// The EVE "stats" event's capture counters.
struct CaptureStats {
  bool found = false;
  uint64_t packets = 0, kernel_packets = 0, kernel_drops = 0;
  std::vector<uint64_t> input_packets;
};

CaptureStats read_capture_stats(const std::string& eve_text) {
  CaptureStats out;
  simdjson::dom::parser parser;
  std::istringstream in(eve_text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find("\"event_type\":\"stats\"") == std::string::npos) continue;
    simdjson::dom::element doc;
    if (parser.parse(line).get(doc)) continue;
    const auto capture = doc["stats"]["capture"];
    out.found = true;
    out.packets = capture["packets"].get_uint64().value_unsafe();
    uint64_t v = 0;
    if (!capture["kernel_packets"].get(v)) out.kernel_packets = v;
    if (!capture["kernel_drops"].get(v)) out.kernel_drops = v;
    simdjson::dom::array inputs;
    if (!capture["inputs"].get(inputs))
      for (auto input : inputs)
        out.input_packets.push_back(input["packets"].get_uint64().value_unsafe());
  }
  return out;
}

uint64_t pcap_cnt_of(const std::string& tsv_row) { return std::stoull(tsv_row); }

class DpdkRun : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(run_help().exit_code, 0) << tripline_binary() << ": " << run_help().err;
    if (run_help().out.find("--dpdk") == std::string::npos)
      GTEST_SKIP() << "tripline built without DPDK (no libdpdk-dev)";
    rules_ = dir_.path() / "dpdk.list";
    std::ofstream(rules_) << kIndicators;
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    prefix_ = std::string("tripline-test-") + test->name() + "-" + std::to_string(getpid());
  }

  void TearDown() override {
    // The EAL leaves its (empty) runtime directory behind; it is named after our prefix.
    std::error_code ec;
    for (const std::string base : {"/var/run/dpdk/", "/tmp/dpdk/"})
      std::filesystem::remove_all(base + prefix_, ec);
    if (const char* xdg = std::getenv("XDG_RUNTIME_DIR"))
      std::filesystem::remove_all(std::string(xdg) + "/dpdk/" + prefix_, ec);
  }

  std::filesystem::path generate(const std::string& name, int packets, int seed) {
    const auto pcap = dir_.path() / (name + ".pcap");
    const auto gen = run_command(shell_quote(trafficgen_binary()) + " --out " + shell_quote(pcap) +
                                 " --truth " + shell_quote(dir_.path() / (name + ".truth.tsv")) +
                                 " --packets " + std::to_string(packets) + " --seed " +
                                 std::to_string(seed) + " --inject " + shell_quote(rules_));
    EXPECT_EQ(gen.exit_code, 0) << gen.err;
    return pcap;
  }

  std::vector<std::string> scan(const std::filesystem::path& pcap) {
    const auto result =
        run_command(shell_quote(tripline_binary()) + " scan -q --workers 1 --rules " +
                    shell_quote(rules_) + " " + shell_quote(pcap));
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return sorted_tsv(read_alerts(result.out));
  }

  // `tripline run --dpdk` with `options`, EAL arguments that need no hugepages and no NIC,
  // and one net_pcap port built from `vdev_args` (e.g. "rx_pcap=a.pcap,rx_pcap=b.pcap").
  std::string dpdk_command(const std::string& options, const std::string& vdev_args) {
    return shell_quote(tripline_binary()) + " run --dpdk --rules " + shell_quote(rules_) +
           " --alerts " + shell_quote(alerts_) + " " + options +
           " -- --no-huge --no-pci -m 512 --no-shconf --log-level=error --file-prefix " + prefix_ +
           " " + shell_quote("--vdev=net_pcap0," + vdev_args);
  }

  TempDir dir_;
  std::filesystem::path rules_;
  std::filesystem::path alerts_ = dir_.path() / "alerts.json";
  std::string prefix_;
};

TEST_F(DpdkRun, TwoQueuesGiveTheUnionOfTheOfflineScans) {
  const auto a = generate("a", 30000, 7);
  const auto b = generate("b", 20000, 11);
  std::vector<std::string> expected = scan(a);
  const auto from_b = scan(b);
  expected.insert(expected.end(), from_b.begin(), from_b.end());
  std::sort(expected.begin(), expected.end());
  ASSERT_GE(expected.size(), 32u);

  const auto run = run_command(
      dpdk_command("--queues 2 --idle-exit 2", "rx_pcap=" + a.string() + ",rx_pcap=" + b.string()));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string eve = read_file(alerts_);
  EXPECT_EQ(sorted_tsv(read_alerts(eve)), expected);

  const CaptureStats stats = read_capture_stats(eve);
  ASSERT_TRUE(stats.found) << eve;
  EXPECT_EQ(stats.packets, 50000u);
  EXPECT_EQ(stats.kernel_packets, 50000u);
  EXPECT_EQ(stats.kernel_drops, 0u);
  EXPECT_EQ(stats.input_packets, (std::vector<uint64_t>{30000, 20000}));  // queue 0 = a, 1 = b
}

TEST_F(DpdkRun, OneQueueEqualsTheOfflineScan) {
  const auto a = generate("a", 20000, 5);
  const auto expected = scan(a);
  ASSERT_GE(expected.size(), 16u);
  const auto run = run_command(dpdk_command("--idle-exit 1", "rx_pcap=" + a.string()));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string eve = read_file(alerts_);
  EXPECT_EQ(sorted_tsv(read_alerts(eve)), expected);
  const CaptureStats stats = read_capture_stats(eve);
  EXPECT_EQ(stats.packets, 20000u);
}

TEST_F(DpdkRun, BadEalArgumentsAreAnErrorNotACrash) {
  const auto run = run_command(shell_quote(tripline_binary()) + " run --dpdk --rules " +
                               shell_quote(rules_) + " -- --no-huge --no-such-eal-option");
  EXPECT_EQ(run.exit_code, 3) << run.err;
  EXPECT_NE(run.err.find("EAL"), std::string::npos) << run.err;
}

// A capture replayed endlessly (infinite_rx) is stopped by SIGINT once alerts appear: exit 0,
// a stats event, every packet the port reports received was processed, and every alert the
// offline scan gives up to the last packet received is there (flow mode: the replays of
// already-seen flows add none).
TEST_F(DpdkRun, SigintStopsAfterProcessingEverythingReceived) {
  const auto a = generate("a", 4000, 3);  // infinite_rx holds the capture in the mbuf pool
  const auto offline = scan(a);
  ASSERT_FALSE(offline.empty());
  const std::string script =
      dpdk_command("--idle-exit 60", "rx_pcap=" + a.string() + ",infinite_rx=1") +
      " & pid=$!\n"
      "for i in $(seq 100); do grep -q '\"event_type\":\"alert\"' " +
      shell_quote(alerts_) +
      " 2>/dev/null && break; sleep 0.1; done\n"
      "kill -INT $pid\n"
      "wait $pid\n"
      "echo exit=$?\n";
  const auto run = run_command("sh -c " + shell_quote(script));
  EXPECT_NE(run.out.find("exit=0"), std::string::npos) << run.out << run.err;

  const std::string eve = read_file(alerts_);
  const CaptureStats stats = read_capture_stats(eve);
  ASSERT_TRUE(stats.found) << eve;
  ASSERT_GT(stats.packets, 0u);
  EXPECT_EQ(stats.kernel_packets, stats.packets);  // received = processed
  EXPECT_EQ(stats.kernel_drops, 0u);

  std::vector<std::string> expected;
  for (const auto& row : offline)
    if (pcap_cnt_of(row) <= stats.packets) expected.push_back(row);
  EXPECT_EQ(sorted_tsv(read_alerts(eve)), expected);
}

TEST_F(DpdkRun, PeriodicStatsEventsAndSummaryLines) {
  const auto a = generate("a", 2000, 5);
  const std::string script =
      dpdk_command("--stats-interval 0.2", "rx_pcap=" + a.string() + ",infinite_rx=1") +
      " & pid=$!\nsleep 3\nkill -TERM $pid\nwait $pid\necho exit=$?\n";
  const auto run = run_command("sh -c " + shell_quote(script));
  EXPECT_NE(run.out.find("exit=0"), std::string::npos) << run.out << run.err;
  const std::string eve = read_file(alerts_);
  size_t events = 0;
  for (size_t at = eve.find("\"event_type\":\"stats\""); at != std::string::npos;
       at = eve.find("\"event_type\":\"stats\"", at + 1))
    ++events;
  // Periodic stats every 0.2 s for up to 3 s (EAL start-up included; it can take most of
  // that on a loaded machine), plus the final one.
  EXPECT_GE(events, 2u);
  EXPECT_NE(run.err.find("tripline: dpdk: "), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("no buffer 0"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace tripline::test
