// Compile time and memory of CompiledRules for 1e6 IPs/CIDRs + 1e6 domains.
//   compile_bench
// Run it alone: peak_rss is the process high-water mark (getrusage), so it also covers the
// generated RuleSet; rss_rules is the resident size with only the RuleSet built.
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <random>
#include <string>

#include "core/ip_address.hpp"
#include "core/rule_set.hpp"
#include "matchers/compiled_rules.hpp"

namespace tripline {
namespace {

size_t current_rss() {
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return static_cast<size_t>(resident) * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

size_t peak_rss() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<size_t>(u.ru_maxrss) * 1024;
}

std::string random_label(std::mt19937_64& rng, size_t min, size_t max) {
  std::string s;
  const size_t n = min + rng() % (max - min + 1);
  for (size_t i = 0; i < n; ++i) s.push_back("abcdefghijklmnopqrstuvwxyz0123456789"[rng() % 36]);
  return s;
}

// ips: 60 % IPv4 addresses, 15 % IPv4 CIDRs, 20 % IPv6 addresses, 5 % IPv6 CIDRs.
std::unique_ptr<RuleSet> make_rules(size_t ips, size_t domains) {
  std::mt19937_64 rng(42);
  auto rules = std::make_unique<RuleSet>();
  rules->reserve(ips + domains);
  for (size_t i = 0; i < ips; ++i) {
    uint8_t b[16];
    for (auto& x : b) x = static_cast<uint8_t>(rng());
    const unsigned pick = rng() % 100;
    const IpAddress a = pick < 75 ? IpAddress::v4(b) : IpAddress::v6(b);
    Indicator ind;
    if (pick < 60 || (pick >= 75 && pick < 95)) {
      ind.type = IndicatorType::kIp;
      ind.normalized = to_string(a);
    } else {
      const int length =
          a.family == 4 ? 16 + static_cast<int>(rng() % 16) : 32 + static_cast<int>(rng() % 33);
      ind.type = IndicatorType::kCidr;
      ind.normalized = to_string(*parse_cidr(to_string(a) + "/" + std::to_string(length)));
    }
    ind.value = ind.normalized;
    rules->add(std::move(ind),
               IndicatorMeta{
                   "feed-" + std::to_string(i % 8), "", "amber", 50, "", "bench.txt", {}, "", 0});
  }
  for (size_t i = 0; i < domains; ++i) {
    Indicator ind;
    ind.type = IndicatorType::kDomain;
    ind.normalized = random_label(rng, 5, 14) + "." + random_label(rng, 2, 3);
    if (rng() % 3 == 0) ind.normalized = random_label(rng, 3, 8) + "." + ind.normalized;
    ind.value = ind.normalized;
    rules->add(std::move(ind),
               IndicatorMeta{
                   "feed-" + std::to_string(i % 8), "", "amber", 50, "", "bench.txt", {}, "", 0});
  }
  return rules;
}

void run(benchmark::State& state, size_t ips, size_t domains) {
  const auto rules = make_rules(ips, domains);
  const size_t rss_rules = current_rss();
  size_t memory = 0;
  for (auto _ : state) {
    CompiledRules compiled(*rules);
    memory = compiled.memory_bytes();
    benchmark::DoNotOptimize(memory);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * (ips + domains)));
  state.counters["memory_bytes"] = static_cast<double>(memory);
  state.counters["rss_rules"] = static_cast<double>(rss_rules);
  state.counters["peak_rss"] = static_cast<double>(peak_rss());
}

void BM_Compile_1e6Ips_1e6Domains(benchmark::State& state) { run(state, 1000000, 1000000); }
void BM_Compile_1e6Ips(benchmark::State& state) { run(state, 1000000, 0); }
void BM_Compile_1e6Domains(benchmark::State& state) { run(state, 0, 1000000); }

BENCHMARK(BM_Compile_1e6Ips_1e6Domains)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_Compile_1e6Ips)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_Compile_1e6Domains)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
}  // namespace tripline

BENCHMARK_MAIN();
