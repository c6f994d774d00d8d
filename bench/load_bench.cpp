// Load (parse) and compile a plain-list rule set of 1e6 IPs/CIDRs + 1e6 domains, as
// `tripline scan --rules` would: text → RuleSet → CompiledRules.
//   load_bench
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <memory>
#include <random>
#include <string>

#include "core/loaders.hpp"
#include "matchers/compiled_rules.hpp"

namespace tripline {
namespace {

// 1e6 IPs/CIDRs (70 % IPv4 addresses, 15 % IPv4 CIDRs, 15 % IPv6 addresses) and 1e6 domains.
const std::string& list_text() {
  static const std::string text = [] {
    std::mt19937_64 rng(99);
    std::string t;
    t.reserve(48u << 20);
    char buf[96];
    for (int i = 0; i < 1000000; ++i) {
      const uint64_t r = rng();
      const unsigned pick = static_cast<unsigned>(r % 100);
      auto byte = [r](int shift) { return static_cast<unsigned>((r >> shift) & 255); };
      if (pick < 70) {
        std::snprintf(buf, sizeof buf, "%u.%u.%u.%u\n", 1 + byte(8) % 223, byte(16), byte(24),
                      byte(32));
      } else if (pick < 85) {
        std::snprintf(buf, sizeof buf, "%u.%u.%u.0/24\n", 1 + byte(8) % 223, byte(16), byte(24));
      } else {
        std::snprintf(
            buf, sizeof buf, "2001:db8:%x:%x::%x\n", static_cast<unsigned>(r >> 8) & 0xffff,
            static_cast<unsigned>(r >> 24) & 0xffff, static_cast<unsigned>(r >> 40) & 0xffff);
      }
      t += buf;
    }
    for (int i = 0; i < 1000000; ++i) {
      std::snprintf(buf, sizeof buf, "host%llu.feed%llu.example\n",
                    static_cast<unsigned long long>(rng() % 1000000000),
                    static_cast<unsigned long long>(rng() % 1000));
      t += buf;
    }
    return t;
  }();
  return text;
}

void BM_LoadAndCompile2M(benchmark::State& state) {
  const std::string& text = list_text();
  size_t indicators = 0, memory = 0;
  for (auto _ : state) {
    RuleSet rules;
    load_list(text, "bench.list", rules);
    CompiledRules compiled(rules);
    indicators = compiled.size();
    memory = compiled.memory_bytes();
  }
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  state.counters["indicators"] = static_cast<double>(indicators);
  state.counters["compiled_MB"] = static_cast<double>(memory) / 1e6;
  state.counters["peak_rss_MB"] = static_cast<double>(u.ru_maxrss) / 1e3;
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_LoadAndCompile2M)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_LoadOnly2M(benchmark::State& state) {
  const std::string& text = list_text();
  for (auto _ : state) {
    RuleSet rules;
    load_list(text, "bench.list", rules);
    benchmark::DoNotOptimize(rules.indicators().size());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_LoadOnly2M)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
}  // namespace tripline

BENCHMARK_MAIN();
