// List, CSV and Zeek intel loaders, format detection and path loading: inline texts and bad-input
// tables with exact diagnostics.
#include "core/loaders.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "tests/test_support.hpp"

namespace tripline {
namespace {

std::vector<std::string> diagnostics(const RuleSet& rules) {
  std::vector<std::string> out;
  for (const auto& d : rules.diagnostics()) out.push_back(d.to_string());
  return out;
}

// "type value normalized port line" per indicator, for compact comparisons.
std::vector<std::string> summary(const RuleSet& rules) {
  std::vector<std::string> out;
  for (const auto& i : rules.indicators()) {
    out.push_back(std::string(to_string(i.type)) + " " + i.value + " " + i.normalized + " " +
                  std::to_string(i.port) + " " + std::to_string(i.line));
  }
  return out;
}

std::vector<std::string> skipped(const RuleSet& rules) {
  std::vector<std::string> out;
  for (const auto& s : rules.skipped())
    out.push_back(s.kind + " " + s.value + " " + std::to_string(s.line));
  return out;
}

using Strings = std::vector<std::string>;

// ---------------------------------------------------------------- list

TEST(ListLoader, LoadsIndicatorsWithMeta) {
  const char* text =
      "# Reference: https://example.org/report\n"
      "evil.example   # trailing comment\n"
      "  192.0.2.1  \r\n"
      "hxxp://bad[.]example/Gate.php\n"
      "\n"
      "d41d8cd98f00b204e9800998ecf8427e\n"
      "    # indented comment\n"
      "10.1.2.3/8\n"
      "evil.example/#frag-not-a-comment\n";
  RuleSet rules;
  load_list(text, "feeds/apt_test.txt", rules);

  EXPECT_EQ(summary(rules), (Strings{
                                "domain evil.example evil.example 0 2",
                                "ip 192.0.2.1 192.0.2.1 0 3",
                                "url hxxp://bad[.]example/Gate.php bad.example/Gate.php 0 4",
                                "cidr 10.1.2.3/8 10.0.0.0/8 0 8",
                                "url evil.example/#frag-not-a-comment evil.example/ 0 9",
                            }));
  EXPECT_EQ(skipped(rules), (Strings{"md5 d41d8cd98f00b204e9800998ecf8427e 6"}));
  EXPECT_TRUE(rules.diagnostics().empty());
  EXPECT_EQ(rules.indicators()[0].signature_id, RuleSet::kFirstSignatureId);
  EXPECT_EQ(rules.indicators()[4].signature_id, RuleSet::kFirstSignatureId + 4);
  ASSERT_EQ(rules.metas().size(), 1u);
  EXPECT_EQ(rules.metas()[0].source, "apt_test");
  EXPECT_EQ(rules.metas()[0].rule_set, "apt_test.txt");
  EXPECT_EQ(rules.metas()[0].confidence, -1);
}

TEST(ListLoader, BomAndNoTrailingNewline) {
  RuleSet rules;
  load_list(
      "\xEF\xBB\xBF"
      "evil.example\nother.example",
      "x.txt", rules);
  EXPECT_EQ(summary(rules), (Strings{"domain evil.example evil.example 0 1",
                                     "domain other.example other.example 0 2"}));
}

struct BadLine {
  const char* text;
  const char* diagnostic;
};

TEST(ListLoader, BadLines) {
  const BadLine cases[] = {
      {"foo bar\n", "l.txt:1: not an indicator: 'foo bar'"},
      {"ok.example\nlocalhost\n", "l.txt:2: not an indicator: 'localhost'"},
      {"\n\n1.2.3.4/40\n", "l.txt:3: invalid cidr: '1.2.3.4/40'"},
      {"gopher://old.example/\n", "l.txt:1: unsupported url scheme: 'gopher'"},
      {"1.2.3.4:99999 # port out of range\n", "l.txt:1: not an indicator: '1.2.3.4:99999'"},
      {"evil..example\n", "l.txt:1: not an indicator: 'evil..example'"},
  };
  for (const auto& c : cases) {
    RuleSet rules;
    load_list(c.text, "l.txt", rules);
    EXPECT_EQ(diagnostics(rules), (Strings{c.diagnostic})) << c.text;
    EXPECT_EQ(rules.error_count(), 1u);
  }
}

TEST(ListLoader, LargeList) {
  std::string text;
  constexpr int kLines = 50000;
  for (int i = 0; i < kLines; ++i) {
    text += "host" + std::to_string(i) + ".example.com\n";
    if (i % 4 == 0) text += "10." + std::to_string(i % 256) + ".0.1\n";
  }
  RuleSet rules;
  load_list(text, "big.txt", rules);
  EXPECT_EQ(rules.indicators().size(), static_cast<size_t>(kLines + kLines / 4));
  EXPECT_TRUE(rules.diagnostics().empty());
  EXPECT_EQ(rules.metas().size(), 1u);
}

// ---------------------------------------------------------------- CSV

TEST(CsvLoader, LoadsTypedRowsWithMeta) {
  const char* text =
      "Indicator,Type,Source,Confidence,TLP,Description,first_seen\n"
      "evil.example,domain,ACME CERT,80,TLP:AMBER,c2 server,2024-01-02\n"
      "192.0.2.1,ip-dst,,high,white,,\n"
      "hxxp://bad[.]example/x,url,,,,,\n";
  RuleSet rules;
  load_csv(text, "intel/partner.csv", rules);
  EXPECT_TRUE(rules.diagnostics().empty()) << diagnostics(rules)[0];
  EXPECT_EQ(summary(rules), (Strings{
                                "domain evil.example evil.example 0 2",
                                "ip 192.0.2.1 192.0.2.1 0 3",
                                "url hxxp://bad[.]example/x bad.example/x 0 4",
                            }));
  const IndicatorMeta& m0 = rules.meta_of(rules.indicators()[0]);
  EXPECT_EQ(m0.source, "ACME CERT");
  EXPECT_EQ(m0.confidence, 80);
  EXPECT_EQ(m0.tlp, "amber");
  EXPECT_EQ(m0.description, "c2 server");
  EXPECT_EQ(m0.rule_set, "partner.csv");
  EXPECT_EQ(m0.extra,
            (std::vector<std::pair<std::string, std::string>>{{"first_seen", "2024-01-02"}}));
  const IndicatorMeta& m1 = rules.meta_of(rules.indicators()[1]);
  EXPECT_EQ(m1.source, "partner");
  EXPECT_EQ(m1.confidence, 90);
  EXPECT_EQ(m1.tlp, "clear");
  EXPECT_TRUE(m1.extra.empty());
  EXPECT_NE(rules.indicators()[1].meta, rules.indicators()[2].meta);
}

TEST(CsvLoader, TypeNames) {
  const char* text =
      "type,value\n"
      "ip-src|port,192.0.2.7|8443\n"            // 2
      "domain|ip,evil.example|192.0.2.8\n"      // 3: two indicators
      "hostname,WWW.Evil.Example\n"             // 4
      "Intel::ADDR,2001:db8::1\n"               // 5
      "Intel::SUBNET,198.51.100.0/24\n"         // 6
      "Intel::URL,evil.example/a/b\n"           // 7
      "cidr,203.0.113.5/24\n"                   // 8
      "fqdn,*.wild.example\n"                   // 9
      "host,192.0.2.9\n"                        // 10
      "url,shopcloths[.]ddns[.]net\n"           // 11: host only, still a URL
      "uri,/gate.php?id=\n"                     // 12: skipped url_path
      "IP,192[.]168[.]1[.]104:54863\n"          // 13
      "md5,D41D8CD98F00B204E9800998ECF8427E\n"  // 14
      "hash,da39a3ee5e6b4b0d3255bfef95601890afd80709\n"
      "Intel::FILE_HASH,d41d8cd98f00b204e9800998ecf8427e\n"
      "email-src,a@evil.example\n"
      "Filename,%SystemDrive%\\x.dll\n"
      "link,https://blog.example/report\n"
      "mutex,Global\\abc\n"
      "Intel::FOO,whatever\n"
      ",evil2.example\n";  // 22: no type, detected
  RuleSet rules;
  load_csv(text, "t.csv", rules);
  EXPECT_TRUE(rules.diagnostics().empty()) << diagnostics(rules)[0];
  EXPECT_EQ(summary(rules), (Strings{
                                "ip 192.0.2.7|8443 192.0.2.7 8443 2",
                                "domain evil.example evil.example 0 3",
                                "ip 192.0.2.8 192.0.2.8 0 3",
                                "domain WWW.Evil.Example www.evil.example 0 4",
                                "ip 2001:db8::1 2001:db8::1 0 5",
                                "cidr 198.51.100.0/24 198.51.100.0/24 0 6",
                                "url evil.example/a/b evil.example/a/b 0 7",
                                "cidr 203.0.113.5/24 203.0.113.0/24 0 8",
                                "domain *.wild.example wild.example 0 9",
                                "ip 192.0.2.9 192.0.2.9 0 10",
                                "url shopcloths[.]ddns[.]net shopcloths.ddns.net/ 0 11",
                                "ip 192[.]168[.]1[.]104:54863 192.168.1.104 54863 13",
                                "domain evil2.example evil2.example 0 22",
                            }));
  EXPECT_EQ(skipped(rules), (Strings{
                                "url_path /gate.php?id= 12",
                                "md5 D41D8CD98F00B204E9800998ECF8427E 14",
                                "sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709 15",
                                "md5 d41d8cd98f00b204e9800998ecf8427e 16",
                                "email a@evil.example 17",
                                "filename %SystemDrive%\\x.dll 18",
                                "link https://blog.example/report 19",
                                "mutex Global\\abc 20",
                                "foo whatever 21",
                            }));
}

TEST(CsvLoader, QuotingBomAndCrlf) {
  const std::string text =
      "\xEF\xBB\xBF"
      "\"value\",\"comment\",\"notes\"\r\n"
      "\"evil.example\",\"says \"\"hi\"\", then, leaves\",plain\r\n"
      "192.0.2.1,\"two\r\nlines\",\"\"\r\n"
      "\r\n"
      "other.example,,x\r\n";
  RuleSet rules;
  load_csv(text, "q.csv", rules);
  EXPECT_TRUE(rules.diagnostics().empty()) << diagnostics(rules)[0];
  EXPECT_EQ(summary(rules), (Strings{
                                "domain evil.example evil.example 0 2",
                                "ip 192.0.2.1 192.0.2.1 0 3",
                                "domain other.example other.example 0 6",
                            }));
  EXPECT_EQ(rules.meta_of(rules.indicators()[0]).description, "says \"hi\", then, leaves");
  EXPECT_EQ(rules.meta_of(rules.indicators()[0]).extra,
            (std::vector<std::pair<std::string, std::string>>{{"notes", "plain"}}));
  EXPECT_EQ(rules.meta_of(rules.indicators()[1]).description, "two\r\nlines");
}

TEST(CsvLoader, BadInput) {
  const BadLine cases[] = {
      {"type,name\nip,x\n",
       "t.csv:1: missing value column (one of indicator, value, ioc, indicator_value, observable)"},
      {"value,type\n1.2.3.4,domain\n", "t.csv:2: value '1.2.3.4' is not a domain"},
      {"value,type\nevil.example,ip\n", "t.csv:2: value 'evil.example' is not an ip address"},
      {"value,type\n1.2.3.4,subnet\n", "t.csv:2: value '1.2.3.4' is not a cidr"},
      {"value,type\nfoo bar,url\n", "t.csv:2: value 'foo bar' is not a url"},
      {"value,type\nd41d8,md5\n", "t.csv:2: value 'd41d8' is not an md5 hash"},
      {"value,type\nd41d8cd98f00b204e9800998ecf8427e,sha1\n",
       "t.csv:2: value 'd41d8cd98f00b204e9800998ecf8427e' is not a sha1 hash"},
      {"value,type\n1.2.3.4|99999,ip-dst|port\n",
       "t.csv:2: value '1.2.3.4|99999' is not an ip|port"},
      {"value,type\nevil.example,domain|ip\n", "t.csv:2: value 'evil.example' is not a domain|ip"},
      {"value,type\n,domain\n", "t.csv:2: empty indicator"},
      {"value,type\n1.2.3.4\n", "t.csv:2: expected 2 fields, got 1"},
      {"value\n1.2.3.4,extra\n", "t.csv:2: expected 1 fields, got 2"},
      {"value,confidence\nevil.example,200\n", "t.csv:2: invalid confidence '200'"},
      {"value,confidence\nevil.example,sure\n", "t.csv:2: invalid confidence 'sure'"},
      {"value,tlp\nevil.example,purple\n", "t.csv:2: unknown tlp 'purple'"},
      {"value\nfoo bar\n", "t.csv:2: not an indicator: 'foo bar'"},
      {"value\n\"evil.example\n", "t.csv:2: unterminated quoted field"},
      {"value\n\"evil.example\"x\nok.example\n",
       "t.csv:2: unexpected character after closing quote"},
      {"\"value\n", "t.csv:1: unterminated quoted field"},
  };
  for (const auto& c : cases) {
    RuleSet rules;
    load_csv(c.text, "t.csv", rules);
    EXPECT_EQ(diagnostics(rules), (Strings{c.diagnostic})) << c.text;
  }
}

TEST(CsvLoader, BadRowDoesNotStopLoading) {
  RuleSet rules;
  load_csv("value,type\nfoo bar,domain\n1.2.3.4,ip\n", "t.csv", rules);
  EXPECT_EQ(diagnostics(rules), (Strings{"t.csv:2: value 'foo bar' is not a domain"}));
  EXPECT_EQ(summary(rules), (Strings{"ip 1.2.3.4 1.2.3.4 0 3"}));
}

TEST(CsvLoader, MissingValueColumnLoadsNothing) {
  RuleSet rules;
  load_csv("type,name\nip,1.2.3.4\ndomain,evil.example\n", "t.csv", rules);
  EXPECT_TRUE(rules.indicators().empty());
  EXPECT_EQ(rules.diagnostics().size(), 1u);
}

// ---------------------------------------------------------------- Zeek intel

TEST(ZeekIntelLoader, LoadsAllTypesWithMeta) {
  const char* text =
      "#separator \\x09\n"
      "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.url\tmeta.cif_confidence\t"
      "meta.do_notice\tmeta.campaign\tmeta.tlp\n"
      "192.0.2.1\tIntel::ADDR\tfeedA\tc2\thttps://ref.example/1\t8.5\tT\tOpX\tamber\n"
      "198.51.100.0/24\tIntel::SUBNET\t-\t-\t-\t-\t-\t-\t-\n"
      "Evil.Example\tIntel::DOMAIN\tfeedA\t(empty)\t-\t10\tF\t-\t-\n"
      "evil.example/gate.php?id=1\tIntel::URL\tfeedA\t-\t-\t-\t-\t-\t-\n"
      "d41d8cd98f00b204e9800998ecf8427e\tIntel::FILE_HASH\tfeedA\t-\t-\t-\t-\t-\t-\n"
      "bad@evil.example\tIntel::EMAIL\tfeedA\t-\t-\t-\t-\t-\t-\n"
      "Evil/1.0\tIntel::SOFTWARE\tfeedA\t-\t-\t-\t-\t-\t-\n"
      "# a comment\n"
      "\n";
  RuleSet rules;
  load_zeek_intel(text, "z/feed.intel", rules);
  EXPECT_TRUE(rules.diagnostics().empty()) << diagnostics(rules)[0];
  EXPECT_EQ(summary(rules), (Strings{
                                "ip 192.0.2.1 192.0.2.1 0 3",
                                "cidr 198.51.100.0/24 198.51.100.0/24 0 4",
                                "domain Evil.Example evil.example 0 5",
                                "url evil.example/gate.php?id=1 evil.example/gate.php?id=1 0 6",
                            }));
  EXPECT_EQ(skipped(rules), (Strings{
                                "md5 d41d8cd98f00b204e9800998ecf8427e 7",
                                "email bad@evil.example 8",
                                "software Evil/1.0 9",
                            }));
  const IndicatorMeta& m0 = rules.meta_of(rules.indicators()[0]);
  EXPECT_EQ(m0.source, "feedA");
  EXPECT_EQ(m0.description, "c2");
  EXPECT_EQ(m0.confidence, 85);
  EXPECT_EQ(m0.campaign, "OpX");
  EXPECT_EQ(m0.tlp, "amber");
  EXPECT_EQ(m0.rule_set, "feed.intel");
  EXPECT_EQ(m0.extra, (std::vector<std::pair<std::string, std::string>>{
                          {"url", "https://ref.example/1"}, {"do_notice", "T"}}));
  const IndicatorMeta& m1 = rules.meta_of(rules.indicators()[1]);
  EXPECT_EQ(m1.source, "feed");
  EXPECT_EQ(m1.confidence, -1);
  EXPECT_TRUE(m1.extra.empty());
  EXPECT_EQ(rules.meta_of(rules.indicators()[2]).confidence, 100);
}

TEST(ZeekIntelLoader, FieldsLineMayChange) {
  const char* text =
      "#fields\tindicator\tindicator_type\n"
      "192.0.2.1\tIntel::ADDR\n"
      "#fields\tindicator_type\tindicator\tmeta.confidence\n"
      "Intel::DOMAIN\tevil.example\t70\n";
  RuleSet rules;
  load_zeek_intel(text, "z.intel", rules);
  EXPECT_TRUE(rules.diagnostics().empty());
  EXPECT_EQ(summary(rules),
            (Strings{"ip 192.0.2.1 192.0.2.1 0 2", "domain evil.example evil.example 0 4"}));
  EXPECT_EQ(rules.meta_of(rules.indicators()[1]).confidence, 70);
}

TEST(ZeekIntelLoader, BadInput) {
  const std::string fields = "#fields\tindicator\tindicator_type\tmeta.source\n";
  const struct {
    std::string text;
    Strings diagnostics;
  } cases[] = {
      {"192.0.2.1\tIntel::ADDR\tx\n" + fields, {"z.intel:1: data before #fields header"}},
      {fields + "x\tIntel::FOO\ts\n", {"z.intel:2: unknown indicator type 'Intel::FOO'"}},
      {fields + "x\tdomain\ts\n", {"z.intel:2: unknown indicator type 'domain'"}},
      {fields + "192.0.2.1\tIntel::ADDR\n", {"z.intel:2: expected 3 fields, got 2"}},
      {fields + "evil.example\tIntel::ADDR\ts\n",
       {"z.intel:2: value 'evil.example' is not an ip address"}},
      {fields + "192.0.2.1\tIntel::SUBNET\ts\n", {"z.intel:2: value '192.0.2.1' is not a cidr"}},
      {fields + "192.0.2.1\tIntel::DOMAIN\ts\n", {"z.intel:2: value '192.0.2.1' is not a domain"}},
      {fields + "-\tIntel::DOMAIN\ts\n", {"z.intel:2: empty indicator"}},
      {"#fields\tindicator\tmeta.source\nevil.example\ts\n",
       {"z.intel:1: missing indicator_type field in #fields"}},
      {"#fields\tindicator_type\nIntel::ADDR\n", {"z.intel:1: missing indicator field in #fields"}},
      {"#fields\tindicator\tindicator_type\tmeta.cif_confidence\nevil.example\tIntel::DOMAIN\t11\n",
       {"z.intel:2: invalid confidence '11'"}},
      {"#fields\tindicator\tindicator_type\tmeta.tlp\nevil.example\tIntel::DOMAIN\tblue\n",
       {"z.intel:2: unknown tlp 'blue'"}},
  };
  for (const auto& c : cases) {
    RuleSet rules;
    load_zeek_intel(c.text, "z.intel", rules);
    EXPECT_EQ(diagnostics(rules), c.diagnostics) << c.text;
  }
}

// ---------------------------------------------------------------- detection and paths

TEST(DetectFormat, Table) {
  const struct {
    const char* name;
    const char* head;
    RuleFormat format;
  } cases[] = {
      {"feed.intel", "", RuleFormat::kZeekIntel},
      {"feed.txt", "#fields\tindicator\tindicator_type\n", RuleFormat::kZeekIntel},
      {"feed.dat", "#separator \\x09\n#fields\tindicator\n", RuleFormat::kZeekIntel},
      {"dir/Feed.CSV", "value\n", RuleFormat::kCsv},
      {"et.rules", "alert ip any any -> any any (sid:1;)", RuleFormat::kSuricata},
      {"misp.json", "{", RuleFormat::kJson},
      {"README.adoc", "= IOCs", RuleFormat::kUnsupported},
      {"notes.md", "# IOCs", RuleFormat::kUnsupported},
      {"trails.txt", "evil.example\n", RuleFormat::kList},
      {"samples.sha256", "d41d8cd98f00b204e9800998ecf8427e\n", RuleFormat::kList},
      {"noext", "", RuleFormat::kList},
  };
  for (const auto& c : cases) EXPECT_EQ(detect_format(c.name, c.head), c.format) << c.name;
  // Binary content is not guessed as a list.
  EXPECT_EQ(detect_format("blob.bin", std::string_view("\x7f"
                                                       "ELF\0\0",
                                                       6)),
            RuleFormat::kUnsupported);
}

void write(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

TEST(LoadRulesPath, DirectoryInSortedOrder) {
  test::TempDir dir;
  const auto root = dir.path();
  write(root / "b" / "feed.csv", "value\n192.0.2.2\n");
  write(root / "a" / "z_list.txt", "a-list.example\n");
  write(root / "a" / "sub" / "x.intel",
        "#fields\tindicator\tindicator_type\n192.0.2.3\tIntel::ADDR\n");
  write(root / "notes.md", "# notes\n");
  write(root / "et.rules", "alert ip any any -> any any (sid:1;)\n");
  write(root / ".hidden.txt", "hidden.example\n");
  write(root / ".git" / "config.txt", "git.example\n");
  write(root / "README.md", "# About these feeds\n");  // documentation: not read
  write(root / "a" / "readme.txt", "see the wiki\n");

  RuleSet rules;
  EXPECT_EQ(load_rules_path(root.string(), rules), 4u);
  ASSERT_EQ(rules.signatures().size(), 1u);
  EXPECT_EQ(rules.signatures()[0].file, (root / "et.rules").string());
  Strings order;
  for (const auto& i : rules.indicators())
    order.push_back(rules.meta_of(i).rule_set + " " + i.normalized);
  EXPECT_EQ(order,
            (Strings{"x.intel 192.0.2.3", "z_list.txt a-list.example", "feed.csv 192.0.2.2"}));
  EXPECT_EQ(diagnostics(rules), (Strings{(root / "notes.md").string() + ": unsupported format"}));
}

TEST(LoadRulesPath, SingleFileAndMissingPath) {
  test::TempDir dir;
  write(dir.path() / "one.txt", "evil.example\nfoo bar\n");
  RuleSet rules;
  EXPECT_EQ(load_rules_path((dir.path() / "one.txt").string(), rules), 1u);
  EXPECT_EQ(load_rules_path((dir.path() / "missing.txt").string(), rules), 0u);
  EXPECT_EQ(rules.indicators().size(), 1u);
  EXPECT_EQ(diagnostics(rules),
            (Strings{(dir.path() / "one.txt").string() + ":2: not an indicator: 'foo bar'",
                     (dir.path() / "missing.txt").string() + ": no such file or directory"}));
}

// ---------------------------------------------------------------- real shared files

struct TypeCounts {
  size_t ip = 0, ip_with_port = 0, cidr = 0, domain = 0, url = 0, ja3 = 0;
  bool operator==(const TypeCounts&) const = default;
};

TypeCounts count_types(const RuleSet& rules) {
  TypeCounts c;
  for (const auto& i : rules.indicators()) {
    switch (i.type) {
      case IndicatorType::kIp:
        ++c.ip;
        c.ip_with_port += i.port != 0;
        break;
      case IndicatorType::kCidr:
        ++c.cidr;
        break;
      case IndicatorType::kDomain:
        ++c.domain;
        break;
      case IndicatorType::kUrl:
        ++c.url;
        break;
      case IndicatorType::kJa3:
      case IndicatorType::kJa3s:
        ++c.ja3;
        break;
    }
  }
  return c;
}

std::ostream& operator<<(std::ostream& os, const TypeCounts& c) {
  return os << "{ip " << c.ip << " (port " << c.ip_with_port << "), cidr " << c.cidr << ", domain "
            << c.domain << ", url " << c.url << "}";
}

size_t count_skipped(const RuleSet& rules, const std::string& kind) {
  size_t n = 0;
  for (const auto& s : rules.skipped()) n += s.kind == kind;
  return n;
}

// Counts cross-checked once against an independent awk classification of the same files.
struct MaltrailCase {
  const char* name;
  TypeCounts counts;
  size_t url_paths;
};

TEST(SharedFiles, MaltrailTrailsLoadCleanly) {
  const MaltrailCase cases[] = {
      {"maltrail_apt_energeticbear.txt", {0, 0, 0, 5, 2}, 0},
      {"maltrail_apt_greyenergy.txt", {4, 4, 0, 0, 2}, 1},
      {"maltrail_apt_kimsuky.txt", {96, 96, 0, 25933, 353}, 111},
      {"maltrail_apt_lazarus.txt", {875, 871, 0, 3903, 696}, 99},
      {"maltrail_apt_mustangpanda.txt", {143, 143, 0, 314, 49}, 19},
      {"maltrail_apt_sandworm.txt", {395, 395, 0, 342, 62}, 17},
      {"maltrail_apt_telebots.txt", {0, 0, 0, 2, 0}, 0},
  };
  size_t present = 0;
  for (const auto& c : cases) {
    const auto path = test::shared_file("iocs", c.name);
    if (path.empty()) continue;
    ++present;
    RuleSet rules;
    ASSERT_EQ(load_rules_path(path.string(), rules), 1u);
    EXPECT_TRUE(rules.diagnostics().empty()) << c.name << ": " << diagnostics(rules)[0];
    EXPECT_EQ(count_types(rules), c.counts) << c.name;
    EXPECT_EQ(count_skipped(rules, "url_path"), c.url_paths) << c.name;
    EXPECT_EQ(rules.skipped().size(), c.url_paths) << c.name;
  }
  if (present == 0) GTEST_SKIP() << "../shared/data/iocs not present";
}

TEST(SharedFiles, CpsZeekGruIntel) {
  TRIPLINE_SHARED_OR_SKIP(path, "iocs", "cps_zeek_gru-aa25.intel");
  RuleSet rules;
  ASSERT_EQ(load_rules_path(path.string(), rules), 1u);
  EXPECT_TRUE(rules.diagnostics().empty());
  EXPECT_EQ(count_types(rules), (TypeCounts{65, 0, 0, 60, 0}));
  EXPECT_TRUE(rules.skipped().empty());
  ASSERT_EQ(rules.metas().size(), 1u);
  EXPECT_EQ(rules.metas()[0].source, "GRU-AA25");
  EXPECT_EQ(rules.metas()[0].description, "GRU-AA25");
  EXPECT_EQ(rules.metas()[0].extra,
            (std::vector<std::pair<std::string, std::string>>{{"do_notice", "F"}}));
}

TEST(SharedFiles, Unit42MuddyWaterCsv) {
  TRIPLINE_SHARED_OR_SKIP(path, "iocs", "unit42_MuddyWater.csv");
  RuleSet rules;
  ASSERT_EQ(load_rules_path(path.string(), rules), 1u);
  EXPECT_TRUE(rules.diagnostics().empty()) << diagnostics(rules)[0];
  EXPECT_EQ(count_types(rules), (TypeCounts{15, 2, 0, 0, 104}));
  EXPECT_EQ(count_skipped(rules, "md5"), 63u);
  EXPECT_EQ(count_skipped(rules, "sha256"), 163u);
  EXPECT_EQ(count_skipped(rules, "filename"), 31u);
  EXPECT_EQ(rules.skipped().size(), 63u + 163u + 31u);
  // A defanged URL keeps its written form; normalized is refanged and scheme-less.
  bool found = false;
  for (const auto& i : rules.indicators()) {
    if (i.value == "hxxp://134[.]19[.]215[.]3:443") {
      found = true;
      EXPECT_EQ(i.normalized, "134.19.215.3:443/");
    }
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace tripline
