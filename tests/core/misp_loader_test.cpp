// MISP: the shared ESET TeleBots event with exact counts, a crafted event (objects, tags, snort,
// every outcome) and a crafted feed directory found by load_rules_path.
#include "core/misp_loader.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "core/loaders.hpp"
#include "tests/test_support.hpp"

namespace tripline {
namespace {

using Strings = std::vector<std::string>;
using Tally = std::map<std::string, size_t>;

Strings diagnostics(const RuleSet& rules) {
  Strings out;
  for (const auto& d : rules.diagnostics()) out.push_back(d.to_string());
  return out;
}

Strings summary(const RuleSet& rules) {
  Strings out;
  for (const auto& i : rules.indicators())
    out.push_back(std::string(to_string(i.type)) + " " + i.normalized + " " +
                  std::to_string(i.port));
  return out;
}

TEST(MispLoader, EsetTelebotsEventGolden) {
  TRIPLINE_SHARED_OR_SKIP(path, "iocs", "eset_telebots_misp-event.json");
  RuleSet rules;
  ASSERT_EQ(load_rules_path(path.string(), rules), 1u);
  // Counted independently with python3 over response[0].Event.Attribute (95, no Object):
  //   to_ids true:  sha1 36, md5 15, sha256 15, ip-dst 3  -> 3 loaded, 66 skipped by type
  //   to_ids false: link 16, ip-dst 6, hostname 3, comment 1 -> 26 "to_ids false"
  EXPECT_TRUE(rules.diagnostics().empty()) << diagnostics(rules)[0];
  EXPECT_EQ(summary(rules),
            (Strings{"ip 93.190.137.212 0", "ip 95.141.37.3 0", "ip 80.233.134.147 0"}));
  const auto& stats = rules.rule_file_stats().at(path.string());
  EXPECT_EQ(stats.loaded, 3u);
  EXPECT_EQ(stats.skipped,
            (Tally{{"md5", 15}, {"sha1", 36}, {"sha256", 15}, {"to_ids false", 26}}));
  EXPECT_EQ(rules.skipped().size(), 66u);

  const IndicatorMeta& meta = rules.meta_of(rules.indicators()[0]);
  EXPECT_EQ(meta.source, "CIRCL");       // Orgc
  EXPECT_EQ(meta.campaign, "TeleBots");  // threat-actor galaxy cluster
  EXPECT_EQ(meta.tlp, "clear");          // tlp:white
  EXPECT_EQ(meta.description,
            "OSINT - The rise of TeleBots: Analyzing disruptive KillDisk attacks");
  EXPECT_EQ(meta.id, "58503f3a-4414-4e2c-9562-424302de0b81");
}

const char* const kEvent = R"json({"Event": {
  "uuid": "ev-1", "info": "Grid intrusion set", "Orgc": {"name": "Energy CERT"},
  "Tag": [{"name": "tlp:green"}, {"name": "misp-galaxy:threat-actor=\"Sandworm\""}],
  "Attribute": [
    {"uuid": "a1", "type": "ip-dst|port", "value": "198.51.100.7|8443", "to_ids": true},
    {"uuid": "a2", "type": "domain|ip", "value": "c2.example|192.0.2.5", "to_ids": true},
    {"uuid": "a3", "type": "url", "value": "http://c2.example/gate.php", "to_ids": true,
     "Tag": [{"name": "tlp:red"}]},
    {"uuid": "a4", "type": "ja3-fingerprint-md5", "value": "e7d705a3286e19ea42f587b344ee6865",
     "to_ids": "1"},
    {"uuid": "a5", "type": "hostname", "value": "cdn.example", "to_ids": false},
    {"uuid": "a6", "type": "domain", "value": "gone.example", "to_ids": true, "deleted": true},
    {"uuid": "a7", "type": "email-src", "value": "a@example.com", "to_ids": true},
    {"uuid": "a8", "type": "ip-src", "value": "not-an-ip", "to_ids": true},
    {"uuid": "a9", "type": "snort", "to_ids": true,
     "value": "alert tcp any any -> any 502 (msg:\"modbus write\"; content:\"|06|\"; sid:7100001;)"}
  ],
  "Object": [{"name": "domain-ip", "Attribute": [
    {"uuid": "o1", "type": "domain", "value": "obj.example", "to_ids": true},
    {"uuid": "o2", "type": "text", "value": "note", "to_ids": false}]}]
}})json";

TEST(MispLoader, CraftedEventEveryOutcome) {
  RuleSet rules;
  load_misp_event(kEvent, "ev.json", RuleVars::suricata_defaults(), rules);
  EXPECT_EQ(diagnostics(rules), (Strings{"ev.json: a8: value 'not-an-ip' is not an ip address"}));
  EXPECT_EQ(summary(rules),
            (Strings{"ip 198.51.100.7 8443", "domain c2.example 0", "ip 192.0.2.5 0",
                     "url c2.example/gate.php 0", "ja3 e7d705a3286e19ea42f587b344ee6865 0",
                     "domain obj.example 0"}));
  const auto& stats = rules.rule_file_stats().at("ev.json");
  EXPECT_EQ(stats.loaded, 6u);  // a1 a2 a3 a4 a9 o1
  EXPECT_EQ(stats.skipped,
            (Tally{{"deleted", 1}, {"email-src", 1}, {"invalid ip-src", 1}, {"to_ids false", 2}}));
  ASSERT_EQ(rules.skipped().size(), 1u);
  EXPECT_EQ(rules.skipped()[0].kind, "email-src");

  const IndicatorMeta& first = rules.meta_of(rules.indicators()[0]);
  EXPECT_EQ(first.source, "Energy CERT");
  EXPECT_EQ(first.campaign, "Sandworm");  // from the tag when there is no Galaxy
  EXPECT_EQ(first.tlp, "green");
  EXPECT_EQ(rules.meta_of(rules.indicators()[3]).tlp, "red");  // the attribute's own tag
  ASSERT_EQ(rules.signatures().size(), 1u);
  EXPECT_EQ(rules.signatures()[0].sid, 7100001u);
  bool has_uuid = false;
  for (const auto& [k, v] : rules.signatures()[0].metadata)
    has_uuid |= k == "misp_uuid" && v == "a9";
  EXPECT_TRUE(has_uuid);
}

void write(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

TEST(MispLoader, FeedDirectoryThroughManifest) {
  test::TempDir dir;
  const auto feed = dir.path() / "intel" / "misp-feed";
  write(feed / "manifest.json",
        R"({"uuid-b": {"info": "second"}, "uuid-a": {"info": "first"}, "uuid-missing": {}})");
  write(feed / "uuid-a.json", R"({"Event": {"info": "first", "Orgc": {"name": "CERT-A"},
      "Attribute": [{"uuid": "x1", "type": "ip-dst", "value": "192.0.2.1", "to_ids": true}]}})");
  write(feed / "uuid-b.json", R"({"Event": {"info": "second",
      "Attribute": [{"uuid": "x2", "type": "domain", "value": "b.example", "to_ids": true},
                    {"uuid": "x3", "type": "md5", "value": "d41d8cd98f00b204e9800998ecf8427e",
                     "to_ids": true}]}})");
  write(feed / "hashes.csv", "d41d8cd98f00b204e9800998ecf8427e,uuid-b\n");  // not a rule file
  write(dir.path() / "intel" / "list.txt", "203.0.113.1\n");

  RuleSet rules;
  EXPECT_EQ(load_rules_path((dir.path() / "intel").string(), rules), 3u);  // list + 2 events
  EXPECT_EQ(diagnostics(rules),
            (Strings{(feed / "uuid-missing.json").string() + ": cannot read file"}));
  EXPECT_EQ(summary(rules), (Strings{"ip 203.0.113.1 0", "ip 192.0.2.1 0", "domain b.example 0"}));
  EXPECT_EQ(rules.meta_of(rules.indicators()[1]).source, "CERT-A");
  EXPECT_EQ(rules.meta_of(rules.indicators()[2]).source, "uuid-b");  // no Orgc: the file
  EXPECT_EQ(rules.rule_file_stats().at((feed / "uuid-b.json").string()).skipped,
            (Tally{{"md5", 1}}));
}

TEST(MispLoader, BadDocuments) {
  const struct {
    const char* text;
    const char* diagnostic;
  } cases[] = {
      {"[",
       "m.json: invalid JSON: The JSON document has an improper structure: missing or "
       "superfluous commas, braces, missing keys, etc."},
      {R"({"event": {}})", "m.json: not a MISP event"},
  };
  for (const auto& c : cases) {
    RuleSet rules;
    load_misp_event(c.text, "m.json", RuleVars{}, rules);
    EXPECT_EQ(diagnostics(rules), (Strings{c.diagnostic})) << c.text;
  }
}

}  // namespace
}  // namespace tripline
