// Flow table against a plain reference model (std::unordered_map + one std::list per timeout
// class) on random packet sequences: same flows, same answers, same releases in the same order
// for the same reason. And the open-addressing index under heavy churn: every flow reachable,
// no slot left behind, probe lengths as short as in a freshly built table.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <list>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/flow_table.hpp"

namespace tripline {
namespace {

constexpr uint64_t kSecond = 1'000'000'000;

enum class Why { kTimedOut, kEvicted, kReused };

struct Release {
  std::string key;
  Why why;
  bool operator==(const Release& o) const { return key == o.key && why == o.why; }
};

std::string bytes_of(const FlowKey& k) {
  return std::string(reinterpret_cast<const char*>(&k), sizeof k);
}

// The flow table's documented behaviour, written the obvious way.
class ReferenceTable {
 public:
  struct Entry {
    FlowKey key;
    uint64_t first_ts, last_ts, lru_ts;
    bool initiator_is_lo, tcp_closed, has_isn;
    uint32_t client_isn;
    uint64_t flow_id = 0;  // copied from the real table when created
    const Flow* flow = nullptr;
  };
  struct Answer {
    bool is_new;
    bool to_server;
    Entry* entry;
  };

  ReferenceTable(size_t capacity, FlowTimeouts timeouts)
      : capacity_(capacity), timeouts_(timeouts) {}

  Answer lookup(const DecodedPacket& p, uint64_t ts) {
    bool from_lo = true;
    const FlowKey key = FlowKey::from_packet(p, &from_lo);
    const bool tcp = p.ip_proto == kProtoTcp;
    const bool syn = tcp && (p.tcp_flags & (kTcpSyn | kTcpAck)) == kTcpSyn;
    const bool syn_ack = tcp && (p.tcp_flags & (kTcpSyn | kTcpAck)) == (kTcpSyn | kTcpAck);
    const bool fin_rst = tcp && (p.tcp_flags & (kTcpFin | kTcpRst));
    auto it = index_.find(bytes_of(key));
    if (it != index_.end()) {
      Entry& e = *it->second;
      if (ts >= e.last_ts && ts - e.last_ts > timeout(key.proto)) {
        release(key, Why::kTimedOut);
      } else if (syn && (e.has_isn ? p.tcp_seq != e.client_isn : e.tcp_closed)) {
        release(key, Why::kReused);
      } else {
        if (fin_rst) e.tcp_closed = true;
        e.last_ts = std::max(e.last_ts, ts);
        if (ts >= e.lru_ts + kSecond) {
          e.lru_ts = ts;
          to_front(key);
        }
        return {false, from_lo == e.initiator_is_lo, &*index_[bytes_of(key)]};
      }
    }
    if (index_.size() == capacity_) {
      int oldest = -1;
      for (int c = 0; c < 3; ++c)
        if (!lru_[c].empty() &&
            (oldest < 0 || lru_[c].back().last_ts < lru_[oldest].back().last_ts))
          oldest = c;
      release(lru_[oldest].back().key, Why::kEvicted);
    }
    Entry e{};
    e.key = key;
    e.first_ts = e.last_ts = e.lru_ts = ts;
    e.initiator_is_lo = syn_ack ? !from_lo : from_lo;
    e.has_isn = syn;
    e.client_isn = syn ? p.tcp_seq : 0;
    e.tcp_closed = fin_rst;
    auto& list = lru_[class_of(key.proto)];
    list.push_front(e);
    index_[bytes_of(key)] = list.begin();
    return {true, from_lo == e.initiator_is_lo, &list.front()};
  }

  void expire(uint64_t now) {
    for (auto& list : lru_) {
      while (!list.empty()) {
        Entry& e = list.back();
        const uint64_t t = timeout(e.key.proto);
        if (now < e.lru_ts || now - e.lru_ts <= t) break;
        if (now >= e.last_ts && now - e.last_ts > t) {
          release(e.key, Why::kTimedOut);
        } else {
          e.lru_ts = e.last_ts;
          to_front(e.key);
        }
      }
    }
  }

  size_t size() const { return index_.size(); }
  const Entry* find(const FlowKey& k) const {
    auto it = index_.find(bytes_of(k));
    return it == index_.end() ? nullptr : &*it->second;
  }
  std::vector<Release> released;

 private:
  static int class_of(uint8_t proto) { return proto == kProtoTcp ? 0 : proto == kProtoUdp ? 1 : 2; }
  uint64_t timeout(uint8_t proto) const {
    return proto == kProtoTcp   ? timeouts_.tcp_ns
           : proto == kProtoUdp ? timeouts_.udp_ns
                                : timeouts_.other_ns;
  }
  void to_front(const FlowKey& k) {
    auto& list = lru_[class_of(k.proto)];
    list.splice(list.begin(), list, index_[bytes_of(k)]);
  }
  void release(const FlowKey& k, Why why) {
    released.push_back({bytes_of(k), why});
    auto it = index_.find(bytes_of(k));
    lru_[class_of(k.proto)].erase(it->second);
    index_.erase(it);
  }

  size_t capacity_;
  FlowTimeouts timeouts_;
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  std::list<Entry> lru_[3];  // front: most recently used
};

struct Recorder {
  std::vector<std::string> keys;
};

void record(Flow& flow, void* context) {
  static_cast<Recorder*>(context)->keys.push_back(bytes_of(flow.key));
}

// Random packets over a small universe of 5-tuples (so flows come back, time out, are reused
// and evicted): TCP, UDP and ICMP, IPv4 and IPv6, both directions, SYN / SYN-ACK / ACK / FIN /
// RST with a few sequence numbers.
class PacketGen {
 public:
  PacketGen(uint64_t seed, size_t tuples) : rng_(seed), tuples_(tuples) {}

  DecodedPacket next() {
    const uint64_t t = rng_() % tuples_;
    DecodedPacket p;
    p.outcome = DecodeOutcome::kDecoded;
    p.ip_version = t % 5 == 0 ? 6 : 4;
    const uint64_t kind = (t / 5) % 6;
    p.ip_proto = kind < 3 ? kProtoTcp : kind < 5 ? kProtoUdp : kProtoIcmp;
    p.has_l4 = p.ip_proto != kProtoIcmp;
    const uint32_t a = static_cast<uint32_t>(t * 2654435761u);
    const uint32_t b = static_cast<uint32_t>(t % 7);
    std::memcpy(p.src, &a, 4);
    std::memcpy(p.dst, &b, 4);
    if (p.ip_version == 6) {
      p.src[15] = 1;
      p.dst[15] = 2;
    }
    p.src_port = p.has_l4 ? static_cast<uint16_t>(1024 + t % 50000) : 0;
    p.dst_port = p.has_l4 ? static_cast<uint16_t>(t % 3 == 0 ? 443 : 53) : 0;
    if (rng_() % 2) {  // the other direction
      uint8_t tmp[16];
      std::memcpy(tmp, p.src, 16);
      std::memcpy(p.src, p.dst, 16);
      std::memcpy(p.dst, tmp, 16);
      std::swap(p.src_port, p.dst_port);
    }
    if (p.ip_proto == kProtoTcp) {
      static constexpr uint8_t kFlags[] = {kTcpSyn,           kTcpSyn | kTcpAck, kTcpAck,
                                           kTcpAck,           kTcpAck,           kTcpAck,
                                           kTcpFin | kTcpAck, kTcpRst | kTcpAck};
      p.tcp_flags = kFlags[rng_() % std::size(kFlags)];
      p.tcp_seq = static_cast<uint32_t>(rng_() % 3);
    }
    return p;
  }
  uint64_t below(uint64_t n) { return rng_() % n; }

 private:
  std::mt19937_64 rng_;
  size_t tuples_;
};

FlowCounters operator-(FlowCounters a, const FlowCounters& b) {
  a.created -= b.created;
  a.timed_out -= b.timed_out;
  a.evicted -= b.evicted;
  a.reused -= b.reused;
  return a;
}

// Runs `steps` random lookups and expiries through both tables and compares them after each.
void run_differential(size_t capacity, size_t tuples, uint64_t seed, int steps) {
  SCOPED_TRACE("capacity " + std::to_string(capacity) + ", seed " + std::to_string(seed));
  FlowTimeouts timeouts;
  timeouts.tcp_ns = 40 * kSecond;
  timeouts.udp_ns = 20 * kSecond;
  timeouts.other_ns = 8 * kSecond;
  Recorder recorder;
  FlowTable table(capacity, timeouts, record, &recorder);
  ReferenceTable ref(capacity, timeouts);
  PacketGen gen(seed, tuples);
  uint64_t ts = 1000 * kSecond;
  const uint64_t pace = capacity / 16 + 1;
  size_t compared = 0;
  for (int step = 0; step < steps; ++step) {
    // Mostly small steps, now and then a long pause or a packet from the past; slower for
    // larger tables, so that they fill up before their flows time out.
    const uint64_t r = gen.below(100);
    if (r < 80)
      ts += gen.below(kSecond / 2) / pace;
    else if (r < 95)
      ts += gen.below(10 * kSecond) / pace;
    else if (r < 98 && gen.below(pace) == 0)
      ts += gen.below(60 * kSecond);
    const uint64_t pts = r == 99 ? ts - gen.below(5 * kSecond) / pace : ts;

    const FlowCounters before = table.counters();
    if (gen.below(50) == 0) {
      table.expire(ts);
      ref.expire(ts);
    } else {
      const DecodedPacket p = gen.next();
      table.prefetch(p);
      bool is_new = false, to_server = false;
      Flow& f = table.lookup(p, pts, &is_new, &to_server);
      ReferenceTable::Answer a = ref.lookup(p, pts);
      ASSERT_EQ(is_new, a.is_new) << "step " << step;
      ASSERT_EQ(to_server, a.to_server) << "step " << step;
      ASSERT_TRUE(f.key == a.entry->key) << "step " << step;
      ASSERT_EQ(f.first_ts, a.entry->first_ts) << "step " << step;
      ASSERT_EQ(f.last_ts, a.entry->last_ts) << "step " << step;
      ASSERT_EQ(f.initiator_is_lo, a.entry->initiator_is_lo) << "step " << step;
      ASSERT_EQ(f.tcp_closed, a.entry->tcp_closed) << "step " << step;
      if (is_new) {
        a.entry->flow_id = f.flow_id;
        a.entry->flow = &f;
      } else {  // the same flow, in the same place, with the same id
        ASSERT_EQ(f.flow_id, a.entry->flow_id) << "step " << step;
        ASSERT_EQ(&f, a.entry->flow) << "step " << step;
      }
    }
    // The same flows left, in the same order, for the same reason.
    const FlowCounters delta = table.counters() - before;
    ASSERT_EQ(recorder.keys.size(), ref.released.size()) << "step " << step;
    size_t timed_out = 0, evicted = 0, reused = 0;
    for (; compared < ref.released.size(); ++compared) {
      ASSERT_EQ(recorder.keys[compared], ref.released[compared].key) << "step " << step;
      const Why why = ref.released[compared].why;
      timed_out += why == Why::kTimedOut;
      evicted += why == Why::kEvicted;
      reused += why == Why::kReused;
    }
    ASSERT_EQ(delta.timed_out, timed_out) << "step " << step;
    ASSERT_EQ(delta.evicted, evicted) << "step " << step;
    ASSERT_EQ(delta.reused, reused) << "step " << step;
    ASSERT_EQ(table.counters().active, ref.size()) << "step " << step;

    if (capacity <= 64 || step % 97 == 0) {
      ASSERT_TRUE(table.index_consistent()) << "step " << step;
    }
    if (step % 97 == 0) {  // the same flows exist (for_each sees each exactly once)
      size_t seen = 0;
      bool all_known = true;
      table.for_each([&](Flow& f) {
        ++seen;
        const ReferenceTable::Entry* e = ref.find(f.key);
        all_known = all_known && e != nullptr && e->flow == &f;
      });
      ASSERT_TRUE(all_known) << "step " << step;
      ASSERT_EQ(seen, ref.size()) << "step " << step;
    }
  }
  EXPECT_GT(table.counters().timed_out, 0u);
  EXPECT_GT(table.counters().reused, 0u);
  if (tuples > capacity) {
    EXPECT_GT(table.counters().evicted, 0u);
  }
}

TEST(FlowTableDifferential, MatchesTheReferenceModel) {
  run_differential(1, 4, 1, 5000);
  run_differential(7, 40, 2, 20000);
  run_differential(64, 200, 3, 50000);
  run_differential(1000, 3000, 4, 100000);
  run_differential(4096, 2000, 5, 100000);  // never full: no eviction
}

// A packet of the flow `k`, from its lo endpoint.
DecodedPacket packet_of(const FlowKey& k) {
  DecodedPacket p;
  p.outcome = DecodeOutcome::kDecoded;
  p.ip_version = k.ip_version;
  p.ip_proto = k.proto;
  p.has_l4 = k.proto == kProtoTcp || k.proto == kProtoUdp;
  std::memcpy(p.src, k.addr_lo, 16);
  std::memcpy(p.dst, k.addr_hi, 16);
  p.src_port = k.port_lo;
  p.dst_port = k.port_hi;
  p.tcp_flags = k.proto == kProtoTcp ? kTcpAck : 0;
  return p;
}

TEST(FlowTableIndex, ChurnKeepsProbeRunsIntactAndShort) {
  // 2M packets over 20000 5-tuples through 1000 flows (2048 slots): nearly every packet
  // evicts or times out a flow, so the index sees about a million deletions.
  FlowTimeouts timeouts;
  timeouts.tcp_ns = timeouts.udp_ns = timeouts.other_ns = 3 * kSecond;
  FlowTable table(
      1000, timeouts, [](Flow&, void*) {}, nullptr);
  PacketGen gen(11, 20000);
  uint64_t ts = 0;
  bool is_new = false, to_server = false;
  size_t longest = 0;
  for (int step = 1; step <= 2'000'000; ++step) {
    ts += gen.below(kSecond / 200);
    table.lookup(gen.next(), ts, &is_new, &to_server);
    if (step % 1000 == 0) table.expire(ts);
    if (step % 20000 == 0) {
      ASSERT_TRUE(table.index_consistent()) << "step " << step;
      longest = std::max(longest, table.index_stats().longest_probe);
    }
  }
  EXPECT_GT(table.counters().evicted + table.counters().timed_out, 1'000'000u);
  const FlowTable::IndexStats churned = table.index_stats();
  EXPECT_EQ(churned.slots, 2048u);
  EXPECT_EQ(churned.used, table.counters().active);
  EXPECT_LT(churned.mean_probe, 2.0);  // about 1.5 at half load
  EXPECT_LT(longest, 64u);

  // Backward-shift deletion leaves the index as if the deleted flows had never been there:
  // the same flows inserted into a fresh table probe exactly as far in total.
  FlowTable fresh(
      1000, timeouts, [](Flow&, void*) {}, nullptr);
  table.for_each([&](Flow& f) { fresh.lookup(packet_of(f.key), 0, &is_new, &to_server); });
  const FlowTable::IndexStats rebuilt = fresh.index_stats();
  EXPECT_EQ(rebuilt.used, churned.used);
  EXPECT_DOUBLE_EQ(rebuilt.mean_probe, churned.mean_probe);
}

TEST(FlowTableIndex, FlowsWithEqualTagsStayApart) {
  // Two 5-tuples whose hashes share the upper 32 bits (the index tag, and so the home slot):
  // a tag hit that is another flow must be passed over, and deleting either leaves the other.
  std::vector<std::pair<uint32_t, uint32_t>> tags;  // (tag, n)
  auto key_packet = [](uint32_t n) {
    DecodedPacket p;
    p.outcome = DecodeOutcome::kDecoded;
    p.ip_version = 4;
    p.ip_proto = kProtoUdp;
    p.has_l4 = true;
    const uint8_t a[4] = {10, static_cast<uint8_t>(n >> 16), static_cast<uint8_t>(n >> 8),
                          static_cast<uint8_t>(n)};
    const uint8_t b[4] = {192, 0, 2, 1};
    std::memcpy(p.src, a, 4);
    std::memcpy(p.dst, b, 4);
    p.src_port = 5353;
    p.dst_port = 53;
    return p;
  };
  for (uint32_t n = 0; n < (1u << 18); ++n) {
    bool lo = false;
    tags.emplace_back(static_cast<uint32_t>(FlowKey::from_packet(key_packet(n), &lo).hash() >> 32),
                      n);
  }
  std::sort(tags.begin(), tags.end());
  auto twin = std::adjacent_find(tags.begin(), tags.end(),
                                 [](const auto& x, const auto& y) { return x.first == y.first; });
  ASSERT_NE(twin, tags.end()) << "no two keys with equal tags among 2^18";
  const DecodedPacket a = key_packet(twin->second), b = key_packet((twin + 1)->second);

  FlowTimeouts timeouts;
  timeouts.udp_ns = 10 * kSecond;
  FlowTable table(
      4, timeouts, [](Flow&, void*) {}, nullptr);
  bool is_new = false, to_server = false;
  Flow& fa = table.lookup(a, 0, &is_new, &to_server);
  EXPECT_TRUE(is_new);
  Flow& fb = table.lookup(b, 5 * kSecond, &is_new, &to_server);
  EXPECT_TRUE(is_new);
  EXPECT_NE(&fa, &fb);
  EXPECT_EQ(&table.lookup(a, 6 * kSecond, &is_new, &to_server), &fa);
  EXPECT_FALSE(is_new);
  EXPECT_EQ(&table.lookup(b, 7 * kSecond, &is_new, &to_server), &fb);
  EXPECT_FALSE(is_new);
  ASSERT_TRUE(table.index_consistent());
  table.expire(16500 * kSecond / 1000);  // a idle 10.5 s: gone; b idle 9.5 s: stays
  EXPECT_EQ(table.counters().timed_out, 1u);
  ASSERT_TRUE(table.index_consistent());
  EXPECT_EQ(&table.lookup(b, 17 * kSecond, &is_new, &to_server), &fb);
  EXPECT_FALSE(is_new);
  table.lookup(a, 17 * kSecond, &is_new, &to_server);
  EXPECT_TRUE(is_new);
  ASSERT_TRUE(table.index_consistent());
}

TEST(FlowTableIndex, PrefetchReadsAndChangesNothing) {
  FlowTable table(
      16, {}, [](Flow&, void*) {}, nullptr);
  PacketGen gen(3, 100);
  for (int i = 0; i < 100; ++i) table.prefetch(gen.next());  // empty table
  bool is_new = false, to_server = false;
  for (int i = 0; i < 100; ++i) {
    const DecodedPacket p = gen.next();
    table.prefetch(p);
    table.lookup(p, static_cast<uint64_t>(i) * kSecond, &is_new, &to_server);
  }
  EXPECT_EQ(table.counters().created, table.counters().evicted + table.counters().active);
  EXPECT_TRUE(table.index_consistent());
}

}  // namespace
}  // namespace tripline
