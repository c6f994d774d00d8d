// Fuzzes TCP payload inspection through a Worker: reassembly, Hyperscan streaming, window
// confirmation, stream ends. The input is a sequence of segments of up to four connections
// between two hosts, each record: flags, connection and direction, a 16-bit sequence offset,
// a length, then the payload bytes. Rules cover content with positions, relative matches,
// end anchors and pcre, so every confirmation path runs.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "core/loaders.hpp"
#include "engine/worker.hpp"

namespace {

using namespace tripline;

constexpr const char* kRules = R"(
alert tcp any any -> any any (msg:"a"; content:"EVIL"; sid:1;)
alert tcp any any -> any any (msg:"b"; content:"GET"; startswith; content:"root"; distance:0; within:20; sid:2;)
alert tcp any any -> any any (msg:"c"; content:"BYE"; endswith; sid:3;)
alert tcp any any -> any any (msg:"d"; pcre:"/ab[0-9]{2,8}cd$/i"; sid:4;)
alert tcp any any -> any any (msg:"e"; content:"MAGIC"; offset:2; depth:12; sid:5;)
alert tcp any any -> any any (msg:"f"; content:"x"; content:!"y"; within:3; sid:6;)
alert tcp-pkt any any -> any any (msg:"g"; content:"PKT"; sid:7;)
alert tcp any any -> any any (msg:"h"; pcre:"/^HELLO/"; content:"there"; distance:1; sid:8;)
)";

struct State {
  CompiledRules rules;
  AlertQueue alerts{256};
  std::unique_ptr<Worker> worker;
  explicit State(const RuleSet& set) : rules(set) {
    WorkerConfig config;
    config.max_flows = 8;
    config.lossless = false;  // never wait on the queue: it is drained after each input
    config.stream_inspect.slots = 4;
    config.stream_inspect.window = 64;
    config.alert_mode = AlertMode::kPacket;
    worker = std::make_unique<Worker>(0, rules, alerts, config);
  }
};

State& state() {
  static std::unique_ptr<State> s = [] {
    RuleSet set;
    load_suricata_rules(kRules, "fuzz.rules", RuleVars{}, set);
    return std::make_unique<State>(set);
  }();
  return *s;
}

void put16(std::vector<uint8_t>& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  State& s = state();
  static uint64_t now = 0;
  std::vector<uint8_t> frame;
  size_t off = 0;
  uint64_t ordinal = 0;
  while (off + 5 <= size) {
    const uint8_t flags = data[off];
    const uint8_t who = data[off + 1];
    const uint16_t seq_offset = static_cast<uint16_t>((data[off + 2] << 8) | data[off + 3]);
    const size_t len = std::min<size_t>(data[off + 4], size - off - 5);
    const uint8_t* payload = data + off + 5;
    off += 5 + len;

    const bool to_server = (who & 1) == 0;
    const uint16_t port = static_cast<uint16_t>(40000 + ((who >> 1) & 3));
    frame.assign(12, 0);
    put16(frame, 0x0800);
    frame.insert(frame.end(), {0x45, 0});
    put16(frame, static_cast<uint16_t>(40 + len));
    frame.insert(frame.end(), {0, 0, 0, 0, 64, 6, 0, 0});
    const uint8_t client[4] = {10, 0, 0, 1}, server[4] = {10, 0, 0, 2};
    frame.insert(frame.end(), to_server ? client : server, (to_server ? client : server) + 4);
    frame.insert(frame.end(), to_server ? server : client, (to_server ? server : client) + 4);
    put16(frame, to_server ? port : 80);
    put16(frame, to_server ? 80 : port);
    const uint32_t seq = (to_server ? 1000u : 5000u) + seq_offset;
    put16(frame, static_cast<uint16_t>(seq >> 16));
    put16(frame, static_cast<uint16_t>(seq));
    frame.insert(frame.end(), {0, 0, 0, 0, 0x50, flags, 0xff, 0xff, 0, 0, 0, 0});
    frame.insert(frame.end(), payload, payload + len);

    PacketView view;
    view.data = frame.data();
    view.caplen = view.wirelen = static_cast<uint32_t>(frame.size());
    view.ts_ns = now += 1000;
    view.ordinal = ++ordinal;
    DecodedPacket decoded;
    decode_packet(view, decoded);
    s.worker->process(view, decoded);
  }
  s.worker->expire(now += 1'000'000'000'000);  // every flow times out: streams end
  Alert alert;
  while (s.alerts.try_pop(alert)) {
  }
  return 0;
}
