// Hot reload through the whole pipeline (reader, two workers, writer) with a real reloader
// thread: rule files on disk read again and compiled off the packet path while a replay runs.
// The source asks for a reload every few batches and waits until it is published, so the
// swaps land at known batches.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "capture/memory_source.hpp"
#include "core/loaders.hpp"
#include "engine/eve_writer.hpp"
#include "engine/pipeline.hpp"
#include "engine/rule_reloader.hpp"
#include "tests/engine/tcp_conversation.hpp"
#include "tests/packet_builder.hpp"
#include "tests/test_support.hpp"

namespace tripline {
namespace {

constexpr size_t kFlows = 1200;

std::string server_of(size_t flow) { return "198.51.100." + std::to_string(flow % 50); }

// kFlows HTTP connections, their packets interleaved round-robin so every connection is open
// across many batches: handshake, a request split in two segments ("tripline-" | "probe" in
// the User-Agent for every third), the response, FINs.
std::vector<test::Bytes> make_traffic() {
  std::vector<std::vector<test::Bytes>> per_flow(kFlows);
  for (size_t i = 0; i < kFlows; ++i) {
    const auto client =
        test::v4(("10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1)).c_str());
    const auto server = test::v4(server_of(i).c_str());
    const uint16_t port = static_cast<uint16_t>(40000 + i);
    const std::string request =
        "GET /p" + std::to_string(i) + " HTTP/1.1\r\nHost: h" + std::to_string(i % 40) +
        ".example\r\nUser-Agent: " + (i % 3 == 0 ? "tripline-probe" : "curl/8") + "\r\n\r\n";
    const size_t cut = request.find("User-Agent: ") + 21;
    const std::string response = "HTTP/1.1 200 OK\r\n\r\nmarker-" + std::to_string(i % 7);
    auto out = [&](uint8_t flags, std::string_view payload, uint32_t seq) {
      per_flow[i].push_back(test::ethernet(
          0x0800,
          test::ipv4(client, server, 6, test::tcp(port, 80, flags, test::bytes_of(payload), seq))));
    };
    auto back = [&](uint8_t flags, std::string_view payload, uint32_t seq) {
      per_flow[i].push_back(test::ethernet(
          0x0800,
          test::ipv4(server, client, 6, test::tcp(80, port, flags, test::bytes_of(payload), seq))));
    };
    out(test::kSyn, "", 999);
    back(test::kSyn | test::kAck, "", 4999);
    out(test::kAck, "", 1000);
    out(test::kAck | test::kPsh, std::string_view(request).substr(0, cut), 1000);
    out(test::kAck | test::kPsh, std::string_view(request).substr(cut),
        1000 + static_cast<uint32_t>(cut));
    back(test::kAck | test::kPsh, response, 5000);
    out(test::kFin | test::kAck, "", 1000 + static_cast<uint32_t>(request.size()));
    back(test::kFin | test::kAck, "", 5000 + static_cast<uint32_t>(response.size()));
  }
  std::vector<test::Bytes> frames;
  for (size_t k = 0; k < per_flow[0].size(); ++k)
    for (size_t i = 0; i < kFlows; ++i) frames.push_back(per_flow[i][k]);
  return frames;
}

// Replays a capture held in memory. Before every `every`-th batch it waits until the workers
// have released every earlier batch, asks for a reload and waits until it has ended: each
// worker then takes the new rules at the start of that batch, its next one.
class ReloadingSource final : public Source {
 public:
  ReloadingSource(MemorySource& inner, size_t every) : inner_(inner), every_(every) {}
  void set_reloader(RuleReloader* reloader) { reloader_ = reloader; }
  PacketBatch* receive() override {
    PacketBatch* batch = inner_.receive();
    if (batch == nullptr) return nullptr;
    if (reloader_ != nullptr && every_ != 0 && batches_ != 0 && batches_ % every_ == 0) {
      while (in_flight_.load() != 0) std::this_thread::yield();
      const size_t attempt = ++reloads_;  // before the request: the reloader reads it
      reloader_->request();
      EXPECT_TRUE(reloader_->wait_for_attempts(attempt, 60));
    }
    ++batches_;
    in_flight_.fetch_add(1);
    return batch;
  }
  void release(PacketBatch* batch) override {
    inner_.release(batch);
    in_flight_.fetch_sub(1);
  }
  std::vector<InputReport> reports() const override { return inner_.reports(); }
  size_t reloads() const { return reloads_; }

 private:
  MemorySource& inner_;
  size_t every_;
  RuleReloader* reloader_ = nullptr;
  size_t batches_ = 0;
  std::atomic<size_t> reloads_{0};
  std::atomic<size_t> in_flight_{0};
};

class HotReload : public ::testing::Test {
 protected:
  void SetUp() override {
    capture_ = (dir_.path() / "traffic.pcap").string();
    std::filesystem::create_directory(dir_.path() / "rules");
    std::vector<test::PcapRecord> records;
    uint32_t n = 0;
    for (test::Bytes& frame : make_traffic()) records.push_back({1'700'000'000, ++n, frame});
    test::write_bytes(capture_, test::pcap_file(1, records));
  }

  void write_rules(const std::string& iocs, const std::string& signatures) {
    test::write_bytes(dir_.path() / "rules" / "iocs.txt", test::bytes_of(iocs));
    test::write_bytes(dir_.path() / "rules" / "sigs.rules", test::bytes_of(signatures));
  }

  RuleLoad load() const {
    RuleSet set;
    load_rules_path((dir_.path() / "rules").string(), set);
    RuleLoad load;
    for (const Diagnostic& d : set.diagnostics())
      if (d.line == 0 && d.severity == Severity::kError) load.failure = d.to_string();
    if (load.failure.empty()) load.rules = std::make_shared<CompiledRules>(set);
    return load;
  }

  struct Run {
    std::vector<std::string> lines;  // EVE alert lines, sorted
    PipelineReport report;
    ReloadCounters reload;
    size_t live_versions = 0;
  };

  // Replays the capture on two workers, reloading every `every` batches (0: never); before
  // the reload number `change_at` (1-based), `change()` rewrites the rule files.
  Run replay(size_t every, size_t change_at = 0, const std::function<void()>& change = {}) {
    Run run;
    RuleLoad first = load();
    EXPECT_TRUE(first.rules) << first.failure;
    if (!first.rules) return run;
    RuleVersions versions(first.rules);
    std::FILE* out = std::tmpfile();
    MemorySource memory({capture_});
    ReloadingSource source(memory, every);
    {
      EveWriter writer(out, versions, {"traffic.pcap"});
      ReloadConfig config;
      config.quiet = true;
      RuleReloader reloader(
          versions,
          [&] {
            if (change && source.reloads() == change_at) change();
            return load();
          },
          config);
      source.set_reloader(&reloader);
      PipelineConfig pipeline;
      pipeline.workers = 2;
      pipeline.worker_queue_batches = 2;
      pipeline.worker.stream_buffers = 4096;  // every request parsed: exact counts
      run.report = run_pipeline(source, versions, writer, pipeline);
      writer.flush();
      run.reload = reloader.counters();
    }  // the reloader frees what the writer retired
    run.live_versions = versions.live_versions();
    std::rewind(out);
    char buf[1 << 16];
    while (std::fgets(buf, sizeof buf, out) != nullptr) run.lines.emplace_back(buf);
    std::fclose(out);
    std::sort(run.lines.begin(), run.lines.end());
    return run;
  }

  static size_t count(const Run& run, std::string_view needle) {
    return static_cast<size_t>(std::count_if(run.lines.begin(), run.lines.end(), [&](auto& l) {
      return l.find(needle) != std::string::npos;
    }));
  }

  test::TempDir dir_;
  std::string capture_;
};

const char* kIocs = "198.51.100.3\n198.51.100.7\nh5.example\nh9.example\n";
const char* kSignatures =
    "alert tcp any any -> any 80 (msg:\"probe\"; content:\"tripline-probe\"; sid:10;)\n"
    "alert tcp any 80 -> any any (msg:\"marker\"; content:\"marker-3\"; sid:11;)\n"
    "alert http any any -> any any (msg:\"uri\"; http.uri; content:\"/p77\"; endswith; sid:12;)\n";

TEST_F(HotReload, RepeatedReloadsDuringAReplayLoseAndRepeatNothing) {
  write_rules(kIocs, kSignatures);
  const Run baseline = replay(0);
  const Run reloaded = replay(1);  // before every batch
  EXPECT_GT(reloaded.reload.reloads, 30u);
  EXPECT_EQ(reloaded.reload.failures, 0u);
  EXPECT_EQ(reloaded.reload.epoch, reloaded.reload.reloads);
  EXPECT_EQ(reloaded.lines, baseline.lines);
  // Every kind of indicator alerted: IPs, domains, stream content split over two segments,
  // content in responses, an HTTP field.
  EXPECT_EQ(count(baseline, "\"ip.dst\""), 2 * kFlows / 50);
  EXPECT_EQ(count(baseline, "\"http.host\""), 2 * kFlows / 40);
  EXPECT_EQ(count(baseline, "\"signature_id\":10,"), kFlows / 3);
  EXPECT_EQ(count(baseline, "\"signature_id\":11,"), kFlows / 7);
  EXPECT_EQ(count(baseline, "\"signature_id\":12,"), 1u);
  EXPECT_EQ(reloaded.report.packets, baseline.report.packets);
  EXPECT_EQ(reloaded.report.alerts_written, baseline.report.alerts_written);
  // Only the newest rule set is left once every worker and the writer moved on.
  EXPECT_EQ(reloaded.live_versions, 1u);
}

TEST_F(HotReload, AFailedReloadKeepsTheRunningRules) {
  write_rules(kIocs, kSignatures);
  const Run baseline = replay(0);
  const Run failed = replay(4, 1, [&] {
    std::filesystem::remove(dir_.path() / "rules" / "iocs.txt");
    test::write_bytes(dir_.path() / "rules" / "broken.json", test::bytes_of("{\"type\": \"bun"));
  });
  EXPECT_GE(failed.reload.failures, 1u);
  EXPECT_EQ(failed.reload.reloads, 0u);
  EXPECT_EQ(failed.reload.epoch, 0u);
  EXPECT_EQ(failed.lines, baseline.lines);
}

TEST_F(HotReload, ChangedRulesHoldFromTheBatchAfterTheSwap) {
  write_rules(kIocs, kSignatures);
  // At the first reload (before batch 4): 198.51.100.3 out, 198.51.100.20 in; the uri rule
  // now looks for /p1150 (same sid, a new revision).
  std::string signatures = kSignatures;
  signatures.replace(signatures.find("/p77"), 4, "/p1150");
  ASSERT_NE(signatures.find("/p1150\"; endswith"), std::string::npos);
  const Run changed = replay(4, 1, [&] {
    write_rules("198.51.100.7\n198.51.100.20\nh5.example\nh9.example\n", signatures);
  });
  ASSERT_GE(changed.reload.reloads, 1u);
  const uint64_t swap_at = 4 * PacketBatch::kCapacity;  // packets read before the swap
  ASSERT_LT(swap_at, kFlows * 3) << "the swap must come while the connections are open";
  const auto pcap_cnts = [&](std::string_view needle) {
    std::vector<uint64_t> out;
    for (const std::string& line : changed.lines)
      if (line.find(needle) != std::string::npos)
        out.push_back(std::stoull(line.substr(line.find("\"pcap_cnt\":") + 11)));
    std::sort(out.begin(), out.end());
    return out;
  };
  // An address is looked up when a flow starts and, after a swap, on its next packet: the new
  // indicator alerts on every connection to it, on its first packet after the swap.
  const std::vector<uint64_t> added = pcap_cnts("\"value\":\"198.51.100.20\"");
  ASSERT_EQ(added.size(), kFlows / 50);
  for (const uint64_t pcap_cnt : added) EXPECT_GT(pcap_cnt, swap_at);
  // The removed one alerted only on connections that started before the swap (the first
  // round of packets is every connection's SYN: connection i's is packet i + 1).
  size_t started_before = 0;
  for (size_t i = 3; i < kFlows; i += 50) started_before += i + 1 <= swap_at ? 1 : 0;
  const std::vector<uint64_t> removed = pcap_cnts("\"value\":\"198.51.100.3\"");
  EXPECT_EQ(removed.size(), started_before);
  EXPECT_LT(started_before, kFlows / 50);
  for (const uint64_t pcap_cnt : removed) EXPECT_LE(pcap_cnt, swap_at);
  // The requests (packets from 3 * kFlows + 1 on) all come after the swap: only the new uri.
  const auto uri_alert = std::find_if(changed.lines.begin(), changed.lines.end(), [](auto& l) {
    return l.find("\"signature_id\":12,") != std::string::npos;
  });
  ASSERT_NE(uri_alert, changed.lines.end());
  EXPECT_NE(uri_alert->find("/p1150"), std::string::npos) << *uri_alert;
  EXPECT_EQ(pcap_cnts("\"signature_id\":12,").size(), 1u);
}

// Payload rules where the running set had none: a connection open at the reload was not
// reassembled for them (no stream offsets), so only connections opened after it are inspected;
// and the other way round, open streams simply stop being inspected.
TEST(HotReloadStreams, PayloadRulesAddedOrRemovedByAReload) {
  const std::string without =
      "alert http any any -> any any (msg:\"u\"; http.uri; "
      "content:\"/nothing\"; sid:1;)\n";
  const std::string with = "alert tcp any any -> any 80 (msg:\"p\"; content:\"attack\"; sid:2;)\n";
  Conversation before(40000), after(40001);
  before.data(true, 0, "an attack");
  after.data(true, 0, "an attack");
  std::vector<test::Bytes> frames(before.frames().begin(), before.frames().begin() + 3);
  frames.insert(frames.end(), before.frames().begin() + 3, before.frames().end());  // frame 4
  frames.insert(frames.end(), after.frames().begin(), after.frames().end());        // 5..8
  ReplayOptions options;
  options.reload_every = 4;  // before frames 4 and 8
  std::vector<uint16_t> ports;
  const auto collect = [&](const Alert& a, const CompiledRules&) { ports.push_back(a.src_port); };
  const CompiledRules first = compile_rules(without);
  options.reload = [&] { return compile_shared(with); };
  replay_with_rules(first, frames, options, collect);
  EXPECT_EQ(ports, std::vector<uint16_t>{40001});

  ports.clear();
  const CompiledRules payload = compile_rules(with);
  options.reload = [&] { return compile_shared(without); };
  const WorkerStats stats = replay_with_rules(payload, frames, options, collect);
  EXPECT_TRUE(ports.empty());
  EXPECT_EQ(stats.stream.streams, 0u);  // the first data comes after the swap
}

}  // namespace
}  // namespace tripline
