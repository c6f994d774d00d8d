// IP/CIDR matching: exact cases and differential tests against a linear longest-prefix scan,
// for the interval tables and the IPv4 DIR-24-8 table built from them.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "core/ip_address.hpp"
#include "core/rule_set.hpp"
#include "matchers/compiled_rules.hpp"
#include "matchers/ip_table.hpp"

namespace tripline {
namespace {

using u128 = unsigned __int128;

void add(RuleSet& rules, IndicatorType type, const std::string& normalized) {
  Indicator i;
  i.type = type;
  i.value = normalized;
  i.normalized = normalized;
  rules.add(std::move(i), IndicatorMeta{});
}

IpAddress ip(const char* text) { return *parse_ip(text); }

std::vector<uint32_t> ids(IdSpan span) { return {span.begin(), span.end()}; }

TEST(IpTable, EmptyTableMatchesNothing) {
  RuleSet rules;
  CompiledRules compiled(rules);
  EXPECT_TRUE(compiled.match_ip(ip("192.0.2.1")).empty());
  EXPECT_TRUE(compiled.match_ip(ip("::")).empty());
  EXPECT_TRUE(compiled.match_ip(IpAddress{}).empty());
}

TEST(IpTable, LongestPrefixWins) {
  RuleSet rules;
  add(rules, IndicatorType::kCidr, "10.0.0.0/8");     // 0
  add(rules, IndicatorType::kCidr, "10.1.0.0/16");    // 1
  add(rules, IndicatorType::kIp, "10.1.2.3");         // 2
  add(rules, IndicatorType::kCidr, "10.1.2.3/32");    // 3: same key as 2
  add(rules, IndicatorType::kCidr, "10.1.255.0/24");  // 4
  add(rules, IndicatorType::kCidr, "2001:db8::/32");  // 5
  add(rules, IndicatorType::kIp, "2001:db8::1");      // 6
  add(rules, IndicatorType::kCidr, "10.2.0.0/16");    // 7: adjacent to nothing nested
  CompiledRules compiled(rules);

  EXPECT_EQ(ids(compiled.match_ip(ip("10.0.0.0"))), std::vector<uint32_t>{0});
  EXPECT_EQ(ids(compiled.match_ip(ip("10.255.255.255"))), std::vector<uint32_t>{0});
  EXPECT_EQ(ids(compiled.match_ip(ip("10.1.2.2"))), std::vector<uint32_t>{1});
  EXPECT_EQ(ids(compiled.match_ip(ip("10.1.2.3"))), (std::vector<uint32_t>{2, 3}));
  EXPECT_EQ(ids(compiled.match_ip(ip("10.1.2.4"))), std::vector<uint32_t>{1});
  EXPECT_EQ(ids(compiled.match_ip(ip("10.1.255.255"))), std::vector<uint32_t>{4});
  EXPECT_EQ(ids(compiled.match_ip(ip("10.2.0.1"))), std::vector<uint32_t>{7});
  EXPECT_EQ(ids(compiled.match_ip(ip("10.3.0.0"))), std::vector<uint32_t>{0});
  EXPECT_TRUE(compiled.match_ip(ip("9.255.255.255")).empty());
  EXPECT_TRUE(compiled.match_ip(ip("11.0.0.0")).empty());
  EXPECT_EQ(ids(compiled.match_ip(ip("2001:db8::1"))), std::vector<uint32_t>{6});
  EXPECT_EQ(ids(compiled.match_ip(ip("2001:db8::2"))), std::vector<uint32_t>{5});
  EXPECT_EQ(ids(compiled.match_ip(ip("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"))),
            std::vector<uint32_t>{5});
  EXPECT_TRUE(compiled.match_ip(ip("2001:db9::")).empty());
}

TEST(IpTable, FamiliesAreSeparate) {
  RuleSet rules;
  add(rules, IndicatorType::kCidr, "0.0.0.0/0");
  add(rules, IndicatorType::kIp, "::ffff:192.0.2.1");
  CompiledRules compiled(rules);
  EXPECT_EQ(ids(compiled.match_ip(ip("255.255.255.255"))), std::vector<uint32_t>{0});
  EXPECT_EQ(ids(compiled.match_ip(ip("192.0.2.1"))), std::vector<uint32_t>{0});
  EXPECT_TRUE(compiled.match_ip(ip("::")).empty());
  EXPECT_EQ(ids(compiled.match_ip(ip("::ffff:192.0.2.1"))), std::vector<uint32_t>{1});
}

TEST(IpTable, WholeSpaceAndEdges) {
  RuleSet rules;
  add(rules, IndicatorType::kCidr, "::/0");                                   // 0
  add(rules, IndicatorType::kIp, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");  // 1
  add(rules, IndicatorType::kIp, "::");                                       // 2
  add(rules, IndicatorType::kCidr, "255.255.255.255/32");                     // 3
  add(rules, IndicatorType::kCidr, "0.0.0.0/32");                             // 4
  add(rules, IndicatorType::kCidr, "128.0.0.0/1");                            // 5
  CompiledRules compiled(rules);
  EXPECT_EQ(ids(compiled.match_ip(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"))),
            std::vector<uint32_t>{1});
  EXPECT_EQ(ids(compiled.match_ip(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"))),
            std::vector<uint32_t>{0});
  EXPECT_EQ(ids(compiled.match_ip(ip("::"))), std::vector<uint32_t>{2});
  EXPECT_EQ(ids(compiled.match_ip(ip("::1"))), std::vector<uint32_t>{0});
  EXPECT_EQ(ids(compiled.match_ip(ip("255.255.255.255"))), std::vector<uint32_t>{3});
  EXPECT_EQ(ids(compiled.match_ip(ip("255.255.255.254"))), std::vector<uint32_t>{5});
  EXPECT_EQ(ids(compiled.match_ip(ip("0.0.0.0"))), std::vector<uint32_t>{4});
  EXPECT_TRUE(compiled.match_ip(ip("0.0.0.1")).empty());
  EXPECT_TRUE(compiled.match_ip(ip("127.255.255.255")).empty());
  EXPECT_EQ(ids(compiled.match_ip(ip("128.0.0.0"))), std::vector<uint32_t>{5});
}

// ---- differential -------------------------------------------------------------------------

struct RefRule {
  int family;
  u128 network;  // host order, v4 in the low 32 bits
  int length;
  uint32_t id;
};

int max_length(int family) { return family == 4 ? 32 : 128; }

u128 mask_of(int family, int length) {
  const int bits = max_length(family);
  if (length == 0) return 0;
  const u128 ones = bits == 128 ? ~u128{0} : (u128{1} << bits) - 1;
  return ones & ~((u128{1} << (bits - length)) - 1) & ones;
}

u128 ones_of(int family) { return family == 4 ? u128{0xffffffffu} : ~u128{0}; }

IpAddress to_address(int family, u128 key) {
  IpAddress a;
  a.family = static_cast<uint8_t>(family);
  const int n = family == 4 ? 4 : 16;
  for (int i = n - 1; i >= 0; --i) {
    a.bytes[i] = static_cast<uint8_t>(key & 0xff);
    key >>= 8;
  }
  return a;
}

std::vector<uint32_t> reference(const std::vector<RefRule>& rules, int family, u128 key) {
  int best = -1;
  for (const RefRule& r : rules)
    if (r.family == family && (key & mask_of(family, r.length)) == r.network)
      best = std::max(best, r.length);
  std::vector<uint32_t> out;
  if (best < 0) return out;
  for (const RefRule& r : rules)
    if (r.family == family && r.length == best && (key & mask_of(family, r.length)) == r.network)
      out.push_back(r.id);
  std::sort(out.begin(), out.end());
  return out;
}

u128 random_key(std::mt19937_64& rng, int family) {
  const u128 k = (u128{rng()} << 64) | rng();
  return k & ones_of(family);
}

void run_differential(uint64_t seed, size_t rule_count, size_t query_count) {
  std::mt19937_64 rng(seed);
  std::vector<u128> bases[2];
  for (int f = 0; f < 2; ++f)
    for (int i = 0; i < 40; ++i) bases[f].push_back(random_key(rng, f == 0 ? 4 : 6));

  RuleSet rules;
  std::vector<RefRule> ref;
  for (size_t n = 0; n < rule_count; ++n) {
    RefRule r;
    if (!ref.empty() && rng() % 10 == 0) {  // duplicate key, new id
      r = ref[rng() % ref.size()];
    } else {
      r.family = rng() % 10 < 6 ? 4 : 6;
      const int bits = max_length(r.family);
      const unsigned pick = rng() % 100;
      // /0 only for some seeds (it turns every miss into a hit), short prefixes rare.
      if (pick < 1 && seed % 3 == 0) {
        r.length = 0;
      } else if (pick < 3 && seed % 2 == 0) {
        r.length = 1 + static_cast<int>(rng() % 7);
      } else if (pick < 40) {
        r.length = bits;
      } else {
        r.length = 8 + static_cast<int>(rng() % (bits - 7));
      }
      // Nested and sibling prefixes: a shared base with random low bits.
      const u128 base = bases[r.family == 4 ? 0 : 1][rng() % 40];
      const int keep = static_cast<int>(rng() % (bits + 1));
      const u128 key = (base & mask_of(r.family, keep)) |
                       (random_key(rng, r.family) & ~mask_of(r.family, keep) & ones_of(r.family));
      r.network = key & mask_of(r.family, r.length);
    }
    r.id = static_cast<uint32_t>(n);
    ref.push_back(r);
    const std::string address = to_string(to_address(r.family, r.network));
    const bool exact = r.length == max_length(r.family);
    if (exact && rng() % 2 == 0) {
      add(rules, IndicatorType::kIp, address);
    } else {
      add(rules, IndicatorType::kCidr, address + "/" + std::to_string(r.length));
    }
  }
  CompiledRules compiled(rules);

  // Also check the table on its own against the same reference.
  std::vector<IpRule> direct;
  for (const RefRule& r : ref)
    direct.push_back({Cidr{to_address(r.family, r.network), static_cast<uint8_t>(r.length)}, r.id});
  IpTable table(direct);
  IpTable table_dir24(direct, 1);  // IPv4 through the DIR-24-8 table whatever the size
  ASSERT_EQ(table_dir24.v4_dir24().built(), table_dir24.v4_prefix_count() > 0);

  std::vector<std::pair<int, u128>> queries;
  for (const RefRule& r : ref) {
    const u128 last = r.network | (~mask_of(r.family, r.length) & ones_of(r.family));
    for (const u128 k : {r.network, last, r.network - 1, last + 1,
                         r.network | (random_key(rng, r.family) & (last - r.network))})
      queries.push_back({r.family, k & ones_of(r.family)});
  }
  for (size_t n = 0; n < query_count; ++n) {
    const int family = rng() % 2 ? 4 : 6;
    queries.push_back({family, random_key(rng, family)});
  }
  size_t hits = 0;
  for (const auto& [family, key] : queries) {
    const IpAddress address = to_address(family, key);
    const std::vector<uint32_t> expected = reference(ref, family, key);
    std::vector<uint32_t> got = ids(compiled.match_ip(address));
    std::sort(got.begin(), got.end());
    ASSERT_EQ(got, expected) << "seed " << seed << " address " << to_string(address);
    ASSERT_EQ(ids(table.match(address)), ids(compiled.match_ip(address)));
    ASSERT_EQ(ids(table_dir24.match(address)), ids(table.match(address)));
    hits += !expected.empty();
  }
  // The generator must exercise both matches and misses.
  EXPECT_GE(hits, 3 * ref.size());
  if (seed % 3 != 0) {
    EXPECT_LT(hits, queries.size());
  }
}

TEST(IpTableDifferential, SmallDense) { run_differential(1, 60, 2000); }
TEST(IpTableDifferential, Medium) { run_differential(5, 1500, 5000); }
TEST(IpTableDifferential, MediumWithShortPrefixes) { run_differential(6, 1500, 5000); }
TEST(IpTableDifferential, ManySeeds) {
  for (uint64_t seed = 10; seed < 40; ++seed) run_differential(seed, 200, 500);
}

// ---- DIR-24-8 (IPv4) ----------------------------------------------------------------------

using V4Prefix = PrefixIntervals<uint32_t>::Prefix;

uint32_t v4_mask(int length) { return static_cast<uint32_t>(mask_of(4, length)); }

// Dir24Table against the PrefixIntervals it is built from (same ids in the same order) and
// both against the linear scan. Prefixes of every length /0../32, nested around a few bases,
// with duplicates; some /24s get many long prefixes so they need dense nodes.
void run_dir24_differential(uint64_t seed, size_t rule_count, size_t random_queries) {
  std::mt19937_64 rng(seed);
  std::vector<uint32_t> bases;
  for (int i = 0; i < 24; ++i) bases.push_back(static_cast<uint32_t>(rng()));
  const uint32_t crowded[2] = {bases[0] & v4_mask(24), bases[1] & v4_mask(24)};

  std::vector<RefRule> ref;
  for (size_t n = 0; n < rule_count; ++n) {
    RefRule r{};
    if (!ref.empty() && rng() % 10 == 0) {  // the same prefix again, a new id
      r = ref[rng() % ref.size()];
    } else {
      r.family = 4;
      const unsigned pick = rng() % 100;
      uint32_t key;
      if (pick < 25) {  // a crowded /24: /25../32 inside it
        r.length = 25 + static_cast<int>(rng() % 8);
        key = crowded[rng() % 2] | static_cast<uint32_t>(rng() & 0xff);
      } else {
        // /0 only for some seeds (it turns every miss into a hit), /1../7 rare.
        if (pick < 26 && seed % 3 == 0) {
          r.length = 0;
        } else if (pick < 28 && seed % 2 == 0) {
          r.length = 1 + static_cast<int>(rng() % 7);
        } else {
          r.length = 8 + static_cast<int>(rng() % 25);
        }
        const int keep = static_cast<int>(rng() % 33);
        const uint32_t base = bases[rng() % bases.size()];
        key = (base & v4_mask(keep)) | (static_cast<uint32_t>(rng()) & ~v4_mask(keep));
      }
      r.network = key & v4_mask(r.length);
    }
    r.id = static_cast<uint32_t>(n);
    ref.push_back(r);
  }
  std::vector<V4Prefix> prefixes;
  std::vector<IpRule> rules;
  for (const RefRule& r : ref) {
    prefixes.push_back({static_cast<uint32_t>(r.network), static_cast<uint8_t>(r.length), r.id});
    rules.push_back({Cidr{to_address(4, r.network), static_cast<uint8_t>(r.length)}, r.id});
  }
  const PrefixIntervals<uint32_t> intervals(prefixes);
  const Dir24Table dir24(intervals);
  const IpTable table(rules, 1);
  ASSERT_TRUE(table.v4_dir24().built());
  EXPECT_EQ(table.v4().interval_count(), 0u);  // the intervals are dropped once converted
  EXPECT_GT(dir24.small_node_count(), 0u);
  EXPECT_GT(dir24.dense_node_count(), 0u);

  std::vector<uint32_t> queries = {0, 1, 0xff, 0x100, 0xffffff00u, 0xfffffffeu, 0xffffffffu};
  for (const RefRule& r : ref) {
    const auto network = static_cast<uint32_t>(r.network);
    const uint32_t last = network | ~v4_mask(r.length);
    for (const uint32_t k :
         {network, last, network - 1, last + 1,
          network | (static_cast<uint32_t>(rng()) & ~v4_mask(r.length)), network & v4_mask(24),
          network | 0xffu, (network & v4_mask(24)) - 1, (network | 0xffu) + 1})
      queries.push_back(k);
  }
  for (const uint32_t c : crowded)
    for (uint32_t low = 0; low < 256; ++low) queries.push_back(c | low);
  for (size_t n = 0; n < random_queries; ++n) queries.push_back(static_cast<uint32_t>(rng()));

  size_t hits = 0;
  for (const uint32_t key : queries) {
    const std::vector<uint32_t> from_intervals = ids(intervals.match(key));
    ASSERT_EQ(ids(dir24.match(key)), from_intervals) << "seed " << seed << " key " << key;
    ASSERT_EQ(ids(table.match(to_address(4, key))), from_intervals) << "seed " << seed;
    std::vector<uint32_t> sorted = from_intervals;
    std::sort(sorted.begin(), sorted.end());
    ASSERT_EQ(sorted, reference(ref, 4, key)) << "seed " << seed << " key " << key;
    hits += !sorted.empty();
  }
  EXPECT_GT(hits, ref.size());
  if (seed % 2 != 0 && seed % 3 != 0) {  // no prefix shorter than /8
    EXPECT_LT(hits, queries.size());
  }
}

TEST(IpTableDir24, EmptyAndWholeSpace) {
  const Dir24Table empty{PrefixIntervals<uint32_t>()};
  EXPECT_TRUE(empty.built());
  EXPECT_TRUE(empty.match(0).empty());
  EXPECT_TRUE(empty.match(0xffffffffu).empty());

  const PrefixIntervals<uint32_t> all(std::vector<V4Prefix>{{0, 0, 7}, {0, 0, 3}});
  const Dir24Table whole(all);
  EXPECT_EQ(ids(whole.match(0)), (std::vector<uint32_t>{3, 7}));
  EXPECT_EQ(ids(whole.match(0x12345678u)), (std::vector<uint32_t>{3, 7}));
  EXPECT_EQ(ids(whole.match(0xffffffffu)), (std::vector<uint32_t>{3, 7}));
  EXPECT_EQ(whole.small_node_count() + whole.dense_node_count(), 0u);
}

TEST(IpTableDir24, SmallAndDenseNodes) {
  std::vector<V4Prefix> prefixes = {
      {0x0a000000u, 8, 0},   // 10.0.0.0/8
      {0x0a010200u, 24, 1},  // 10.1.2.0/24
      {0x0a010280u, 25, 2},  // 10.1.2.128/25
      {0x0a0102ffu, 32, 3},  // 10.1.2.255
      {0x0a0102ffu, 32, 4},  // 10.1.2.255 again: two ids
      {0x0a010300u, 32, 5},  // 10.1.3.0
  };
  for (uint32_t low = 0; low < 256; low += 2)  // 10.1.4.0/24: every even address
    prefixes.push_back({0x0a010400u | low, 32, 100 + low});
  const PrefixIntervals<uint32_t> intervals(prefixes);
  const Dir24Table t(intervals);
  EXPECT_EQ(t.small_node_count(), 2u);  // 10.1.2.0/24 and 10.1.3.0/24
  EXPECT_EQ(t.dense_node_count(), 1u);  // 10.1.4.0/24
  EXPECT_EQ(ids(t.match(0x0a010200u)), std::vector<uint32_t>{1});
  EXPECT_EQ(ids(t.match(0x0a01027fu)), std::vector<uint32_t>{1});
  EXPECT_EQ(ids(t.match(0x0a010280u)), std::vector<uint32_t>{2});
  EXPECT_EQ(ids(t.match(0x0a0102feu)), std::vector<uint32_t>{2});
  EXPECT_EQ(ids(t.match(0x0a0102ffu)), (std::vector<uint32_t>{3, 4}));
  EXPECT_EQ(ids(t.match(0x0a010300u)), std::vector<uint32_t>{5});
  EXPECT_EQ(ids(t.match(0x0a010301u)), std::vector<uint32_t>{0});
  EXPECT_EQ(ids(t.match(0x0a0104feu)), std::vector<uint32_t>{354});
  EXPECT_EQ(ids(t.match(0x0a0104ffu)), std::vector<uint32_t>{0});
  EXPECT_EQ(ids(t.match(0x0a010400u)), std::vector<uint32_t>{100});
  EXPECT_EQ(ids(t.match(0x0affffffu)), std::vector<uint32_t>{0});
  EXPECT_TRUE(t.match(0x0b000000u).empty());
  EXPECT_TRUE(t.match(0x09ffffffu).empty());
}

TEST(IpTableDir24, BuiltFromThreshold) {
  std::vector<IpRule> rules;
  for (uint32_t i = 0; i < 3; ++i) rules.push_back({Cidr{ip("192.0.2.0"), 24}, i});  // one prefix
  rules.push_back({Cidr{ip("2001:db8::"), 32}, 3});
  EXPECT_FALSE(IpTable(rules, 2).v4_dir24().built());
  const IpTable table(rules, 1);
  ASSERT_TRUE(table.v4_dir24().built());
  EXPECT_EQ(table.v4_prefix_count(), 1u);
  EXPECT_FALSE(table.empty());
  EXPECT_GT(table.memory_bytes(), size_t{64} << 20);
  EXPECT_EQ(ids(table.match(ip("192.0.2.77"))), (std::vector<uint32_t>{0, 1, 2}));
  EXPECT_EQ(ids(table.match(ip("2001:db8::1"))), std::vector<uint32_t>{3});
  EXPECT_TRUE(table.match(ip("192.0.3.0")).empty());
  EXPECT_FALSE(IpTable(rules).v4_dir24().built());  // the default threshold
}

TEST(IpTableDir24Differential, Small) { run_dir24_differential(1, 80, 3000); }
TEST(IpTableDir24Differential, Medium) { run_dir24_differential(5, 3000, 20000); }
TEST(IpTableDir24Differential, ShortPrefixes) { run_dir24_differential(4, 3000, 20000); }
TEST(IpTableDir24Differential, WithWholeSpace) { run_dir24_differential(3, 3000, 20000); }
TEST(IpTableDir24Differential, ManySeeds) {
  for (uint64_t seed = 10; seed < 22; ++seed) run_dir24_differential(seed, 400, 2000);
}

}  // namespace
}  // namespace tripline
