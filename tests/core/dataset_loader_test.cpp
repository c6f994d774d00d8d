// Suricata dataset files: every set type, type from the name or the first value, datarep values,
// and bad lines with their exact diagnostics.
#include "core/dataset_loader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/loaders.hpp"

namespace tripline {
namespace {

using Strings = std::vector<std::string>;

Strings diagnostics(const RuleSet& rules) {
  Strings out;
  for (const auto& d : rules.diagnostics()) out.push_back(d.to_string());
  return out;
}

// "type value normalized line" per indicator.
Strings summary(const RuleSet& rules) {
  Strings out;
  for (const auto& i : rules.indicators())
    out.push_back(std::string(to_string(i.type)) + " " + i.value + " " + i.normalized + " " +
                  std::to_string(i.line));
  return out;
}

Strings skipped(const RuleSet& rules) {
  Strings out;
  for (const auto& s : rules.skipped())
    out.push_back(s.kind + " " + s.value + " " + std::to_string(s.line));
  return out;
}

TEST(DatasetLoader, StringSetOfDomainsAndOtherStrings) {
  // ZXZpbC5leGFtcGxl = "evil.example", QmVhY29uLkV4YW1wbGUuTmV0Lg== = "Beacon.Example.Net.",
  // TW96aWxsYS80LjAgKGNvbXBhdGlibGU7ICk= = "Mozilla/4.0 (compatible; )", L2dhdGUucGhw =
  // "/gate.php", AAEC = "\0\1\2".
  const char* text =
      "# dns.query blocklist\n"
      "ZXZpbC5leGFtcGxl\n"
      "\n"
      "QmVhY29uLkV4YW1wbGUuTmV0Lg==\r\n"
      "TW96aWxsYS80LjAgKGNvbXBhdGlibGU7ICk=\n"
      "L2dhdGUucGhw\n"
      "AAEC";
  RuleSet rules;
  load_dataset(text, "sets/dns-bl.string.dataset", rules);
  EXPECT_EQ(summary(rules), (Strings{"domain evil.example evil.example 2",
                                     "domain Beacon.Example.Net. beacon.example.net 4"}));
  EXPECT_EQ(skipped(rules), (Strings{"string Mozilla/4.0 (compatible; ) 5", "string /gate.php 6",
                                     "string AAEC 7"}));
  EXPECT_TRUE(rules.diagnostics().empty());
  ASSERT_EQ(rules.metas().size(), 1u);
  EXPECT_EQ(rules.metas()[0].source, "dns-bl");
  EXPECT_EQ(rules.metas()[0].rule_set, "dns-bl.string.dataset");
}

TEST(DatasetLoader, IpSets) {
  RuleSet rules;
  load_dataset("192.0.2.1\n2001:db8::1\n::ffff:198.51.100.7\n", "bad.ip.dataset", rules);
  EXPECT_EQ(summary(rules), (Strings{"ip 192.0.2.1 192.0.2.1 1", "ip 2001:db8::1 2001:db8::1 2",
                                     "ip ::ffff:198.51.100.7 198.51.100.7 3"}));
  EXPECT_TRUE(rules.diagnostics().empty());

  RuleSet v4;
  load_dataset("203.0.113.9\n2001:db8::1\n", "bad.ipv4.dataset", v4);
  EXPECT_EQ(summary(v4), (Strings{"ip 203.0.113.9 203.0.113.9 1"}));
  EXPECT_EQ(diagnostics(v4),
            (Strings{"bad.ipv4.dataset:2: value '2001:db8::1' is not an ipv4 address"}));
}

TEST(DatasetLoader, HashSetsAreSkipped) {
  RuleSet rules;
  load_dataset("d41d8cd98f00b204e9800998ecf8427e\n", "files.md5.dataset", rules);
  load_dataset("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n",
               "files.sha256.dataset", rules);
  EXPECT_TRUE(rules.indicators().empty());
  EXPECT_EQ(skipped(rules),
            (Strings{"md5 d41d8cd98f00b204e9800998ecf8427e 1",
                     "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 1"}));
  EXPECT_TRUE(rules.diagnostics().empty());
}

TEST(DatasetLoader, TypeFromFirstValueWithoutTypeInName) {
  const struct {
    const char* text;
    Strings indicators;
    Strings skipped;
  } cases[] = {
      {"192.0.2.5\n2001:db8::5\n",
       {"ip 192.0.2.5 192.0.2.5 1", "ip 2001:db8::5 2001:db8::5 2"},
       {}},
      {"ZXZpbC5leGFtcGxl\n", {"domain evil.example evil.example 1"}, {}},
      {"# md5 set\nd41d8cd98f00b204e9800998ecf8427e\n",
       {},
       {"md5 d41d8cd98f00b204e9800998ecf8427e 2"}},
  };
  for (const auto& c : cases) {
    RuleSet rules;
    load_dataset(c.text, "set.dataset", rules);
    EXPECT_EQ(summary(rules), c.indicators) << c.text;
    EXPECT_EQ(skipped(rules), c.skipped) << c.text;
    EXPECT_TRUE(rules.diagnostics().empty()) << c.text;
    for (const auto& m : rules.metas()) EXPECT_EQ(m.source, "set");
  }
}

TEST(DatasetLoader, DatarepValueKept) {
  RuleSet rules;
  load_dataset("ZXZpbC5leGFtcGxl,200\n192.0.2.1 , 7\n", "rep.string.dataset", rules);
  ASSERT_EQ(rules.indicators().size(), 1u);
  EXPECT_EQ(rules.meta_of(rules.indicators()[0]).extra,
            (std::vector<std::pair<std::string, std::string>>{{"datarep", "200"}}));
  EXPECT_EQ(diagnostics(rules), (Strings{"rep.string.dataset:2: invalid base64 '192.0.2.1'"}));
}

TEST(DatasetLoader, BadLines) {
  const struct {
    const char* file;
    const char* text;
    const char* diagnostic;
  } cases[] = {
      {"s.string.dataset", "ZXZpbC5leGFtcGxl\nnot base64!\n",
       "s.string.dataset:2: invalid base64 'not base64!'"},
      {"s.string.dataset", "ZXZpbA=\n", "s.string.dataset:1: invalid base64 'ZXZpbA='"},
      {"s.string.dataset", "ZX=pbA==\n", "s.string.dataset:1: invalid base64 'ZX=pbA=='"},
      {"s.string.dataset", "ZXZpbC5leGFtcGxl,high\n",
       "s.string.dataset:1: invalid reputation value 'high'"},
      {"s.string.dataset", "ZXZpbC5leGFtcGxl,65536\n",
       "s.string.dataset:1: invalid reputation value '65536'"},
      {"s.ip.dataset", "192.0.2.0/24\n",
       "s.ip.dataset:1: value '192.0.2.0/24' is not an ip address"},
      {"s.ip.dataset", "evil.example\n",
       "s.ip.dataset:1: value 'evil.example' is not an ip address"},
      {"s.ip.dataset", "192.0.2.1:80\n",
       "s.ip.dataset:1: value '192.0.2.1:80' is not an ip address"},
      {"s.ipv4.dataset", "192.0.2.300\n",
       "s.ipv4.dataset:1: value '192.0.2.300' is not an ipv4 address"},
      {"s.md5.dataset", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n",
       "s.md5.dataset:1: value "
       "'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' is not an md5 hash"},
      {"s.sha256.dataset", "d41d8cd98f00b204e9800998ecf8427e\n",
       "s.sha256.dataset:1: value 'd41d8cd98f00b204e9800998ecf8427e' is not an sha256 hash"},
      {"s.dataset", "192.0.2.1\n\nZXZpbC5leGFtcGxl\n",
       "s.dataset:3: value 'ZXZpbC5leGFtcGxl' is not an ip address"},
  };
  for (const auto& c : cases) {
    RuleSet rules;
    load_dataset(c.text, c.file, rules);
    EXPECT_EQ(diagnostics(rules), (Strings{c.diagnostic})) << c.text;
    EXPECT_EQ(rules.error_count(), 1u) << c.text;
  }
}

}  // namespace
}  // namespace tripline
