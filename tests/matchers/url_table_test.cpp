// URL matching: exact cases and a differential test against a regex-based reference.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "core/rule_set.hpp"
#include "matchers/compiled_rules.hpp"
#include "matchers/url_table.hpp"

namespace tripline {
namespace {

void add(RuleSet& rules, IndicatorType type, const std::string& normalized) {
  Indicator i;
  i.type = type;
  i.value = "http://" + normalized;
  i.normalized = normalized;
  rules.add(std::move(i), IndicatorMeta{});
}

std::vector<uint32_t> ids(IdSpan span) { return {span.begin(), span.end()}; }

TEST(UrlTable, ExactCases) {
  RuleSet rules;
  add(rules, IndicatorType::kUrl, "example.com/path?q=1");    // 0
  add(rules, IndicatorType::kUrl, "example.com/path");        // 1
  add(rules, IndicatorType::kUrl, "example.com:8080/admin");  // 2
  add(rules, IndicatorType::kUrl, "example.com/admin");       // 3
  add(rules, IndicatorType::kUrl, "example.com/Case");        // 4
  add(rules, IndicatorType::kUrl, "example.com/path?q=1");    // 5: same key as 0
  add(rules, IndicatorType::kUrl, "[2001:db8::1]:8443/x");    // 6
  add(rules, IndicatorType::kUrl, "EXAMPLE.org:80/root");     // 7: normalized at compile
  add(rules, IndicatorType::kUrl, "example.net");             // 8: becomes example.net/
  CompiledRules compiled(rules);
  EXPECT_TRUE(compiled.has_urls());

  EXPECT_EQ(ids(compiled.match_url("example.com", "/path?q=1")), (std::vector<uint32_t>{0, 5}));
  EXPECT_EQ(ids(compiled.match_url("Example.COM.", "/path?q=1")), (std::vector<uint32_t>{0, 5}));
  EXPECT_EQ(ids(compiled.match_url("example.com:80", "/path?q=1")), (std::vector<uint32_t>{0, 5}));
  EXPECT_EQ(ids(compiled.match_url("example.com:443", "/path?q=1#f")),
            (std::vector<uint32_t>{0, 5}));
  EXPECT_EQ(ids(compiled.match_url("example.com", "/path?q=2")), std::vector<uint32_t>{1});
  EXPECT_EQ(ids(compiled.match_url("example.com", "/path")), std::vector<uint32_t>{1});
  EXPECT_TRUE(compiled.match_url("example.com", "/path/more").empty());
  EXPECT_TRUE(compiled.match_url("example.com", "/Path").empty());
  EXPECT_EQ(ids(compiled.match_url("example.com", "/Case")), std::vector<uint32_t>{4});
  EXPECT_TRUE(compiled.match_url("example.com", "/case").empty());
  // An indicator with a port matches only that port; one without matches any port.
  EXPECT_EQ(ids(compiled.match_url("example.com:8080", "/admin")), std::vector<uint32_t>{2});
  EXPECT_EQ(ids(compiled.match_url("example.com:8081", "/admin")), std::vector<uint32_t>{3});
  EXPECT_EQ(ids(compiled.match_url("example.com", "/admin")), std::vector<uint32_t>{3});
  EXPECT_EQ(ids(compiled.match_url("example.com:8080", "/path")), std::vector<uint32_t>{1});
  // Absolute-form: the host comes from the target.
  EXPECT_EQ(ids(compiled.match_url("ignored", "HTTP://Example.com:8080/admin?x")),
            std::vector<uint32_t>{2});
  EXPECT_EQ(ids(compiled.match_url("", "http://user@example.com/path")), std::vector<uint32_t>{1});
  EXPECT_EQ(ids(compiled.match_url("", "http://example.net")), std::vector<uint32_t>{8});
  EXPECT_EQ(ids(compiled.match_url("[2001:DB8::1]:8443", "/x")), std::vector<uint32_t>{6});
  EXPECT_TRUE(compiled.match_url("[2001:db8::1]", "/x").empty());
  EXPECT_EQ(ids(compiled.match_url("example.org", "/root")), std::vector<uint32_t>{7});
  EXPECT_EQ(ids(compiled.match_url("example.net", "")), std::vector<uint32_t>{8});
  // No path to match, or no host.
  EXPECT_TRUE(compiled.match_url("example.com", "*").empty());
  EXPECT_TRUE(compiled.match_url("example.com", "example.com:443").empty());
  EXPECT_TRUE(compiled.match_url("", "/path").empty());
  // Over the limits.
  EXPECT_TRUE(compiled.match_url("example.com", "/path?" + std::string(5000, 'a')).empty());
  EXPECT_TRUE(compiled.match_url(std::string(400, 'a'), "/path").empty());
}

TEST(UrlTable, NormalizeKey) {
  EXPECT_EQ(UrlTable::normalize_key("Example.COM:80/P?Q#frag"), "example.com/P?Q");
  EXPECT_EQ(UrlTable::normalize_key("example.com:8080"), "example.com:8080/");
  EXPECT_EQ(UrlTable::normalize_key("example.com?q"), "example.com/?q");
  EXPECT_EQ(UrlTable::normalize_key("[2001:db8::1]:443/a"), "[2001:db8::1]/a");
}

// ---- differential -------------------------------------------------------------------------

using Reference = std::map<std::string, std::vector<uint32_t>>;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::vector<uint32_t> reference(const Reference& ref, const std::string& host_header,
                                const std::string& target) {
  static const std::regex absolute(R"(^([A-Za-z][A-Za-z0-9+.-]{0,15})://([^/?#]*)(.*)$)");
  static const std::regex host_port(R"(^(\[[^\]]*\]|[^:]*)(?::([^:]*))?$)");
  std::string authority = host_header;
  std::string path = target;
  std::smatch m;
  if (std::regex_match(target, m, absolute)) {
    authority = m[2];
    path = m[3];
    if (const size_t at = authority.rfind('@'); at != std::string::npos)
      authority = authority.substr(at + 1);
  } else if (!target.empty() && target[0] != '/') {
    return {};
  }
  if (authority.size() > UrlTable::kMaxHost || path.size() > UrlTable::kMaxTarget) return {};
  path = path.substr(0, path.find('#'));
  if (path.empty() || path[0] != '/') path = "/" + path;
  std::string host = authority, port;
  if (std::regex_match(authority, m, host_port)) {
    host = m[1];
    port = m[2];
  }
  if (!host.empty() && host.back() == '.') host.pop_back();
  if (host.empty()) return {};
  host = lower(host);
  std::vector<std::string> heads;
  const bool numeric = !port.empty() && port.size() <= 5 &&
                       port.find_first_not_of("0123456789") == std::string::npos;
  if (numeric && std::stoi(port) != 80 && std::stoi(port) != 443)
    heads.push_back(host + ":" + port);
  heads.push_back(host);
  for (const std::string& head : heads) {
    if (auto it = ref.find(head + path); it != ref.end()) return it->second;
    if (auto it = ref.find(head + path.substr(0, path.find('?'))); it != ref.end())
      return it->second;
  }
  return {};
}

std::string pick(std::mt19937_64& rng, const std::vector<std::string>& from) {
  return from[rng() % from.size()];
}

std::string mangle_case(std::mt19937_64& rng, std::string s) {
  for (char& c : s)
    if (rng() % 3 == 0) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

void run_differential(uint64_t seed, size_t rule_count, size_t query_count) {
  std::mt19937_64 rng(seed);
  const std::vector<std::string> hosts = {"example.com", "a.example.com", "evil.net",
                                          "192.0.2.7",   "[2001:db8::7]", "x-1.io"};
  const std::vector<std::string> segments = {"a", "B", "login", "Admin", "x.php", "c%20d"};
  const std::vector<std::string> queries = {"id=1", "ID=1", "q=a&b=c", "", "x"};
  const std::vector<std::string> ports = {"", ":8080", ":81"};
  auto random_path = [&] {
    std::string p;
    for (size_t k = rng() % 3; k > 0; --k) p += "/" + pick(rng, segments);
    return p.empty() ? std::string("/") : p;
  };

  RuleSet rules;
  Reference ref;
  std::vector<std::string> hostports, paths;  // parallel, one per indicator
  for (size_t n = 0; n < rule_count; ++n) {
    std::string hp = pick(rng, hosts) + (rng() % 4 == 0 ? pick(rng, ports) : "");
    std::string path = random_path();
    if (rng() % 3 == 0) path += "?" + pick(rng, queries);
    if (!paths.empty() && rng() % 10 == 0) {
      hp = hostports[rng() % hostports.size()];
      path = paths[rng() % paths.size()];
    }
    hostports.push_back(hp);
    paths.push_back(path);
    ref[hp + path].push_back(static_cast<uint32_t>(n));
    add(rules, IndicatorType::kUrl, hp + path);
  }
  CompiledRules compiled(rules);

  size_t hits = 0;
  const std::vector<std::string> wire_ports = {"", "", ":80", ":443", ":8080", ":81", ":abc", ":"};
  for (size_t n = 0; n < query_count; ++n) {
    const size_t k = rng() % paths.size();
    std::string host = hostports[k];
    if (const size_t colon = host.rfind(':'); colon != std::string::npos && host.back() != ']')
      host.resize(colon);
    if (rng() % 8 == 0) host = pick(rng, hosts);
    host = mangle_case(rng, host);
    if (rng() % 8 == 0) host += ".";
    host += pick(rng, wire_ports);
    std::string target = rng() % 4 == 0 ? random_path() : paths[k];
    const unsigned q = rng() % 6;
    if (q == 0) target = target.substr(0, target.find('?')) + "?" + pick(rng, queries);
    if (q == 1) target = target.substr(0, target.find('?'));
    if (rng() % 10 == 0) target += "#frag";
    std::string header = host;
    if (rng() % 5 == 0) {
      target = (rng() % 2 ? "http://" : "HTTPS://") + std::string(rng() % 4 ? "" : "u:p@") + host +
               (target == "/" && rng() % 2 ? "" : target);
      header = rng() % 2 ? "" : "other.example";
    }
    const std::vector<uint32_t> expected = reference(ref, header, target);
    ASSERT_EQ(ids(compiled.match_url(header, target)), expected)
        << "seed " << seed << " host " << header << " target " << target;
    hits += !expected.empty();
  }
  EXPECT_GT(hits, query_count / 4);
  EXPECT_LT(hits, query_count);
}

TEST(UrlTableDifferential, Small) { run_differential(1, 10, 3000); }
TEST(UrlTableDifferential, Medium) { run_differential(2, 400, 20000); }
TEST(UrlTableDifferential, ManySeeds) {
  for (uint64_t seed = 10; seed < 30; ++seed) run_differential(seed, 50, 1000);
}

}  // namespace
}  // namespace tripline
