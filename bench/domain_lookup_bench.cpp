// Domain lookup throughput through CompiledRules::match_domain, 1e3..1e6 indicators.
//   domain_lookup_bench --benchmark_filter=DomainLookup
#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/rule_set.hpp"
#include "matchers/compiled_rules.hpp"

namespace tripline {
namespace {

constexpr size_t kQueries = 1 << 16;

std::string random_label(std::mt19937_64& rng, size_t min, size_t max) {
  std::string s;
  const size_t n = min + rng() % (max - min + 1);
  for (size_t i = 0; i < n; ++i) s.push_back("abcdefghijklmnopqrstuvwxyz0123456789"[rng() % 36]);
  return s;
}

std::string random_domain(std::mt19937_64& rng) {
  static const char* const kTlds[] = {"com", "net", "org", "io", "ru", "xyz"};
  std::string d = random_label(rng, 5, 14);
  if (rng() % 3 == 0) d = random_label(rng, 3, 8) + "." + d;
  d += ".";
  d += kTlds[rng() % 6];
  return d;
}

// Queries: a quarter the indicator itself in mixed case, a quarter a subdomain of one
// ("www." / "cdn.a."), half unrelated names (misses that probe every label).
struct Fixture {
  std::unique_ptr<CompiledRules> rules;
  std::vector<std::string> queries;
  size_t bytes = 0;
  double hit_rate = 0;

  explicit Fixture(size_t n) {
    std::mt19937_64 rng(n);
    RuleSet set;
    set.reserve(n);
    std::vector<std::string> seeds;
    for (size_t i = 0; i < n; ++i) {
      Indicator ind;
      ind.type = IndicatorType::kDomain;
      ind.normalized = random_domain(rng);
      ind.value = ind.normalized;
      if (seeds.size() < kQueries) seeds.push_back(ind.normalized);
      set.add(std::move(ind), IndicatorMeta{});
    }
    rules = std::make_unique<CompiledRules>(set);
    size_t hits = 0;
    for (size_t i = 0; i < kQueries; ++i) {
      std::string q;
      switch (i % 4) {
        case 0:
          q = seeds[rng() % seeds.size()];
          for (char& c : q)
            if (rng() % 2) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
          break;
        case 1:
          q = (rng() % 2 ? std::string("www.") : std::string("cdn.a.")) +
              seeds[rng() % seeds.size()];
          break;
        default:
          q = random_label(rng, 3, 8) + "." + random_domain(rng);
      }
      bytes += q.size();
      hits += !rules->match_domain(q).empty();
      queries.push_back(std::move(q));
    }
    hit_rate = static_cast<double>(hits) / kQueries;
  }
};

const Fixture& fixture(size_t n) {
  static std::unique_ptr<Fixture> cached;
  static size_t cached_n = 0;
  if (!cached || cached_n != n) {
    cached.reset();
    cached = std::make_unique<Fixture>(n);
    cached_n = n;
  }
  return *cached;
}

void BM_DomainLookup(benchmark::State& state) {
  const Fixture& f = fixture(static_cast<size_t>(state.range(0)));
  size_t matched = 0;
  for (auto _ : state) {
    for (const std::string& q : f.queries) matched += f.rules->match_domain(q).count;
    benchmark::DoNotOptimize(matched);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * f.queries.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * f.bytes));
  state.counters["hit_rate"] = f.hit_rate;
  state.counters["memory_bytes"] = static_cast<double>(f.rules->memory_bytes());
}

BENCHMARK(BM_DomainLookup)->RangeMultiplier(10)->Range(1000, 1000000);

}  // namespace
}  // namespace tripline

BENCHMARK_MAIN();
