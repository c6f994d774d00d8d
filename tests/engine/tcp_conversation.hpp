// Test helpers for TCP stream inspection: TCP connections built segment by segment, and a
// worker replay of their frames that hands each alert to the test.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/loaders.hpp"
#include "engine/worker.hpp"
#include "tests/packet_builder.hpp"

namespace tripline {

// One TCP connection 10.0.0.1:<client_port> -> 10.0.0.2:80, built segment by segment. Frames
// of several conversations may be interleaved by the test.
class Conversation {
 public:
  static constexpr uint32_t kClientIsn = 1000, kServerIsn = 5000;

  explicit Conversation(uint16_t client_port = 40000) : port_(client_port) {
    add(true, test::kSyn, {}, kClientIsn - 1);
    add(false, test::kSyn | test::kAck, {}, kServerIsn - 1);
    add(true, test::kAck, {}, 0);
  }
  // Data at stream offset `at` of one direction (0 = its first byte).
  Conversation& data(bool to_server, uint32_t at, std::string_view bytes,
                     uint8_t flags = test::kAck | test::kPsh) {
    add(to_server, flags, test::bytes_of(bytes), (to_server ? kClientIsn : kServerIsn) + at);
    return *this;
  }
  Conversation& fin(bool to_server, uint32_t at) {
    return data(to_server, at, "", test::kFin | test::kAck);
  }
  Conversation& rst(bool to_server, uint32_t at) { return data(to_server, at, "", test::kRst); }

  const std::vector<test::Bytes>& frames() const { return frames_; }
  uint16_t port() const { return port_; }

 private:
  void add(bool to_server, uint8_t flags, const test::Bytes& payload, uint32_t seq) {
    const auto client = test::v4("10.0.0.1"), server = test::v4("10.0.0.2");
    const test::Bytes segment = to_server ? test::tcp(port_, 80, flags, payload, seq)
                                          : test::tcp(80, port_, flags, payload, seq);
    frames_.push_back(test::ethernet(0x0800, to_server ? test::ipv4(client, server, 6, segment)
                                                       : test::ipv4(server, client, 6, segment)));
  }
  uint16_t port_;
  std::vector<test::Bytes> frames_;
};

inline RuleSet load_rules_text(const std::string& rules_text) {
  RuleSet set;
  load_suricata_rules(rules_text, "test.rules", RuleVars{}, set);
  EXPECT_TRUE(set.diagnostics().empty()) << set.diagnostics().front().to_string();
  return set;
}

inline CompiledRules compile_rules(const std::string& rules_text) {
  return CompiledRules(load_rules_text(rules_text));
}

// The same, for a rule set published by a hot reload.
inline std::shared_ptr<const CompiledRules> compile_shared(const std::string& rules_text) {
  return std::make_shared<const CompiledRules>(load_rules_text(rules_text));
}

struct ReplayOptions {
  AlertMode mode = AlertMode::kFlow;
  // After this many frames every flow times out (the clock jumps an hour); 0: never.
  size_t time_out_after = 0;
  uint32_t stream_slots = StreamInspectorConfig{}.slots;
  // Hot reload: after every `reload_every` frames, `reload()` is published as a new rule set
  // and the worker adopts it, as the pipeline's workers do between two batches.
  size_t reload_every = 0;
  std::function<std::shared_ptr<const CompiledRules>()> reload;
};

// Processes `frames` (Ethernet, 1 ms apart, pcap_cnt from 1) on one worker, ends the run
// (worker.finish()) and passes every alert, with the rule set that raised it, to on_alert.
// Returns the worker's counters.
inline WorkerStats replay_with_rules(
    const CompiledRules& rules, const std::vector<test::Bytes>& frames,
    const ReplayOptions& options,
    const std::function<void(const Alert&, const CompiledRules&)>& on_alert) {
  RuleVersions versions(std::shared_ptr<const CompiledRules>(&rules, [](const CompiledRules*) {}));
  AlertQueue alerts(8192);
  WorkerConfig config;
  config.alert_mode = options.mode;
  config.stream_inspect.slots = options.stream_slots;
  Worker worker(0, rules, alerts, config);
  worker.follow(versions.latest());
  const auto drain = [&] {
    Alert a;
    while (alerts.try_pop(a))
      if (!a.is_epoch_marker()) on_alert(a, versions.rules(a.epoch));
  };
  DecodedPacket decoded;
  uint64_t ordinal = 0, shift = 0;
  for (const test::Bytes& frame : frames) {
    PacketView p;
    p.data = frame.data();
    p.caplen = p.wirelen = static_cast<uint32_t>(frame.size());
    p.ordinal = ++ordinal;
    if (options.reload_every != 0 && ordinal % options.reload_every == 0) {
      versions.publish(options.reload());
      EXPECT_TRUE(worker.sync_rules());
    }
    if (options.time_out_after != 0 && ordinal == options.time_out_after + 1) {
      shift = 3'600'000'000'000;
      worker.expire(ordinal * 1'000'000 + shift);
    }
    p.ts_ns = ordinal * 1'000'000 + shift;
    decode_packet(p, decoded);
    worker.process(p, decoded);
    drain();
  }
  worker.finish();
  alerts.close();
  drain();
  return worker.stats();
}

inline WorkerStats replay(const CompiledRules& rules, const std::vector<test::Bytes>& frames,
                          const ReplayOptions& options,
                          const std::function<void(const Alert&)>& on_alert) {
  return replay_with_rules(rules, frames, options,
                           [&](const Alert& a, const CompiledRules&) { on_alert(a); });
}

}  // namespace tripline
