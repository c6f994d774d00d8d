// End to end with a real nats-server (JetStream, loopback, started by the test): every alert
// of a replay lands in the stream exactly once -- also across a broker restart in the middle
// of the replay and across a sensor restart with a spool -- as valid EVE JSON.
#ifdef TRIPLINE_HAVE_NATS
#include <fcntl.h>
#include <gtest/gtest.h>
#include <nats/nats.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include "output/spool.hpp"
#include "tests/e2e/e2e_support.hpp"
#include "tests/output/nats_server.hpp"
#include "tests/test_support.hpp"

namespace tripline::test {
namespace {

namespace fs = std::filesystem;

constexpr const char* kStream = "TRIPLINE_ALERTS_S1";  // --nats-create-stream's for sensor s1

std::vector<std::string> lines_of(const std::string& text, const std::string& event_type) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (line.find("\"event_type\":\"" + event_type + "\"") != std::string::npos)
      out.push_back(std::move(line));
    start = end + 1;
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> stream_lines(const std::vector<StreamMessage>& messages,
                                      const std::string& event_type) {
  std::string text;
  for (const auto& m : messages) text += m.data + "\n";
  return lines_of(text, event_type);
}

size_t unique_ids(const std::vector<StreamMessage>& messages) {
  std::set<std::string> ids;
  for (const auto& m : messages) ids.insert(m.id);
  return ids.size();
}

// Waits until `path` contains `text` `times` times (a behaviour, not a delay: the deadline only
// stops a broken run).
bool wait_for_text(const fs::path& path, const std::string& text, size_t times = 1) {
  for (int i = 0; i < 1200; ++i) {
    const std::string content = read_file(path);
    size_t n = 0;
    for (size_t p = content.find(text); p != std::string::npos; p = content.find(text, p + 1)) ++n;
    if (n >= times) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

class NatsQueue : public ::testing::Test {
 protected:
  void SetUp() override {
    if (nats_server_binary().empty()) GTEST_SKIP() << "nats-server not installed";
    rules_ = dir_.path() / "many.list";
    std::ofstream rules(rules_);
    for (int i = 10; i < 30; ++i) rules << "192.0.2." << i << "\n";
    for (int i = 1; i <= 5; ++i) rules << "c2-" << i << ".example\n";
    rules.close();
    pcap_ = dir_.path() / "gen.pcap";
    const auto gen =
        run_command(shell_quote(trafficgen_binary()) + " --out " + q(pcap_) +
                    " --truth /dev/null --packets 20000 --seed 5 --inject " + q(rules_));
    ASSERT_EQ(gen.exit_code, 0) << gen.err;
    server_ = std::make_unique<NatsServer>(dir_.path() / "js");
    ASSERT_TRUE(server_->start()) << read_file(dir_.path() / "js.log");
  }

  CommandResult tripline(const std::string& args) {
    return run_command(shell_quote(tripline_binary()) + " " + args);
  }
  std::string q(const fs::path& p) { return shell_quote(p.string()); }
  // scan arguments up to the capture: sensor s1, packet mode (about a thousand alerts).
  std::string scan_args(const fs::path& eve) {
    return "scan --workers 2 --alert-mode packet --sensor s1 --rules " + q(rules_) + " --alerts " +
           q(eve) + " --nats " + server_->url() + " --nats-create-stream ";
  }
  std::vector<StreamMessage> stream() {
    std::vector<StreamMessage> messages;
    read_stream(server_->url(), kStream, &messages);
    return messages;
  }

  TempDir dir_;
  fs::path rules_, pcap_;
  std::unique_ptr<NatsServer> server_;
};

TEST_F(NatsQueue, EveryAlertArrivesExactlyOnceAndAReplayAgainAddsNone) {
  const fs::path eve = dir_.path() / "eve.json";
  const auto r = tripline(scan_args(eve) + q(pcap_));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("nats: created stream TRIPLINE_ALERTS_S1 (subject tripline.alerts.s1, "
                       "duplicate window 120 s)"),
            std::string::npos)
      << r.err;
  const std::vector<std::string> alerts = lines_of(read_file(eve), "alert");
  ASSERT_GT(alerts.size(), 500u);

  std::vector<StreamMessage> messages = stream();
  EXPECT_EQ(messages.size(), alerts.size() + 1);  // and one stats event
  EXPECT_EQ(unique_ids(messages), messages.size());
  EXPECT_EQ(stream_lines(messages, "alert"), alerts);
  EXPECT_EQ(stream_lines(messages, "stats").size(), 1u);
  for (const auto& m : messages) EXPECT_EQ(m.subject, "tripline.alerts.s1");

  // The same replay again: the same ids, absorbed by the duplicate window; only its stats.
  const auto again = tripline(scan_args(dir_.path() / "eve2.json") + q(pcap_));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("(" + std::to_string(alerts.size()) + " already in the stream)"),
            std::string::npos)
      << again.err;
  messages = stream();
  EXPECT_EQ(messages.size(), alerts.size() + 2);
  EXPECT_EQ(unique_ids(messages), messages.size());
  EXPECT_EQ(stream_lines(messages, "alert"), alerts);
}

TEST_F(NatsQueue, ADurableConsumerReadsValidEveJson) {
  const fs::path eve = dir_.path() / "eve.json";
  const auto r = tripline(scan_args(eve) + q(pcap_));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const size_t expected = lines_of(read_file(eve), "alert").size() + 1;

  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  natsSubscription* sub = nullptr;
  ASSERT_EQ(natsConnection_ConnectTo(&nc, server_->url().c_str()), NATS_OK);
  ASSERT_EQ(natsConnection_JetStream(&js, nc, nullptr), NATS_OK);
  ASSERT_EQ(js_PullSubscribe(&sub, js, "tripline.alerts.>", "soc", nullptr, nullptr, nullptr),
            NATS_OK);
  simdjson::dom::parser parser;
  size_t received = 0, alerts = 0;
  while (received < expected) {
    natsMsgList list{};
    const natsStatus s = natsSubscription_Fetch(&list, sub, 256, 10000, nullptr);
    ASSERT_EQ(s, NATS_OK) << natsStatus_GetText(s) << " after " << received;
    for (int i = 0; i < list.Count; ++i) {
      natsMsg* m = list.Msgs[i];
      const std::string data(natsMsg_GetData(m), static_cast<size_t>(natsMsg_GetDataLength(m)));
      simdjson::dom::element doc;
      ASSERT_EQ(parser.parse(data).get(doc), simdjson::SUCCESS) << data;
      std::string_view type, host;
      ASSERT_EQ(doc["event_type"].get(type), simdjson::SUCCESS) << data;
      ASSERT_EQ(doc["host"].get(host), simdjson::SUCCESS) << data;
      EXPECT_EQ(host, "s1");
      if (type == "alert") {
        ++alerts;
        std::string_view value;
        EXPECT_EQ(doc["ioc"]["value"].get(value), simdjson::SUCCESS) << data;
        uint64_t sid = 0;
        EXPECT_EQ(doc["alert"]["signature_id"].get(sid), simdjson::SUCCESS) << data;
      } else {
        EXPECT_EQ(type, "stats");
      }
      natsMsg_Ack(m, nullptr);
      ++received;
    }
    natsMsgList_Destroy(&list);
  }
  EXPECT_EQ(received, expected);
  EXPECT_EQ(alerts, expected - 1);
  natsSubscription_Destroy(sub);
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
}

// The capture arrives through a FIFO, so the test decides when the replay goes on: half of it,
// broker stopped, the other half (published while the broker is down: spooled), broker
// started again on the same port and storage, the end of the capture.
TEST_F(NatsQueue, BrokerRestartInTheMiddleOfAReplayLosesAndDoublesNothing) {
  const fs::path fifo = dir_.path() / "capture.pcap";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const fs::path eve = dir_.path() / "eve.json";
  const fs::path log = dir_.path() / "tripline.log";
  const fs::path spool = dir_.path() / "spool";
  const pid_t pid =
      spawn({tripline_binary(), "scan", "--workers", "2", "--alert-mode", "packet", "--sensor",
             "s1", "--rules", rules_.string(), "--alerts", eve.string(), "--nats", server_->url(),
             "--nats-create-stream", "--spool", spool.string(), fifo.string()},
            log);
  ASSERT_GT(pid, 0);
  const int fd = ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC);  // waits for tripline to open it
  ASSERT_GE(fd, 0);
  const std::string bytes = read_file(pcap_);
  const auto write_part = [&](size_t from, size_t to) {
    for (size_t at = from; at < to;) {
      const ssize_t n = ::write(fd, bytes.data() + at, to - at);
      ASSERT_GT(n, 0);
      at += static_cast<size_t>(n);
    }
  };
  const size_t half = bytes.size() / 2;
  write_part(0, half);
  // Some alerts of the first half are in the stream: the broker goes away.
  for (int i = 0; i < 1200 && stream().empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_FALSE(stream().empty());
  server_->stop();
  ASSERT_TRUE(wait_for_text(log, "nats: disconnected from " + server_->url())) << read_file(log);
  write_part(half, bytes.size() - 1);  // all but the last byte: the replay is not over
  ASSERT_TRUE(server_->start());
  ASSERT_TRUE(wait_for_text(log, "nats: connected to " + server_->url())) << read_file(log);
  write_part(bytes.size() - 1, bytes.size());
  ::close(fd);
  ASSERT_EQ(wait_exit(pid), 0) << read_file(log);

  const std::string err = read_file(log);
  EXPECT_NE(err.find(" spooled, "), std::string::npos) << err;
  EXPECT_NE(err.find(", 0 left in the spool, 0 shed, 0 dropped"), std::string::npos) << err;
  const std::vector<std::string> alerts = lines_of(read_file(eve), "alert");
  const std::vector<StreamMessage> messages = stream();
  EXPECT_EQ(messages.size(), alerts.size() + 1);
  EXPECT_EQ(unique_ids(messages), messages.size());
  EXPECT_EQ(stream_lines(messages, "alert"), alerts);
}

TEST_F(NatsQueue, TheSpoolSurvivesASensorRestart) {
  const fs::path spool = dir_.path() / "spool";
  // The stream exists; the broker is down while the sensor replays.
  ASSERT_EQ(tripline(scan_args(dir_.path() / "none.json") + "--spool " + q(spool) + " /dev/null")
                .exit_code,
            3);  // not a capture; the stream is created all the same
  std::vector<StreamMessage> before = stream();
  server_->stop();
  const fs::path eve = dir_.path() / "eve.json";
  const auto offline = tripline(scan_args(eve) + "--spool " + q(spool) + " " + q(pcap_));
  ASSERT_EQ(offline.exit_code, 0) << offline.err;
  const std::vector<std::string> alerts = lines_of(read_file(eve), "alert");
  const size_t spooled = alerts.size() + 1;  // and the stats event
  EXPECT_NE(offline.err.find(std::to_string(spooled) + " left in the spool"), std::string::npos)
      << offline.err;
  {
    std::string error;
    SpoolConfig config;
    config.dir = spool.string();
    auto reopened = open_disk_spool(config, &error);
    ASSERT_TRUE(reopened) << error;
    EXPECT_EQ(reopened->pending(), spooled);
  }

  // Broker back; the sensor restarts on the same capture: the spool goes first, then the
  // replay, whose alerts are the same ids again.
  ASSERT_TRUE(server_->start());
  const auto online =
      tripline(scan_args(dir_.path() / "eve2.json") + "--spool " + q(spool) + " " + q(pcap_));
  ASSERT_EQ(online.exit_code, 0) << online.err;
  EXPECT_NE(online.err.find("nats: " + std::to_string(spooled) + " spooled lines to resend first"),
            std::string::npos)
      << online.err;
  EXPECT_NE(online.err.find(std::to_string(spooled) + " resent from the spool"), std::string::npos)
      << online.err;
  const std::vector<StreamMessage> messages = stream();
  EXPECT_EQ(messages.size(), before.size() + spooled + 1);  // + the second run's stats
  EXPECT_EQ(unique_ids(messages), messages.size());
  EXPECT_EQ(stream_lines(messages, "alert"), alerts);
}

TEST_F(NatsQueue, AWrongUrlOrAMissingStreamIsAClearError) {
  const fs::path eve = dir_.path() / "eve.json";
  server_->stop();
  const std::string url = server_->url();
  auto r = tripline("scan -q --sensor s1 --rules " + q(rules_) + " --alerts " + q(eve) +
                    " --nats " + url + " " + q(pcap_));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(r.err.ends_with("\ntripline: error: NATS: cannot connect to " + url +
                              ": No server available for connection\n"))
      << r.err;

  ASSERT_TRUE(server_->start());
  r = tripline("scan -q --sensor s1 --rules " + q(rules_) + " --alerts " + q(eve) + " --nats " +
               url + " " + q(pcap_));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(
      r.err.ends_with("\ntripline: error: NATS: stream for subject tripline.alerts.s1 "
                      "not found on " +
                      url + "; create it or pass --nats-create-stream\n"))
      << r.err;
  r = tripline("scan -q --sensor s1 --rules " + q(rules_) + " --alerts " + q(eve) + " --nats " +
               url + " --nats-create-stream --nats-stream OTHER --nats-subject x.y " + q(pcap_));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = tripline("scan -q --sensor s1 --rules " + q(rules_) + " --alerts " + q(eve) + " --nats " +
               url + " --nats-stream WRONG --nats-subject x.y " + q(pcap_));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(
      r.err.ends_with("\ntripline: error: NATS: stream WRONG does not take subject x.y on " + url +
                      " (stream OTHER does)\n"))
      << r.err;
  r = tripline("scan -q --rules " + q(rules_) + " --spool " + q(dir_.path() / "s") + " " +
               q(pcap_));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "tripline: --spool and --nats-create-stream need --nats\n");
}

}  // namespace
}  // namespace tripline::test
#endif  // TRIPLINE_HAVE_NATS
