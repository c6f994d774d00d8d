// Flow table: symmetric keys, direction and initiator, idle timeouts on capture time, LRU
// eviction at capacity, expire(), release callbacks, stable flow ids.
#include "core/flow_table.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "tests/packet_builder.hpp"

namespace tripline {
namespace {

constexpr uint64_t kSecond = 1'000'000'000;

DecodedPacket packet(const char* src, uint16_t sport, const char* dst, uint16_t dport,
                     uint8_t proto = kProtoTcp, uint8_t tcp_flags = kTcpAck) {
  DecodedPacket p;
  p.outcome = DecodeOutcome::kDecoded;
  p.ip_proto = proto;
  if (std::strchr(src, ':') != nullptr) {
    p.ip_version = 6;
    const auto a = test::v6(src), b = test::v6(dst);
    std::memcpy(p.src, a.data(), 16);
    std::memcpy(p.dst, b.data(), 16);
  } else {
    p.ip_version = 4;
    const auto a = test::v4(src), b = test::v4(dst);
    std::memcpy(p.src, a.data(), 4);
    std::memcpy(p.dst, b.data(), 4);
  }
  p.src_port = sport;
  p.dst_port = dport;
  p.has_l4 = proto == kProtoTcp || proto == kProtoUdp;
  p.tcp_flags = proto == kProtoTcp ? tcp_flags : 0;
  return p;
}

// The reverse direction of `p` (same flags unless given).
DecodedPacket reverse(const DecodedPacket& p, uint8_t tcp_flags) {
  DecodedPacket r = p;
  std::memcpy(r.src, p.dst, 16);
  std::memcpy(r.dst, p.src, 16);
  r.src_port = p.dst_port;
  r.dst_port = p.src_port;
  r.tcp_flags = tcp_flags;
  return r;
}

struct Released {
  std::vector<FlowKey> keys;
  std::vector<uint64_t> flow_ids;
};

void record_release(Flow& flow, void* context) {
  auto* r = static_cast<Released*>(context);
  if (r == nullptr) return;  // tests that do not look at releases
  r->keys.push_back(flow.key);
  r->flow_ids.push_back(flow.flow_id);
}

FlowKey key_of(const DecodedPacket& p) {
  bool from_lo = false;
  return FlowKey::from_packet(p, &from_lo);
}

struct Lookup {
  Flow* flow;
  bool is_new;
  bool to_server;
  uint64_t flow_id;
};

Lookup look(FlowTable& table, const DecodedPacket& p, uint64_t ts) {
  bool is_new = false, to_server = false;
  Flow& f = table.lookup(p, ts, &is_new, &to_server);
  return {&f, is_new, to_server, f.flow_id};
}

const DecodedPacket kSyn = packet("10.0.0.1", 40000, "10.0.0.2", 80, kProtoTcp, kTcpSyn);

TEST(FlowKey, SymmetricAndCanonical) {
  bool a_lo = false, b_lo = true;
  const FlowKey a = FlowKey::from_packet(kSyn, &a_lo);
  const FlowKey b = FlowKey::from_packet(reverse(kSyn, kTcpSyn | kTcpAck), &b_lo);
  EXPECT_TRUE(a == b);
  EXPECT_EQ(a.hash(), b.hash());
  EXPECT_TRUE(a_lo);  // 10.0.0.1 < 10.0.0.2
  EXPECT_FALSE(b_lo);
  EXPECT_EQ(a.port_lo, 40000);
  EXPECT_EQ(a.port_hi, 80);
  EXPECT_EQ(a.proto, kProtoTcp);
  EXPECT_EQ(a.ip_version, 4);
  // Same addresses: the lower port is the "lo" endpoint.
  bool lo = false;
  const FlowKey loop = FlowKey::from_packet(packet("127.0.0.1", 5000, "127.0.0.1", 80), &lo);
  EXPECT_FALSE(lo);
  EXPECT_EQ(loop.port_lo, 80);
  // Protocol and ports are part of the key.
  EXPECT_FALSE(a == key_of(packet("10.0.0.1", 40000, "10.0.0.2", 80, kProtoUdp)));
  EXPECT_FALSE(a == key_of(packet("10.0.0.1", 40001, "10.0.0.2", 80)));
}

TEST(FlowKey, DispatchHashIsSymmetricAndIgnoresPorts) {
  const DecodedPacket v6 = packet("2001:db8::1", 1, "2001:db8::2", 2, kProtoUdp);
  EXPECT_EQ(dispatch_hash(kSyn), dispatch_hash(reverse(kSyn, kTcpAck)));
  EXPECT_EQ(dispatch_hash(v6), dispatch_hash(reverse(v6, 0)));
  EXPECT_EQ(dispatch_hash(kSyn), dispatch_hash(packet("10.0.0.2", 9, "10.0.0.1", 7)));
}

TEST(FlowTable, BothDirectionsShareOneFlow) {
  Released released;
  FlowTable table(16, {}, record_release, &released);
  const Lookup syn = look(table, kSyn, 1 * kSecond);
  const Lookup syn_ack = look(table, reverse(kSyn, kTcpSyn | kTcpAck), 2 * kSecond);
  const Lookup ack = look(table, kSyn, 3 * kSecond);
  EXPECT_TRUE(syn.is_new);
  EXPECT_FALSE(syn_ack.is_new);
  EXPECT_FALSE(ack.is_new);
  EXPECT_EQ(syn.flow, syn_ack.flow);
  EXPECT_EQ(syn.flow, ack.flow);
  EXPECT_EQ(syn.flow_id, syn_ack.flow_id);
  EXPECT_TRUE(syn.to_server);
  EXPECT_FALSE(syn_ack.to_server);
  EXPECT_TRUE(ack.to_server);
  EXPECT_EQ(syn.flow->first_ts, 1 * kSecond);
  EXPECT_EQ(syn.flow->last_ts, 3 * kSecond);
  EXPECT_EQ(table.counters().created, 1u);
  EXPECT_EQ(table.counters().active, 1u);
  EXPECT_TRUE(released.keys.empty());
}

TEST(FlowTable, ASynWithAnotherIsnOnTheSame5TupleStartsANewFlow) {
  FlowTable table(16, {}, record_release, nullptr);
  DecodedPacket syn = kSyn;
  syn.tcp_seq = 1000;
  const Lookup first = look(table, syn, 1 * kSecond);
  DecodedPacket fin = packet("10.0.0.1", 40000, "10.0.0.2", 80, kProtoTcp, kTcpFin | kTcpAck);
  EXPECT_FALSE(look(table, fin, 2 * kSecond).is_new);
  // A retransmitted SYN (same ISN) stays in its flow, as Wireshark's tcp.stream does.
  EXPECT_FALSE(look(table, syn, 3 * kSecond).is_new);
  // The port reused for a new connection: another ISN, a new flow with a new id.
  syn.tcp_seq = 777777;
  const Lookup second = look(table, syn, 4 * kSecond);
  EXPECT_TRUE(second.is_new);
  EXPECT_NE(second.flow_id, first.flow_id);
  EXPECT_EQ(table.counters().reused, 1u);
  EXPECT_EQ(table.counters().created, 2u);
  EXPECT_EQ(table.counters().active, 1u);
}

TEST(FlowTable, SynAckFirstMakesItsReceiverTheClient) {
  FlowTable table(16, {}, record_release, nullptr);
  // Server 10.0.0.2:80 answers first (the SYN was missed). The client is 10.0.0.1.
  const DecodedPacket syn_ack = reverse(kSyn, kTcpSyn | kTcpAck);
  const Lookup first = look(table, syn_ack, kSecond);
  EXPECT_TRUE(first.is_new);
  EXPECT_FALSE(first.to_server);
  EXPECT_TRUE(first.flow->initiator_is_lo);  // 10.0.0.1 is the lower address
  EXPECT_TRUE(look(table, kSyn, 2 * kSecond).to_server);
  EXPECT_FALSE(look(table, syn_ack, 3 * kSecond).to_server);

  // Same when the server is the lower address.
  const DecodedPacket syn_ack2 =
      packet("10.0.0.1", 443, "10.0.0.9", 50000, kProtoTcp, kTcpSyn | kTcpAck);
  const Lookup first2 = look(table, syn_ack2, kSecond);
  EXPECT_TRUE(first2.is_new);
  EXPECT_FALSE(first2.to_server);
  EXPECT_FALSE(first2.flow->initiator_is_lo);
  EXPECT_TRUE(look(table, reverse(syn_ack2, kTcpAck), 2 * kSecond).to_server);
}

TEST(FlowTable, FirstSenderIsTheClientWhateverItsAddress) {
  FlowTable table(16, {}, record_release, nullptr);
  // Client with the higher address and port.
  const DecodedPacket query = packet("192.0.2.200", 53000, "192.0.2.1", 53, kProtoUdp);
  const Lookup q = look(table, query, kSecond);
  EXPECT_TRUE(q.is_new);
  EXPECT_TRUE(q.to_server);
  EXPECT_FALSE(q.flow->initiator_is_lo);
  EXPECT_FALSE(look(table, reverse(query, 0), 2 * kSecond).to_server);
  EXPECT_TRUE(look(table, query, 3 * kSecond).to_server);
  // A bare SYN or a plain ACK first: its sender is the client.
  const DecodedPacket ack = packet("10.9.9.9", 1000, "10.0.0.1", 22, kProtoTcp, kTcpAck);
  EXPECT_TRUE(look(table, ack, kSecond).to_server);
  EXPECT_FALSE(look(table, reverse(ack, kTcpAck), kSecond).to_server);
  // IPv6 and ICMP (no ports).
  const DecodedPacket ping = packet("2001:db8::9", 0, "2001:db8::1", 0, kProtoIcmpv6);
  const Lookup p = look(table, ping, kSecond);
  EXPECT_TRUE(p.is_new);
  EXPECT_TRUE(p.to_server);
  const Lookup pong = look(table, reverse(ping, 0), kSecond);
  EXPECT_EQ(pong.flow, p.flow);
  EXPECT_FALSE(pong.to_server);
  EXPECT_EQ(table.counters().created, 3u);
}

TEST(FlowTable, IdleTimeoutStartsANewFlow) {
  Released released;
  FlowTimeouts timeouts;
  timeouts.tcp_ns = 10 * kSecond;
  FlowTable table(16, timeouts, record_release, &released);
  const Lookup a = look(table, kSyn, 100 * kSecond);
  // Exactly the timeout later: still the same flow.
  const Lookup b = look(table, reverse(kSyn, kTcpAck), 110 * kSecond);
  EXPECT_FALSE(b.is_new);
  EXPECT_EQ(b.flow_id, a.flow_id);
  // 10 s + 1 ns after the last packet: a new flow with a new id; the old one is released.
  const Lookup c = look(table, reverse(kSyn, kTcpAck), 120 * kSecond + 1);
  EXPECT_TRUE(c.is_new);
  EXPECT_NE(c.flow_id, a.flow_id);
  EXPECT_EQ(c.flow->first_ts, 120 * kSecond + 1);
  // The new flow's first packet came from 10.0.0.2: it is the client now.
  EXPECT_TRUE(c.to_server);
  EXPECT_FALSE(look(table, kSyn, 121 * kSecond).to_server);
  EXPECT_EQ(table.counters().timed_out, 1u);
  EXPECT_EQ(table.counters().created, 2u);
  EXPECT_EQ(table.counters().active, 1u);
  EXPECT_EQ(table.counters().evicted, 0u);
  ASSERT_EQ(released.keys.size(), 1u);
  EXPECT_TRUE(released.keys[0] == key_of(kSyn));
  EXPECT_EQ(released.flow_ids[0], a.flow_id);
}

TEST(FlowTable, TimeoutDependsOnProtocol) {
  FlowTimeouts timeouts;
  timeouts.tcp_ns = 100 * kSecond;
  timeouts.udp_ns = 20 * kSecond;
  timeouts.other_ns = 5 * kSecond;
  FlowTable table(16, timeouts, record_release, nullptr);
  const DecodedPacket udp = packet("10.0.0.1", 1, "10.0.0.2", 2, kProtoUdp);
  const DecodedPacket icmp = packet("10.0.0.1", 0, "10.0.0.2", 0, kProtoIcmp);
  look(table, kSyn, 0);
  look(table, udp, 0);
  look(table, icmp, 0);
  EXPECT_TRUE(look(table, icmp, 6 * kSecond).is_new);
  EXPECT_FALSE(look(table, udp, 19 * kSecond).is_new);
  EXPECT_TRUE(look(table, udp, 40 * kSecond).is_new);
  EXPECT_FALSE(look(table, kSyn, 99 * kSecond).is_new);
  EXPECT_EQ(table.counters().timed_out, 2u);
}

TEST(FlowTable, PacketOlderThanLastSeenDoesNotExpireOrRewind) {
  FlowTimeouts timeouts;
  timeouts.tcp_ns = 10 * kSecond;
  FlowTable table(16, timeouts, record_release, nullptr);
  const Lookup a = look(table, kSyn, 100 * kSecond);
  const Lookup b = look(table, kSyn, 50 * kSecond);  // capture time going backwards
  EXPECT_FALSE(b.is_new);
  EXPECT_EQ(b.flow, a.flow);
  EXPECT_EQ(a.flow->last_ts, 100 * kSecond);
}

TEST(FlowTable, FullTableEvictsLeastRecentlyUsed) {
  Released released;
  FlowTable table(3, {}, record_release, &released);
  const DecodedPacket f1 = packet("10.0.0.1", 1001, "10.0.0.2", 80);
  const DecodedPacket f2 = packet("10.0.0.1", 1002, "10.0.0.2", 80);
  const DecodedPacket f3 = packet("10.0.0.1", 1003, "10.0.0.2", 80);
  const DecodedPacket f4 = packet("10.0.0.1", 1004, "10.0.0.2", 80);
  const uint64_t id1 = look(table, f1, 1 * kSecond).flow_id;
  const uint64_t id2 = look(table, f2, 2 * kSecond).flow_id;
  look(table, f3, 3 * kSecond);
  EXPECT_FALSE(look(table, reverse(f1, kTcpAck), 4 * kSecond).is_new);  // f1 now most recent
  const Lookup l4 = look(table, f4, 5 * kSecond);
  EXPECT_TRUE(l4.is_new);
  EXPECT_EQ(table.counters().evicted, 1u);
  EXPECT_EQ(table.counters().active, 3u);
  ASSERT_EQ(released.keys.size(), 1u);
  EXPECT_TRUE(released.keys[0] == key_of(f2));
  EXPECT_EQ(released.flow_ids[0], id2);
  // f1 survived; f2 comes back as a new flow and pushes out f3, the least recent now.
  const Lookup again1 = look(table, f1, 6 * kSecond);
  EXPECT_FALSE(again1.is_new);
  EXPECT_EQ(again1.flow_id, id1);
  EXPECT_TRUE(look(table, f2, 7 * kSecond).is_new);
  ASSERT_EQ(released.keys.size(), 2u);
  EXPECT_TRUE(released.keys[1] == key_of(f3));
  EXPECT_EQ(table.counters().evicted, 2u);
  EXPECT_EQ(table.counters().created, 5u);
  EXPECT_EQ(table.counters().timed_out, 0u);
}

TEST(FlowTable, ManyFlowsThroughASmallTable) {
  // 1000 flows through 64 slots: every flow beyond capacity evicts exactly one, and every
  // flow that left was released exactly once.
  Released released;
  FlowTable table(64, {}, record_release, &released);
  for (uint16_t i = 0; i < 1000; ++i) {
    const Lookup l =
        look(table, packet("10.1.0.1", static_cast<uint16_t>(10000 + i), "10.2.0.1", 443), i);
    EXPECT_TRUE(l.is_new);
  }
  EXPECT_EQ(table.counters().created, 1000u);
  EXPECT_EQ(table.counters().evicted, 936u);
  EXPECT_EQ(table.counters().active, 64u);
  ASSERT_EQ(released.keys.size(), 936u);
  // Released oldest first; 10.1.0.1 < 10.2.0.1, so the client port is port_lo.
  for (uint16_t i = 0; i < 936; ++i) {
    EXPECT_EQ(released.keys[i].port_lo, 10000 + i) << i;
    EXPECT_EQ(released.keys[i].port_hi, 443) << i;
  }
  // The 64 most recent are still there.
  for (uint16_t i = 936; i < 1000; ++i)
    EXPECT_FALSE(
        look(table, packet("10.1.0.1", static_cast<uint16_t>(10000 + i), "10.2.0.1", 443), 2000)
            .is_new);
}

TEST(FlowTable, CapacityOne) {
  Released released;
  FlowTable table(1, {}, record_release, &released);
  const DecodedPacket other = packet("10.0.0.3", 5, "10.0.0.4", 6);
  EXPECT_TRUE(look(table, kSyn, 1).is_new);
  EXPECT_FALSE(look(table, kSyn, 2).is_new);
  EXPECT_TRUE(look(table, other, 3).is_new);
  EXPECT_TRUE(look(table, kSyn, 4).is_new);
  EXPECT_EQ(table.counters().evicted, 2u);
  EXPECT_EQ(released.keys.size(), 2u);
}

TEST(FlowTable, ExpireDropsIdleFlows) {
  Released released;
  FlowTimeouts timeouts;
  timeouts.tcp_ns = 10 * kSecond;
  FlowTable table(16, timeouts, record_release, &released);
  const DecodedPacket a = packet("10.0.0.1", 1, "10.0.0.2", 80);
  const DecodedPacket b = packet("10.0.0.1", 2, "10.0.0.2", 80);
  const DecodedPacket c = packet("10.0.0.1", 3, "10.0.0.2", 80);
  look(table, a, 0);
  look(table, b, 5 * kSecond);
  look(table, c, 8 * kSecond);
  table.expire(10 * kSecond);  // a idle exactly 10 s: kept
  EXPECT_EQ(table.counters().timed_out, 0u);
  table.expire(16 * kSecond);  // a (16 s) and b (11 s) go, c (8 s) stays
  EXPECT_EQ(table.counters().timed_out, 2u);
  EXPECT_EQ(table.counters().active, 1u);
  ASSERT_EQ(released.keys.size(), 2u);
  EXPECT_TRUE(released.keys[0] == key_of(a));
  EXPECT_TRUE(released.keys[1] == key_of(b));
  EXPECT_FALSE(look(table, c, 17 * kSecond).is_new);
  EXPECT_TRUE(look(table, a, 17 * kSecond).is_new);
  table.expire(1000 * kSecond);
  EXPECT_EQ(table.counters().active, 0u);
  EXPECT_EQ(table.counters().timed_out, 4u);
  EXPECT_EQ(released.keys.size(), 4u);
}

TEST(FlowTable, ExpireDropsIdleFlowsOfEveryProtocol) {
  // Timeouts differ per protocol, so one LRU list is not in expiry order: an older TCP flow
  // (600 s) must not shield a more recent UDP flow (300 s) idle for 399 s at now = 400 s.
  Released released;
  FlowTable table(16, {}, record_release, &released);  // tcp 600 s, udp 300 s
  const DecodedPacket udp = packet("10.0.0.1", 5000, "10.0.0.53", 53, kProtoUdp);
  look(table, kSyn, 0);           // TCP, least recently used
  look(table, udp, 1 * kSecond);  // UDP, more recent
  table.expire(400 * kSecond);
  EXPECT_EQ(table.counters().timed_out, 1u);
  EXPECT_EQ(table.counters().active, 1u);
  EXPECT_EQ(released.keys.size(), 1u);
  if (!released.keys.empty()) {
    EXPECT_TRUE(released.keys[0] == key_of(udp));
  }
}

TEST(FlowTable, FlowIdIsStableForKeyAndFirstTimestamp) {
  FlowTable t1(16, {}, record_release, nullptr);
  FlowTable t2(1024, {}, record_release, nullptr);
  const uint64_t id1 = look(t1, kSyn, 123456789).flow_id;
  // Another table (another worker, another run): same key and first ts => same id, whichever
  // direction came first.
  const uint64_t id2 = look(t2, reverse(kSyn, kTcpSyn | kTcpAck), 123456789).flow_id;
  EXPECT_EQ(id1, id2);
  EXPECT_NE(id1, 0u);
  EXPECT_LT(id1, uint64_t{1} << 53);  // exact in a JSON number (double)
  // Later packets do not change it.
  EXPECT_EQ(look(t1, kSyn, 999999999).flow_id, id1);
  // Another first timestamp or another key gives another id.
  FlowTable t3(16, {}, record_release, nullptr);
  EXPECT_NE(look(t3, kSyn, 123456790).flow_id, id1);
  EXPECT_NE(look(t3, packet("10.0.0.1", 40001, "10.0.0.2", 80), 123456789).flow_id, id1);
}

TEST(FlowTable, FlowIdsAreDistinctAcrossManyFlows) {
  FlowTable table(4096, {}, record_release, nullptr);
  std::vector<uint64_t> ids;
  for (uint16_t i = 0; i < 4000; ++i)
    ids.push_back(
        look(table, packet("10.0.0.1", static_cast<uint16_t>(1024 + i), "10.0.0.2", 80), kSecond)
            .flow_id);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end());
  for (uint64_t id : ids) ASSERT_LT(id, uint64_t{1} << 53);
}

TEST(FlowTable, NewFlowStartsClean) {
  Released released;
  FlowTable table(1, {}, record_release, &released);
  bool is_new = false, to_server = false;
  Flow& a = table.lookup(kSyn, 2, &is_new, &to_server);
  EXPECT_TRUE(a.remember_alert(7));
  EXPECT_TRUE(a.already_alerted(7));
  a.app_proto = 3;
  // Evict it; the slot is reused for another key and must not carry alerts or app state.
  Flow& b = table.lookup(packet("10.0.0.3", 5, "10.0.0.4", 6), 3, &is_new, &to_server);
  EXPECT_TRUE(is_new);
  EXPECT_EQ(&a, &b);
  EXPECT_FALSE(b.already_alerted(7));
  EXPECT_EQ(b.alerted_count, 0);
  EXPECT_EQ(b.app_proto, 0);
  EXPECT_EQ(b.packets, 0u);
}

TEST(FlowTable, RememberAlertIsBounded) {
  FlowTable table(4, {}, record_release, nullptr);
  bool is_new = false, to_server = false;
  Flow& f = table.lookup(kSyn, 1, &is_new, &to_server);
  for (uint32_t i = 0; i < Flow::kMaxAlerted; ++i) EXPECT_TRUE(f.remember_alert(100 + i));
  EXPECT_FALSE(f.remember_alert(999));
  EXPECT_FALSE(f.already_alerted(999));
  EXPECT_TRUE(f.already_alerted(100 + Flow::kMaxAlerted - 1));
}

TEST(FlowTable, CountersAdd) {
  FlowCounters a;
  a.created = 1, a.timed_out = 2, a.evicted = 3, a.active = 4;
  FlowCounters b = a;
  b += a;
  EXPECT_EQ(b.created, 2u);
  EXPECT_EQ(b.timed_out, 4u);
  EXPECT_EQ(b.evicted, 6u);
  EXPECT_EQ(b.active, 8u);
}

}  // namespace
}  // namespace tripline
