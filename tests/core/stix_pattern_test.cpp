// STIX patterns: the grammar (accepted shapes, exact diagnostics for everything refused) and the
// translation into indicators and signatures.
#include "core/stix_pattern.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/stix_translate.hpp"

namespace tripline {
namespace {

using Strings = std::vector<std::string>;

// "type normalized" per indicator.
Strings indicators(const StixTranslation& t) {
  Strings out;
  for (const auto& i : t.indicators)
    out.push_back(std::string(to_string(i.type)) + " " + i.normalized);
  return out;
}

std::string ports_text(const PortSet& p) {
  if (p.any) return "any";
  std::string out;
  for (const PortRange& r : p.ranges) {
    if (!out.empty()) out += ',';
    out += std::to_string(r.first);
    if (r.last != r.first) out += ":" + std::to_string(r.last);
  }
  return out;
}

std::string addresses_text(const AddressSet& a) {
  if (a.any) return "any";
  std::string out;
  for (const Cidr& c : a.cidrs) out += (out.empty() ? "" : ",") + to_string(c);
  return out;
}

// "proto src sports <>|-> dst dports [buffer /pcre/flags]" per signature.
Strings signatures(const StixTranslation& t) {
  Strings out;
  for (const Signature& s : t.signatures) {
    const char* protos[] = {"ip", "tcp", "udp", "icmp", "dns", "tls", "http"};
    std::string line = std::string(protos[static_cast<int>(s.proto)]) + " " +
                       addresses_text(s.src) + " " + ports_text(s.src_ports) +
                       (s.bidirectional ? " <> " : " -> ") + addresses_text(s.dst) + " " +
                       ports_text(s.dst_ports);
    for (const SigMatch& m : s.matches) {
      const auto& p = std::get<PcreMatch>(m.m);
      line += " " + std::string(to_string(m.buffer)) + " /" + p.pattern + "/" + p.flags;
    }
    out.push_back(line);
  }
  return out;
}

TEST(StixPattern, ParsesNestedStructure) {
  const auto r = parse_stix_pattern(
      "([ipv4-addr:value = '198.51.100.1' OR (domain-name:value = 'a.example' AND "
      "network-traffic:dst_port = 53)]) OR [url:value = 'http://x.example/it\\'s']");
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(r.pattern.kind, StixNode::kOr);
  ASSERT_EQ(r.pattern.children.size(), 2u);
  const StixNode& first = r.pattern.children[0];
  ASSERT_EQ(first.kind, StixNode::kObservation);
  ASSERT_EQ(first.children[0].kind, StixNode::kOr);
  EXPECT_EQ(first.children[0].children[1].kind, StixNode::kAnd);
  const StixNode& url = r.pattern.children[1].children[0];
  ASSERT_EQ(url.kind, StixNode::kComparison);
  EXPECT_EQ(url.comparison.path, StixPath::kUrl);
  EXPECT_EQ(std::get<std::string>(url.comparison.values[0]), "http://x.example/it's");
}

TEST(StixPattern, BadPatternsHaveExactDiagnostics) {
  const struct {
    const char* pattern;
    const char* error;
    bool unsupported;
  } cases[] = {
      {"", "empty pattern", false},
      {"   ", "empty pattern", false},
      {"[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']",
       "unsupported object path 'file:hashes.MD5'", true},
      {"[file:hashes.'SHA-256' = 'aa']", "unsupported object path 'file:hashes.'SHA-256''", true},
      {"[email-addr:value = 'a@example.com']", "unsupported object path 'email-addr:value'", true},
      {"[network-traffic:dst_ref.type = 'ipv4-addr']",
       "unsupported object path 'network-traffic:dst_ref.type'", true},
      {"[ipv4-addr:value = '1.2.3.4'] FOLLOWEDBY [ipv4-addr:value = '1.2.3.5']",
       "FOLLOWEDBY is not supported", true},
      {"[ipv4-addr:value = '1.2.3.4'] WITHIN 300 SECONDS", "qualifier WITHIN is not supported",
       true},
      {"[ipv4-addr:value = '1.2.3.4'] REPEATS 5 TIMES", "qualifier REPEATS is not supported", true},
      {"[ipv4-addr:value = '1.2.3.4'] START t'2016-06-01T00:00:00Z' STOP "
       "t'2016-07-01T00:00:00Z'",
       "qualifier START is not supported", true},
      {"[NOT ipv4-addr:value = '1.2.3.4']", "NOT is not supported", true},
      {"[ipv4-addr:value NOT = '1.2.3.4']", "NOT is not supported", true},
      {"[EXISTS ipv4-addr:value]", "EXISTS is not supported", true},
      {"[network-traffic:dst_port > 1024]", "operator '>' is not supported", true},
      {"[network-traffic:dst_port <= 1024]", "operator '<=' is not supported", true},
      {"[ipv4-addr:value ISSUPERSET '1.2.3.4']", "operator ISSUPERSET is not supported", true},
      {"[file:size = 1.5]", "unsupported object path 'file:size'", true},
      {"[network-traffic:dst_port = 1.5]", "float literal is not supported", true},
      {"[domain-name:value = h'00']", "hex literal is not supported", true},
      {"[domain-name:value = b'AA==']", "binary literal is not supported", true},
      {"[domain-name:value = true]", "boolean literal is not supported", true},
      {"ipv4-addr:value = '1.2.3.4'", "expected '[' or '(' at offset 0", false},
      {"[ipv4-addr:value = '1.2.3.4'", "expected ']' at offset 28", false},
      {"[ipv4-addr:value = '1.2.3.4]", "unterminated string at offset 19", false},
      {"[ipv4-addr:value '1.2.3.4']", "expected comparison operator at offset 17", false},
      {"[ipv4-addr:value = ]", "expected string or integer at offset 19", false},
      {"[= '1.2.3.4']", "expected object path at offset 1", false},
      {"[ipv4-addr:value = 'a\\x']", "invalid escape '\\x' at offset 21", false},
      {"[ipv4-addr:value IN '1.2.3.4']", "expected '(' at offset 20", false},
      {"[ipv4-addr:value = '1.2.3.4'] [ipv4-addr:value = '1.2.3.5']", "unexpected '[' at offset 30",
       false},
      {"[ipv4-addr:value = '1.2.3.4'] or [ipv4-addr:value = '1.2.3.5']",
       "unexpected 'or' at offset 30", false},
      {"[network-traffic:dst_port = 99999999999999999999]", "integer out of range at offset 28",
       false},
  };
  for (const auto& c : cases) {
    const auto r = parse_stix_pattern(c.pattern);
    EXPECT_FALSE(r.ok) << c.pattern;
    EXPECT_EQ(r.error, c.error) << c.pattern;
    EXPECT_EQ(r.unsupported, c.unsupported) << c.pattern;
  }
}

TEST(StixPattern, DeepNestingIsRefused) {
  const std::string deep =
      std::string(200, '(') + "[ipv4-addr:value = '1.2.3.4']" + std::string(200, ')');
  const auto r = parse_stix_pattern(deep);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error.substr(0, 25), "pattern nested too deeply");
}

// ---------------------------------------------------------------- translation

TEST(StixTranslate, ValueComparisonsBecomeIndicators) {
  const struct {
    const char* pattern;
    Strings indicators;
  } cases[] = {
      {"[ipv4-addr:value = '198.51.100.7']", {"ip 198.51.100.7"}},
      {"[ipv4-addr:value = '198.51.100.0/24']", {"cidr 198.51.100.0/24"}},
      {"[ipv4-addr:value ISSUBSET '198.51.100.9/24']", {"cidr 198.51.100.0/24"}},
      {"[ipv6-addr:value = '2001:DB8::1']", {"ip 2001:db8::1"}},
      {"[ipv4-addr:value IN ('192.0.2.1', '192.0.2.2')]", {"ip 192.0.2.1", "ip 192.0.2.2"}},
      {"[domain-name:value = 'Evil.Example.']", {"domain evil.example"}},
      {"[domain-name:value LIKE '%.evil.example']", {"domain evil.example"}},
      {"[domain-name:value LIKE 'evil.example']", {"domain evil.example"}},
      {"[url:value = 'http://Evil.Example/a?b=1']", {"url evil.example/a?b=1"}},
      {"[ipv4-addr:value = '192.0.2.1'] OR [domain-name:value = 'a.example' OR "
       "url:value = 'https://b.example/x']",
       {"ip 192.0.2.1", "domain a.example", "url b.example/x"}},
  };
  for (const auto& c : cases) {
    const auto t = compile_stix_pattern(c.pattern);
    ASSERT_TRUE(t.ok) << c.pattern << ": " << t.error;
    EXPECT_EQ(indicators(t), c.indicators) << c.pattern;
    EXPECT_TRUE(t.signatures.empty()) << c.pattern;
  }
}

TEST(StixTranslate, ComparisonsOnOneFlowBecomeSignatures) {
  const struct {
    const char* pattern;
    Strings signatures;
  } cases[] = {
      {"[network-traffic:dst_ref.value = '198.51.100.7' AND network-traffic:dst_port = 443]",
       {"ip any any -> 198.51.100.7/32 443"}},
      {"[network-traffic:src_ref.value = '10.0.0.0/8' AND network-traffic:dst_ref.value = "
       "'192.0.2.1' AND network-traffic:dst_port IN (80, 8080) AND "
       "network-traffic:protocols[*] = 'tcp']",
       {"tcp 10.0.0.0/8 any -> 192.0.2.1/32 80,8080"}},
      {"[network-traffic:dst_ref.value = '192.0.2.1' AND network-traffic:dst_port != 80]",
       {"ip any any -> 192.0.2.1/32 0:79,81:65535"}},
      {"[network-traffic:dst_ref.value = '192.0.2.1']", {"ip any any -> 192.0.2.1/32 any"}},
      // Either side: the address as the client and as the server of the port.
      {"[ipv4-addr:value = '192.0.2.1' AND network-traffic:dst_port = 8080]",
       {"ip 192.0.2.1/32 any <> any 8080", "ip any any <> 192.0.2.1/32 8080"}},
      {"[ipv4-addr:value = '192.0.2.1' AND network-traffic:protocols[*] = 'udp']",
       {"udp 192.0.2.1/32 any <> any any"}},
      {"[url:value MATCHES '^/gate\\\\.php\\\\?id=[0-9]+$']",
       {"ip any any -> any any http.uri /^/gate\\.php\\?id=[0-9]+$/"}},
      {"[domain-name:value MATCHES '^[a-z]{16}\\\\.example$']",
       {"ip any any -> any any dns.query /^[a-z]{16}\\.example$/i",
        "ip any any -> any any tls.sni /^[a-z]{16}\\.example$/i",
        "ip any any -> any any http.host /^[a-z]{16}\\.example$/i"}},
      {"[domain-name:value LIKE 'cdn_.evil%.example']",
       {"ip any any -> any any dns.query /^cdn.\\.evil.*\\.example$/i",
        "ip any any -> any any tls.sni /^cdn.\\.evil.*\\.example$/i",
        "ip any any -> any any http.host /^cdn.\\.evil.*\\.example$/i"}},
      {"[domain-name:value = 'evil.example' AND network-traffic:dst_port = 853]",
       {"ip any any -> any 853 dns.query /^(?:.*\\.)?(?:evil\\.example)$/i",
        "ip any any -> any 853 tls.sni /^(?:.*\\.)?(?:evil\\.example)$/i",
        "ip any any -> any 853 http.host /^(?:.*\\.)?(?:evil\\.example)$/i"}},
  };
  for (const auto& c : cases) {
    const auto t = compile_stix_pattern(c.pattern);
    ASSERT_TRUE(t.ok) << c.pattern << ": " << t.error;
    EXPECT_TRUE(t.indicators.empty()) << c.pattern;
    EXPECT_EQ(signatures(t), c.signatures) << c.pattern;
  }
}

TEST(StixTranslate, AlternativesMixIndicatorsAndSignatures) {
  const auto t = compile_stix_pattern(
      "[ipv4-addr:value = '192.0.2.1' OR (network-traffic:dst_ref.value = '192.0.2.2' AND "
      "network-traffic:dst_port = 22)]");
  ASSERT_TRUE(t.ok) << t.error;
  EXPECT_EQ(indicators(t), (Strings{"ip 192.0.2.1"}));
  EXPECT_EQ(signatures(t), (Strings{"ip any any -> 192.0.2.2/32 22"}));
}

TEST(StixTranslate, UntranslatablePatternsHaveExactDiagnostics) {
  const struct {
    const char* pattern;
    const char* error;
    bool unsupported;
  } cases[] = {
      {"[ipv4-addr:value = '192.0.2.1'] AND [domain-name:value = 'a.example']",
       "observations joined by AND cannot hold on one flow", true},
      {"[network-traffic:dst_port = 443]", "ports and protocols alone are not an indicator", true},
      {"[ipv4-addr:value != '192.0.2.1']", "operator != is not supported on ipv4-addr:value", true},
      {"[ipv4-addr:value LIKE '192.%']", "operator LIKE is not supported on ipv4-addr:value", true},
      {"[domain-name:value ISSUBSET 'a.example']",
       "operator ISSUBSET is not supported on domain-name:value", true},
      {"[domain-name:value != 'a.example']", "operator != is not supported on domain-name:value",
       true},
      {"[url:value LIKE 'http://a.example/%']", "url:value LIKE with wildcards cannot be matched",
       true},
      {"[url:value = 'http://a.example/' AND network-traffic:dst_port = 80]",
       "url:value = combined with other comparisons is not supported", true},
      {"[network-traffic:dst_ref.value = '192.0.2.1' AND network-traffic:dst_ref.value = "
       "'192.0.2.2']",
       "more than one comparison on network-traffic:dst_ref.value in one AND", true},
      {"[ipv4-addr:value = '192.0.2.1' AND network-traffic:dst_ref.value = '192.0.2.2']",
       "ipv4-addr/ipv6-addr:value with network-traffic:src_ref/dst_ref in one AND", true},
      {"[network-traffic:dst_ref.value = '192.0.2.1' AND network-traffic:protocols[*] = 'sctp']",
       "unsupported protocol 'sctp'", true},
      {"[network-traffic:dst_ref.value = '192.0.2.1' AND network-traffic:protocols[*] = 'tcp' "
       "AND network-traffic:protocols[*] = 'udp']",
       "conflicting protocols in one AND", true},
      {"[domain-name:value MATCHES 'a' AND url:value MATCHES 'b']",
       "more than one domain-name or url comparison in one AND", true},
      {"[ipv4-addr:value = '2001:db8::1']", "'2001:db8::1' is not an IPv4 address or CIDR", false},
      {"[ipv6-addr:value = '192.0.2.1']", "'192.0.2.1' is not an IPv6 address or CIDR", false},
      {"[ipv4-addr:value = '192.0.2.300']", "'192.0.2.300' is not an IPv4 address or CIDR", false},
      {"[network-traffic:dst_ref.value = 'evil.example']",
       "'evil.example' is not an IP address or CIDR", false},
      {"[ipv4-addr:value = 3232235777]", "ipv4-addr:value needs a string, got 3232235777", false},
      {"[domain-name:value = 'not a domain']", "'not a domain' is not a domain name", false},
      {"[url:value = '/only/a/path']", "'/only/a/path' is not a URL", false},
      {"[network-traffic:dst_ref.value = '192.0.2.1' AND network-traffic:dst_port = '443']",
       "network-traffic:dst_port needs an integer, got '443'", false},
      {"[network-traffic:dst_ref.value = '192.0.2.1' AND network-traffic:dst_port = 65536]",
       "port 65536 is out of range", false},
      {"[url:value MATCHES '']", "empty regular expression", false},
      // Found by stix_pattern_fuzzer: a lone '%' is a LIKE pattern, not '%.' plus a name.
      {"[domain-name:value LIKE '%'] OR [url:value LIKE '%']",
       "url:value LIKE with wildcards cannot be matched", true},
  };
  for (const auto& c : cases) {
    const auto t = compile_stix_pattern(c.pattern);
    EXPECT_FALSE(t.ok) << c.pattern;
    EXPECT_EQ(t.error, c.error) << c.pattern;
    EXPECT_EQ(t.unsupported, c.unsupported) << c.pattern;
    EXPECT_TRUE(t.indicators.empty() && t.signatures.empty()) << c.pattern;
  }
}

TEST(StixTranslate, TooManyAlternativesAreRefused) {
  // (a OR b) AND (c OR d) AND ... : 2^7 = 128 alternatives.
  std::string p = "[";
  for (int i = 0; i < 7; ++i) {
    if (i) p += " AND ";
    p += "(network-traffic:dst_port = " + std::to_string(i) +
         " OR network-traffic:src_port = " + std::to_string(i) + ")";
  }
  p += "]";
  const auto t = compile_stix_pattern(p);
  EXPECT_FALSE(t.ok);
  EXPECT_EQ(t.error, "pattern has more than 64 alternatives");
}

}  // namespace
}  // namespace tripline
