// Hyperscan prefilter: compile time and database size for generated content and pcre rule
// sets, and raw block-scan throughput over a fixed 16 MiB payload (the ceiling end-to-end
// payload matching can reach with that database).
//   hs_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "bench/bench_rules.hpp"
#include "core/signature.hpp"
#include "matchers/hyperscan_prefilter.hpp"

namespace tripline {
namespace {

using bench::kContent;
using bench::Kind;
using bench::kPcre;
using bench::make_payload;
using bench::make_rules;

using bench::kPacketBytes;
using bench::kPayloadBytes;

struct Prepared {
  std::vector<Signature> sigs;
  std::unique_ptr<HyperscanPrefilter> prefilter;
  std::string payload;
};

// Built once per (kind, n): the compile benchmark fills it, the scan benchmarks reuse it.
Prepared& cached(Kind kind, size_t n) {
  static std::map<std::pair<int, size_t>, Prepared> cache;
  return cache[{kind, n}];
}

Prepared& prepared(Kind kind, size_t n) {
  Prepared& p = cached(kind, n);
  if (p.sigs.empty()) p.sigs = make_rules(kind, n);
  if (!p.prefilter) p.prefilter = std::make_unique<HyperscanPrefilter>(p.sigs);
  return p;
}

void BM_Compile(benchmark::State& state) {
  const auto kind = static_cast<Kind>(state.range(0));
  const auto n = static_cast<size_t>(state.range(1));
  std::vector<Signature> sigs = make_rules(kind, n);
  std::unique_ptr<HyperscanPrefilter> prefilter;
  for (auto _ : state) {
    prefilter = std::make_unique<HyperscanPrefilter>(sigs);
    benchmark::DoNotOptimize(prefilter.get());
  }
  if (!prefilter->errors().empty()) {
    state.SkipWithError(prefilter->errors().front().to_string().c_str());
    return;
  }
  const PrefilterDatabaseStats block = prefilter->block_stats(SigBuffer::kPacket);
  const PrefilterDatabaseStats stream = prefilter->stream_stats();
  state.counters["rules"] = static_cast<double>(n);
  state.counters["block_s"] = block.compile_seconds;
  state.counters["stream_s"] = stream.compile_seconds;
  state.counters["block_bytes"] = static_cast<double>(block.bytes);
  state.counters["stream_bytes"] = static_cast<double>(stream.bytes);
  state.counters["state_bytes"] = static_cast<double>(prefilter->stream_state_bytes());
  state.SetItemsProcessed(static_cast<int64_t>(n) * static_cast<int64_t>(state.iterations()));
  Prepared& p = cached(kind, n);
  p.sigs = std::move(sigs);
  p.prefilter = std::move(prefilter);
}

// Block mode over the 16 MiB payload cut into range(2)-byte blocks (1460: per packet;
// 16 MiB: one block, the raw engine speed).
void BM_ScanBlock(benchmark::State& state) {
  const auto kind = static_cast<Kind>(state.range(0));
  const auto n = static_cast<size_t>(state.range(1));
  const auto block = static_cast<size_t>(state.range(2));
  Prepared& p = prepared(kind, n);
  if (p.payload.empty()) p.payload = make_payload(p.sigs);
  PrefilterScratch scratch = p.prefilter->make_scratch();
  const std::string_view data = p.payload;
  uint64_t candidates = 0;
  auto count = [&candidates](uint32_t) { ++candidates; };
  for (auto _ : state) {
    for (size_t at = 0; at < data.size(); at += block)
      if (!p.prefilter->scan_block(SigBuffer::kPacket, data.substr(at, block), scratch, count)) {
        state.SkipWithError("hs_scan failed");
        return;
      }
  }
  state.SetBytesProcessed(static_cast<int64_t>(data.size()) *
                          static_cast<int64_t>(state.iterations()));
  state.counters["candidates_per_MiB"] = static_cast<double>(candidates) /
                                         static_cast<double>(state.iterations()) /
                                         static_cast<double>(data.size() >> 20);
}

void CompileArgs(benchmark::internal::Benchmark* b) {
  for (int64_t n : {100, 1000, 10000, 100000}) b->Args({kContent, n});
  for (int64_t n : {10, 100, 1000}) b->Args({kPcre, n});
}

void ScanArgs(benchmark::internal::Benchmark* b) {
  for (int64_t block : {int64_t{kPacketBytes}, int64_t{kPayloadBytes}}) {
    for (int64_t n : {100, 1000, 10000, 100000}) b->Args({kContent, n, block});
    for (int64_t n : {10, 100, 1000}) b->Args({kPcre, n, block});
  }
}

BENCHMARK(BM_Compile)
    ->Apply(CompileArgs)
    ->ArgNames({"pcre", "rules"})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ScanBlock)
    ->Apply(ScanArgs)
    ->ArgNames({"pcre", "rules", "block"})
    ->MinTime(0.5)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tripline

BENCHMARK_MAIN();
