// TCP payload rules end to end, next to their ceiling. For each generated rule set (1e2..1e5
// content rules, 1e1..1e3 pcre rules; bench/bench_rules.hpp) it reports the compile time and
// database sizes, then replays in-memory TCP conversations through one Worker (decode, flow,
// reassembly, Hyperscan streaming, confirmation, alerts) and, as the ceiling, scans the same
// payload bytes in the same segments and order with the same streaming database and nothing
// around it. ratio = end-to-end payload throughput / ceiling.
//   stream_bench [--quick] [--repeat N] [--only content|pcre] [--rules N]
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_rules.hpp"
#include "core/decode.hpp"
#include "core/rule_set.hpp"
#include "engine/worker.hpp"
#include "matchers/compiled_rules.hpp"

namespace tripline {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void put16(std::vector<uint8_t>& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
void put32(std::vector<uint8_t>& b, uint32_t v) {
  put16(b, static_cast<uint16_t>(v >> 16));
  put16(b, static_cast<uint16_t>(v));
}

// Ethernet + IPv4 + TCP (no options) carrying `payload`.
std::vector<uint8_t> frame(uint32_t client, uint16_t port, bool to_server, uint8_t flags,
                           uint32_t seq, const char* payload, uint32_t length) {
  std::vector<uint8_t> b(12, 0);
  put16(b, 0x0800);
  b.push_back(0x45);
  b.push_back(0);
  put16(b, static_cast<uint16_t>(40 + length));
  put32(b, 0);
  b.push_back(64);
  b.push_back(6);
  put16(b, 0);
  const uint32_t server = 0xC6336401;  // 198.51.100.1
  put32(b, to_server ? client : server);
  put32(b, to_server ? server : client);
  put16(b, to_server ? port : 80);
  put16(b, to_server ? 80 : port);
  put32(b, seq);
  put32(b, 0);
  b.push_back(0x50);
  b.push_back(flags);
  put16(b, 65535);
  put32(b, 0);
  b.insert(b.end(), payload, payload + length);
  return b;
}

struct Segment {
  uint32_t stream;  // flow * 2 + (to_client ? 1 : 0)
  uint32_t frame;   // index into frames
  uint32_t offset;  // payload offset within the frame
  uint32_t length;
};

struct Traffic {
  std::vector<std::vector<uint8_t>> frames;
  std::vector<Segment> segments;  // every payload-carrying frame, in frame order
  uint32_t streams = 0;
  uint64_t payload_bytes = 0;
  uint64_t wire_bytes = 0;
};

// `flows` HTTP-like conversations, 64 at a time interleaved: a request of 200-1500 bytes,
// a response of 64 KiB in 1460-byte segments, an ACK every two segments, FINs. Payload bytes
// come from bench::make_payload (printable noise, one planted rule pattern per 4 KiB).
Traffic make_traffic(const std::vector<Signature>& sigs, uint32_t flows) {
  constexpr uint32_t kResponse = 64 * 1024, kActive = 64;
  std::mt19937 rng(5);
  const std::string payload = bench::make_payload(sigs, size_t{flows} * (kResponse + 1500), 9);
  size_t cursor = 0;
  Traffic t;
  t.streams = flows * 2;
  auto add = [&](std::vector<uint8_t> f, uint32_t stream, uint32_t length) {
    if (length != 0) {
      t.segments.push_back({stream, static_cast<uint32_t>(t.frames.size()), 54, length});
      t.payload_bytes += length;
    }
    t.wire_bytes += f.size();
    t.frames.push_back(std::move(f));
  };
  for (uint32_t first = 0; first < flows; first += kActive) {
    const uint32_t n = std::min(kActive, flows - first);
    struct State {
      uint32_t request, sent = 0;
    };
    std::vector<State> state(n);
    for (uint32_t i = 0; i < n; ++i) {
      const uint32_t f = first + i, client = 0x0A000000 + f;
      const auto port = static_cast<uint16_t>(10000 + f % 50000);
      state[i].request = 200 + rng() % 1300;
      add(frame(client, port, true, 0x02, 999, nullptr, 0), 0, 0);
      add(frame(client, port, false, 0x12, 4999, nullptr, 0), 0, 0);
      add(frame(client, port, true, 0x18, 1000, payload.data() + cursor, state[i].request), f * 2,
          state[i].request);
      cursor += state[i].request;
    }
    for (bool busy = true; busy;) {
      busy = false;
      for (uint32_t i = 0; i < n; ++i) {
        State& s = state[i];
        const uint32_t f = first + i, client = 0x0A000000 + f;
        const auto port = static_cast<uint16_t>(10000 + f % 50000);
        if (s.sent >= kResponse) continue;
        busy = true;
        for (int k = 0; k < 2 && s.sent < kResponse; ++k) {
          const uint32_t len = std::min<uint32_t>(1460, kResponse - s.sent);
          add(frame(client, port, false, 0x10, 5000 + s.sent, payload.data() + cursor, len),
              f * 2 + 1, len);
          cursor += len;
          s.sent += len;
        }
        add(frame(client, port, true, 0x10, 1000 + s.request, nullptr, 0), 0, 0);
        if (s.sent >= kResponse) {
          add(frame(client, port, false, 0x11, 5000 + s.sent, nullptr, 0), 0, 0);
          add(frame(client, port, true, 0x11, 1000 + s.request, nullptr, 0), 0, 0);
        }
      }
    }
  }
  return t;
}

struct Row {
  std::string name;
  double compile_s = 0;
  size_t block_bytes = 0, stream_bytes = 0, state_bytes = 0;
  double e2e_s = 1e9, ceiling_s = 1e9;
  uint64_t alerts = 0, checks = 0;
};

void run(bench::Kind kind, size_t n, uint32_t flows, int repeat) {
  Row row;
  row.name = std::to_string(n) + (kind == bench::kContent ? " content" : " pcre");
  const std::vector<Signature> sigs = bench::make_rules(kind, n);
  RuleSet set;
  for (const Signature& s : sigs) set.add_signature(s);
  const auto compile_start = Clock::now();
  const CompiledRules rules(set);
  row.compile_s = seconds_since(compile_start);
  const HyperscanPrefilter& prefilter = rules.signatures()->prefilter();
  row.block_bytes = prefilter.block_stats(SigBuffer::kPacket).bytes;
  row.stream_bytes = prefilter.stream_stats().bytes;
  row.state_bytes = prefilter.stream_state_bytes();

  const Traffic traffic = make_traffic(sigs, flows);
  std::vector<PacketView> views(traffic.frames.size());
  for (size_t i = 0; i < views.size(); ++i) {
    views[i].data = traffic.frames[i].data();
    views[i].caplen = views[i].wirelen = static_cast<uint32_t>(traffic.frames[i].size());
    views[i].ordinal = i + 1;
    views[i].ts_ns = 1'700'000'000'000'000'000 + i * 1000;
  }

  for (int r = 0; r < repeat; ++r) {
    // End to end: one worker, alerts drained by a writer thread as in a real run.
    AlertQueue alerts(4096);
    uint64_t received = 0;
    std::thread writer([&] {
      Alert a;
      while (alerts.pop(a)) ++received;
    });
    {
      Worker worker(0, rules, alerts, WorkerConfig{});
      DecodedPacket decoded;
      const auto start = Clock::now();
      for (const PacketView& p : views) {
        decode_packet(p, decoded);
        worker.process(p, decoded);
      }
      worker.finish();
      row.e2e_s = std::min(row.e2e_s, seconds_since(start));
      row.checks = worker.stats().stream.checks;
    }
    alerts.close();
    writer.join();
    row.alerts = received;

    // Ceiling: the same bytes, segments and order, straight into Hyperscan streams.
    std::vector<StreamHandle> handles(traffic.streams);
    for (StreamHandle& h : handles) prefilter.open_stream(h);
    PrefilterScratch scratch = prefilter.make_scratch();
    uint64_t hits = 0;
    auto count = [&hits](uint32_t, uint64_t) { ++hits; };
    const auto start = Clock::now();
    for (const Segment& s : traffic.segments)
      prefilter.scan_stream(
          handles[s.stream],
          std::string_view(reinterpret_cast<const char*>(traffic.frames[s.frame].data()) + s.offset,
                           s.length),
          scratch, count);
    for (StreamHandle& h : handles) prefilter.reset_stream(h, scratch, count);
    row.ceiling_s = std::min(row.ceiling_s, seconds_since(start));
  }

  const double gbit = 8.0 * static_cast<double>(traffic.payload_bytes) / 1e9;
  std::printf(
      "| %s | %.3f s | %.1f MB / %.1f MB | %zu B | %.2f M | %.2f | %.2f | %.0f %% | %lu | %lu |\n",
      row.name.c_str(), row.compile_s, static_cast<double>(row.block_bytes) / 1e6,
      static_cast<double>(row.stream_bytes) / 1e6, row.state_bytes,
      static_cast<double>(traffic.frames.size()) / row.e2e_s / 1e6, gbit / row.e2e_s,
      gbit / row.ceiling_s, 100.0 * row.ceiling_s / row.e2e_s,
      static_cast<unsigned long>(row.alerts), static_cast<unsigned long>(row.checks));
  std::fflush(stdout);
}

}  // namespace
}  // namespace tripline

int main(int argc, char** argv) {
  bool quick = false;
  int repeat = 3;
  std::string only;
  size_t only_n = 0;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) quick = true;
    if (std::strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) repeat = std::atoi(argv[++i]);
    if (std::strcmp(argv[i], "--only") == 0 && i + 1 < argc) only = argv[++i];
    if (std::strcmp(argv[i], "--rules") == 0 && i + 1 < argc) only_n = std::stoul(argv[++i]);
  }
  auto wanted = [&](const char* kind, size_t n) {
    return (only.empty() || only == kind) && (only_n == 0 || only_n == n) && (!quick || n <= 1000);
  };
  const uint32_t flows = quick ? 64 : 512;
  std::printf("%u flows, %s payload per run; best of %d runs\n\n", flows,
              quick ? "~4 MiB" : "~33 MiB", repeat);
  std::printf(
      "| Rules | Compile | Block / stream db | Stream state | Packets/s | Gbit/s (payload) | "
      "Ceiling Gbit/s | Ratio | Alerts | Checks |\n|---|---|---|---|---|---|---|---|---|---|\n");
  using tripline::bench::kContent;
  using tripline::bench::kPcre;
  for (size_t n : {100, 1000, 10000, 100000})
    if (wanted("content", n)) tripline::run(kContent, n, flows, repeat);
  for (size_t n : {10, 100, 1000})
    if (wanted("pcre", n)) tripline::run(kPcre, n, flows, repeat);
  return 0;
}
