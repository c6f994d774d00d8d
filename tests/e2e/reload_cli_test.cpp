// Hot reload of `tripline scan` while it replays: the capture comes through a FIFO in four
// parts, and between them the test reloads the rules by SIGHUP, by changing the watched rules
// directory (--watch-rules) and by breaking it (the reload fails, the rules stay). Every part
// is a whole number of batches and the test waits for its last alert, so each part is matched
// by exactly one rule set; the alerts must be exactly what those sets say, nothing lost.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "core/packet.hpp"
#include "tests/e2e/e2e_support.hpp"
#include "tests/packet_builder.hpp"
#include "tests/test_support.hpp"

namespace tripline {
namespace {

namespace fs = std::filesystem;

constexpr size_t kPart = 2 * PacketBatch::kCapacity;  // packets per part
constexpr size_t kParts = 4;

std::string server_of(size_t i) { return "198.51.100." + std::to_string(i % 50); }

// One SYN per connection; connection i is packet i + 1 and goes to server_of(i). The last
// packet of every part goes to 198.51.100.7, which every rule set lists, so the part's end
// shows in the alerts.
test::PcapRecord syn(size_t i) {
  const std::string server = i % kPart == kPart - 1 ? "198.51.100.7" : server_of(i);
  const test::Bytes frame = test::ethernet(
      0x0800, test::ipv4(test::v4("10.9.0.1"), test::v4(server.c_str()), 6,
                         test::tcp(static_cast<uint16_t>(10000 + i), 80, test::kSyn)));
  return {1'700'000'000 + static_cast<uint32_t>(i), 0, frame};
}

pid_t spawn(const std::vector<std::string>& args, const fs::path& log) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ::dup2(fd, STDERR_FILENO);
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  ::execv(argv[0], argv.data());
  ::_exit(127);
}

size_t occurrences(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

bool wait_for(const fs::path& path, const std::string& text, size_t times = 1) {
  for (int i = 0; i < 600; ++i) {
    if (occurrences(test::read_file(path), text) >= times) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

void replace_file(const fs::path& path, const std::string& text) {
  test::write_bytes(path.string() + ".tmp", test::bytes_of(text));
  fs::rename(path.string() + ".tmp", path);
}

TEST(ReloadCli, SighupWatchedChangesAndAFailedReloadDuringAReplay) {
  const std::string tripline = test::tripline_binary();
  if (tripline.empty()) GTEST_SKIP() << "tripline binary unknown";
  test::TempDir dir;
  const fs::path rules = dir.path() / "rules";
  fs::create_directory(rules);
  replace_file(rules / "iocs.txt", "198.51.100.3\n198.51.100.7\n");
  const fs::path fifo = dir.path() / "capture.pcap";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const fs::path eve = dir.path() / "eve.json";
  const fs::path log = dir.path() / "tripline.log";
  const pid_t pid = spawn({tripline, "scan", "--workers", "2", "--watch-rules", "0.1", "--rules",
                           rules.string(), "--alerts", eve.string(), fifo.string()},
                          log);
  ASSERT_GT(pid, 0);
  const int fd = ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC);  // waits for tripline to open it
  ASSERT_GE(fd, 0);
  std::vector<test::PcapRecord> records;
  for (size_t i = 0; i < kPart * kParts; ++i) records.push_back(syn(i));
  const test::Bytes capture = test::pcap_file(1, records);
  const size_t record_bytes = (capture.size() - 24) / records.size();  // all the same size
  const auto write_part = [&](size_t part) {
    const size_t from = part == 0 ? 0 : 24 + part * kPart * record_bytes;
    const size_t to = 24 + (part + 1) * kPart * record_bytes;
    for (size_t at = from; at < to;) {
      const ssize_t n = ::write(fd, capture.data() + at, to - at);
      ASSERT_GT(n, 0);
      at += static_cast<size_t>(n);
    }
    // The part's last packet alerted: every packet of the part was matched.
    ASSERT_TRUE(wait_for(eve, "\"pcap_cnt\":" + std::to_string((part + 1) * kPart) + ","))
        << test::read_file(log);
  };

  write_part(0);  // rule set 0: .3 and .7
  ASSERT_EQ(::kill(pid, SIGHUP), 0);
  ASSERT_TRUE(wait_for(log, "rules reloaded: rule set 1,")) << test::read_file(log);
  write_part(1);  // rule set 1, the same rules
  replace_file(rules / "iocs.txt", "198.51.100.7\n198.51.100.20\n");
  ASSERT_TRUE(wait_for(log, "reloading rules (rules path changed)")) << test::read_file(log);
  ASSERT_TRUE(wait_for(log, "rules reloaded: rule set 2,")) << test::read_file(log);
  write_part(2);  // rule set 2: .7 and .20
  fs::remove(rules / "iocs.txt");
  replace_file(rules / "feed.json", "{\"type\": \"bun");
  const std::string failure = "rules reload failed: " + (rules / "feed.json").string() +
                              ": unsupported format; still matching with rule set 2";
  ASSERT_TRUE(wait_for(log, failure)) << test::read_file(log);
  write_part(3);  // still rule set 2
  ::close(fd);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << test::read_file(log);

  // Expected: per server, the connections of the parts whose rule set lists it.
  std::multiset<std::string> expected;
  for (size_t i = 0; i < kPart * kParts; ++i) {
    const size_t part = i / kPart;
    const std::string server = i % kPart == kPart - 1 ? "198.51.100.7" : server_of(i);
    const bool listed = server == "198.51.100.7" || (server == "198.51.100.3" && part <= 1) ||
                        (server == "198.51.100.20" && part >= 2);
    if (listed) expected.insert(std::to_string(i + 1) + " " + server);
  }
  std::multiset<std::string> got;
  for (const test::AlertRow& a : test::read_alerts(test::read_file(eve)))
    got.insert(std::to_string(a.pcap_cnt) + " " + a.ioc_value);
  EXPECT_EQ(got, expected);
  const std::string stats = test::read_file(eve).substr(test::read_file(eve).rfind("{\"timestamp"));
  EXPECT_NE(stats.find("\"rule_set\":2,\"reloads\":2,\"reload_failures\":1,"), std::string::npos)
      << stats;
  EXPECT_NE(stats.find("\"rules_loaded\":2,"), std::string::npos) << stats;
}

}  // namespace
}  // namespace tripline
