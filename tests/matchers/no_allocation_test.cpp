// Proves the match_* calls allocate nothing: this test program replaces the global operator
// new and counts the calls made while a lookup loop runs.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <initializer_list>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "core/ip_address.hpp"
#include "core/rule_set.hpp"
#include "matchers/compiled_rules.hpp"
#include "matchers/ip_table.hpp"

namespace {

std::atomic<bool> g_counting{false};
std::atomic<size_t> g_allocations{0};

void* counted_alloc(std::size_t size, std::size_t align) {
  if (g_counting.load(std::memory_order_relaxed))
    g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (size == 0) size = 1;
  void* p = align <= alignof(std::max_align_t)
                ? std::malloc(size)
                : std::aligned_alloc(align, (size + align - 1) / align * align);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

}  // namespace

void* operator new(std::size_t size) { return counted_alloc(size, 0); }
void* operator new[](std::size_t size) { return counted_alloc(size, 0); }
void* operator new(std::size_t size, std::align_val_t a) {
  return counted_alloc(size, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t size, std::align_val_t a) {
  return counted_alloc(size, static_cast<std::size_t>(a));
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
// The nothrow forms too: libraries (Hyperscan) use them, and a mix of replaced and
// non-replaced forms would pair the sanitizer's new with our free.
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return counted_alloc(size, 0);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return counted_alloc(size, 0);
  } catch (...) {
    return nullptr;
  }
}
void* operator new(std::size_t size, std::align_val_t a, const std::nothrow_t&) noexcept {
  try {
    return counted_alloc(size, static_cast<std::size_t>(a));
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, std::align_val_t a, const std::nothrow_t&) noexcept {
  try {
    return counted_alloc(size, static_cast<std::size_t>(a));
  } catch (...) {
    return nullptr;
  }
}
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }

namespace tripline {
namespace {

class CountAllocations {
 public:
  CountAllocations() {
    g_allocations = 0;
    g_counting = true;
  }
  ~CountAllocations() { g_counting = false; }
  size_t count() const { return g_allocations.load(); }
};

void add(RuleSet& rules, IndicatorType type, const std::string& normalized) {
  Indicator i;
  i.type = type;
  i.value = normalized;
  i.normalized = normalized;
  rules.add(std::move(i), IndicatorMeta{});
}

TEST(NoAllocation, CounterSeesAllocations) {
  CountAllocations counter;
  auto* p = new std::string(100, 'x');
  EXPECT_GE(counter.count(), 1u);
  delete p;
}

TEST(NoAllocation, LookupsDoNotAllocate) {
  RuleSet rules;
  std::mt19937_64 rng(7);
  // (std::string appends rather than "literal" + std::string: GCC 12 -Wrestrict false positive)
  auto text = [](std::initializer_list<std::string> parts) {
    std::string s;
    for (const std::string& p : parts) s += p;
    return s;
  };
  for (int i = 0; i < 2000; ++i) {
    add(rules, IndicatorType::kIp,
        text({"10.", std::to_string(rng() % 256), ".0.", std::to_string(rng() % 256)}));
    add(rules, IndicatorType::kCidr, text({"2001:db8:", std::to_string(rng() % 9999), "::/48"}));
    add(rules, IndicatorType::kDomain, text({"d", std::to_string(i), ".example.com"}));
    add(rules, IndicatorType::kUrl, text({"h", std::to_string(i), ".example.com:8080/p?q=1"}));
  }
  add(rules, IndicatorType::kCidr, "10.0.0.0/8");
  const CompiledRules compiled(rules);

  // Inputs prepared before counting; a long target and name exercise the limits.
  std::vector<IpAddress> ips;
  for (int i = 0; i < 1000; ++i) {
    uint8_t b[16];
    for (auto& x : b) x = static_cast<uint8_t>(rng());
    b[0] = i % 2 ? 10 : b[0];
    ips.push_back(i % 3 ? IpAddress::v4(b) : IpAddress::v6(b));
  }
  const std::string long_name(300, 'a');
  const std::string long_target = text({"/", std::string(5000, 'p')});
  const std::string names[] = {"D1.Example.COM.", "x.y.d5.example.com", "nomatch.org", long_name};

  size_t matched = 0;
  CountAllocations counter;
  for (int round = 0; round < 10; ++round) {
    for (const IpAddress& ip : ips) matched += compiled.match_ip(ip).count;
    for (const std::string& name : names) matched += compiled.match_domain(name).count;
    matched += compiled.match_url("H3.example.com:8080", "/p?q=1").count;
    matched += compiled.match_url("h3.example.com", "/p?q=1").count;
    matched += compiled.match_url("x", "http://h4.example.com:8080/p?q=2#f").count;
    matched += compiled.match_url("h3.example.com", long_target).count;
  }
  EXPECT_EQ(counter.count(), 0u);
  EXPECT_GT(matched, 0u);
}

// The DIR-24-8 IPv4 layout (chosen for large sets; forced here on a small one): exact
// addresses split /24s into small and dense nodes, CIDRs cover whole /24s.
TEST(NoAllocation, Dir24LookupsDoNotAllocate) {
  std::mt19937_64 rng(11);
  std::vector<IpRule> rules;
  uint8_t b[4];
  for (uint32_t i = 0; i < 3000; ++i) {
    for (auto& x : b) x = static_cast<uint8_t>(rng());
    b[0] = 10;
    b[1] = static_cast<uint8_t>(i % 7);  // crowded /24s get the dense nodes
    rules.push_back({Cidr{IpAddress::v4(b), 32}, i});
  }
  b[0] = 172, b[1] = 16, b[2] = 0, b[3] = 0;
  rules.push_back({Cidr{IpAddress::v4(b), 12}, 3000});
  const IpTable table(rules, 1);
  ASSERT_TRUE(table.v4_dir24().built());
  std::vector<IpAddress> ips;
  for (int i = 0; i < 1000; ++i) {
    for (auto& x : b) x = static_cast<uint8_t>(rng());
    b[0] = i % 3 == 0 ? 10 : i % 3 == 1 ? 172 : b[0];
    b[1] = i % 3 == 0 ? static_cast<uint8_t>(i % 7) : i % 3 == 1 ? 20 : b[1];
    ips.push_back(IpAddress::v4(b));
  }
  for (const IpRule& r : rules) ips.push_back(r.cidr.network);
  size_t matched = 0;
  CountAllocations counter;
  for (int round = 0; round < 10; ++round)
    for (const IpAddress& ip : ips) matched += table.match(ip).count;
  EXPECT_EQ(counter.count(), 0u);
  EXPECT_GT(matched, 3001u * 10);
}

}  // namespace
}  // namespace tripline
