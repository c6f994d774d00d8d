// Domain matching: exact cases and a differential test against a std::map over every suffix.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "core/rule_set.hpp"
#include "matchers/compiled_rules.hpp"
#include "matchers/domain_table.hpp"

namespace tripline {
namespace {

void add(RuleSet& rules, IndicatorType type, const std::string& normalized) {
  Indicator i;
  i.type = type;
  i.value = normalized;
  i.normalized = normalized;
  rules.add(std::move(i), IndicatorMeta{});
}

std::vector<uint32_t> ids(IdSpan span) { return {span.begin(), span.end()}; }

TEST(DomainTable, EmptyTableMatchesNothing) {
  RuleSet rules;
  CompiledRules compiled(rules);
  EXPECT_FALSE(compiled.has_domains());
  EXPECT_TRUE(compiled.match_domain("example.com").empty());
}

TEST(DomainTable, NameAndSubdomainsMostSpecificFirst) {
  RuleSet rules;
  add(rules, IndicatorType::kDomain, "example.com");         // 0
  add(rules, IndicatorType::kDomain, "bad.example.com");     // 1
  add(rules, IndicatorType::kDomain, "example.com");         // 2: second feed, same key
  add(rules, IndicatorType::kDomain, "Upper.Example.NET.");  // 3: normalized at compile
  CompiledRules compiled(rules);
  EXPECT_TRUE(compiled.has_domains());
  EXPECT_EQ(ids(compiled.match_domain("example.com")), (std::vector<uint32_t>{0, 2}));
  EXPECT_EQ(ids(compiled.match_domain("EXAMPLE.com.")), (std::vector<uint32_t>{0, 2}));
  EXPECT_EQ(ids(compiled.match_domain("www.example.com")), (std::vector<uint32_t>{0, 2}));
  EXPECT_EQ(ids(compiled.match_domain("bad.example.com")), std::vector<uint32_t>{1});
  EXPECT_EQ(ids(compiled.match_domain("x.y.BAD.example.com.")), std::vector<uint32_t>{1});
  EXPECT_EQ(ids(compiled.match_domain("upper.example.net")), std::vector<uint32_t>{3});
  EXPECT_TRUE(compiled.match_domain("notexample.com").empty());
  EXPECT_TRUE(compiled.match_domain("example.com.evil").empty());
  EXPECT_TRUE(compiled.match_domain("com").empty());
  EXPECT_TRUE(compiled.match_domain("").empty());
  EXPECT_TRUE(compiled.match_domain(".").empty());
  EXPECT_TRUE(compiled.match_domain("example.com..").empty());  // only one dot is stripped
}

TEST(DomainTable, LengthLimit) {
  RuleSet rules;
  add(rules, IndicatorType::kDomain, "example.com");
  CompiledRules compiled(rules);
  std::string name;
  while (name.size() + 12 <= 253) name += "a.";
  name.resize(253 - 12);
  name += ".example.com";
  ASSERT_EQ(name.size(), 253u);
  EXPECT_FALSE(compiled.match_domain(name).empty());
  EXPECT_FALSE(compiled.match_domain(name + ".").empty());
  EXPECT_TRUE(compiled.match_domain("a" + name).empty());
  EXPECT_TRUE(compiled.match_domain(std::string(100000, 'a') + ".example.com").empty());
}

// ---- differential -------------------------------------------------------------------------

using Reference = std::map<std::string, std::vector<uint32_t>>;

std::vector<uint32_t> reference(const Reference& ref, std::string name) {
  if (!name.empty() && name.back() == '.') name.pop_back();
  if (name.empty() || name.size() > 253) return {};
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (size_t start = 0;;) {
    if (auto it = ref.find(name.substr(start)); it != ref.end()) return it->second;
    const size_t dot = name.find('.', start);
    if (dot == std::string::npos) return {};
    start = dot + 1;
  }
}

std::string random_label(std::mt19937_64& rng) {
  static const char* const kCommon[] = {"a", "b", "mail", "www", "cdn", "x-1", "api", "login"};
  if (rng() % 2) return kCommon[rng() % 8];
  std::string label;
  const size_t n = 1 + rng() % 10;
  for (size_t i = 0; i < n; ++i)
    label.push_back("abcdefghijklmnopqrstuvwxyz0123456789-"[rng() % 37]);
  return label;
}

std::string random_domain(std::mt19937_64& rng) {
  static const char* const kTlds[] = {"com", "net", "org", "io", "example"};
  std::string d = kTlds[rng() % 5];
  const size_t labels = 1 + rng() % 3;
  for (size_t i = 0; i < labels; ++i) d = random_label(rng) + "." + d;
  return d;
}

std::string mangle_case(std::mt19937_64& rng, std::string s) {
  for (char& c : s)
    if (rng() % 3 == 0) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

void run_differential(uint64_t seed, size_t rule_count, size_t query_count) {
  std::mt19937_64 rng(seed);
  RuleSet rules;
  Reference ref;
  std::vector<std::string> keys;
  for (size_t n = 0; n < rule_count; ++n) {
    std::string d;
    const unsigned pick = rng() % 100;
    if (!keys.empty() && pick < 10) {
      d = keys[rng() % keys.size()];  // duplicate: another feed lists it too
    } else if (!keys.empty() && pick < 30) {
      d = random_label(rng) + "." + keys[rng() % keys.size()];  // nested indicator
    } else if (pick < 31) {
      d = "io";  // a whole TLD
    } else {
      d = random_domain(rng);
    }
    keys.push_back(d);
    ref[d].push_back(static_cast<uint32_t>(n));
    add(rules, IndicatorType::kDomain, d);
  }
  CompiledRules compiled(rules);
  std::vector<KeyedId> direct;
  for (size_t n = 0; n < keys.size(); ++n) direct.push_back({keys[n], static_cast<uint32_t>(n)});
  DomainTable table(direct);

  size_t hits = 0;
  for (size_t n = 0; n < query_count; ++n) {
    std::string q;
    const unsigned pick = rng() % 100;
    if (pick < 40) {
      q = keys[rng() % keys.size()];
      for (size_t k = rng() % 4; k > 0; --k) q = random_label(rng) + "." + q;
    } else if (pick < 50) {
      q = random_label(rng) + keys[rng() % keys.size()];  // glued, not a subdomain
    } else if (pick < 55) {
      q = keys[rng() % keys.size()];
      q = q.substr(rng() % q.size());  // any tail, may start mid-label or with '.'
    } else {
      q = random_domain(rng);
    }
    q = mangle_case(rng, q);
    if (rng() % 4 == 0) q += ".";
    const std::vector<uint32_t> expected = reference(ref, q);
    ASSERT_EQ(ids(compiled.match_domain(q)), expected) << "seed " << seed << " name " << q;
    ASSERT_EQ(ids(table.match(q)), expected) << "seed " << seed << " name " << q;
    hits += !expected.empty();
  }
  EXPECT_GT(hits, query_count / 4);
  EXPECT_LT(hits, query_count);
}

TEST(DomainTableDifferential, Small) { run_differential(1, 20, 2000); }
TEST(DomainTableDifferential, Medium) { run_differential(2, 5000, 50000); }
TEST(DomainTableDifferential, ManySeeds) {
  for (uint64_t seed = 10; seed < 40; ++seed) run_differential(seed, 300, 2000);
}

}  // namespace
}  // namespace tripline
