// Where a thread's time goes, for `tripline bench`: an exclusive-time clock over packet-path
// stages. enter(stage) charges the cycles since the last switch to the stage that was
// running and returns it, so nested work (an alert raised inside stream inspection) is
// charged to itself only: `auto prev = clock.enter(kAlert); ...; clock.enter(prev);`.
// Disabled (the default), every call is one predictable branch; enabled, each switch reads
// the time-stamp counter (~20 cycles), so profiled runs are slower than plain ones and
// throughput is measured without it.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#else
#include <chrono>
#endif

namespace tripline {

enum class Stage : uint8_t {
  kIdle,        // not in the packet path (waiting for work): not charged
  kDecode,      // link layer to transport (the reader thread)
  kFlow,        // defragmentation, flow table, worker bookkeeping
  kReassembly,  // TCP reassembly and app-layer parsing
  kIp,          // IP/CIDR lookups
  kFields,      // domain, URL and JA3 lookups
  kHsBlock,     // Hyperscan block scans (fields, datagrams, tcp-pkt)
  kHsStream,    // Hyperscan stream scans (TCP payload)
  kConfirm,     // whole-rule confirmation (contents, pcre, header)
  kAlert,       // building and queueing alerts
};
inline constexpr size_t kStageCount = static_cast<size_t>(Stage::kAlert) + 1;

constexpr std::string_view stage_name(Stage s) {
  constexpr std::string_view kNames[] = {"idle",   "decode",   "flow",      "reassembly", "ip",
                                         "fields", "hs_block", "hs_stream", "confirm",    "alert"};
  return kNames[static_cast<size_t>(s)];
}

struct StageCycles {
  std::array<uint64_t, kStageCount> cycles{};
  StageCycles& operator+=(const StageCycles& o) {
    for (size_t i = 0; i < kStageCount; ++i) cycles[i] += o.cycles[i];
    return *this;
  }
};

class StageClock {
 public:
  void enable() { enabled_ = true; }
  bool enabled() const { return enabled_; }

  Stage enter(Stage next) {
    const Stage prev = current_;
    if (!enabled_) return prev;
    const uint64_t t = now();
    if (current_ != Stage::kIdle) totals_.cycles[static_cast<size_t>(current_)] += t - last_;
    last_ = t;
    current_ = next;
    return prev;
  }
  const StageCycles& totals() const { return totals_; }

  static uint64_t now() {
#if defined(__x86_64__) || defined(__i386__)
    return __rdtsc();
#else
    return static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
#endif
  }

 private:
  bool enabled_ = false;
  Stage current_ = Stage::kIdle;
  uint64_t last_ = 0;
  StageCycles totals_;
};

// What one rule cost, for --profile-rules (Snort's rule profiler reports the same): times its
// fast pattern hit (candidates), whole-rule checks, cycles spent checking, and matches.
struct RuleCost {
  uint64_t candidates = 0;
  uint64_t checks = 0;
  uint64_t cycles = 0;
  uint64_t matches = 0;
  RuleCost& operator+=(const RuleCost& o) {
    candidates += o.candidates;
    checks += o.checks;
    cycles += o.cycles;
    matches += o.matches;
    return *this;
  }
};

// Restores the previous stage when it goes out of scope.
class StageScope {
 public:
  StageScope(StageClock& clock, Stage stage) : clock_(clock), prev_(clock.enter(stage)) {}
  ~StageScope() { clock_.enter(prev_); }
  StageScope(const StageScope&) = delete;
  StageScope& operator=(const StageScope&) = delete;

 private:
  StageClock& clock_;
  Stage prev_;
};

}  // namespace tripline
