#include "engine/stream_inspector.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "core/alert.hpp"

namespace tripline {

StreamInspectCounters& StreamInspectCounters::operator+=(const StreamInspectCounters& o) {
  streams += o.streams;
  bytes += o.bytes;
  slots_exhausted += o.slots_exhausted;
  gaps += o.gaps;
  checks += o.checks;
  retries_dropped += o.retries_dropped;
  matches_dropped += o.matches_dropped;
  scan_errors += o.scan_errors;
  return *this;
}

StreamInspector::StreamInspector(const SignatureEngine& engine, SignatureScratch& scratch,
                                 const StreamInspectorConfig& config)
    : engine_(engine),
      prefilter_(engine.prefilter()),
      scratch_(scratch),
      window_(std::max<uint32_t>(config.window, 1)),
      slots_(prefilter_.has_stream_database() ? config.slots : 0),
      rings_(std::make_unique<uint8_t[]>(size_t{slots_.size()} * window_)),
      assembled_(std::make_unique<uint8_t[]>(size_t{window_} + kMaxDelivery)) {
  free_.reserve(slots_.size());
  for (size_t i = slots_.size(); i > 0; --i) {
    if (!prefilter_.open_stream(slots_[i - 1].hs)) throw std::bad_alloc();
    free_.push_back(static_cast<uint32_t>(i - 1));
  }
}

StreamInspector::~StreamInspector() = default;

StreamInspector::Slot* StreamInspector::acquire(Flow& flow, bool to_server) {
  if (free_.empty()) {
    ++counters_.slots_exhausted;
    return nullptr;
  }
  const uint32_t index = free_.back();
  free_.pop_back();  // capacity reserved at start: no allocation
  Slot& slot = slots_[index];
  slot.flow = &flow;
  slot.to_server = to_server;
  slot.after_gap = false;
  slot.offset = slot.hs_origin = 0;
  slot.held = slot.recent_count = 0;
  flow.streams[to_server ? 0 : 1].inspect_slot = index;
  ++counters_.streams;
  return &slot;
}

void StreamInspector::restart(Slot& slot) {
  prefilter_.reset_stream(slot.hs, nullptr, nullptr, nullptr);
  slot.hs_origin = slot.offset;
}

void StreamInspector::data(Flow& flow, bool to_server, const uint8_t* bytes, uint32_t length,
                           bool gap_before, bool dedup, SignatureContext& ctx, StreamMatches& out) {
  TcpStream& stream = flow.streams[to_server ? 0 : 1];
  if (stream.inspect_ended || slots_.empty()) return;
  Slot* slot = stream.inspect_slot == TcpStream::kNoBuffer ? acquire(flow, to_server)
                                                           : &slots_[stream.inspect_slot];
  if (slot == nullptr) {
    stream.inspect_ended = true;  // no slot now, none later: this direction is not inspected
    return;
  }
  const uint32_t index = stream.inspect_slot;
  if (gap_before) {
    // Nothing may match across lost bytes, and their count is unknown here.
    ++counters_.gaps;
    restart(*slot);
    slot->held = slot->recent_count = 0;
    slot->after_gap = true;
  }
  while (length > 0) {
    const uint32_t n = std::min(length, kMaxDelivery);
    inspect_piece(*slot, index, bytes, n, dedup, flow, ctx, out);
    bytes += n;
    length -= n;
  }
}

void StreamInspector::inspect_piece(Slot& slot, uint32_t index, const uint8_t* bytes,
                                    uint32_t length, bool dedup, const Flow& flow,
                                    SignatureContext& ctx, StreamMatches& out) {
  SignatureScratch& s = scratch_;
  s.count = 0;
  const Stage prev = s.clock->enter(Stage::kHsStream);
  const bool scanned = prefilter_.scan_stream(
      slot.hs, std::string_view(reinterpret_cast<const char*>(bytes), length), s.prefilter,
      [&](uint32_t rule, uint64_t end) {
        if (dedup && flow.already_alerted(Alert::kSignatureBit | rule)) return;
        const uint64_t at = slot.hs_origin + end;
        add_candidate(rule, at);
        if (engine_.may_need_more_data(rule)) remember(slot, rule, at);
      });
  s.clock->enter(prev);
  counters_.bytes += length;

  offer_recent(slot, dedup, flow);
  if (s.count != 0) confirm(slot, index, bytes, length, false, dedup, flow, ctx, out);
  append_to_ring(slot, index, bytes, length);
  slot.offset += length;
  if (!scanned) {
    ++counters_.scan_errors;
    restart(slot);
  }
}

void StreamInspector::add_candidate(uint32_t rule, uint64_t end) {
  SignatureScratch& s = scratch_;
  for (uint32_t i = 0; i < s.count; ++i)
    if (s.candidates[i] == rule) {
      hit_firsts_[i] = std::min(hit_firsts_[i], end);
      hit_ends_[i] = std::max(hit_ends_[i], end);
      return;
    }
  if (s.count == SignatureScratch::kMaxCandidates) {
    ++s.candidates_dropped;
    return;
  }
  if (s.costs != nullptr) ++s.costs[rule].candidates;
  hit_firsts_[s.count] = hit_ends_[s.count] = end;
  s.candidates[s.count++] = rule;
}

void StreamInspector::offer_recent(Slot& slot, bool dedup, const Flow& flow) {
  const uint64_t window_start = slot.offset - slot.held;
  uint32_t kept = 0;
  for (uint32_t i = 0; i < slot.recent_count; ++i) {
    const Recent r = slot.recent[i];
    if (r.end < window_start) continue;
    if (dedup && flow.already_alerted(Alert::kSignatureBit | r.rule)) continue;
    slot.recent[kept++] = r;
    add_candidate(r.rule, r.end);
  }
  slot.recent_count = kept;
}

void StreamInspector::remember(Slot& slot, uint32_t rule, uint64_t end) {
  for (uint32_t i = 0; i < slot.recent_count; ++i)
    if (slot.recent[i].rule == rule) {
      slot.recent[i].end = std::max(slot.recent[i].end, end);
      return;
    }
  if (slot.recent_count < kRecent) {
    slot.recent[slot.recent_count++] = {rule, end};
    return;
  }
  // Full: the oldest hit goes (it is the first to leave the window anyway).
  ++counters_.retries_dropped;
  Recent* oldest = std::min_element(slot.recent, slot.recent + kRecent,
                                    [](const Recent& a, const Recent& b) { return a.end < b.end; });
  *oldest = {rule, end};
}

void StreamInspector::confirm(Slot& slot, uint32_t index, const uint8_t* bytes, uint32_t length,
                              bool complete, bool dedup, const Flow& flow, SignatureContext& ctx,
                              StreamMatches& out) {
  const std::string_view view = assemble(slot, index, bytes, length);
  const uint64_t window_start = slot.offset - slot.held;

  ctx.buffers = {};
  ctx.payload_is_stream = true;
  SignatureScratch& s = scratch_;
  for (uint32_t i = 0; i < s.count; ++i) {
    const uint32_t rule = s.candidates[i];
    if (dedup && flow.already_alerted(Alert::kSignatureBit | rule)) continue;
    ++counters_.checks;
    // A rule that is one plain content was hit at each of its occurrences in this call: only
    // the bytes from the first to the last need checking (offset and depth), not the window.
    size_t from = 0, to = view.size();
    if (const uint32_t length = engine_.single_literal_length(rule)) {
      from = static_cast<size_t>(
          std::clamp<uint64_t>(hit_firsts_[i] - std::min<uint64_t>(hit_firsts_[i], length),
                               window_start, window_start + view.size()) -
          window_start);
      to = static_cast<size_t>(
          std::clamp<uint64_t>(hit_ends_[i], window_start + from, window_start + view.size()) -
          window_start);
    }
    ctx.buffer(SigBuffer::kPacket) = view.substr(from, to - from);
    ctx.stream_base = slot.after_gap ? SignatureContext::kUnknownBase : window_start + from;
    ctx.stream_complete = complete && to == view.size();
    if (!engine_.confirm(rule, ctx, s)) continue;
    if (out.count == StreamMatches::kMax) {
      ++counters_.matches_dropped;
      continue;
    }
    const uint64_t hit =
        std::clamp<uint64_t>(hit_ends_[i], window_start, window_start + view.size());
    const size_t end = static_cast<size_t>(hit - window_start);
    const size_t start = end > Alert::kMaxMatched ? end - Alert::kMaxMatched : 0;
    out.rules[out.count] = rule;
    out.context[out.count++] = view.substr(start, end - start);
  }
  ctx.payload_is_stream = false;
  ctx.stream_base = 0;
  ctx.stream_complete = true;
}

std::string_view StreamInspector::assemble(const Slot& slot, uint32_t index, const uint8_t* bytes,
                                           uint32_t length) {
  uint8_t* w = assembled_.get();
  const uint8_t* ring_bytes = ring(index);
  const uint32_t first = static_cast<uint32_t>((slot.offset - slot.held) % window_);
  const uint32_t head = std::min(slot.held, window_ - first);
  std::memcpy(w, ring_bytes + first, head);
  std::memcpy(w + head, ring_bytes, slot.held - head);
  if (length != 0) std::memcpy(w + slot.held, bytes, length);
  return {reinterpret_cast<const char*>(w), size_t{slot.held} + length};
}

void StreamInspector::take_over(StreamInspector& old, const RuleIdMap& rules) {
  // Both come from one WorkerConfig; the flows' slot numbers must stay valid.
  if (slots_.size() != old.slots_.size() || window_ != old.window_) std::abort();
  free_ = old.free_;  // capacity reserved at construction for every slot
  SignatureScratch& s = scratch_;
  for (uint32_t index = 0; index < slots_.size(); ++index) {
    const Slot& from = old.slots_[index];
    if (from.flow == nullptr) continue;
    Slot& to = slots_[index];
    to.flow = from.flow;
    to.to_server = from.to_server;
    to.after_gap = from.after_gap;
    to.offset = from.offset;
    to.held = from.held;
    to.hs_origin = from.offset - from.held;
    to.recent_count = 0;
    for (uint32_t i = 0; i < from.recent_count; ++i) {
      const uint32_t rule = rules.translate(Alert::kSignatureBit | from.recent[i].rule);
      if (rule != RuleIdMap::kNone)
        to.recent[to.recent_count++] = {rule & ~Alert::kSignatureBit, from.recent[i].end};
    }
    std::memcpy(ring(index), old.ring(index), window_);
    // The window again through the new database, reporting nothing (those bytes were
    // inspected under the old rules): its stream state is then as if it had seen them.
    if (!prefilter_.scan_stream(to.hs, assemble(to, index, nullptr, 0), s.prefilter,
                                [](uint32_t, uint64_t) {})) {
      ++counters_.scan_errors;
      restart(to);
    }
  }
}

void StreamInspector::append_to_ring(Slot& slot, uint32_t index, const uint8_t* bytes,
                                     uint32_t length) {
  if (length >= window_) {
    bytes += length - window_;
    slot.offset += length - window_;  // temporarily: the ring position of the kept bytes
    const uint32_t at = static_cast<uint32_t>(slot.offset % window_);
    std::memcpy(ring(index) + at, bytes, window_ - at);
    std::memcpy(ring(index), bytes + (window_ - at), at);
    slot.offset -= length - window_;
    slot.held = window_;
    return;
  }
  const uint32_t at = static_cast<uint32_t>(slot.offset % window_);
  const uint32_t head = std::min(length, window_ - at);
  std::memcpy(ring(index) + at, bytes, head);
  std::memcpy(ring(index), bytes + head, length - head);
  slot.held = std::min(window_, slot.held + length);
}

void StreamInspector::end(Flow& flow, bool to_server, bool dedup, SignatureContext& ctx,
                          StreamMatches& out) {
  TcpStream& stream = flow.streams[to_server ? 0 : 1];
  if (stream.inspect_slot == TcpStream::kNoBuffer) return;
  const uint32_t index = stream.inspect_slot;
  Slot& slot = slots_[index];
  SignatureScratch& s = scratch_;
  s.count = 0;
  // End-anchored patterns report now; the reset also readies the stream for its next owner.
  const Stage prev = s.clock->enter(Stage::kHsStream);
  prefilter_.reset_stream(slot.hs, s.prefilter, [&](uint32_t rule, uint64_t end) {
    if (dedup && flow.already_alerted(Alert::kSignatureBit | rule)) return;
    add_candidate(rule, slot.hs_origin + end);
  });
  s.clock->enter(prev);
  offer_recent(slot, dedup, flow);
  if (s.count != 0) confirm(slot, index, nullptr, 0, true, dedup, flow, ctx, out);

  slot.flow = nullptr;
  free_.push_back(index);
  stream.inspect_slot = TcpStream::kNoBuffer;
}

}  // namespace tripline
