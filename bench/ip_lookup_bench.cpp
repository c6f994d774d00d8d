// IP/CIDR lookup throughput through CompiledRules::match_ip, 1e3..1e6 indicators, and the two
// IPv4 layouts of IpTable forced (intervals, DIR-24-8) on the same input to place the crossover.
//   ip_lookup_bench --benchmark_filter=IpLookup
//   ip_lookup_bench --benchmark_filter=Ipv4Layout
#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/ip_address.hpp"
#include "core/rule_set.hpp"
#include "matchers/compiled_rules.hpp"
#include "matchers/ip_table.hpp"

namespace tripline {
namespace {

constexpr size_t kQueries = 1 << 16;

IpAddress random_address(std::mt19937_64& rng, int family) {
  uint8_t b[16];
  for (auto& x : b) x = static_cast<uint8_t>(rng());
  return family == 4 ? IpAddress::v4(b) : IpAddress::v6(b);
}

// 80 % exact addresses, 20 % CIDRs (/16../31 for IPv4, /32../64 for IPv6); the queries are
// half addresses drawn from the indicators (hits), half random addresses (mostly misses).
struct Fixture {
  std::unique_ptr<CompiledRules> rules;
  std::vector<IpRule> ip_rules;  // the same indicators for IpTable on its own
  std::vector<IpAddress> queries;
  double hit_rate = 0;

  Fixture(int family, size_t n) {
    std::mt19937_64 rng(family * 1000003 + n);
    RuleSet set;
    set.reserve(n);
    std::vector<IpAddress> seeds;
    for (size_t i = 0; i < n; ++i) {
      IpAddress a = random_address(rng, family);
      Indicator ind;
      if (rng() % 5 == 0) {
        const int length =
            family == 4 ? 16 + static_cast<int>(rng() % 16) : 32 + static_cast<int>(rng() % 33);
        const Cidr c = *parse_cidr(to_string(a) + "/" + std::to_string(length));
        ind.type = IndicatorType::kCidr;
        ind.normalized = to_string(c);
        ip_rules.push_back({c, static_cast<uint32_t>(i)});
      } else {
        ind.type = IndicatorType::kIp;
        ind.normalized = to_string(a);
        ip_rules.push_back(
            {Cidr{a, static_cast<uint8_t>(family == 4 ? 32 : 128)}, static_cast<uint32_t>(i)});
      }
      ind.value = ind.normalized;
      if (seeds.size() < kQueries) seeds.push_back(a);
      set.add(std::move(ind), IndicatorMeta{});
    }
    rules = std::make_unique<CompiledRules>(set);
    size_t hits = 0;
    for (size_t i = 0; i < kQueries; ++i) {
      queries.push_back(i % 2 ? seeds[rng() % seeds.size()] : random_address(rng, family));
      hits += !rules->match_ip(queries.back()).empty();
    }
    hit_rate = static_cast<double>(hits) / kQueries;
  }
};

// One fixture alive at a time: the runner calls each size several times in a row.
const Fixture& fixture(int family, size_t n) {
  static std::unique_ptr<Fixture> cached;
  static int cached_family = 0;
  static size_t cached_n = 0;
  if (!cached || cached_family != family || cached_n != n) {
    cached.reset();
    cached = std::make_unique<Fixture>(family, n);
    cached_family = family;
    cached_n = n;
  }
  return *cached;
}

void run(benchmark::State& state, int family) {
  const Fixture& f = fixture(family, static_cast<size_t>(state.range(0)));
  size_t matched = 0;
  for (auto _ : state) {
    for (const IpAddress& ip : f.queries) matched += f.rules->match_ip(ip).count;
    benchmark::DoNotOptimize(matched);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * f.queries.size()));
  state.counters["hit_rate"] = f.hit_rate;
  state.counters["memory_bytes"] = static_cast<double>(f.rules->memory_bytes());
}

void BM_IpLookupV4(benchmark::State& state) { run(state, 4); }
void BM_IpLookupV6(benchmark::State& state) { run(state, 6); }

// IPv4 through IpTable with the layout forced: range(1) 0 = intervals, 1 = DIR-24-8.
void BM_Ipv4Layout(benchmark::State& state) {
  const Fixture& f = fixture(4, static_cast<size_t>(state.range(0)));
  const bool dir24 = state.range(1) != 0;
  const IpTable table(f.ip_rules, dir24 ? 1 : SIZE_MAX);
  if (table.v4_dir24().built() != dir24) {
    state.SkipWithError("layout not built");
    return;
  }
  size_t matched = 0;
  for (auto _ : state) {
    for (const IpAddress& ip : f.queries) matched += table.match(ip).count;
    benchmark::DoNotOptimize(matched);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * f.queries.size()));
  state.SetLabel(dir24 ? "dir24" : "intervals");
  state.counters["memory_bytes"] = static_cast<double>(table.memory_bytes());
  state.counters["small_nodes"] = static_cast<double>(table.v4_dir24().small_node_count());
  state.counters["dense_nodes"] = static_cast<double>(table.v4_dir24().dense_node_count());
}

BENCHMARK(BM_IpLookupV4)->RangeMultiplier(10)->Range(1000, 1000000);
BENCHMARK(BM_IpLookupV6)->RangeMultiplier(10)->Range(1000, 1000000);
BENCHMARK(BM_Ipv4Layout)
    ->ArgsProduct({{1000, 10000, 100000, 200000, 300000, 1000000}, {0, 1}})
    ->ArgNames({"n", "dir24"});

}  // namespace
}  // namespace tripline

BENCHMARK_MAIN();
