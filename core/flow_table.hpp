// Per-worker flow table keyed on the symmetric 5-tuple: fixed capacity (allocated at start),
// an open-addressing index, idle timeouts on capture time, least-recently-used eviction when
// full.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "core/decode.hpp"
#include "core/huge_pages.hpp"
#include "core/tcp_stream.hpp"

namespace tripline {

// The 5-tuple with its two endpoints in a canonical order, so both directions are equal.
struct FlowKey {
  uint8_t addr_lo[16];
  uint8_t addr_hi[16];
  uint16_t port_lo;
  uint16_t port_hi;
  uint8_t proto;
  uint8_t ip_version;
  uint8_t pad[2];

  // Builds the key; *packet_from_lo tells which endpoint sent the packet.
  static FlowKey from_packet(const DecodedPacket& p, bool* packet_from_lo);
  bool operator==(const FlowKey& o) const;
  uint64_t hash() const;
};

// Symmetric hash of the innermost IP address pair, used to pick a worker. Ports and protocol
// are left out on purpose: non-first fragments have no ports, and an IPv6 fragment's
// protocol can be an extension header; every fragment must reach the worker that holds the
// rest of its flow.
uint32_t dispatch_hash(const DecodedPacket& p);

struct FlowTimeouts {
  uint64_t tcp_ns = 600'000'000'000;  // Suricata's established-TCP default
  uint64_t udp_ns = 300'000'000'000;
  uint64_t other_ns = 300'000'000'000;
};

// 256 bytes, cache-line aligned; what every packet's lookup reads (key, index tag, LRU links
// and time) fills the first line.
struct alignas(64) Flow {
  static constexpr int kMaxAlerted = 8;

  FlowKey key;
  uint32_t index_tag;  // the flow's tag in the table's index: finds its slot without rehashing
  // Intrusive LRU links (indexes into the table's pool); lru_next also links the free list.
  uint32_t lru_prev;
  uint32_t lru_next;
  uint64_t lru_ts = 0;  // when the flow last moved to its LRU list's front (<= last_ts)

  uint64_t flow_id = 0;  // stable: hash of key and first-packet time
  uint64_t first_ts = 0;
  uint64_t last_ts = 0;
  uint64_t packets = 0;
  uint64_t bytes = 0;
  bool initiator_is_lo = true;  // which endpoint is the client
  bool tcp_closed = false;      // FIN or RST seen
  bool has_isn = false;
  bool has_ja3 = false;
  bool has_ja3s = false;
  uint8_t app_proto = 0;  // AppProto
  uint8_t alerted_count = 0;
  bool ips_stale = false;         // a rule reload came after the addresses were looked up
  uint32_t client_isn = 0;        // sequence number of the client's SYN
  uint32_t alerted[kMaxAlerted];  // indicator ids already alerted on (flow alert mode)
  uint8_t ja3[16];                // TLS client fingerprint (MD5), once the ClientHello was seen
  uint8_t ja3s[16];               // TLS server fingerprint, once the ServerHello was seen
  TcpStream streams[2];           // [0] client->server, [1] server->client

  bool already_alerted(uint32_t indicator) const;
  // Records the indicator; false when the list is full (the caller alerts anyway).
  bool remember_alert(uint32_t indicator);
};
static_assert(sizeof(Flow) == 256, "a flow is four cache lines");
static_assert(offsetof(Flow, lru_ts) + sizeof(uint64_t) <= 64, "a lookup reads one cache line");

struct FlowCounters {
  uint64_t created = 0;
  uint64_t timed_out = 0;
  uint64_t evicted = 0;  // removed while still active because the table was full
  uint64_t reused = 0;   // TCP flows ended by a new SYN on the same 5-tuple (port reuse)
  uint64_t active = 0;
  FlowCounters& operator+=(const FlowCounters& o);
};

class FlowTable {
 public:
  // Called for every flow that leaves the table (timeout, eviction), so its resources return.
  using ReleaseFn = void (*)(Flow& flow, void* context);

  FlowTable(size_t capacity, FlowTimeouts timeouts, ReleaseFn on_release, void* context);

  // Finds or creates the flow of `p` at capture time `ts_ns`. An idle-expired flow with the
  // same key is replaced by a new one, and so is a TCP flow that sees a SYN with another
  // initial sequence number, or (if its SYN was never seen) a SYN after FIN or RST: the
  // 5-tuple was reused for a new connection. *is_new is set for a new flow; *to_server tells the
  // packet's direction. Never fails: evicts the least recently used flow when full.
  Flow& lookup(const DecodedPacket& p, uint64_t ts_ns, bool* is_new, bool* to_server);

  // Starts loading the index slot where lookup(p) will begin: call it a few packets ahead
  // (k + 4 of a batch while processing k). Changes nothing; reads no slot or flow.
  void prefetch(const DecodedPacket& p) const;

  // Drops flows idle for longer than their timeout at capture time `now_ns`.
  void expire(uint64_t now_ns);

  // Calls f(Flow&) for every flow in the table (a rule reload translates their alert lists).
  template <class F>
  void for_each(F&& f) {
    for (int c = 0; c < kClasses; ++c)
      for (uint32_t i = lru_head_[c]; i != kNil; i = pool_[i].lru_next) f(pool_[i]);
  }

  const FlowCounters& counters() const { return counters_; }

  // The index's shape, for tests and benchmarks: probe length = slots read by a lookup that
  // finds the flow (1 when it sits in its home slot).
  struct IndexStats {
    size_t slots = 0;
    size_t used = 0;
    size_t longest_probe = 0;
    double mean_probe = 0;
  };
  IndexStats index_stats() const;
  // True when every live flow sits in exactly one slot, reachable from its home slot without
  // crossing an empty one, with its own tag, and no other slot is used (tests).
  bool index_consistent() const;

 private:
  static constexpr uint32_t kNil = 0xFFFFFFFFu;
  static constexpr uint64_t kLruStepNs = 1'000'000'000;  // see lookup()

  // One LRU list per timeout class (TCP, UDP, other): within a list, least recently used
  // is also first to expire, so expire() only ever looks at list tails.
  static constexpr int kClasses = 3;
  static int class_of(uint8_t proto);
  uint64_t timeout_for(uint8_t proto) const;
  // Index: a power-of-two array (>= 2x the pool, so at most half full) of 8-byte slots,
  // linear probing. The tag is the key hash's upper half (0 means empty, so a zero half
  // becomes 1); its low bits are the home slot, so a slot alone tells where its probe run
  // starts, and a lookup reads a flow only on a tag hit. Deletion shifts the rest of the
  // run back (no tombstones), so churn never lengthens probes.
  struct Slot {
    uint32_t tag;
    uint32_t flow;
  };
  static uint32_t tag_of(uint64_t hash) {
    const auto tag = static_cast<uint32_t>(hash >> 32);
    return tag != 0 ? tag : 1;
  }
  void index_insert(uint32_t tag, uint32_t flow);
  void index_erase(uint32_t tag, uint32_t flow);
  void unlink(uint32_t index);  // from the index and LRU list; returns it to the free list
  void lru_push_front(uint32_t index);
  void lru_remove(uint32_t index);
  enum class Why : uint8_t { kTimedOut, kEvicted, kReused };
  void release(uint32_t index, Why why);
  uint32_t oldest() const;  // least recently used flow over all classes

  std::vector<Flow, HugePageAllocator<Flow>> pool_;
  std::vector<Slot, HugePageAllocator<Slot>> index_;
  uint32_t index_mask_;
  uint32_t free_head_ = kNil;
  uint32_t lru_head_[kClasses] = {kNil, kNil, kNil};  // most recently used
  uint32_t lru_tail_[kClasses] = {kNil, kNil, kNil};  // least recently used
  FlowTimeouts timeouts_;
  ReleaseFn on_release_;
  void* context_;
  FlowCounters counters_;
};

}  // namespace tripline
