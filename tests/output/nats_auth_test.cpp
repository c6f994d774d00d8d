// Authentication to a real nats-server: token and user/password are used, and a wrong one is
// a clear error before any packet is read.
#ifdef TRIPLINE_HAVE_NATS
#include <gtest/gtest.h>

#include <fstream>
#include <memory>

#include "tests/e2e/e2e_support.hpp"
#include "tests/output/nats_server.hpp"
#include "tests/test_support.hpp"

namespace tripline::test {
namespace {

class NatsAuth : public ::testing::Test {
 protected:
  void SetUp() override {
    if (nats_server_binary().empty()) GTEST_SKIP() << "nats-server not installed";
    rules_ = dir_.path() / "ips.list";
    std::ofstream(rules_) << "192.0.2.10\n";
    pcap_ = dir_.path() / "gen.pcap";
    ASSERT_EQ(run_command(shell_quote(trafficgen_binary()) + " --out " + q(pcap_) +
                          " --truth /dev/null --packets 2000 --seed 3 --inject " + q(rules_))
                  .exit_code,
              0);
  }
  CommandResult scan(const std::string& url, const std::string& auth) {
    return run_command(shell_quote(tripline_binary()) + " scan -q --sensor a1 --rules " +
                       q(rules_) + " --alerts " + q(dir_.path() / "eve.json") + " --nats " + url +
                       " --nats-create-stream " + auth + " " + q(pcap_));
  }
  size_t alerts() {
    const std::string eve = read_file(dir_.path() / "eve.json");
    size_t n = 0;
    for (size_t p = eve.find("\"event_type\":\"alert\""); p != std::string::npos;
         p = eve.find("\"event_type\":\"alert\"", p + 1))
      ++n;
    return n;
  }
  static std::string q(const std::filesystem::path& p) { return shell_quote(p.string()); }

  TempDir dir_;
  std::filesystem::path rules_, pcap_;
};

TEST_F(NatsAuth, Token) {
  NatsServer server(dir_.path() / "js", {"--auth", "s3cret"});
  ASSERT_TRUE(server.start());
  const std::string url = server.url();
  const auto ok = scan(url, "--nats-token s3cret");
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  ASSERT_GT(alerts(), 0u);
  std::vector<StreamMessage> messages;
  ASSERT_TRUE(read_stream("nats://s3cret@127.0.0.1:" + std::to_string(server.port()),
                          "TRIPLINE_ALERTS_A1", &messages));
  EXPECT_EQ(messages.size(), alerts() + 1);  // and the stats event

  const auto wrong = scan(url, "--nats-token nope");
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_TRUE(wrong.err.ends_with("\ntripline: error: NATS: cannot connect to " + url +
                                  ": Authentication Violation\n"))
      << wrong.err;
}

TEST_F(NatsAuth, UserAndPassword) {
  NatsServer server(dir_.path() / "js", {"--user", "sensor", "--pass", "pw-1"});
  ASSERT_TRUE(server.start());
  const auto ok = scan(server.url(), "--nats-user sensor --nats-password pw-1");
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  std::vector<StreamMessage> messages;
  ASSERT_TRUE(read_stream("nats://sensor:pw-1@127.0.0.1:" + std::to_string(server.port()),
                          "TRIPLINE_ALERTS_A1", &messages));
  EXPECT_EQ(messages.size(), alerts() + 1);
  const auto wrong = scan(server.url(), "--nats-user sensor --nats-password wrong");
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_TRUE(wrong.err.ends_with("\ntripline: error: NATS: cannot connect to " + server.url() +
                                  ": Authentication Violation\n"))
      << wrong.err;
}

}  // namespace
}  // namespace tripline::test
#endif  // TRIPLINE_HAVE_NATS
