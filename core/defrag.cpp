#include "core/defrag.hpp"

#include <algorithm>
#include <cstring>

namespace tripline {
namespace {

constexpr uint32_t kMaxPayload = 65535;
constexpr uint32_t kHeaderRoom = 60;  // largest IPv4 header; IPv6 uses 40
constexpr uint32_t kBlocks = (kMaxPayload + 7) / 8;

}  // namespace

DefragCounters& DefragCounters::operator+=(const DefragCounters& o) {
  fragments += o.fragments;
  reassembled += o.reassembled;
  timeouts += o.timeouts;
  evicted += o.evicted;
  overlaps += o.overlaps;
  too_large += o.too_large;
  misaligned += o.misaligned;
  return *this;
}

struct Defragmenter::Slot {
  bool busy = false;
  uint8_t version = 0;
  uint8_t proto = 0;
  uint32_t id = 0;
  uint8_t src[16] = {};
  uint8_t dst[16] = {};
  uint64_t first_ts = 0;
  uint32_t total = 0;  // payload length, known once the last fragment arrived
  bool have_last = false;
  bool have_first = false;
  uint8_t header[kHeaderRoom] = {};  // IP header of the first fragment
  uint32_t header_length = 0;
  uint8_t covered[kBlocks / 8 + 1] = {};  // one bit per 8-byte block
  uint8_t data[kHeaderRoom + kMaxPayload] = {};

  bool matches(const DecodedPacket& f) const {
    return busy && version == f.ip_version && proto == f.fragment_proto && id == f.fragment_id &&
           std::memcmp(src, f.src, 16) == 0 && std::memcmp(dst, f.dst, 16) == 0;
  }
  void claim(const DecodedPacket& f, uint64_t ts) {
    busy = true;
    version = f.ip_version;
    proto = f.fragment_proto;
    id = f.fragment_id;
    std::memcpy(src, f.src, 16);
    std::memcpy(dst, f.dst, 16);
    first_ts = ts;
    total = 0;
    have_last = have_first = false;
    header_length = 0;
    std::memset(covered, 0, sizeof covered);
  }
  bool block_set(uint32_t b) const { return (covered[b / 8] >> (b % 8)) & 1u; }
  void set_block(uint32_t b) { covered[b / 8] |= static_cast<uint8_t>(1u << (b % 8)); }
  bool complete() const {
    if (!have_last || !have_first) return false;
    const uint32_t blocks = (total + 7) / 8;
    for (uint32_t b = 0; b < blocks; ++b)
      if (!block_set(b)) return false;
    return true;
  }
};

Defragmenter::Defragmenter(Config config) : config_(config) {
  slots_.reserve(config_.max_datagrams);
  for (size_t i = 0; i < config_.max_datagrams; ++i) slots_.push_back(std::make_unique<Slot>());
}

Defragmenter::~Defragmenter() = default;

Defragmenter::Slot* Defragmenter::find_or_claim(const DecodedPacket& f, uint64_t ts) {
  Slot* free_slot = nullptr;
  Slot* oldest = nullptr;
  for (auto& s : slots_) {
    if (s->busy && ts - s->first_ts > config_.timeout_ns && ts >= s->first_ts) {
      s->busy = false;
      ++counters_.timeouts;
    }
    if (s->matches(f)) return s.get();
    if (!s->busy) {
      if (free_slot == nullptr) free_slot = s.get();
    } else if (oldest == nullptr || s->first_ts < oldest->first_ts) {
      oldest = s.get();
    }
  }
  if (free_slot == nullptr) {
    if (oldest == nullptr) return nullptr;
    ++counters_.evicted;
    free_slot = oldest;
  }
  free_slot->claim(f, ts);
  return free_slot;
}

const uint8_t* Defragmenter::add(const DecodedPacket& f, uint64_t ts_ns, uint32_t* out_length) {
  ++counters_.fragments;
  const uint32_t end = f.fragment_offset + f.fragment_length;
  // IPv4 counts its header in the 65535-byte limit (a "ping of death" exceeds it); IPv6
  // counts only the payload.
  const uint32_t counted_header = f.ip_version == 4 ? (f.ip_header[0] & 0x0Fu) * 4u : 0u;
  if (end + counted_header > kMaxPayload) {
    ++counters_.too_large;
    return nullptr;
  }
  // Every fragment but the last carries a multiple of 8 bytes (RFC 791, RFC 8200); coverage
  // is tracked in 8-byte blocks, so anything else could leave bytes of a block unwritten.
  if (f.more_fragments && f.fragment_length % 8 != 0) {
    ++counters_.misaligned;
    return nullptr;
  }
  Slot* slot = find_or_claim(f, ts_ns);
  if (slot == nullptr) return nullptr;

  if (f.fragment_offset == 0 && !slot->have_first) {
    slot->have_first = true;
    // Keep the header that precedes the fragment's payload (IPv4 with options; for IPv6
    // only the fixed 40 bytes: extension headers before the fragment header are dropped).
    slot->header_length = f.ip_version == 4 ? (f.ip_header[0] & 0x0Fu) * 4u : 40u;
    std::memcpy(slot->header, f.ip_header, slot->header_length);
  }
  if (!f.more_fragments && !slot->have_last) {
    slot->have_last = true;
    slot->total = end;
  }
  // First copy wins: only blocks not yet covered are written.
  bool overlap = false;
  const uint32_t first_block = f.fragment_offset / 8;
  const uint32_t last_block = (end + 7) / 8;
  for (uint32_t b = first_block; b < last_block; ++b) {
    if (slot->block_set(b)) {
      overlap = true;
      continue;
    }
    const uint32_t from = b * 8;
    const uint32_t to = std::min(end, from + 8);
    std::memcpy(slot->data + kHeaderRoom + from, f.fragment_data + (from - f.fragment_offset),
                to - from);
    slot->set_block(b);
  }
  counters_.overlaps += overlap;
  if (!slot->complete()) return nullptr;

  // Rebuild the header in front of the payload.
  uint8_t* header = slot->data + kHeaderRoom - slot->header_length;
  std::memcpy(header, slot->header, slot->header_length);
  const uint32_t total = slot->header_length + slot->total;
  if (slot->version == 4) {
    header[2] = static_cast<uint8_t>(total >> 8);
    header[3] = static_cast<uint8_t>(total);
    header[6] = header[7] = 0;  // no fragmentation
  } else {
    header[4] = static_cast<uint8_t>(slot->total >> 8);
    header[5] = static_cast<uint8_t>(slot->total);
    header[6] = slot->proto;  // next header: what followed the fragment header
  }
  slot->busy = false;
  ++counters_.reassembled;
  *out_length = total;
  return header;
}

}  // namespace tripline
