// SignatureConfirmer: decides whether a whole Suricata signature (header, flow, every content and
// pcre per buffer) holds for one packet or stream chunk. A prefilter hit is only a candidate
// until confirm() says so. Immutable after construction; ConfirmScratch is per worker.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostic.hpp"
#include "core/ip_address.hpp"
#include "core/signature.hpp"
#include "core/tcp_stream.hpp"

namespace tripline {

enum class Transport : uint8_t { kOther, kTcp, kUdp, kIcmp };
enum class FlowDirection : uint8_t { kNone, kToServer, kToClient };  // kNone: no flow

// What confirm() looks at. Views point into the caller's packet or stream memory.
struct SignatureContext {
  Transport transport = Transport::kOther;
  AppProto app = AppProto::kUnknown;
  IpAddress src, dst;
  uint16_t src_port = 0, dst_port = 0;  // meaningful for kTcp and kUdp only
  FlowDirection direction = FlowDirection::kNone;
  bool established = false;
  // kPacket holds a window of a reassembled TCP stream (not one packet's payload): absolute
  // positions (offset, depth, startswith, pcre `^`) count from the stream's first byte, which
  // is stream_base bytes before the window (kUnknownBase after lost data: no absolute position
  // can hold); endswith and pcre `$` hold only at the stream's end, when stream_complete.
  static constexpr uint64_t kUnknownBase = uint64_t{1} << 62;
  bool payload_is_stream = false;
  uint64_t stream_base = 0;
  bool stream_complete = true;
  // Indexed by SigBuffer; an empty view means the buffer is absent here.
  std::array<std::string_view, kSigBufferCount> buffers{};

  std::string_view& buffer(SigBuffer b) { return buffers[static_cast<size_t>(b)]; }
  std::string_view buffer(SigBuffer b) const { return buffers[static_cast<size_t>(b)]; }
};

class SignatureConfirmer;

// Per-thread state for confirm(): PCRE2 match data and JIT stack (allocated here, never per
// call), the step counter, and counters the worker reports.
class ConfirmScratch {
 public:
  ConfirmScratch();
  ~ConfirmScratch();
  ConfirmScratch(const ConfirmScratch&) = delete;
  ConfirmScratch& operator=(const ConfirmScratch&) = delete;

  uint64_t step_limit_hits = 0;  // confirmations abandoned (no match) at the step limit
  uint64_t pcre_errors = 0;      // pcre2_match errors other than "no match" (counted as no match)

 private:
  friend class SignatureConfirmer;
  struct Pcre;
  std::unique_ptr<Pcre> pcre_;
  uint32_t steps_ = 0;
  // The buffer being inspected: where it sits in its stream, and whether the stream ends there.
  uint64_t base_ = 0;
  bool complete_ = true;
};

class SignatureConfirmer {
 public:
  // Suricata's detect.inspection-recursion-limit is 3000 per buffer; ours counts per confirm().
  static constexpr uint32_t kDefaultStepLimit = 10000;

  // Compiles every pcre once. A rule whose pcre does not compile never confirms and is
  // reported in diagnostics(). Rule indexes are indexes into `signatures`.
  explicit SignatureConfirmer(const std::vector<Signature>& signatures,
                              uint32_t step_limit = kDefaultStepLimit);
  ~SignatureConfirmer();
  SignatureConfirmer(const SignatureConfirmer&) = delete;
  SignatureConfirmer& operator=(const SignatureConfirmer&) = delete;

  // True when rule `rule_index` matches `ctx`. Thread-safe (const); allocates nothing.
  bool confirm(uint32_t rule_index, const SignatureContext& ctx, ConfirmScratch& scratch) const;

  size_t size() const;
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  struct Step;  // one content or pcre, compiled
  struct Rule;
  struct Regex;
  enum class Verdict : int8_t { kDiscontinue = -1, kNoMatch = 0, kMatch = 1 };

  bool header_matches(const Rule& rule, const SignatureContext& ctx) const;
  Verdict inspect(uint32_t step, uint32_t end, std::string_view buf, uint32_t prev_end,
                  ConfirmScratch& scratch) const;
  Verdict inspect_content(uint32_t step, uint32_t end, std::string_view buf, uint32_t prev_end,
                          ConfirmScratch& scratch) const;
  Verdict inspect_pcre(uint32_t step, uint32_t end, std::string_view buf, uint32_t prev_end,
                       ConfirmScratch& scratch) const;

  std::vector<Rule> rules_;
  std::vector<Step> steps_;  // each rule's steps grouped by buffer, rule order kept per buffer
  std::vector<Regex> regexes_;
  std::string bytes_;  // content bytes (lower case for nocase contents)
  std::vector<Diagnostic> diagnostics_;
  uint32_t step_limit_;
};

}  // namespace tripline
