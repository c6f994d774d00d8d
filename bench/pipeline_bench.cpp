// Decode cost and end-to-end replay throughput on a generated capture preloaded in memory.
//   pipeline_bench [--benchmark_filter=...]
// The capture: TRIPLINE_BENCH_PCAP if set, else one made by trafficgen (200k packets, the
// demo indicators injected). Rules: the injected indicators plus generated IPs and domains
// (counts in the benchmark name), so lookups run against realistically sized tables.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <thread>

#include "capture/memory_source.hpp"
#include "core/decode.hpp"
#include "core/loaders.hpp"
#include "engine/eve_writer.hpp"
#include "engine/pipeline.hpp"
#include "engine/worker.hpp"
#include "matchers/compiled_rules.hpp"

namespace tripline {
namespace {

const std::string kInject = std::string(TRIPLINE_SOURCE_DIR) + "/rules/demo/demo.list";

MemorySource& capture() {
  static std::unique_ptr<MemorySource> source = [] {
    std::string path;
    if (const char* p = std::getenv("TRIPLINE_BENCH_PCAP")) {
      path = p;
    } else {
      path = "/tmp/tripline-bench-200k.pcap";
      const std::string cmd = std::string(TRIPLINE_TRAFFICGEN_PATH) + " --out " + path +
                              " --truth /dev/null --packets 200000 --seed 1 --inject " + kInject +
                              " 2>/dev/null";
      if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "trafficgen failed\n");
    }
    return std::make_unique<MemorySource>(std::vector<std::string>{path});
  }();
  return *source;
}

// The demo indicators plus `extra_ips` random IPv4 addresses and `extra_domains` random names.
std::unique_ptr<CompiledRules> rules(size_t extra_ips, size_t extra_domains) {
  RuleSet set;
  load_rules_path(kInject, set);
  std::mt19937_64 rng(7);
  IndicatorMeta meta;
  meta.rule_set = "bench";
  for (size_t i = 0; i < extra_ips; ++i) {
    Indicator ind;
    ind.type = IndicatorType::kIp;
    const uint32_t v = static_cast<uint32_t>(rng()) | 0x01000000u;
    uint8_t b[4] = {static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16),
                    static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)};
    if (b[0] == 10 || b[0] == 198) b[0] = 45;  // keep clear of the generator's own ranges
    ind.value = ind.normalized = to_string(IpAddress::v4(b));
    set.add(std::move(ind), meta);
  }
  for (size_t i = 0; i < extra_domains; ++i) {
    Indicator ind;
    ind.type = IndicatorType::kDomain;
    ind.value = ind.normalized = "d" + std::to_string(rng() % 100000000) + ".bench-example.com";
    set.add(std::move(ind), meta);
  }
  return std::make_unique<CompiledRules>(set);
}

void set_counters(benchmark::State& state, const MemorySource& source) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * source.packet_count()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * source.byte_count()));
}

void BM_Decode(benchmark::State& state) {
  MemorySource& source = capture();
  DecodedPacket decoded;
  const auto& packets = source.packets();
  for (auto _ : state) {
    for (size_t i = 0; i < packets.size(); ++i) {
      if (i + 4 < packets.size()) __builtin_prefetch(packets[i + 4].data);
      decode_packet(packets[i], decoded);
      benchmark::DoNotOptimize(decoded);
    }
  }
  set_counters(state, source);
}
BENCHMARK(BM_Decode)->Unit(benchmark::kMillisecond);

// One worker, no threads: decode + flow + app layer + matching per packet.
void BM_Worker(benchmark::State& state) {
  MemorySource& source = capture();
  const auto compiled =
      rules(static_cast<size_t>(state.range(0)), static_cast<size_t>(state.range(0)));
  AlertQueue alerts(1 << 16);
  std::thread drain([&] {
    Alert a;
    while (alerts.pop(a)) {
    }
  });
  WorkerConfig config;
  DecodedPacket decoded;
  for (auto _ : state) {
    state.PauseTiming();
    auto worker = std::make_unique<Worker>(0, *compiled, alerts, config);
    state.ResumeTiming();
    const auto& packets = source.packets();
    for (size_t i = 0; i < packets.size(); ++i) {
      if (i + 4 < packets.size()) __builtin_prefetch(packets[i + 4].data);
      decode_packet(packets[i], decoded);
      worker->process(packets[i], decoded);
    }
  }
  alerts.close();
  drain.join();
  set_counters(state, source);
}
BENCHMARK(BM_Worker)->Arg(1000)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond);

// The whole pipeline (reader + N workers + EVE writer to /dev/null).
void BM_Pipeline(benchmark::State& state) {
  MemorySource& source = capture();
  const auto compiled = rules(100000, 100000);
  std::FILE* null = std::fopen("/dev/null", "w");
  PipelineConfig config;
  config.workers = static_cast<unsigned>(state.range(0));
  for (auto _ : state) {
    source.rewind();
    EveWriter writer(null, *compiled, {"bench"});
    const PipelineReport report = run_pipeline(source, *compiled, writer, config);
    benchmark::DoNotOptimize(report.alerts_written);
  }
  std::fclose(null);
  set_counters(state, source);
}
BENCHMARK(BM_Pipeline)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace tripline

BENCHMARK_MAIN();
