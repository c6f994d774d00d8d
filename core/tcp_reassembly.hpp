// TCP reassembly per direction: in-order bytes are handed on at once; out-of-order segments
// wait in a bounded per-worker store until the hole before them is filled; holes that cannot
// be filled (store full, per-stream bound reached, FIN/RST) are skipped, so a lost segment
// never stalls a flow. Overlap policy: bytes already held win ("first copy wins"), for data
// already delivered and for data waiting in the store alike. One instance per worker.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/tcp_stream.hpp"

namespace tripline {

struct ReassemblyCounters {
  uint64_t in_order = 0;         // segments that continued the stream directly
  uint64_t out_of_order = 0;     // segments stored to wait for a hole to fill
  uint64_t retransmissions = 0;  // segments carrying only bytes already held
  uint64_t overlaps = 0;         // segments partly overlapping held bytes (trimmed)
  uint64_t gaps = 0;             // holes skipped: data that never arrived
  uint64_t out_of_room = 0;      // out-of-order segments that found the store or stream full
  ReassemblyCounters& operator+=(const ReassemblyCounters& o);
};

struct ReassemblyConfig {
  uint32_t chunks = 2048;                   // 2 KiB each: 4 MiB of waiting data per worker
  uint32_t segments = 4096;                 // waiting segments per worker
  uint32_t max_pending_per_stream = 65536;  // bytes waiting per direction before skipping
};

class TcpReassembler {
 public:
  static constexpr uint32_t kChunkBytes = 2048;
  static constexpr uint32_t kNone = 0xFFFFFFFFu;

  explicit TcpReassembler(ReassemblyConfig config = {});

  // Adds the data of one segment starting at sequence number `seq` (the SYN's own number
  // already accounted for by the caller). Calls deliver(data, length, gap_before) for every
  // run of bytes that became contiguous, in stream order; gap_before is true when bytes
  // were skipped just before this run.
  template <class Deliver>
  void add(TcpStream& s, uint32_t seq, const uint8_t* data, uint32_t len, Deliver&& deliver);
  // End of the stream (FIN or RST): delivers everything waiting, skipping holes. (A flow that
  // expires or is evicted is released instead: what waits there is dropped.)
  template <class Deliver>
  void flush(TcpStream& s, Deliver&& deliver);
  // Frees what the stream holds without delivering it.
  void release(TcpStream& s);

  const ReassemblyCounters& counters() const { return counters_; }
  uint32_t free_chunks() const { return static_cast<uint32_t>(free_chunks_.size()); }

 private:
  struct Segment {
    uint32_t seq;
    uint32_t len;
    uint32_t first_chunk;
    uint32_t next;  // next waiting segment of the stream, in sequence order
  };

  // Stores the parts of [seq, seq+len) not already waiting; false (nothing stored) if the
  // stream's bound or the store would overflow.
  bool store(TcpStream& s, uint32_t seq, const uint8_t* data, uint32_t len);
  uint32_t store_piece(uint32_t seq, const uint8_t* data, uint32_t len);
  void free_segment(uint32_t index);
  // Delivers waiting segments that now continue the stream.
  template <class Deliver>
  void drain(TcpStream& s, Deliver& deliver, bool gap_before);
  template <class Deliver>
  void deliver_segment(const Segment& seg, uint32_t skip, Deliver& deliver, bool gap_before);

  ReassemblyConfig config_;
  std::unique_ptr<uint8_t[]> chunk_data_;
  std::vector<uint32_t> chunk_next_;
  std::vector<uint32_t> free_chunks_;
  std::vector<Segment> segments_;
  std::vector<uint32_t> free_segments_;
  ReassemblyCounters counters_;
};

// ---- templates --------------------------------------------------------------------------

namespace tcp_seq {
// a - b for sequence numbers, as a signed distance (RFC 1982 serial arithmetic).
inline int64_t diff(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b); }
}  // namespace tcp_seq

template <class Deliver>
void TcpReassembler::add(TcpStream& s, uint32_t seq, const uint8_t* data, uint32_t len,
                         Deliver&& deliver) {
  if (len == 0) return;
  if (!s.seq_known) {  // picked up mid-stream
    s.next_seq = seq;
    s.seq_known = true;
  }
  const int64_t ahead = tcp_seq::diff(seq, s.next_seq);
  if (ahead <= 0) {
    const uint64_t seen = static_cast<uint64_t>(-ahead);
    if (seen >= len) {
      ++counters_.retransmissions;
      return;
    }
    if (seen != 0) ++counters_.overlaps;
    ++counters_.in_order;
    data += seen;
    len -= static_cast<uint32_t>(seen);
    // Bytes that already wait in the store arrived first: deliver this segment only up to
    // them, let them go, and go on with what of this segment lies beyond.
    uint32_t pos = s.next_seq;  // sequence number of data[0]
    for (;;) {
      uint32_t now = len;
      if (s.pending != kNone) {
        const uint32_t until = segments_[s.pending].seq - pos;
        if (until < now) now = until;
      }
      if (now != 0) {
        s.next_seq = pos + now;
        deliver(data, now, false);
        data += now;
        len -= now;
        pos += now;
      }
      drain(s, deliver, false);
      if (len == 0) return;
      const uint32_t done = s.next_seq - pos;  // of the rest, delivered from the store
      if (done >= len) return;
      data += done;
      len -= done;
      pos += done;
    }
  }
  ++counters_.out_of_order;
  if (store(s, seq, data, len)) return;
  // No room to wait for the hole: give up on it. Deliver what waits, then this segment.
  ++counters_.out_of_room;
  flush(s, deliver);
  if (tcp_seq::diff(seq, s.next_seq) > 0) {
    ++counters_.gaps;
    s.next_seq = seq;
    s.next_seq += len;
    deliver(data, len, true);
  } else {
    add(s, seq, data, len, deliver);
  }
}

template <class Deliver>
void TcpReassembler::flush(TcpStream& s, Deliver&& deliver) {
  while (s.pending != kNone) {
    const Segment& head = segments_[s.pending];
    bool gap = false;
    if (tcp_seq::diff(head.seq, s.next_seq) > 0) {
      ++counters_.gaps;
      s.next_seq = head.seq;
      gap = true;
    }
    drain(s, deliver, gap);
  }
}

template <class Deliver>
void TcpReassembler::drain(TcpStream& s, Deliver& deliver, bool gap_before) {
  while (s.pending != kNone) {
    const uint32_t index = s.pending;
    const Segment seg = segments_[index];
    const int64_t ahead = tcp_seq::diff(seg.seq, s.next_seq);
    if (ahead > 0) return;  // a hole remains
    const uint64_t seen = static_cast<uint64_t>(-ahead);
    s.pending = seg.next;
    s.pending_bytes -= seg.len;
    if (seen < seg.len) {
      s.next_seq += seg.len - static_cast<uint32_t>(seen);
      deliver_segment(seg, static_cast<uint32_t>(seen), deliver, gap_before);
      gap_before = false;
    }
    free_segment(index);
  }
}

template <class Deliver>
void TcpReassembler::deliver_segment(const Segment& seg, uint32_t skip, Deliver& deliver,
                                     bool gap_before) {
  uint32_t chunk = seg.first_chunk;
  uint32_t offset = 0;  // of the chunk's first byte within the segment
  while (chunk != kNone && offset < seg.len) {
    const uint32_t n = seg.len - offset < kChunkBytes ? seg.len - offset : kChunkBytes;
    if (skip < offset + n) {
      const uint32_t from = skip > offset ? skip - offset : 0;
      deliver(chunk_data_.get() + size_t{chunk} * kChunkBytes + from, n - from, gap_before);
      gap_before = false;
    }
    offset += n;
    chunk = chunk_next_[chunk];
  }
}

}  // namespace tripline
