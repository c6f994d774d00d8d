// The flow table alone: lookups of live flows, new flows into a full table (one eviction
// each), and lookups with the index slot prefetched four packets ahead (as a worker's batch
// loop does).
//   flow_table_bench [--benchmark_filter=...]
// Input: preloaded decoded packets of random IPv4 TCP 5-tuples; the table holds 2^18 flows
// (the `tripline bench` default), so the pool (64 MiB) and the index are far bigger than the
// caches.
#include <benchmark/benchmark.h>

#include <cstring>
#include <random>
#include <vector>

#include "core/flow_table.hpp"

namespace tripline {
namespace {

constexpr size_t kCapacity = size_t{1} << 18;
constexpr uint64_t kStepNs = 10'000;  // 100k packets per second of capture time

void ignore_release(Flow&, void*) {}

std::vector<DecodedPacket> random_packets(size_t flows, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<DecodedPacket> packets(flows);
  for (DecodedPacket& p : packets) {
    p.outcome = DecodeOutcome::kDecoded;
    p.ip_version = 4;
    p.ip_proto = kProtoTcp;
    p.has_l4 = true;
    p.tcp_flags = kTcpAck;
    const uint32_t src = static_cast<uint32_t>(rng()) | 0x0A000000u;
    const uint32_t dst = static_cast<uint32_t>(rng());
    std::memcpy(p.src, &src, 4);
    std::memcpy(p.dst, &dst, 4);
    p.src_port = static_cast<uint16_t>(1024 + rng() % 60000);
    p.dst_port = static_cast<uint16_t>(rng() % 2 ? 443 : 80);
  }
  return packets;
}

// Packets of `flows` live flows in random order (each flow seen many times).
std::vector<DecodedPacket> traffic(size_t flows, size_t count) {
  const std::vector<DecodedPacket> keys = random_packets(flows, 1);
  std::mt19937_64 rng(2);
  std::vector<DecodedPacket> out(count);
  for (DecodedPacket& p : out) p = keys[rng() % flows];
  return out;
}

void fill(FlowTable& table, size_t flows, uint64_t* ts) {
  bool is_new = false, to_server = false;
  for (const DecodedPacket& p : random_packets(flows, 1))
    table.lookup(p, *ts += kStepNs, &is_new, &to_server);
}

// Lookups of live flows: the per-packet cost of a busy table; with the second argument 1,
// the index slot of packet k + 4 is prefetched while packet k is looked up (as the worker
// loop does).
void BM_LookupLive(benchmark::State& state) {
  const size_t flows = static_cast<size_t>(state.range(0));
  const bool prefetch = state.range(1) != 0;
  FlowTable table(kCapacity, {}, ignore_release, nullptr);
  uint64_t ts = 0;
  fill(table, flows, &ts);
  const std::vector<DecodedPacket> packets = traffic(flows, 1 << 20);
  bool is_new = false, to_server = false;
  for (auto _ : state) {
    for (size_t k = 0; k < packets.size(); ++k) {
      if (prefetch && k + 4 < packets.size()) table.prefetch(packets[k + 4]);
      Flow& f = table.lookup(packets[k], ts += kStepNs, &is_new, &to_server);
      benchmark::DoNotOptimize(f.packets += 1);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(packets.size()));
}
BENCHMARK(BM_LookupLive)
    ->ArgsProduct({{1000, 100000, 200000}, {0, 1}})
    ->ArgNames({"flows", "prefetch"})
    ->Unit(benchmark::kMillisecond);

// Every packet a new flow into a full table: probe miss, eviction of the oldest (index
// deletion), insertion.
void BM_NewFlowsEvicting(benchmark::State& state) {
  FlowTable table(kCapacity, {}, ignore_release, nullptr);
  uint64_t ts = 0;
  fill(table, kCapacity, &ts);
  const std::vector<DecodedPacket> packets = random_packets(1 << 20, 3);
  bool is_new = false, to_server = false;
  uint64_t round = 0;
  for (auto _ : state) {
    // Another source port each round, so every packet is a new flow.
    ++round;
    for (const DecodedPacket& q : packets) {
      DecodedPacket p = q;
      p.src_port = static_cast<uint16_t>(p.src_port + round);
      Flow& f = table.lookup(p, ts += kStepNs, &is_new, &to_server);
      benchmark::DoNotOptimize(f.packets += 1);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(packets.size()));
  state.counters["evicted"] = static_cast<double>(table.counters().evicted);
}
BENCHMARK(BM_NewFlowsEvicting)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tripline

BENCHMARK_MAIN();
