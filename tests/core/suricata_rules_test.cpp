// Suricata/Snort rule loader and rule variables: parsed fields of good rules, exact diagnostics
// for bad ones, address/port resolution, and the shared ET and Mandiant files with exact tallies.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "core/loaders.hpp"
#include "core/rule_vars.hpp"
#include "tests/test_support.hpp"

namespace tripline {
namespace {

using Strings = std::vector<std::string>;

RuleSet load(std::string_view text, const RuleVars& vars = RuleVars::suricata_defaults()) {
  RuleSet rules;
  load_suricata_rules(text, "t.rules", vars, rules);
  return rules;
}

Strings diagnostics(const RuleSet& rules) {
  Strings out;
  for (const auto& d : rules.diagnostics()) out.push_back(d.to_string());
  return out;
}

std::string describe(const AddressSet& s) {
  std::string out = s.any ? "any:" : "";
  for (const Cidr& c : s.cidrs) out += (out.empty() || out == "any:" ? "" : ",") + to_string(c);
  return out;
}

std::string describe(const PortSet& s) {
  std::string out = s.any ? "any:" : "";
  for (const PortRange& r : s.ranges) {
    if (!out.empty() && out != "any:") out += ",";
    out += std::to_string(r.first);
    if (r.last != r.first) out += "-" + std::to_string(r.last);
  }
  return out;
}

// One line per match: "buffer content|pcre [!]value modifiers...".
Strings describe_matches(const Signature& sig) {
  Strings out;
  for (const SigMatch& m : sig.matches) {
    std::string s(to_string(m.buffer));
    if (const auto* c = std::get_if<ContentMatch>(&m.m)) {
      s += " content " + std::string(c->negated ? "!" : "") + "\"" + c->bytes + "\"";
      if (c->nocase) s += " nocase";
      if (c->startswith) s += " startswith";
      if (c->endswith) s += " endswith";
      if (c->fast_pattern) s += " fast_pattern";
      if (c->offset) s += " offset " + std::to_string(*c->offset);
      if (c->depth) s += " depth " + std::to_string(*c->depth);
      if (c->distance) s += " distance " + std::to_string(*c->distance);
      if (c->within) s += " within " + std::to_string(*c->within);
    } else {
      const auto& p = std::get<PcreMatch>(m.m);
      s += " pcre " + std::string(p.negated ? "!" : "") + "/" + p.pattern + "/" + p.flags;
      if (p.relative) s += " relative";
    }
    out.push_back(s);
  }
  return out;
}

TEST(SuricataRules, FullRuleFields) {
  const RuleSet rules = load(
      "# a comment\n"
      "\n"
      "alert http $HOME_NET any -> $EXTERNAL_NET $HTTP_PORTS (msg:\"ET Test \\\"quoted\\\" \\; "
      "semi\"; flow:established,to_server; http.method; content:\"GET\"; http.uri; "
      "content:\"/a|3b 3B|b\"; startswith; fast_pattern; pcre:\"/\\/x\\;y/Ri\"; "
      "http.user_agent; content:!\"curl\"; nocase; reference:url,example.com/x; "
      "reference:cve,2020-1234; classtype:trojan-activity; priority:2; target:dest_ip; "
      "sid:2000001; rev:3; gid:1; metadata:created_at 2020_01_01, deployment Perimeter, solo;)\n");
  EXPECT_TRUE(rules.diagnostics().empty()) << diagnostics(rules)[0];
  ASSERT_EQ(rules.signatures().size(), 1u);
  const Signature& s = rules.signatures()[0];
  EXPECT_EQ(s.action, SigAction::kAlert);
  EXPECT_EQ(s.proto, SigProto::kHttp);
  EXPECT_EQ(s.src.text, "$HOME_NET");
  EXPECT_EQ(describe(s.src), "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16");
  EXPECT_TRUE(s.src_ports.any);
  EXPECT_EQ(s.dst.text, "$EXTERNAL_NET");
  EXPECT_FALSE(s.dst.any);
  EXPECT_EQ(describe(s.dst_ports), "80");
  EXPECT_FALSE(s.bidirectional);
  EXPECT_EQ(s.msg, "ET Test \"quoted\" ; semi");
  EXPECT_EQ(s.sid, 2000001u);
  EXPECT_EQ(s.rev, 3u);
  EXPECT_EQ(s.gid, 1u);
  EXPECT_EQ(s.classtype, "trojan-activity");
  EXPECT_EQ(s.priority, 2);
  EXPECT_EQ(s.target, "dest_ip");
  EXPECT_EQ(s.flow, (FlowOptions{true, false, true}));
  EXPECT_EQ(s.references, (std::vector<Reference>{{"url", "example.com/x"}, {"cve", "2020-1234"}}));
  EXPECT_EQ(s.metadata,
            (std::vector<std::pair<std::string, std::string>>{
                {"created_at", "2020_01_01"}, {"deployment", "Perimeter"}, {"solo", ""}}));
  EXPECT_EQ(describe_matches(s), (Strings{
                                     "http.method content \"GET\"",
                                     "http.uri content \"/a;;b\" startswith fast_pattern",
                                     "http.uri pcre /\\/x\\;y/i relative",
                                     "http.user_agent content !\"curl\" nocase",
                                 }));
  EXPECT_EQ(s.file, "t.rules");
  EXPECT_EQ(s.line, 3u);
  const auto& stats = rules.rule_file_stats().at("t.rules");
  EXPECT_EQ(stats.loaded, 1u);
  EXPECT_TRUE(stats.skipped.empty());
}

TEST(SuricataRules, GoodRulesTable) {
  struct Case {
    const char* rule;
    Strings matches;
  } cases[] = {
      {"alert tcp any any -> any any (content:\"|00 01|AB|ff|\"; offset:2; depth:10; "
       "content:\"C\"; distance:-1; within:5; sid:1;)",
       {"payload content \"" + std::string("\0\1AB\xff", 5) + "\" offset 2 depth 10",
        "payload content \"C\" distance -1 within 5"}},
      {"alert udp any any -> any 53 (content:\"a\\\\b\\:c\"; sid:1;)",
       {"payload content \"a\\b:c\""}},
      {"alert dns any any -> any any (dns.query; content:\"evil.example\"; endswith; nocase; "
       "sid:1;)",
       {"dns.query content \"evil.example\" nocase endswith"}},
      {"alert udp any any -> any any (dns_query; content:\"x\"; sid:1;)",
       {"dns.query content \"x\""}},
      {"alert tls any any -> any any (tls_sni; content:\"a\"; ja3_hash; content:\"b\"; sid:1;)",
       {"tls.sni content \"a\"", "ja3.hash content \"b\""}},
      {"alert tls any any -> any any (tls.sni; content:\"a\"; ja3.hash; content:\"b\"; sid:1;)",
       {"tls.sni content \"a\"", "ja3.hash content \"b\""}},
      // Legacy modifiers move the preceding payload content into their buffer.
      {"alert tcp any any -> any any (content:\"GET\"; http_method; content:\"/x\"; http_uri; "
       "content:\"h\"; http_host; content:\"ua\"; http_user_agent; sid:1;)",
       {"http.method content \"GET\"", "http.uri content \"/x\"", "http.host content \"h\"",
        "http.user_agent content \"ua\""}},
      {"alert http any any -> any any (http.host; content:\"h\"; fast_pattern:only; sid:1;)",
       {"http.host content \"h\" fast_pattern"}},
      {"alert tcp any any -> any any (pcre:!\"/a b/smx\"; sid:1;)", {"payload pcre !/a b/smx"}},
      {"alert ip 192.0.2.1 any -> any any (msg:\"IP indicator\"; sid:1;)", {}},
      {"alert icmp any any -> any any (sid:1;)", {}},
      {"alert tcp-pkt any any -> any any (content:\"x\"; sid:1;)", {"payload content \"x\""}},
  };
  for (const Case& c : cases) {
    const RuleSet rules = load(c.rule);
    EXPECT_TRUE(rules.diagnostics().empty()) << c.rule << "\n" << diagnostics(rules)[0];
    ASSERT_EQ(rules.signatures().size(), 1u) << c.rule;
    EXPECT_EQ(describe_matches(rules.signatures()[0]), c.matches) << c.rule;
  }
  EXPECT_EQ(load("alert tcp-pkt any any -> any any (sid:1;)").signatures()[0].tcp_scope,
            TcpScope::kPacket);
  EXPECT_EQ(load("alert tcp-stream any any -> any any (sid:1;)").signatures()[0].tcp_scope,
            TcpScope::kStream);
  EXPECT_EQ(load("alert ssl any any -> any any (sid:1;)").signatures()[0].proto, SigProto::kTls);
  EXPECT_EQ(load("drop tcp any any -> any any (sid:1;)").signatures()[0].action, SigAction::kDrop);
}

TEST(SuricataRules, HeaderAddressesAndPorts) {
  RuleVars vars = RuleVars::suricata_defaults();
  vars.set_address("HOME_NET", "10.0.0.0/8");
  const RuleSet rules = load(
      "alert tcp [192.0.2.0/24,!192.0.2.128/25] [80:90,!85] <> $EXTERNAL_NET [1024:,!$HTTP_PORTS] "
      "(sid:1;)\n"
      "alert tcp ![10.1.0.0/16, 2001:db8::/32] :1023 -> 10.0.0.1-10.0.0.6 !$HTTP_PORTS (sid:2;)\n",
      vars);
  EXPECT_TRUE(rules.diagnostics().empty()) << diagnostics(rules)[0];
  ASSERT_EQ(rules.signatures().size(), 2u);
  const Signature& a = rules.signatures()[0];
  EXPECT_TRUE(a.bidirectional);
  EXPECT_EQ(describe(a.src), "192.0.2.0/25");
  EXPECT_EQ(describe(a.src_ports), "80-84,86-90");
  EXPECT_EQ(describe(a.dst),
            "0.0.0.0/5,8.0.0.0/7,11.0.0.0/8,12.0.0.0/6,16.0.0.0/4,32.0.0.0/3,"
            "64.0.0.0/2,128.0.0.0/1,::/0");
  EXPECT_EQ(describe(a.dst_ports), "1024-65535");
  EXPECT_EQ(a.dst_ports.text, "[1024:,!$HTTP_PORTS]");
  EXPECT_TRUE(a.src_ports.contains(84));
  EXPECT_FALSE(a.src_ports.contains(85));
  const Signature& b = rules.signatures()[1];
  EXPECT_FALSE(b.bidirectional);
  EXPECT_EQ(describe(b.src).substr(0, 40), "0.0.0.0/5,8.0.0.0/7,10.0.0.0/16,10.2.0.0");
  EXPECT_NE(describe(b.src).find("::/3,2000::/16,2001::/21,"), std::string::npos);
  EXPECT_EQ(describe(b.src_ports), "0-1023");
  EXPECT_EQ(describe(b.dst), "10.0.0.1/32,10.0.0.2/31,10.0.0.4/31,10.0.0.6/32");
  EXPECT_EQ(describe(b.dst_ports), "0-79,81-65535");
}

TEST(SuricataRules, BadRulesTable) {
  struct Case {
    const char* rule;
    const char* diagnostic;
  } cases[] = {
      {"alert tcp any any -> any any (byte_test:2,>,0,6; sid:7;)",
       "t.rules:1: warning: sid 7: unsupported keyword 'byte_test'"},
      {"alert tcp any any -> any any (content:\"a\"; isdataat:1; dsize:>3; sid:7;)",
       "t.rules:1: warning: sid 7: unsupported keyword 'isdataat'"},
      {"alert ssh any any -> any any (sid:7;)",
       "t.rules:1: warning: sid 7: unsupported protocol 'ssh'"},
      {"alert tcp any any -> any any (pcre:\"/a/U\"; sid:7;)",
       "t.rules:1: warning: sid 7: pcre flag 'U' not supported"},
      {"alert tcp any any -> any any (flow:stateless; sid:7;)",
       "t.rules:1: warning: sid 7: unsupported flow option 'stateless'"},
      {"alert tcp any any -> any any (msg:\"x\";)", "t.rules:1: missing sid"},
      {"alert tcp any any -> any any (sid:abc;)", "t.rules:1: invalid sid 'abc'"},
      {"alert tcp any any -> any any (sid:0;)", "t.rules:1: invalid sid '0'"},
      {"alert tcp any any -> any any sid:1;", "t.rules:1: missing '(' before the rule options"},
      {"alert tcp any any -> any any (sid:1;", "t.rules:1: rule does not end with ')'"},
      {"alert tcp any any -> any any (msg:\"open; sid:1;)",
       "t.rules:1: unterminated quoted string"},
      {"alert tcp any any any any (sid:1;)",
       "t.rules:1: sid 1: rule header is not 'action proto src sport -> dst dport': "
       "'alert tcp any any any any'"},
      {"log tcp any any -> any any (sid:1;)", "t.rules:1: sid 1: unknown action 'log'"},
      {"alert tcp any any <- any any (sid:1;)", "t.rules:1: sid 1: invalid direction '<-'"},
      {"alert tcp $NOPE any -> any any (sid:1;)", "t.rules:1: sid 1: undefined variable '$NOPE'"},
      {"alert tcp any $HOME_NET -> any any (sid:1;)",
       "t.rules:1: sid 1: undefined variable '$HOME_NET'"},
      {"alert tcp 300.1.1.1 any -> any any (sid:1;)",
       "t.rules:1: sid 1: invalid address '300.1.1.1'"},
      {"alert tcp any 70000 -> any any (sid:1;)", "t.rules:1: sid 1: invalid port '70000'"},
      {"alert tcp any 90:80 -> any any (sid:1;)", "t.rules:1: sid 1: invalid port '90:80'"},
      {"alert tcp [1.2.3.4,!1.2.3.4] any -> any any (sid:1;)",
       "t.rules:1: sid 1: empty address set '[1.2.3.4,!1.2.3.4]'"},
      {"alert tcp any !any -> any any (sid:1;)", "t.rules:1: sid 1: empty port set '!any'"},
      {"alert tcp [1.2.3.4 any -> any any (sid:1;)",
       "t.rules:1: sid 1: rule header is not 'action proto src sport -> dst dport': "
       "'alert tcp [1.2.3.4 any -> any any'"},
      {"alert tcp any any -> any any (content:\"|4|\"; sid:1;)",
       "t.rules:1: sid 1: invalid content: odd number of hex digits"},
      {"alert tcp any any -> any any (content:\"|zz|\"; sid:1;)",
       "t.rules:1: sid 1: invalid content: bad hex digit 'z'"},
      {"alert tcp any any -> any any (content:\"|41\"; sid:1;)",
       "t.rules:1: sid 1: invalid content: unterminated |hex|"},
      {"alert tcp any any -> any any (content:\"\"; sid:1;)",
       "t.rules:1: sid 1: invalid content: empty"},
      {"alert tcp any any -> any any (content:abc; sid:1;)",
       "t.rules:1: sid 1: invalid content: not quoted"},
      {"alert tcp any any -> any any (content:\"a\\x\"; sid:1;)",
       "t.rules:1: sid 1: invalid content: invalid escape '\\x'"},
      {"alert tcp any any -> any any (nocase; sid:1;)",
       "t.rules:1: sid 1: 'nocase' needs a preceding content"},
      {"alert tcp any any -> any any (pcre:\"/a/\"; depth:3; sid:1;)",
       "t.rules:1: sid 1: 'depth' needs a preceding content"},
      {"alert tcp any any -> any any (content:\"a\"; depth:x; sid:1;)",
       "t.rules:1: sid 1: invalid depth 'x'"},
      {"alert tcp any any -> any any (content:\"a\"; offset:-1; sid:1;)",
       "t.rules:1: sid 1: invalid offset '-1'"},
      {"alert tcp any any -> any any (pcre:\"a\"; sid:1;)",
       "t.rules:1: sid 1: invalid pcre: not /pattern/flags"},
      {"alert tcp any any -> any any (pcre:\"//i\"; sid:1;)",
       "t.rules:1: sid 1: invalid pcre: empty pattern"},
      {"alert tcp any any -> any any (flow:to_server,to_client; sid:1;)",
       "t.rules:1: sid 1: flow cannot be both to_server and to_client"},
      {"alert tcp any any -> any any (priority:0; sid:1;)",
       "t.rules:1: sid 1: invalid priority '0'"},
      {"alert tcp any any -> any any (rev:x; sid:1;)", "t.rules:1: sid 1: invalid rev 'x'"},
      {"alert tcp any any -> any any (reference:nocomma; sid:1;)",
       "t.rules:1: sid 1: invalid reference 'nocomma'"},
      {"alert tcp any any -> any any (target:both; sid:1;)",
       "t.rules:1: sid 1: invalid target 'both'"},
      {"alert tls any any -> any any (dns.query; content:\"a\"; sid:1;)",
       "t.rules:1: sid 1: 'dns.query' conflicts with protocol 'tls'"},
      {"alert udp any any -> any any (http.uri; content:\"a\"; sid:1;)",
       "t.rules:1: sid 1: 'http.uri' conflicts with protocol 'udp'"},
      {"alert tcp any any -> any any (tls.sni; content:\"a\"; http.host; content:\"b\"; sid:1;)",
       "t.rules:1: sid 1: 'http.host' conflicts with protocol 'tls'"},
      {"alert http any any -> any any (http.uri; content:\"a\"; http_uri; sid:1;)",
       "t.rules:1: sid 1: 'http_uri' needs a preceding payload content"},
      // The first problem in rule order wins.
      {"alert tcp any any -> any any (content:\"|zz|\"; byte_test:1,>,0,0; sid:1;)",
       "t.rules:1: sid 1: invalid content: bad hex digit 'z'"},
      {"alert tcp any any -> any any (threshold:type limit; content:\"|zz|\"; sid:1;)",
       "t.rules:1: warning: sid 1: unsupported keyword 'threshold'"},
  };
  for (const Case& c : cases) {
    const RuleSet rules = load(c.rule);
    EXPECT_EQ(diagnostics(rules), (Strings{c.diagnostic})) << c.rule;
    EXPECT_TRUE(rules.signatures().empty()) << c.rule;
    const auto& stats = rules.rule_file_stats().at("t.rules");
    EXPECT_EQ(stats.loaded, 0u);
    EXPECT_EQ(stats.skipped_total(), 1u) << c.rule;
  }
}

TEST(SuricataRules, UndefinedPortVariableWithEmptyVars) {
  const RuleSet rules = load("alert tcp any $HTTP_PORTS -> any any (sid:1;)", RuleVars{});
  EXPECT_EQ(diagnostics(rules), (Strings{"t.rules:1: sid 1: undefined variable '$HTTP_PORTS'"}));
}

TEST(SuricataRules, CommentsMultiLineDuplicatesAndTally) {
  const RuleSet rules = load(
      "# alert tcp any any -> any any (sid:99;)\n"
      "#alert tcp any any -> any any (byte_test:1; sid:98;)\n"
      "alert tcp any any -> any any (msg:\"multi\"; \\\n"
      "    content:\"ab\\\n"
      "cd\"; sid:1;)\n"
      "\r\n"
      "  alert tcp any any -> any any (sid:2;)\r\n"
      "alert tcp any any -> any any (sid:1;)\n"
      "alert tcp any any -> any any (dsize:1; sid:3;)\n"
      "alert tcp any any -> any any (dsize:2; sid:4;)\n"
      "alert tcp any any -> any any (content:\"x\"; sid:5;) trailing\n"
      "alert tcp any any -> any any (sid:6;) \\\n");
  ASSERT_EQ(rules.signatures().size(), 3u);
  EXPECT_EQ(rules.signatures()[0].line, 3u);
  EXPECT_EQ(rules.signatures()[0].msg, "multi");
  EXPECT_EQ(describe_matches(rules.signatures()[0]), (Strings{"payload content \"abcd\""}));
  EXPECT_EQ(rules.signatures()[1].line, 7u);
  EXPECT_EQ(rules.signatures()[2].sid, 6u);
  EXPECT_EQ(diagnostics(rules), (Strings{
                                    "t.rules:8: sid 1: duplicate sid",
                                    "t.rules:9: warning: sid 3: unsupported keyword 'dsize'",
                                    "t.rules:10: warning: sid 4: unsupported keyword 'dsize'",
                                    "t.rules:11: rule does not end with ')'",
                                }));
  EXPECT_EQ(rules.error_count(), 2u);
  const auto& stats = rules.rule_file_stats().at("t.rules");
  EXPECT_EQ(stats.loaded, 3u);
  EXPECT_EQ(stats.skipped, (std::map<std::string, size_t>{
                               {"duplicate sid", 1},
                               {"rule does not end with ')'", 1},
                               {"unsupported keyword 'dsize'", 2},
                           }));
  // An empty file is still listed.
  EXPECT_EQ(load("# nothing\n").rule_file_stats().at("t.rules").loaded, 0u);
}

TEST(RuleVars, SuricataDefaults) {
  const RuleVars vars = RuleVars::suricata_defaults();
  EXPECT_EQ(*vars.address("HOME_NET"), "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]");
  EXPECT_EQ(*vars.address("EXTERNAL_NET"), "!$HOME_NET");
  EXPECT_EQ(*vars.address("DNS_SERVERS"), "$HOME_NET");
  EXPECT_EQ(*vars.address("AIM_SERVERS"), "$EXTERNAL_NET");
  EXPECT_EQ(*vars.port("SHELLCODE_PORTS"), "!80");
  EXPECT_EQ(vars.address("HTTP_PORTS"), nullptr);
  EXPECT_EQ(vars.addresses().size(), 15u);
  EXPECT_EQ(vars.ports().size(), 11u);
  // Every default resolves.
  std::string error;
  for (const auto& [name, value] : vars.addresses())
    EXPECT_TRUE(resolve_addresses("$" + name, vars, error)) << name << ": " << error;
  for (const auto& [name, value] : vars.ports())
    EXPECT_TRUE(resolve_ports("$" + name, vars, error)) << name << ": " << error;
  auto file_data = resolve_ports("$FILE_DATA_PORTS", vars, error);
  ASSERT_TRUE(file_data);
  EXPECT_EQ(describe(*file_data), "80,110,143");
  auto aim = resolve_addresses("[$AIM_SERVERS,$HOME_NET]", vars, error);
  ASSERT_TRUE(aim);
  EXPECT_TRUE(aim->any);
  EXPECT_EQ(describe(*aim), "any:0.0.0.0/0,::/0");
}

TEST(RuleVars, LoadOverrides) {
  RuleVars vars = RuleVars::suricata_defaults();
  const auto diags = vars.load_overrides(
      "%YAML 1.1\n"
      "---\n"
      "vars:\n"
      "  # partner network\n"
      "  address-groups:\n"
      "    HOME_NET: \"[192.0.2.0/24, 198.51.100.0/24]\"  # two blocks\n"
      "    SCADA_NET: '[$HOME_NET,!192.0.2.7]'\n"
      "    BAD_NET: \"$MISSING\"\n"
      "  port-groups:\n"
      "    HTTP_PORTS: \"[80,8080]\"\n"
      "    LOOP_PORTS: \"$LOOP_PORTS\"\n"
      "    no colon here\n"
      "outputs:\n"
      "  HOME_NET: \"1.1.1.1\"\n",
      "suricata.yaml");
  Strings text;
  for (const auto& d : diags) text.push_back(d.to_string());
  EXPECT_EQ(text, (Strings{"suricata.yaml:12: expected 'NAME: value' in vars",
                           "suricata.yaml:8: BAD_NET: undefined variable '$MISSING'",
                           "suricata.yaml:11: LOOP_PORTS: too deeply nested port '$LOOP_PORTS'"}));
  EXPECT_EQ(*vars.address("HOME_NET"), "[192.0.2.0/24, 198.51.100.0/24]");
  std::string error;
  auto scada = resolve_addresses("$SCADA_NET", vars, error);
  ASSERT_TRUE(scada) << error;
  EXPECT_EQ(describe(*scada),
            "192.0.2.0/30,192.0.2.4/31,192.0.2.6/32,192.0.2.8/29,192.0.2.16/28,192.0.2.32/27,"
            "192.0.2.64/26,192.0.2.128/25,198.51.100.0/24");
  auto external = resolve_addresses("$EXTERNAL_NET", vars, error);
  ASSERT_TRUE(external);
  EXPECT_EQ(external->text, "$EXTERNAL_NET");
  auto ports = resolve_ports("$FILE_DATA_PORTS", vars, error);
  ASSERT_TRUE(ports);
  EXPECT_EQ(describe(*ports), "80,110,143,8080");
}

// The shared ET and Mandiant files: exact loaded counts and skip tallies. Cross-checked with an
// independent script over the active rule lines (first keyword outside the subset per rule).
struct SharedCase {
  const char* name;
  size_t loaded;
  std::map<std::string, size_t> skipped;
};

void check_shared(const std::filesystem::path& path, const SharedCase& c) {
  RuleSet rules;
  ASSERT_EQ(load_rules_path(path.string(), rules), 1u);
  EXPECT_EQ(rules.error_count(), 0u) << diagnostics(rules)[0];
  const auto& stats = rules.rule_file_stats().at(path.string());
  EXPECT_EQ(stats.loaded, c.loaded) << c.name;
  EXPECT_EQ(rules.signatures().size(), c.loaded) << c.name;
  EXPECT_EQ(stats.skipped, c.skipped) << c.name;
  EXPECT_EQ(rules.diagnostics().size(), stats.skipped_total()) << c.name;
}

TEST(SuricataRulesShared, EtCurrentEvents) {
  TRIPLINE_SHARED_OR_SKIP(path, "iocs", "et_emerging-current_events.rules");
  check_shared(path, {"current_events",
                      19,
                      {{"unsupported keyword 'bsize'", 7},
                       {"unsupported keyword 'dotprefix'", 4},
                       {"unsupported keyword 'file.data'", 2},
                       {"unsupported keyword 'http.accept'", 8},
                       {"unsupported keyword 'http.connection'", 1},
                       {"unsupported keyword 'http.cookie'", 1},
                       {"unsupported keyword 'http.header_names'", 2},
                       {"unsupported keyword 'http.request_line'", 2},
                       {"unsupported keyword 'http.response_line'", 5},
                       {"unsupported keyword 'http.start'", 1},
                       {"unsupported keyword 'tls.cert_subject'", 1},
                       {"unsupported keyword 'urilen'", 1}}});
}

TEST(SuricataRulesShared, EtDns) {
  TRIPLINE_SHARED_OR_SKIP(path, "iocs", "et_emerging-dns.rules");
  check_shared(path,
               {"dns",
                21,
                {{"unsupported keyword 'byte_test'", 1}, {"unsupported keyword 'threshold'", 4}}});
}

TEST(SuricataRulesShared, EtScada) {
  TRIPLINE_SHARED_OR_SKIP(path, "iocs", "et_emerging-scada.rules");
  check_shared(path, {"scada",
                      54,
                      {{"unsupported keyword 'byte_test'", 1},
                       {"unsupported keyword 'dsize'", 7},
                       {"unsupported keyword 'file_data'", 2},
                       {"unsupported keyword 'isdataat'", 5},
                       {"unsupported keyword 'tls.cert_issuer'", 7},
                       {"unsupported keyword 'tls.cert_subject'", 7},
                       {"unsupported keyword 'tls.certs'", 6},
                       {"unsupported protocol 'ssh'", 1}}});
}

TEST(SuricataRulesShared, EtUserAgents) {
  TRIPLINE_SHARED_OR_SKIP(path, "iocs", "et_emerging-user_agents.rules");
  check_shared(path, {"user_agents",
                      133,
                      {{"unsupported keyword 'bsize'", 54},
                       {"unsupported keyword 'http.header'", 11},
                       {"unsupported keyword 'http.header_names'", 2},
                       {"unsupported keyword 'http_header'", 1},
                       {"unsupported keyword 'isdataat'", 1},
                       {"unsupported keyword 'threshold'", 76},
                       {"unsupported keyword 'urilen'", 1}}});
}

TEST(SuricataRulesShared, MandiantRedTeamTools) {
  TRIPLINE_SHARED_OR_SKIP(path, "iocs", "mandiant_rttc_all-snort.rules");
  check_shared(path, {"mandiant", 40, {}});
  RuleSet rules;
  load_rules_path(path.string(), rules);
  // Spot checks: escaped ';' inside content, from_server, gid.
  for (const Signature& s : rules.signatures()) {
    if (s.sid == 25893) {
      const auto& c = std::get<ContentMatch>(s.matches.at(2).m);
      EXPECT_EQ(c.bytes, "Content-Type: application/json; charset=utf-8");
      EXPECT_EQ(s.src_ports.text, "$HTTP_PORTS");
    }
    if (s.sid == 25894) {
      EXPECT_EQ(s.flow, (FlowOptions{false, true, true}));
    }
  }
}

}  // namespace
}  // namespace tripline
