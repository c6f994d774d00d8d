#include "core/flow_table.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <new>

namespace tripline {
namespace {

// 64-bit mixing (splitmix64 finaliser): fast, well distributed, stable across runs.
inline uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

inline uint64_t load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

}  // namespace

const char* app_proto_name(AppProto p) {
  switch (p) {
    case AppProto::kDns:
      return "dns";
    case AppProto::kTls:
      return "tls";
    case AppProto::kHttp:
      return "http";
    case AppProto::kFailed:
      return "failed";
    case AppProto::kUnknown:
      break;
  }
  return nullptr;
}

FlowKey FlowKey::from_packet(const DecodedPacket& p, bool* packet_from_lo) {
  FlowKey k;
  std::memset(&k, 0, sizeof k);
  k.proto = p.ip_proto;
  k.ip_version = p.ip_version;
  const int cmp = std::memcmp(p.src, p.dst, 16);
  const bool src_lo = cmp < 0 || (cmp == 0 && p.src_port <= p.dst_port);
  if (src_lo) {
    std::memcpy(k.addr_lo, p.src, 16);
    std::memcpy(k.addr_hi, p.dst, 16);
    k.port_lo = p.src_port;
    k.port_hi = p.dst_port;
  } else {
    std::memcpy(k.addr_lo, p.dst, 16);
    std::memcpy(k.addr_hi, p.src, 16);
    k.port_lo = p.dst_port;
    k.port_hi = p.src_port;
  }
  *packet_from_lo = src_lo;
  return k;
}

bool FlowKey::operator==(const FlowKey& o) const { return std::memcmp(this, &o, sizeof o) == 0; }

uint64_t FlowKey::hash() const {
  uint64_t h = mix(load64(addr_lo) ^ 0x9e3779b97f4a7c15ull);
  h = mix(h ^ load64(addr_lo + 8));
  h = mix(h ^ load64(addr_hi));
  h = mix(h ^ load64(addr_hi + 8));
  h = mix(h ^
          (uint64_t{port_lo} << 32 | uint64_t{port_hi} << 16 | uint64_t{proto} << 8 | ip_version));
  return h;
}

uint32_t dispatch_hash(const DecodedPacket& p) {
  // XOR and sum of the two addresses are both symmetric; mixing them keeps it so.
  uint64_t a = load64(p.src) ^ load64(p.dst);
  uint64_t b = load64(p.src + 8) + load64(p.dst + 8);
  uint64_t c = load64(p.src) + load64(p.dst);
  uint64_t d = load64(p.src + 8) ^ load64(p.dst + 8);
  return static_cast<uint32_t>(mix(mix(a ^ mix(b)) ^ mix(c + d)));
}

bool Flow::already_alerted(uint32_t indicator) const {
  for (uint8_t i = 0; i < alerted_count; ++i)
    if (alerted[i] == indicator) return true;
  return false;
}

bool Flow::remember_alert(uint32_t indicator) {
  if (alerted_count == kMaxAlerted) return false;
  alerted[alerted_count++] = indicator;
  return true;
}

FlowCounters& FlowCounters::operator+=(const FlowCounters& o) {
  created += o.created;
  timed_out += o.timed_out;
  evicted += o.evicted;
  reused += o.reused;
  active += o.active;
  return *this;
}

FlowTable::FlowTable(size_t capacity, FlowTimeouts timeouts, ReleaseFn on_release, void* context)
    // At most 2^31 flows, so that the index (2x, a power of two) has 32-bit slot numbers.
    : pool_(std::clamp<size_t>(capacity, 1, size_t{1} << 31)),
      timeouts_(timeouts),
      on_release_(on_release),
      context_(context) {
  const size_t slots = std::bit_ceil(pool_.size() * 2);
  index_.assign(slots, Slot{0, 0});
  index_mask_ = static_cast<uint32_t>(slots - 1);
  for (uint32_t i = 0; i < pool_.size(); ++i) {
    pool_[i].lru_next = i + 1 < pool_.size() ? i + 1 : kNil;
  }
  free_head_ = 0;
}

int FlowTable::class_of(uint8_t proto) {
  return proto == kProtoTcp ? 0 : proto == kProtoUdp ? 1 : 2;
}

uint64_t FlowTable::timeout_for(uint8_t proto) const {
  if (proto == kProtoTcp) return timeouts_.tcp_ns;
  if (proto == kProtoUdp) return timeouts_.udp_ns;
  return timeouts_.other_ns;
}

void FlowTable::lru_remove(uint32_t i) {
  Flow& f = pool_[i];
  const int c = class_of(f.key.proto);
  if (f.lru_prev != kNil)
    pool_[f.lru_prev].lru_next = f.lru_next;
  else
    lru_head_[c] = f.lru_next;
  if (f.lru_next != kNil)
    pool_[f.lru_next].lru_prev = f.lru_prev;
  else
    lru_tail_[c] = f.lru_prev;
}

void FlowTable::lru_push_front(uint32_t i) {
  Flow& f = pool_[i];
  const int c = class_of(f.key.proto);
  f.lru_prev = kNil;
  f.lru_next = lru_head_[c];
  if (lru_head_[c] != kNil) pool_[lru_head_[c]].lru_prev = i;
  lru_head_[c] = i;
  if (lru_tail_[c] == kNil) lru_tail_[c] = i;
}

uint32_t FlowTable::oldest() const {
  uint32_t best = kNil;
  for (const uint32_t tail : lru_tail_)
    if (tail != kNil && (best == kNil || pool_[tail].last_ts < pool_[best].last_ts)) best = tail;
  return best;
}

void FlowTable::index_insert(uint32_t tag, uint32_t flow) {
  uint32_t pos = tag & index_mask_;
  while (index_[pos].tag != 0) pos = (pos + 1) & index_mask_;
  index_[pos] = Slot{tag, flow};
}

void FlowTable::index_erase(uint32_t tag, uint32_t flow) {
  uint32_t hole = tag & index_mask_;
  while (index_[hole].flow != flow || index_[hole].tag != tag) hole = (hole + 1) & index_mask_;
  // Backward shift: each later slot of the run moves into the hole unless its home lies
  // after the hole (then moving it would put it before its home, out of its own run).
  for (uint32_t next = (hole + 1) & index_mask_;; next = (next + 1) & index_mask_) {
    const Slot s = index_[next];
    if (s.tag == 0) break;
    const uint32_t from_home = (next - s.tag) & index_mask_;  // its probe distance
    if (from_home >= ((next - hole) & index_mask_)) {
      index_[hole] = s;
      hole = next;
    }
  }
  index_[hole] = Slot{0, 0};
}

void FlowTable::unlink(uint32_t i) {
  Flow& f = pool_[i];
  index_erase(f.index_tag, i);
  lru_remove(i);
  f.lru_next = free_head_;
  free_head_ = i;
}

void FlowTable::release(uint32_t i, Why why) {
  on_release_(pool_[i], context_);
  unlink(i);
  --counters_.active;
  switch (why) {
    case Why::kTimedOut:
      ++counters_.timed_out;
      break;
    case Why::kEvicted:
      ++counters_.evicted;
      break;
    case Why::kReused:
      ++counters_.reused;
      break;
  }
}

Flow& FlowTable::lookup(const DecodedPacket& p, uint64_t ts_ns, bool* is_new, bool* to_server) {
  bool from_lo = true;
  const FlowKey key = FlowKey::from_packet(p, &from_lo);
  const uint64_t h = key.hash();
  const uint32_t tag = tag_of(h);
  for (uint32_t pos = tag & index_mask_;; pos = (pos + 1) & index_mask_) {
    const Slot s = index_[pos];
    if (s.tag == 0) break;  // the end of the run: not in the table
    if (s.tag != tag) continue;
    const uint32_t i = s.flow;
    Flow& f = pool_[i];
    if (!(f.key == key)) continue;
    if (ts_ns >= f.last_ts && ts_ns - f.last_ts > timeout_for(key.proto)) {
      release(i, Why::kTimedOut);  // idle too long: this packet starts a new flow
      break;
    }
    const bool syn = p.ip_proto == kProtoTcp && (p.tcp_flags & (kTcpSyn | kTcpAck)) == kTcpSyn;
    // Like Wireshark's tcp.stream: a SYN with another initial sequence number is a new
    // connection (a retransmitted SYN is not); without a SYN seen, a SYN after FIN/RST is.
    if (syn && (f.has_isn ? p.tcp_seq != f.client_isn : f.tcp_closed)) {
      release(i, Why::kReused);  // a new connection on the same 5-tuple
      break;
    }
    if (p.ip_proto == kProtoTcp && (p.tcp_flags & (kTcpFin | kTcpRst))) f.tcp_closed = true;
    if (ts_ns > f.last_ts) f.last_ts = ts_ns;
    // Moving to the front touches two other flows: done at most once per kLruStepNs of a
    // flow's time (expire() puts right what this leaves out of order).
    if (ts_ns >= f.lru_ts + kLruStepNs) {
      f.lru_ts = ts_ns;
      lru_remove(i);
      lru_push_front(i);
    }
    *is_new = false;
    *to_server = from_lo == f.initiator_is_lo;
    return f;
  }

  if (free_head_ == kNil) release(oldest(), Why::kEvicted);
  const uint32_t i = free_head_;
  Flow& f = pool_[i];
  free_head_ = f.lru_next;
  f = Flow{};
  f.key = key;
  f.index_tag = tag;
  f.first_ts = f.last_ts = f.lru_ts = ts_ns;
  // The client is the sender of the first packet, unless that packet is a SYN-ACK.
  const bool syn_ack =
      p.ip_proto == kProtoTcp && (p.tcp_flags & (kTcpSyn | kTcpAck)) == (kTcpSyn | kTcpAck);
  f.initiator_is_lo = syn_ack ? !from_lo : from_lo;
  if (p.ip_proto == kProtoTcp && (p.tcp_flags & (kTcpSyn | kTcpAck)) == kTcpSyn) {
    f.has_isn = true;
    f.client_isn = p.tcp_seq;
  }
  if (p.ip_proto == kProtoTcp && (p.tcp_flags & (kTcpFin | kTcpRst))) f.tcp_closed = true;
  f.flow_id = mix(h ^ mix(ts_ns)) & 0x7FFFFFFFFFFFFull;  // positive, fits a JSON double
  index_insert(tag, i);  // probes again: a release above may have shifted the run
  lru_push_front(i);
  ++counters_.created;
  ++counters_.active;
  *is_new = true;
  *to_server = from_lo == f.initiator_is_lo;
  return f;
}

void FlowTable::prefetch(const DecodedPacket& p) const {
  bool from_lo = true;
  const uint32_t tag = tag_of(FlowKey::from_packet(p, &from_lo).hash());
  __builtin_prefetch(&index_[tag & index_mask_]);
}

void FlowTable::expire(uint64_t now_ns) {
  for (int c = 0; c < kClasses; ++c) {
    while (lru_tail_[c] != kNil) {
      const uint32_t tail = lru_tail_[c];
      Flow& f = pool_[tail];
      const uint64_t timeout = timeout_for(f.key.proto);
      // A list is in lru_ts order and lru_ts <= last_ts: once the tail's lru_ts is recent
      // enough, no flow of the list can be idle for longer than its timeout.
      if (now_ns < f.lru_ts || now_ns - f.lru_ts <= timeout) break;
      if (now_ns >= f.last_ts && now_ns - f.last_ts > timeout) {
        release(tail, Why::kTimedOut);
      } else {  // seen since its last move: it goes to the front with its real time
        f.lru_ts = f.last_ts;
        lru_remove(tail);
        lru_push_front(tail);
      }
    }
  }
}

FlowTable::IndexStats FlowTable::index_stats() const {
  IndexStats st;
  st.slots = index_.size();
  uint64_t total = 0;
  for (size_t at = 0; at < index_.size(); ++at) {
    const auto pos = static_cast<uint32_t>(at);
    if (index_[pos].tag == 0) continue;
    const size_t probe = ((pos - index_[pos].tag) & index_mask_) + 1;
    ++st.used;
    total += probe;
    st.longest_probe = std::max(st.longest_probe, probe);
  }
  st.mean_probe = st.used == 0 ? 0 : static_cast<double>(total) / static_cast<double>(st.used);
  return st;
}

bool FlowTable::index_consistent() const {
  std::vector<uint8_t> found(pool_.size(), 0);
  size_t used = 0;
  for (size_t at = 0; at < index_.size(); ++at) {
    const auto pos = static_cast<uint32_t>(at);
    const Slot s = index_[pos];
    if (s.tag == 0) continue;
    ++used;
    if (s.flow >= pool_.size() || found[s.flow]++ != 0) return false;
    if (s.tag != pool_[s.flow].index_tag || s.tag != tag_of(pool_[s.flow].key.hash())) return false;
    for (uint32_t at = s.tag & index_mask_; at != pos; at = (at + 1) & index_mask_)
      if (index_[at].tag == 0) return false;  // a lookup would stop before reaching it
  }
  size_t live = 0;  // flows on the LRU lists, each found in the index
  for (const uint32_t head : lru_head_)
    for (uint32_t i = head; i != kNil; i = pool_[i].lru_next) live += found[i] == 1;
  return used == counters_.active && live == counters_.active;
}

}  // namespace tripline
