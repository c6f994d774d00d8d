// Live capture end to end: a veth pair with one end in a network namespace the test creates,
// tripline capturing inside it, tcpreplay sending a generated capture into the other end.
// The alerts must equal those of the offline replay of the same capture; SIGINT and SIGTERM
// stop it cleanly with nothing lost. Needs root, iproute2 and tcpreplay (skips otherwise).
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "tests/e2e/e2e_support.hpp"
#include "tests/test_support.hpp"

namespace tripline::test {
namespace {

using namespace std::chrono_literals;

// A namespace with one end of a veth pair; the other end stays here. IPv6 is off on both
// ends so the kernel sends nothing of its own (no neighbour discovery) during the test.
class VethInNamespace {
 public:
  VethInNamespace() {
    const std::string id = std::to_string(getpid() % 100000) + std::to_string(counter_++);
    ns_ = "trl" + id;
    outside_ = "to" + id;
    inside_ = "ti" + id;
    const std::string cmd =
        "ip netns add " + ns_ + " && ip link add " + outside_ + " mtu 1600 type veth peer name " +
        inside_ + " mtu 1600 && ip link set " + inside_ + " netns " + ns_ +
        " && sysctl -qw net.ipv6.conf." + outside_ + ".disable_ipv6=1" + " && ip netns exec " +
        ns_ + " sysctl -qw net.ipv6.conf." + inside_ + ".disable_ipv6=1" + " && ip link set " +
        outside_ + " up && ip netns exec " + ns_ + " ip link set " + inside_ + " up";
    const auto r = run_command(cmd);
    ok_ = r.exit_code == 0;
    error_ = r.err;
  }
  ~VethInNamespace() {
    run_command("ip link del " + outside_ + " 2>/dev/null; ip netns del " + ns_);
  }
  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  const std::string& ns() const { return ns_; }
  const std::string& outside() const { return outside_; }
  const std::string& inside() const { return inside_; }

 private:
  static inline int counter_ = 0;
  std::string ns_, outside_, inside_, error_;
  bool ok_ = false;
};

bool process_alive(pid_t pid) { return kill(pid, 0) == 0; }

class LiveCapture : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root for network namespaces";
    if (!have_program("ip") || !have_program("tcpreplay"))
      GTEST_SKIP() << "needs iproute2 and tcpreplay";
    net_ = std::make_unique<VethInNamespace>();
    ASSERT_TRUE(net_->ok()) << net_->error();
    rules_ = dir_.path() / "live.list";
    std::ofstream(rules_) << "192.0.2.10\n198.51.100.7\n203.0.113.0/25\nmalware-c2.example\n"
                             "update-check.example.net\nhttp://portal.example.com/login.php\n";
    pcap_ = dir_.path() / "live.pcap";
    const auto gen =
        run_command(shell_quote(trafficgen_binary()) + " --out " + shell_quote(pcap_.string()) +
                    " --truth /dev/null" + " --packets 2000 --seed 21 --inject " +
                    shell_quote(rules_.string()));
    ASSERT_EQ(gen.exit_code, 0) << gen.err;
  }

  // Starts tripline in the namespace; returns its pid once it is capturing.
  pid_t start(const std::string& extra) {
    eve_ = dir_.path() / "eve.json";
    err_ = dir_.path() / "stderr.txt";
    const auto r =
        run_command("(ip netns exec " + net_->ns() + " " + shell_quote(tripline_binary()) +
                    " run -i " + net_->inside() + " --rules " + shell_quote(rules_.string()) +
                    " --alerts " + shell_quote(eve_.string()) + " " + extra + " >/dev/null 2>" +
                    shell_quote(err_.string()) + " & echo $!)");
    const pid_t pid = static_cast<pid_t>(std::stol(r.out));
    for (int i = 0; i < 100 && read_file(err_).find("capturing on") == std::string::npos; ++i)
      std::this_thread::sleep_for(50ms);
    EXPECT_NE(read_file(err_).find("capturing on " + net_->inside()), std::string::npos)
        << read_file(err_);
    return pid;
  }

  void replay() {
    const auto r = run_command("tcpreplay -q -i " + net_->outside() + " --pps 4000 " +
                               shell_quote(pcap_.string()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::this_thread::sleep_for(500ms);  // let the last packets cross the pair
  }

  // Signals tripline and waits for it to exit; returns whether it did within 10 s.
  bool stop(pid_t pid, int signal) {
    kill(pid, signal);
    for (int i = 0; i < 200 && process_alive(pid); ++i) std::this_thread::sleep_for(50ms);
    return !process_alive(pid);
  }

  std::vector<AlertRow> offline() {
    const auto r = run_command(shell_quote(tripline_binary()) + " scan -q --rules " +
                               shell_quote(rules_.string()) + " " + shell_quote(pcap_.string()));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return read_alerts(r.out);
  }

  TempDir dir_;
  std::unique_ptr<VethInNamespace> net_;
  std::filesystem::path rules_, pcap_, eve_, err_;
};

TEST_F(LiveCapture, AlertsEqualTheOfflineReplayAndSigintDrainsEverything) {
  const pid_t pid = start("--workers 2 --stats-interval 0.3");
  replay();
  ASSERT_TRUE(stop(pid, SIGINT)) << "still running after SIGINT";
  const std::string eve = read_file(eve_);
  const auto live = read_alerts(eve);
  const auto expected = offline();
  ASSERT_GT(expected.size(), 5u);
  // Same packets in the same order: pcap_cnt (the ordinal of reception) matches too.
  EXPECT_EQ(sorted_tsv(live), sorted_tsv(expected));
  // The last stats event counts every packet sent, and periodic ones came before it.
  const size_t last = eve.rfind("\"event_type\":\"stats\"");
  ASSERT_NE(last, std::string::npos);
  EXPECT_NE(eve.find("\"capture\":{\"packets\":2000,", last), std::string::npos);
  EXPECT_LT(eve.find("\"event_type\":\"stats\""), last) << "no periodic stats event";
  EXPECT_NE(read_file(err_).find("drops: kernel 0, interface 0, no buffer 0, alerts shed 0"),
            std::string::npos)
      << read_file(err_);
}

TEST_F(LiveCapture, SigtermStopsCleanlyWithNothingLost) {
  const pid_t pid = start("--workers 1 --stats-interval 0");
  replay();
  // Alerts reach the file while the capture runs (the writer flushes when it runs dry).
  bool seen = false;
  for (int i = 0; i < 40 && !seen; ++i, std::this_thread::sleep_for(50ms))
    seen = read_file(eve_).find("\"event_type\":\"alert\"") != std::string::npos;
  EXPECT_TRUE(seen) << "no alert in the output before the capture stopped";
  ASSERT_TRUE(stop(pid, SIGTERM)) << "still running after SIGTERM";
  EXPECT_EQ(sorted_tsv(read_alerts(read_file(eve_))), sorted_tsv(offline()));
  EXPECT_NE(read_file(err_).find("tripline: 2000 packets"), std::string::npos) << read_file(err_);
}

TEST_F(LiveCapture, SighupReopensTheAlertFileAndReloadsTheRules) {
  const pid_t pid = start("--workers 1 --stats-interval 0.2");
  replay();
  bool seen = false;
  for (int i = 0; i < 40 && !seen; ++i, std::this_thread::sleep_for(50ms))
    seen = read_file(eve_).find("\"event_type\":\"alert\"") != std::string::npos;
  ASSERT_TRUE(seen);
  // What logrotate does: move the file away, then SIGHUP.
  const auto rotated = dir_.path() / "eve.json.1";
  std::filesystem::rename(eve_, rotated);
  kill(pid, SIGHUP);
  bool reopened = false;
  for (int i = 0; i < 60 && !reopened; ++i, std::this_thread::sleep_for(50ms))
    reopened = read_file(eve_).find("\"event_type\":\"stats\"") != std::string::npos;
  EXPECT_TRUE(reopened) << "no stats event in the reopened file";
  // SIGHUP also reloaded the rules; SIGUSR2 reloads them only (docs/usage.md).
  const auto logged = [&](const std::string& text) {
    for (int i = 0; i < 200; ++i, std::this_thread::sleep_for(50ms))
      if (read_file(err_).find(text) != std::string::npos) return true;
    return false;
  };
  EXPECT_TRUE(logged("rules reloaded: rule set 1,")) << read_file(err_);
  kill(pid, SIGUSR2);
  EXPECT_TRUE(logged("rules reloaded: rule set 2,")) << read_file(err_);
  ASSERT_TRUE(stop(pid, SIGTERM));
  // Nothing lost or doubled across the two files; the final stats event is in the new one.
  std::string both = read_file(rotated) + read_file(eve_);
  EXPECT_EQ(sorted_tsv(read_alerts(both)), sorted_tsv(offline()));
  EXPECT_NE(read_file(eve_).find("\"capture\":{\"packets\":2000,"), std::string::npos);
  EXPECT_NE(read_file(eve_).find("\"rule_set\":2,\"reloads\":2,\"reload_failures\":0,"),
            std::string::npos);
}

TEST_F(LiveCapture, BpfFilterKeepsOnlyMatchingPackets) {
  const pid_t pid = start("--bpf 'udp port 53'");
  replay();
  ASSERT_TRUE(stop(pid, SIGINT));
  const auto live = read_alerts(read_file(eve_));
  ASSERT_FALSE(live.empty());
  for (const auto& a : live) EXPECT_TRUE(a.src_port == 53 || a.dest_port == 53) << a.tsv();
  // Every DNS alert of the offline replay is there (ordinals differ: fewer packets pass).
  std::multiset<std::string> want, got;
  for (const auto& a : offline())
    if (a.ioc_field == "dns.query") want.insert(a.ioc_value + " " + a.ioc_matched);
  for (const auto& a : live)
    if (a.ioc_field == "dns.query") got.insert(a.ioc_value + " " + a.ioc_matched);
  EXPECT_EQ(got, want);
}

TEST_F(LiveCapture, InterfaceThatGoesAwayIsReportedAsAnError) {
  const std::string script =
      "ip netns exec " + net_->ns() + " " + shell_quote(tripline_binary()) + " run -i " +
      net_->inside() + " --rules " + shell_quote(rules_.string()) +
      " --alerts /dev/null &\n"
      "pid=$!\nsleep 1\nip link del " +
      net_->outside() +
      "\n"
      "for i in $(seq 50); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done\n"
      "kill -0 $pid 2>/dev/null && kill -INT $pid\nwait $pid\necho exit=$?\n";
  const auto r = run_command("sh -c " + shell_quote(script));
  EXPECT_NE(r.out.find("exit=3"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.err.find("error: " + net_->inside() + ": capture failed"), std::string::npos)
      << r.err;
}

TEST_F(LiveCapture, UnknownInterfaceIsAnError) {
  const auto r = run_command(shell_quote(tripline_binary()) + " run -q -i no-such-if0 --rules " +
                             shell_quote(rules_.string()));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("tripline: error: no-such-if0: "), std::string::npos) << r.err;
}

}  // namespace
}  // namespace tripline::test
