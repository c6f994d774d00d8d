// SignatureConfirmer: table-driven cases per keyword, written as real rules, and a differential
// test of content chains against a brute-force reference over all match positions.
#include "matchers/signature_confirm.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <string>
#include <vector>

#include "core/loaders.hpp"
#include "core/rule_set.hpp"
#include "core/rule_vars.hpp"

namespace tripline {
namespace {

RuleSet load(const std::string& text) {
  RuleSet rules;
  load_suricata_rules(text, "test.rules", RuleVars::suricata_defaults(), rules);
  for (const Diagnostic& d : rules.diagnostics()) ADD_FAILURE() << d.to_string();
  return rules;
}

IpAddress ip(const char* text) { return *parse_ip(text); }

// An HTTP request from $HOME_NET to the outside, on an established flow.
SignatureContext request(std::string_view payload, std::string_view uri = {}) {
  SignatureContext ctx;
  ctx.transport = Transport::kTcp;
  ctx.app = AppProto::kHttp;
  ctx.src = ip("192.168.1.10");
  ctx.dst = ip("8.8.8.8");
  ctx.src_port = 40000;
  ctx.dst_port = 80;
  ctx.direction = FlowDirection::kToServer;
  ctx.established = true;
  ctx.payload_is_stream = true;  // TCP payload: a whole reassembled stream
  ctx.buffer(SigBuffer::kPacket) = payload;
  ctx.buffer(SigBuffer::kHttpUri) = uri;
  return ctx;
}

bool confirm(const std::string& rule, const SignatureContext& ctx) {
  const RuleSet rules = load(rule);
  if (rules.signatures().size() != 1) {
    ADD_FAILURE() << "not loaded: " << rule;
    return false;
  }
  const SignatureConfirmer confirmer(rules.signatures());
  for (const Diagnostic& d : confirmer.diagnostics()) ADD_FAILURE() << d.to_string();
  ConfirmScratch scratch;
  return confirmer.confirm(0, ctx, scratch);
}

struct BodyCase {
  const char* options;  // rule options before sid
  const char* payload;
  bool expected;
};

TEST(SignatureConfirm, ContentAndPcreKeywords) {
  const BodyCase cases[] = {
      {R"(content:"abc";)", "xxabcxx", true},
      {R"(content:"abc";)", "xxabxcx", false},
      {R"(content:"|41 42|c";)", "xABc", true},
      {R"(content:"ABC";)", "xabc", false},
      {R"(content:"ABC"; nocase;)", "xabc", true},
      // offset and depth: the window is [offset, offset + depth)
      {R"(content:"ab"; offset:2;)", "abab", true},
      {R"(content:"ab"; offset:3;)", "abab", false},
      {R"(content:"ab"; depth:3;)", "xab", true},
      {R"(content:"ab"; depth:3;)", "xxab", false},
      {R"(content:"ab"; offset:1; depth:2;)", "xab", true},
      {R"(content:"ab"; offset:1; depth:2;)", "xxab", false},
      {R"(content:"GET"; startswith;)", "GET /", true},
      {R"(content:"GET"; startswith;)", " GET /", false},
      {R"(content:"end"; endswith;)", "the end", true},
      {R"(content:"end"; endswith;)", "end the", false},
      {R"(content:"end"; endswith;)", "end end", true},  // a later occurrence ends the buffer
      // distance / within, from the end of the previous match
      {R"(content:"a"; content:"b"; distance:1; within:1;)", "ab", false},
      {R"(content:"a"; content:"b"; distance:1; within:1;)", "axb", true},
      {R"(content:"bc"; content:"a"; distance:-3; within:1;)", "abc", true},
      {R"(content:"a"; content:"b"; distance:0;)", "ba", false},
      // backtracking: the first "a" fails the within, a later one succeeds
      {R"(content:"a"; content:"b"; within:1;)", "axxab", true},
      {R"(content:"a"; content:"b"; within:1;)", "axxxxb", false},
      {R"(content:"a"; content:"b"; within:2; content:"c"; within:1;)", "ab.abc", true},
      {R"(content:"a"; content:"b"; within:2; content:"c"; within:1;)", "ab.ab.c", false},
      // negated content: absent within its window
      {R"(content:!"evil";)", "good", true},
      {R"(content:!"evil";)", "so evil", false},
      {R"(content:!"x"; depth:2;)", "abx", true},
      {R"(content:!"x"; depth:2;)", "xab", false},
      {R"(content:"a"; content:!"b"; within:1;)", "abac", true},  // retries "a" (within)
      {R"(content:"a"; content:!"b"; within:1;)", "abab", false},
      // Suricata retries only for a following `within` or pcre/R: with distance alone the
      // first "a" decides (a brute-force search would find the last "a").
      {R"(content:"a"; content:!"b"; distance:0;)", "abxa", false},
      {R"(content:"a"; content:!"b"; distance:0;)", "axa", true},
      {R"(content:!"end"; endswith;)", "end end", false},
      {R"(content:!"end"; endswith;)", "end x", true},
      // pcre, flags, negation, /R
      {R"(pcre:"/fo+bar/i";)", "xFOOOBAR", true},
      {R"(pcre:"/fo+bar/";)", "xFOOOBAR", false},
      {R"(pcre:"/^GET/";)", " GET", false},
      {R"(pcre:"/a.b/s";)", "a\nb", true},
      {R"(pcre:"/a.b/";)", "a\nb", false},
      {R"(pcre:"/^b$/m";)", "a\nb\nc", true},
      {R"(pcre:"/a b c/x";)", "abc", true},
      {R"(pcre:!"/admin/";)", "user", true},
      {R"(pcre:!"/admin/";)", "admin", false},
      {R"(content:"user="; pcre:"/^[a-z]+\x3b/R";)", "user=bob;", true},
      {R"(content:"user="; pcre:"/^[a-z]+\x3b/R";)", "user=123;", false},
      {R"(content:"user="; pcre:"/^[a-z]+\x3b/R";)", "user=1; user=bob;", true},
      {R"(content:"user="; pcre:"/[0-9]/R";)", "1 user=x", false},
      {R"(content:"a"; pcre:!"/^b/R";)", "abac", true},
      {R"(pcre:"/a.c/"; content:"d"; distance:0; within:1;)", "abcd", true},
      {R"(pcre:"/a.c/"; content:"d"; distance:0; within:1;)", "abcxadcd", true},  // pcre retry
      {R"(pcre:"/a.c/"; content:"d"; distance:0; within:1;)", "abcxd", false},
  };
  for (const BodyCase& c : cases) {
    const std::string rule = std::string("alert tcp any any -> any any (") + c.options + " sid:1;)";
    EXPECT_EQ(confirm(rule, request(c.payload)), c.expected) << rule << " on '" << c.payload << "'";
  }
}

TEST(SignatureConfirm, BuffersAreInspectedSeparately) {
  const std::string rule =
      R"(alert http any any -> any any (content:"POST"; http.uri; content:"/admin"; startswith; sid:1;))";
  EXPECT_TRUE(confirm(rule, request("POST /admin", "/admin/x")));
  EXPECT_FALSE(confirm(rule, request("POST /admin", "/x/admin")));
  EXPECT_FALSE(confirm(rule, request("POST /admin")));  // no uri buffer
  EXPECT_FALSE(confirm(rule, request("GET /admin", "/admin")));
  // Relative positions restart in every buffer.
  const std::string relative =
      R"(alert http any any -> any any (content:"xx"; http.uri; content:"/a"; distance:0; within:2; sid:1;))";
  EXPECT_TRUE(confirm(relative, request("xx", "/a")));
}

struct HeaderCase {
  const char* rule;
  std::function<void(SignatureContext&)> packet;
  bool expected;
};

TEST(SignatureConfirm, HeaderAndFlow) {
  auto none = [](SignatureContext&) {};
  auto packet_payload = [](SignatureContext& c) { c.payload_is_stream = false; };
  const HeaderCase cases[] = {
      {"alert tcp $HOME_NET any -> !$HOME_NET 80", none, true},
      {"alert tcp $HOME_NET any -> !$HOME_NET 80", [](auto& c) { c.dst = ip("10.1.2.3"); }, false},
      {"alert tcp $HOME_NET any -> !$HOME_NET 80", [](auto& c) { c.dst_port = 81; }, false},
      {"alert tcp $EXTERNAL_NET any -> $HOME_NET any", none, false},
      {"alert tcp any any -> any [1000:2000,!1500]", [](auto& c) { c.dst_port = 1500; }, false},
      {"alert tcp any any -> any [1000:2000,!1500]", [](auto& c) { c.dst_port = 1999; }, true},
      {"alert tcp any any -> any 1024:", [](auto& c) { c.dst_port = 1023; }, false},
      {"alert tcp any !40000 -> any any", none, false},
      // <>: either direction
      {"alert tcp 8.8.8.8 80 <> 192.168.1.10 any", none, true},
      {"alert tcp 8.8.8.8 80 -> 192.168.1.10 any", none, false},
      {"alert ip any any -> 2001:db8::/32 any", none, false},
      {"alert ip any any -> 2001:db8::/32 any",
       [](auto& c) {
         c.src = ip("2001:db8:1::1");
         c.dst = ip("2001:db8::5");
       },
       true},
      // protocols
      {"alert udp any any -> any any", none, false},
      {"alert ip any any -> any any", none, true},
      {"alert http any any -> any any", none, true},
      {"alert http any any -> any any", [](auto& c) { c.app = AppProto::kUnknown; }, false},
      {"alert tls any any -> any any", none, false},
      {"alert ip any any -> any 80", [](auto& c) { c.transport = Transport::kIcmp; },
       false},  // no ports on ICMP
      // TCP payload: the stream, for tcp and tcp-stream rules; one packet's, for tcp-pkt rules
      {"alert tcp any any -> any any", packet_payload, false},
      {"alert tcp-stream any any -> any any", packet_payload, false},
      {"alert tcp-stream any any -> any any", none, true},
      {"alert tcp-pkt any any -> any any", none, false},
      {"alert tcp-pkt any any -> any any", packet_payload, true},
  };
  for (const HeaderCase& c : cases) {
    SignatureContext ctx = request("payload");
    c.packet(ctx);
    const std::string rule = std::string(c.rule) + " (content:\"pay\"; sid:1;)";
    EXPECT_EQ(confirm(rule, ctx), c.expected) << rule;
  }

  const std::string flow = R"(alert tcp any any -> any any (flow:to_server,established; sid:1;))";
  SignatureContext ctx = request("x");
  EXPECT_TRUE(confirm(flow, ctx));
  ctx.direction = FlowDirection::kToClient;
  EXPECT_FALSE(confirm(flow, ctx));
  ctx = request("x");
  ctx.established = false;
  EXPECT_FALSE(confirm(flow, ctx));
  ctx.direction = FlowDirection::kNone;
  EXPECT_FALSE(confirm(R"(alert tcp any any -> any any (flow:to_client; sid:1;))", ctx));
  EXPECT_TRUE(confirm(R"(alert tcp any any -> any any (sid:1;))", ctx));
}

TEST(SignatureConfirm, StepLimitStopsBacktracking) {
  const RuleSet rules = load(
      R"(alert tcp any any -> any any (content:"a"; content:"a"; within:8; content:"a"; within:8; content:"a"; within:8; content:"c"; within:1; sid:1;))");
  const SignatureConfirmer small(rules.signatures(), 200);
  const SignatureConfirmer large(rules.signatures());
  ConfirmScratch scratch;
  const std::string many(64, 'a');
  EXPECT_FALSE(small.confirm(0, request(many), scratch));
  EXPECT_EQ(scratch.step_limit_hits, 1u);
  EXPECT_TRUE(large.confirm(0, request("aaaac"), scratch));
  EXPECT_EQ(scratch.step_limit_hits, 1u);
}

TEST(SignatureConfirm, BadPcreIsReportedAndNeverMatches) {
  const RuleSet rules = load(R"(alert tcp any any -> any any (pcre:"/a(b/"; sid:7;))");
  const SignatureConfirmer confirmer(rules.signatures());
  ASSERT_EQ(confirmer.diagnostics().size(), 1u);
  EXPECT_EQ(confirmer.diagnostics()[0].rule_id, "7");
  EXPECT_NE(confirmer.diagnostics()[0].message.find("pcre '/a(b/' does not compile"),
            std::string::npos);
  ConfirmScratch scratch;
  EXPECT_FALSE(confirmer.confirm(0, request("a(b"), scratch));
}

// ---- Differential: content chains vs. brute force over every assignment of positions ----

struct RefContent {
  std::string bytes;
  bool nocase = false, endswith = false;
  bool relative = false;
  std::optional<int> offset, depth, distance, within;
};

bool equal_at(std::string_view buf, size_t at, const RefContent& c) {
  for (size_t k = 0; k < c.bytes.size(); ++k) {
    char a = buf[at + k], b = c.bytes[k];
    if (c.nocase) {
      a = static_cast<char>(std::tolower(static_cast<unsigned char>(a)));
      b = static_cast<char>(std::tolower(static_cast<unsigned char>(b)));
    }
    if (a != b) return false;
  }
  return true;
}

// True when contents[i..] can all be placed, content i relative to `prev_end`.
bool reference(const std::vector<RefContent>& contents, size_t i, std::string_view buf,
               long prev_end) {
  if (i == contents.size()) return true;
  const RefContent& c = contents[i];
  const long len = static_cast<long>(buf.size()), n = static_cast<long>(c.bytes.size());
  for (long at = 0; at + n <= len; ++at) {
    const long end = at + n;
    if (c.relative) {
      const long d = c.distance.value_or(0);
      if (at < std::max(0L, prev_end + d)) continue;
      if (c.within && end > prev_end + d + *c.within) continue;
    } else {
      if (at < c.offset.value_or(0)) continue;
      if (c.depth && end > c.offset.value_or(0) + *c.depth) continue;
    }
    if (c.endswith && end != len) continue;
    if (equal_at(buf, static_cast<size_t>(at), c) && reference(contents, i + 1, buf, end))
      return true;
  }
  return false;
}

TEST(SignatureConfirm, DifferentialAgainstBruteForce) {
  std::mt19937 rng(12345);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const char alphabet[] = "abAB";
  auto random_text = [&](int n) {
    std::string s;
    for (int k = 0; k < n; ++k) s.push_back(alphabet[pick(0, 3)]);
    return s;
  };

  constexpr int kRules = 400, kBuffersPerRule = 50;
  int matched = 0;
  for (int r = 0; r < kRules; ++r) {
    std::vector<RefContent> contents(static_cast<size_t>(pick(1, 4)));
    std::string options;
    for (RefContent& c : contents) {
      c.bytes = random_text(pick(1, 3));
      options += "content:\"" + c.bytes + "\"; ";
      if (pick(0, 1)) {
        c.nocase = true;
        options += "nocase; ";
      }
      const int n = static_cast<int>(c.bytes.size());
      c.relative = pick(0, 1) == 1;
      if (c.relative) {
        if (pick(0, 2) > 0) c.distance = pick(-3, 4);
        if (!c.distance || pick(0, 1)) c.within = n + pick(0, 5);
        if (c.distance) options += "distance:" + std::to_string(*c.distance) + "; ";
        if (c.within) options += "within:" + std::to_string(*c.within) + "; ";
      } else {
        if (pick(0, 1)) c.offset = pick(0, 6);
        if (pick(0, 1)) c.depth = n + pick(0, 6);
        if (c.offset) options += "offset:" + std::to_string(*c.offset) + "; ";
        if (c.depth) options += "depth:" + std::to_string(*c.depth) + "; ";
      }
      if (pick(0, 9) == 0) {
        c.endswith = true;
        options += "endswith; ";
      }
    }
    const std::string rule = "alert tcp any any -> any any (" + options + "sid:1;)";
    const RuleSet rules = load(rule);
    ASSERT_EQ(rules.signatures().size(), 1u) << rule;
    const SignatureConfirmer confirmer(rules.signatures());
    ConfirmScratch scratch;
    for (int b = 0; b < kBuffersPerRule; ++b) {
      const std::string buf = random_text(pick(1, 20));
      const bool want = reference(contents, 0, buf, 0);
      matched += want;
      ASSERT_EQ(confirmer.confirm(0, request(buf), scratch), want) << rule << " on '" << buf << "'";
    }
    EXPECT_EQ(scratch.step_limit_hits, 0u);
  }
  EXPECT_GT(matched, kRules * kBuffersPerRule / 20);  // the generator is not all misses
}

}  // namespace
}  // namespace tripline
