// Suricata-subset signatures at run time: the Hyperscan prefilter proposes candidate rules for
// each buffer a packet shows, the confirmer checks each whole rule. Immutable and shared by all
// workers; each worker owns a SignatureScratch. Nothing here allocates per packet.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/signature.hpp"
#include "core/stage_clock.hpp"
#include "matchers/hyperscan_prefilter.hpp"
#include "matchers/signature_confirm.hpp"

namespace tripline {

struct SignatureScratch {
  static constexpr uint32_t kMaxCandidates = 256;

  PrefilterScratch prefilter;
  ConfirmScratch confirm;
  uint32_t candidates[kMaxCandidates];
  uint32_t count = 0;
  uint64_t candidates_dropped = 0;  // more candidates in one context than kMaxCandidates
  // Profiling (tripline bench): the owning thread's stage clock (disabled unless profiling),
  // and, for --profile-rules, one RuleCost per rule (else nullptr).
  StageClock* clock = &own_clock;
  RuleCost* costs = nullptr;
  StageClock own_clock;

  void add(uint32_t rule) {
    for (uint32_t i = 0; i < count; ++i)
      if (candidates[i] == rule) return;
    if (count == kMaxCandidates) {
      ++candidates_dropped;
      return;
    }
    if (costs != nullptr) ++costs[rule].candidates;
    candidates[count++] = rule;
  }
};

class SignatureEngine {
 public:
  explicit SignatureEngine(std::vector<Signature> signatures,
                           const PrefilterOptions& prefilter_options = {});

  std::unique_ptr<SignatureScratch> make_scratch() const;

  // Calls on_match(rule_index) for every rule that matches `ctx`: rules proposed by the
  // buffers present in ctx, and, when `header_rules`, the rules the prefilter cannot narrow
  // (no positive content or pcre: header-only, or only negated matches).
  template <class F>
  void match(const SignatureContext& ctx, bool header_rules, SignatureScratch& s,
             F&& on_match) const {
    s.count = 0;
    {
      StageScope stage(*s.clock, Stage::kHsBlock);
      for (size_t b = 0; b < kSigBufferCount; ++b) {
        const std::string_view data = ctx.buffers[b];
        if (data.empty()) continue;
        prefilter_.scan_block(static_cast<SigBuffer>(b), data, s.prefilter,
                              [&s](uint32_t rule) { s.add(rule); });
      }
    }
    if (header_rules)
      for (const uint32_t rule : prefilter_.always_candidates()) s.add(rule);
    for (uint32_t i = 0; i < s.count; ++i)
      if (confirm(s.candidates[i], ctx, s)) on_match(s.candidates[i]);
  }

  // For TCP stream inspection (engine/stream_inspector.hpp): the streaming database, and the
  // whole-rule check on a stream window.
  const HyperscanPrefilter& prefilter() const { return prefilter_; }
  // Counted in s.costs and charged to Stage::kConfirm when profiling.
  bool confirm(uint32_t rule, const SignatureContext& ctx, SignatureScratch& s) const {
    StageScope stage(*s.clock, Stage::kConfirm);
    if (s.costs == nullptr) return confirmer_.confirm(rule, ctx, s.confirm);
    const uint64_t start = StageClock::now();
    const bool matched = confirmer_.confirm(rule, ctx, s.confirm);
    RuleCost& cost = s.costs[rule];
    cost.cycles += StageClock::now() - start;
    ++cost.checks;
    cost.matches += matched ? 1 : 0;
    return matched;
  }
  // A rule whose payload part can fail when its pattern is seen and hold once more of the
  // stream arrived: several payload matches, an endswith, or a pcre.
  bool may_need_more_data(uint32_t rule) const { return may_need_more_[rule] != 0; }
  // For a rule whose payload part is one plain content (its fast pattern, so every streaming
  // hit is an occurrence of it): that content's length; else 0.
  uint32_t single_literal_length(uint32_t rule) const { return literal_length_[rule]; }
  // Some tcp-pkt rule looks at packet payloads: TCP payloads are then also scanned per packet.
  bool has_tcp_packet_rules() const { return has_tcp_packet_rules_; }

  const Signature& signature(uint32_t rule) const { return signatures_[rule]; }
  // The buffer an alert of this rule names: its first match's, or the payload.
  SigBuffer primary_buffer(uint32_t rule) const;
  size_t size() const { return signatures_.size(); }
  // Patterns Hyperscan rejected and pcres PCRE2 rejected: those rules never alert.
  std::vector<std::string> errors() const;

 private:
  std::vector<Signature> signatures_;
  HyperscanPrefilter prefilter_;
  SignatureConfirmer confirmer_;
  std::vector<uint8_t> may_need_more_;
  std::vector<uint32_t> literal_length_;
  bool has_tcp_packet_rules_ = false;
};

// Suricata's classification.config: the description and default priority of a classtype.
struct Classtype {
  std::string_view description;
  int priority;
};
Classtype classtype_of(std::string_view name);

}  // namespace tripline
