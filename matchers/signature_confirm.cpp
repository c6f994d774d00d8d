// Mirrors Suricata's DetectEngineContentInspection (detect-engine-content-inspection.c) for
// content and pcre: per buffer, keywords in rule order, each relative one measured from the end
// of the previous positive match, with the same retry rules and early exits.
#include "matchers/signature_confirm.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <new>
#include <utility>

namespace tripline {

namespace {

// Suricata's defaults for pcre.match-limit and pcre.match-limit-recursion.
constexpr uint32_t kPcreMatchLimit = 3500;
constexpr uint32_t kPcreDepthLimit = 1500;
constexpr size_t kJitStackMax = 512 * 1024;

char fold(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c; }

// First occurrence of `needle` in buf[from, to), or npos. `needle` is lower case when nocase.
size_t find_in(std::string_view buf, size_t from, size_t to, std::string_view needle, bool nocase) {
  if (to - from < needle.size()) return std::string_view::npos;
  const std::string_view window = buf.substr(from, to - from);
  if (!nocase) {
    const size_t at = window.find(needle);
    return at == std::string_view::npos ? at : from + at;
  }
  for (size_t i = 0; i + needle.size() <= window.size(); ++i) {
    size_t k = 0;
    while (k < needle.size() && fold(window[i + k]) == needle[k]) ++k;
    if (k == needle.size()) return from + i;
  }
  return std::string_view::npos;
}

bool address_in(const AddressSet& set, const IpAddress& ip) {
  if (set.any) return true;
  for (const Cidr& c : set.cidrs) {
    if (c.network.family != ip.family) continue;
    if (ip.family == 4) {
      const uint32_t mask = c.prefix == 0 ? 0 : ~uint32_t{0} << (32 - c.prefix);
      if ((ip.v4_host_order() & mask) == c.network.v4_host_order()) return true;
    } else {
      using U128 = unsigned __int128;
      const U128 mask = c.prefix == 0 ? 0 : ~U128{0} << (128 - c.prefix);
      if ((ip.v6_host_order() & mask) == c.network.v6_host_order()) return true;
    }
  }
  return false;
}

}  // namespace

struct SignatureConfirmer::Regex {
  pcre2_code* code = nullptr;
  explicit Regex(pcre2_code* c) : code(c) {}
  Regex(Regex&& o) noexcept : code(std::exchange(o.code, nullptr)) {}
  Regex& operator=(Regex&&) = delete;
  ~Regex() { pcre2_code_free(code); }
};

// A content or pcre with Suricata's runtime flags precomputed.
struct SignatureConfirmer::Step {
  bool is_pcre = false;
  bool negated = false;
  bool relative = false;    // content: distance or within; pcre: /R
  bool retry_next = false;  // Suricata's WITHIN_NEXT (content) / RELATIVE_NEXT (pcre)
  // content
  bool nocase = false;
  bool endswith = false;
  bool has_distance = false, has_within = false, has_depth = false;
  int32_t distance = 0, within = 0;
  uint32_t offset = 0;
  uint32_t depth_end = 0;  // offset + depth: the absolute end of the search window
  uint32_t bytes_at = 0, bytes_len = 0;
  // pcre
  uint32_t regex = 0;
};

struct SignatureConfirmer::Rule {
  SigProto proto = SigProto::kIp;
  TcpScope tcp_scope = TcpScope::kAny;
  bool bidirectional = false;
  bool usable = true;        // false when a pcre failed to compile
  bool has_payload = false;  // matches in SigBuffer::kPacket
  AddressSet src, dst;
  PortSet src_ports, dst_ports;
  FlowOptions flow;
  struct List {
    SigBuffer buffer;
    uint32_t first, end;  // into steps_
  };
  std::vector<List> lists;
};

struct ConfirmScratch::Pcre {
  pcre2_match_data* data = nullptr;
  pcre2_match_context* context = nullptr;
  pcre2_jit_stack* jit_stack = nullptr;
  ~Pcre() {
    pcre2_jit_stack_free(jit_stack);
    pcre2_match_context_free(context);
    pcre2_match_data_free(data);
  }
};

ConfirmScratch::ConfirmScratch() : pcre_(std::make_unique<Pcre>()) {
  // One ovector pair is enough: pcre2_match fills it and returns 0 when captures do not fit.
  pcre_->data = pcre2_match_data_create(1, nullptr);
  pcre_->context = pcre2_match_context_create(nullptr);
  pcre_->jit_stack = pcre2_jit_stack_create(32 * 1024, kJitStackMax, nullptr);
  if (pcre_->data == nullptr || pcre_->context == nullptr || pcre_->jit_stack == nullptr)
    throw std::bad_alloc();
  pcre2_jit_stack_assign(pcre_->context, nullptr, pcre_->jit_stack);
  pcre2_set_match_limit(pcre_->context, kPcreMatchLimit);
  pcre2_set_depth_limit(pcre_->context, kPcreDepthLimit);
}

ConfirmScratch::~ConfirmScratch() = default;

SignatureConfirmer::SignatureConfirmer(const std::vector<Signature>& signatures,
                                       uint32_t step_limit)
    : step_limit_(step_limit) {
  rules_.reserve(signatures.size());
  for (const Signature& sig : signatures) {
    Rule rule;
    rule.proto = sig.proto;
    rule.tcp_scope = sig.tcp_scope;
    rule.bidirectional = sig.bidirectional;
    rule.src = sig.src;
    rule.dst = sig.dst;
    rule.src_ports = sig.src_ports;
    rule.dst_ports = sig.dst_ports;
    rule.flow = sig.flow;

    for (size_t b = 0; b < kSigBufferCount; ++b) {
      const auto buffer = static_cast<SigBuffer>(b);
      const auto first = static_cast<uint32_t>(steps_.size());
      for (const SigMatch& m : sig.matches) {
        if (m.buffer != buffer) continue;
        Step step;
        if (const auto* c = std::get_if<ContentMatch>(&m.m)) {
          step.negated = c->negated;
          step.nocase = c->nocase;
          step.endswith = c->endswith;
          step.has_distance = c->distance.has_value();
          step.has_within = c->within.has_value();
          step.distance = c->distance.value_or(0);
          step.within = c->within.value_or(0);
          step.offset = static_cast<uint32_t>(c->offset.value_or(0));
          step.has_depth = c->depth.has_value();
          step.depth_end = step.offset + static_cast<uint32_t>(c->depth.value_or(0));
          if (c->startswith) {  // Suricata: depth = length, offset = 0, nothing relative
            step.has_distance = step.has_within = false;
            step.offset = 0;
            step.has_depth = true;
            step.depth_end = static_cast<uint32_t>(c->bytes.size());
          }
          step.relative = step.has_distance || step.has_within;
          step.bytes_at = static_cast<uint32_t>(bytes_.size());
          step.bytes_len = static_cast<uint32_t>(c->bytes.size());
          for (const char ch : c->bytes) bytes_.push_back(c->nocase ? fold(ch) : ch);
        } else {
          const auto& p = std::get<PcreMatch>(m.m);
          step.is_pcre = true;
          step.negated = p.negated;
          step.relative = p.relative;
          uint32_t options = 0;
          for (const char f : p.flags) {
            if (f == 'i') options |= PCRE2_CASELESS;
            if (f == 's') options |= PCRE2_DOTALL;
            if (f == 'm') options |= PCRE2_MULTILINE;
            if (f == 'x') options |= PCRE2_EXTENDED;
          }
          int error = 0;
          PCRE2_SIZE error_at = 0;
          pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(p.pattern.data()),
                                           p.pattern.size(), options, &error, &error_at, nullptr);
          if (code == nullptr) {
            PCRE2_UCHAR text[256];
            pcre2_get_error_message(error, text, sizeof text);
            diagnostics_.push_back({sig.file, sig.line, std::to_string(sig.sid),
                                    "pcre '/" + p.pattern + "/' does not compile: " +
                                        reinterpret_cast<const char*>(text) + " at offset " +
                                        std::to_string(error_at),
                                    Severity::kError});
            rule.usable = false;
          } else {
            pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // falls back to the interpreter
            step.regex = static_cast<uint32_t>(regexes_.size());
            regexes_.emplace_back(code);
          }
        }
        // Suricata flags the previous keyword when this one depends on its match position:
        // a content retries for a following `within` or pcre/R, a pcre for anything relative.
        if (steps_.size() > first) {
          Step& prev = steps_.back();
          prev.retry_next =
              prev.is_pcre ? step.relative : (step.has_within || (step.is_pcre && step.relative));
        }
        steps_.push_back(step);
      }
      if (steps_.size() > first) {
        rule.lists.push_back({buffer, first, static_cast<uint32_t>(steps_.size())});
        if (buffer == SigBuffer::kPacket) rule.has_payload = true;
      }
    }
    rules_.push_back(std::move(rule));
  }
}

SignatureConfirmer::~SignatureConfirmer() = default;

size_t SignatureConfirmer::size() const { return rules_.size(); }

bool SignatureConfirmer::header_matches(const Rule& rule, const SignatureContext& ctx) const {
  switch (rule.proto) {
    case SigProto::kIp:
      break;
    case SigProto::kTcp:
      if (ctx.transport != Transport::kTcp) return false;
      break;
    case SigProto::kUdp:
      if (ctx.transport != Transport::kUdp) return false;
      break;
    case SigProto::kIcmp:
      if (ctx.transport != Transport::kIcmp) return false;
      break;
    case SigProto::kDns:
      if (ctx.app != AppProto::kDns) return false;
      break;
    case SigProto::kTls:
      if (ctx.app != AppProto::kTls) return false;
      break;
    case SigProto::kHttp:
      if (ctx.app != AppProto::kHttp) return false;
      break;
  }
  // TCP payload matches look at the reassembled stream, except in tcp-pkt rules: the stream
  // holds every packet's bytes once, in the order the reassembly policy chose.
  if (ctx.transport == Transport::kTcp) {
    const TcpScope scope =
        rule.has_payload && rule.tcp_scope == TcpScope::kAny ? TcpScope::kStream : rule.tcp_scope;
    if (scope != TcpScope::kAny && (scope == TcpScope::kStream) != ctx.payload_is_stream)
      return false;
  }

  const FlowOptions& flow = rule.flow;
  if (flow.to_server && ctx.direction != FlowDirection::kToServer) return false;
  if (flow.to_client && ctx.direction != FlowDirection::kToClient) return false;
  if (flow.established && !ctx.established) return false;

  const bool has_ports = ctx.transport == Transport::kTcp || ctx.transport == Transport::kUdp;
  auto port_in = [&](const PortSet& set, uint16_t port) {
    return set.any || (has_ports && set.contains(port));
  };
  auto one_way = [&](const IpAddress& s, uint16_t sp, const IpAddress& d, uint16_t dp) {
    return address_in(rule.src, s) && port_in(rule.src_ports, sp) && address_in(rule.dst, d) &&
           port_in(rule.dst_ports, dp);
  };
  return one_way(ctx.src, ctx.src_port, ctx.dst, ctx.dst_port) ||
         (rule.bidirectional && one_way(ctx.dst, ctx.dst_port, ctx.src, ctx.src_port));
}

bool SignatureConfirmer::confirm(uint32_t rule_index, const SignatureContext& ctx,
                                 ConfirmScratch& scratch) const {
  if (rule_index >= rules_.size()) return false;
  const Rule& rule = rules_[rule_index];
  if (!rule.usable || !header_matches(rule, ctx)) return false;
  scratch.steps_ = 0;
  for (const Rule::List& list : rule.lists) {
    const std::string_view buf = ctx.buffer(list.buffer);
    if (buf.empty()) return false;
    const bool stream = list.buffer == SigBuffer::kPacket && ctx.payload_is_stream;
    scratch.base_ = stream ? ctx.stream_base : 0;
    scratch.complete_ = !stream || ctx.stream_complete;
    const Verdict v = inspect(list.first, list.end, buf, 0, scratch);
    if (scratch.steps_ >= step_limit_) {
      ++scratch.step_limit_hits;
      return false;
    }
    if (v != Verdict::kMatch) return false;
  }
  return true;
}

// Suricata's DetectEngineContentInspectionInternal for steps [step, end): kMatch when they all
// hold, kNoMatch when an earlier step may retry at another position, kDiscontinue when nothing
// can help.
SignatureConfirmer::Verdict SignatureConfirmer::inspect(uint32_t step, uint32_t end,
                                                        std::string_view buf, uint32_t prev_end,
                                                        ConfirmScratch& scratch) const {
  if (step == end) return Verdict::kMatch;
  if (++scratch.steps_ >= step_limit_) return Verdict::kDiscontinue;
  return steps_[step].is_pcre ? inspect_pcre(step, end, buf, prev_end, scratch)
                              : inspect_content(step, end, buf, prev_end, scratch);
}

SignatureConfirmer::Verdict SignatureConfirmer::inspect_content(uint32_t step, uint32_t end,
                                                                std::string_view buf,
                                                                uint32_t prev_end,
                                                                ConfirmScratch& scratch) const {
  const Step& s = steps_[step];
  const std::string_view needle(bytes_.data() + s.bytes_at, s.bytes_len);
  const int64_t len = static_cast<int64_t>(buf.size());
  const bool last = step + 1 == end;

  // Absolute positions count from the stream's start, `base` bytes before this buffer.
  const int64_t base =
      static_cast<int64_t>(std::min(scratch.base_, SignatureContext::kUnknownBase));
  const int64_t offset = int64_t{s.offset} - base, depth_end = int64_t{s.depth_end} - base;
  const bool at_end = scratch.complete_;  // the buffer's end is the stream's end

  // The window [from, to) as Suricata computes it.
  int64_t from = 0, to = len;
  if (s.relative) {
    from = prev_end;
    if (s.has_distance) from = std::max<int64_t>(0, from + s.distance);
    if (s.has_within) to = std::min<int64_t>(to, int64_t{prev_end} + s.distance + s.within);
    // Suricata rejects offset/depth next to distance/within; tripline applies both, absolute.
    from = std::max<int64_t>(from, offset);
    if (s.has_depth) to = std::min<int64_t>(to, depth_end);
  } else {
    from = std::max<int64_t>(0, offset);
    if (s.has_depth) to = depth_end;
  }
  to = std::clamp<int64_t>(to, 0, len);

  if (s.negated) {
    // Absent from the window (for endswith: no occurrence in it ends at the buffer's end).
    bool found;
    if (s.endswith && !at_end) return Verdict::kNoMatch;  // the stream may still end so
    if (s.endswith)
      found = to == len && len - from >= s.bytes_len &&
              find_in(buf, static_cast<size_t>(len - s.bytes_len), static_cast<size_t>(len), needle,
                      s.nocase) != std::string_view::npos;
    else
      found = from <= to && to > 0 &&
              find_in(buf, static_cast<size_t>(from), static_cast<size_t>(to), needle, s.nocase) !=
                  std::string_view::npos;
    if (!found) return last ? Verdict::kMatch : inspect(step + 1, end, buf, prev_end, scratch);
    return !s.relative && !s.has_depth ? Verdict::kDiscontinue : Verdict::kNoMatch;
  }

  while (true) {
    if (from > to || to == 0) return Verdict::kNoMatch;
    size_t at = std::string_view::npos;
    if (!s.endswith || (to == len && at_end))
      at = find_in(buf, static_cast<size_t>(from), static_cast<size_t>(to), needle, s.nocase);
    if (at == std::string_view::npos) return s.relative ? Verdict::kNoMatch : Verdict::kDiscontinue;
    const auto match_end = static_cast<uint32_t>(at + s.bytes_len);
    if (!s.endswith || match_end == len) {
      if (last) return Verdict::kMatch;
      const Verdict v = inspect(step + 1, end, buf, match_end, scratch);
      if (v != Verdict::kNoMatch) return v;
      if (!s.retry_next) return Verdict::kDiscontinue;
    }
    from = static_cast<int64_t>(at) + 1;  // look for the next occurrence
  }
}

SignatureConfirmer::Verdict SignatureConfirmer::inspect_pcre(uint32_t step, uint32_t end,
                                                             std::string_view buf,
                                                             uint32_t prev_end,
                                                             ConfirmScratch& scratch) const {
  const Step& s = steps_[step];
  const pcre2_code* code = regexes_[s.regex].code;
  ConfirmScratch::Pcre& p = *scratch.pcre_;
  // With /R the subject starts at the previous match's end, so `^` anchors there.
  const uint32_t base = s.relative ? prev_end : 0;
  const std::string_view subject = buf.substr(base);
  // In a stream window, `^` is the stream's start and `$` its end: not the window's.
  uint32_t options = 0;
  if (!s.relative && scratch.base_ != 0) options |= PCRE2_NOTBOL;
  if (!scratch.complete_) options |= PCRE2_NOTEOL;
  size_t start = 0;  // in subject; moves past each match start when a later step fails
  while (true) {
    const int rc = pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(),
                               start, options, p.data, p.context);
    if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) {
      ++scratch.pcre_errors;  // match or depth limit, JIT stack: counted, no match
      return Verdict::kNoMatch;
    }
    const bool matched = rc >= 0;
    if (matched == s.negated) return Verdict::kNoMatch;
    if (s.negated) return inspect(step + 1, end, buf, prev_end, scratch);

    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(p.data);
    const auto match_end = static_cast<uint32_t>(base + ov[1]);
    const Verdict v = inspect(step + 1, end, buf, match_end, scratch);
    if (v != Verdict::kNoMatch || !s.retry_next) return v;
    start = ov[0] + 1;
    if (start > subject.size()) return Verdict::kNoMatch;
  }
}

}  // namespace tripline
