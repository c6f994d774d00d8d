#include "core/tcp_reassembly.hpp"

#include <cstring>

namespace tripline {

ReassemblyCounters& ReassemblyCounters::operator+=(const ReassemblyCounters& o) {
  in_order += o.in_order;
  out_of_order += o.out_of_order;
  retransmissions += o.retransmissions;
  overlaps += o.overlaps;
  gaps += o.gaps;
  out_of_room += o.out_of_room;
  return *this;
}

TcpReassembler::TcpReassembler(ReassemblyConfig config)
    : config_(config),
      chunk_data_(std::make_unique<uint8_t[]>(size_t{config.chunks} * kChunkBytes)),
      chunk_next_(config.chunks, kNone),
      segments_(config.segments) {
  free_chunks_.reserve(config.chunks);
  for (uint32_t i = config.chunks; i > 0; --i) free_chunks_.push_back(i - 1);
  free_segments_.reserve(config.segments);
  for (uint32_t i = config.segments; i > 0; --i) free_segments_.push_back(i - 1);
}

void TcpReassembler::free_segment(uint32_t index) {
  for (uint32_t c = segments_[index].first_chunk; c != kNone;) {
    const uint32_t next = chunk_next_[c];
    chunk_next_[c] = kNone;
    free_chunks_.push_back(c);  // capacity reserved: no allocation
    c = next;
  }
  free_segments_.push_back(index);
}

void TcpReassembler::release(TcpStream& s) {
  while (s.pending != kNone) {
    const uint32_t index = s.pending;
    s.pending = segments_[index].next;
    free_segment(index);
  }
  s.pending_bytes = 0;
}

uint32_t TcpReassembler::store_piece(uint32_t seq, const uint8_t* data, uint32_t len) {
  const uint32_t index = free_segments_.back();
  free_segments_.pop_back();
  Segment& seg = segments_[index];
  seg.seq = seq;
  seg.len = len;
  seg.next = kNone;
  seg.first_chunk = kNone;
  uint32_t* link = &seg.first_chunk;
  for (uint32_t off = 0; off < len; off += kChunkBytes) {
    const uint32_t c = free_chunks_.back();
    free_chunks_.pop_back();
    const uint32_t n = len - off < kChunkBytes ? len - off : kChunkBytes;
    std::memcpy(chunk_data_.get() + size_t{c} * kChunkBytes, data + off, n);
    *link = c;
    link = &chunk_next_[c];
  }
  return index;
}

bool TcpReassembler::store(TcpStream& s, uint32_t seq, const uint8_t* data, uint32_t len) {
  // The parts of [seq, seq+len) that no waiting segment holds yet, in order. Offsets are
  // relative to next_seq, where every waiting segment lies ahead (within 2^31).
  struct Piece {
    uint32_t begin, end;  // relative offsets
    uint32_t before;      // insert before this waiting segment (kNone: at the end)
    uint32_t* link;       // the link that points at `before`
  };
  constexpr int kMaxPieces = 16;
  Piece pieces[kMaxPieces];
  int count = 0;
  const uint32_t base = s.next_seq;
  uint32_t cursor = seq - base;
  const uint32_t end = cursor + len;
  uint32_t* link = &s.pending;
  uint32_t bytes = 0, chunks = 0;
  for (uint32_t i = s.pending; i != kNone && cursor < end; i = segments_[i].next) {
    const uint32_t b = segments_[i].seq - base, e = b + segments_[i].len;
    if (e > cursor && b < end) {
      if (b > cursor) {
        if (count == kMaxPieces) return false;
        pieces[count++] = {cursor, b, i, link};
      }
      if (e > cursor) cursor = e;
    } else if (b >= end) {
      break;
    }
    link = &segments_[i].next;
  }
  if (cursor < end) {
    if (count == kMaxPieces) return false;
    // Insert before the first waiting segment that starts at or after `cursor`.
    uint32_t* at = &s.pending;
    while (*at != kNone && segments_[*at].seq - base < cursor) at = &segments_[*at].next;
    pieces[count++] = {cursor, end, *at, at};
  }
  if (count == 0) {
    ++counters_.retransmissions;  // everything already waits
    return true;
  }
  for (int p = 0; p < count; ++p) {
    bytes += pieces[p].end - pieces[p].begin;
    chunks += (pieces[p].end - pieces[p].begin + kChunkBytes - 1) / kChunkBytes;
  }
  if (s.pending_bytes + bytes > config_.max_pending_per_stream || chunks > free_chunks_.size() ||
      static_cast<size_t>(count) > free_segments_.size())
    return false;
  if (static_cast<uint32_t>(end - (seq - base)) != bytes) ++counters_.overlaps;
  // Insert from the last piece backwards, so earlier links stay valid.
  for (int p = count - 1; p >= 0; --p) {
    const Piece& piece = pieces[p];
    const uint32_t index = store_piece(base + piece.begin, data + (piece.begin - (seq - base)),
                                       piece.end - piece.begin);
    segments_[index].next = *piece.link;
    *piece.link = index;
  }
  s.pending_bytes += bytes;
  return true;
}

}  // namespace tripline
