// STIX bundles: the shared Unit 42 bundle (STIX 2.0) with exact counts, and crafted STIX 2.1
// bundles for context (identity, TLP, campaign), validity, rule patterns and compound patterns.
#include "core/stix_loader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/loaders.hpp"
#include "tests/test_support.hpp"

namespace tripline {
namespace {

using Strings = std::vector<std::string>;

Strings diagnostics(const RuleSet& rules) {
  Strings out;
  for (const auto& d : rules.diagnostics()) out.push_back(d.to_string());
  return out;
}

const std::string* extra(const IndicatorMeta& meta, const std::string& key) {
  for (const auto& [k, v] : meta.extra)
    if (k == key) return &v;
  return nullptr;
}

std::string metadata(const Signature& s, const std::string& key) {
  for (const auto& [k, v] : s.metadata)
    if (k == key) return v;
  return {};
}

constexpr int64_t kNow = 1767225600;  // 2026-01-01T00:00:00Z

TEST(StixLoader, Unit42BundleGolden) {
  TRIPLINE_SHARED_OR_SKIP(path, "iocs", "unit42_stix2_cve-2023-23397.json");
  RuleSet rules;
  ASSERT_EQ(load_rules_path(path.string(), rules), 1u);
  // Counted independently: python3 -c "import json; b=json.load(open(...));
  //   print([o['pattern'] for o in b['objects'] if o['type']=='indicator'])"
  // gives 10 indicators, each "[ipv4-addr:value = '<ip>']", valid_from 2023-04-04, no
  // valid_until, no created_by_ref, no markings; each has an `indicates` relationship to
  // campaign--16efdab8... named "CVE-2023-23397" (and one to an attack-pattern, not a campaign).
  EXPECT_TRUE(rules.diagnostics().empty()) << diagnostics(rules)[0];
  ASSERT_EQ(rules.indicators().size(), 10u);
  for (const auto& i : rules.indicators()) EXPECT_EQ(i.type, IndicatorType::kIp);
  EXPECT_TRUE(rules.signatures().empty());
  const auto& stats = rules.rule_file_stats().at(path.string());
  EXPECT_EQ(stats.loaded, 10u);
  EXPECT_EQ(stats.skipped_total(), 0u);

  const Indicator& first = rules.indicators().front();  // bundle order
  EXPECT_EQ(first.normalized, "113.160.234.229");
  const IndicatorMeta& meta = rules.meta_of(first);
  EXPECT_EQ(meta.id, "indicator--001a3517-bbac-4d28-a807-e6fc259ff4eb");
  EXPECT_EQ(meta.campaign, "CVE-2023-23397");
  EXPECT_EQ(meta.source, "unit42_stix2_cve-2023-23397");  // no created_by_ref: the file
  EXPECT_EQ(meta.tlp, "");
  EXPECT_EQ(meta.rule_set, "unit42_stix2_cve-2023-23397.json");
  ASSERT_NE(extra(meta, "indicator_types"), nullptr);
  EXPECT_EQ(*extra(meta, "indicator_types"), "malicious-activity");  // 2.0 labels
  EXPECT_EQ(*extra(meta, "name"), "113.160.234.229");
}

// A STIX 2.1 bundle exercising every context source and every outcome.
const char* const kBundle = R"json({
  "type": "bundle", "id": "bundle--1",
  "objects": [
    {"type": "identity", "spec_version": "2.1", "id": "identity--a", "name": "Grid ISAC"},
    {"type": "campaign", "spec_version": "2.1", "id": "campaign--c", "name": "DEMO-GRID-2026"},
    {"type": "intrusion-set", "spec_version": "2.1", "id": "intrusion-set--i", "name": "Sandstorm"},
    {"type": "marking-definition", "spec_version": "2.1",
     "id": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", "name": "TLP:AMBER+STRICT",
     "extensions": {"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":
                    {"extension_type": "property-extension", "tlp_2_0": "amber+strict"}}},
    {"type": "indicator", "spec_version": "2.1", "id": "indicator--plain",
     "name": "C2 address", "created_by_ref": "identity--a", "confidence": 85,
     "indicator_types": ["malicious-activity", "attribution"],
     "object_marking_refs": ["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"],
     "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": "command-and-control"}],
     "pattern_type": "stix", "pattern": "[ipv4-addr:value = '203.0.113.9']",
     "valid_from": "2025-01-01T00:00:00Z", "valid_until": "2027-01-01T00:00:00.000Z"},
    {"type": "indicator", "spec_version": "2.1", "id": "indicator--compound",
     "name": "C2 on 8443", "created_by_ref": "identity--a",
     "object_marking_refs": ["marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"],
     "pattern_type": "stix",
     "pattern": "[network-traffic:dst_ref.value = '198.51.100.7' AND network-traffic:dst_port = 8443]",
     "valid_from": "2025-01-01T00:00:00Z"},
    {"type": "indicator", "spec_version": "2.1", "id": "indicator--expired",
     "pattern_type": "stix", "pattern": "[domain-name:value = 'old.example']",
     "valid_from": "2020-01-01T00:00:00Z", "valid_until": "2021-01-01T00:00:00Z"},
    {"type": "indicator", "spec_version": "2.1", "id": "indicator--future",
     "pattern_type": "stix", "pattern": "[domain-name:value = 'new.example']",
     "valid_from": "2030-01-01T00:00:00Z"},
    {"type": "indicator", "spec_version": "2.1", "id": "indicator--revoked", "revoked": true,
     "pattern_type": "stix", "pattern": "[domain-name:value = 'revoked.example']",
     "valid_from": "2025-01-01T00:00:00Z"},
    {"type": "indicator", "spec_version": "2.1", "id": "indicator--rule",
     "pattern_type": "suricata", "valid_from": "2025-01-01T00:00:00Z",
     "pattern": "alert dns any any -> any any (msg:\"evil dns\"; dns.query; content:\"evil.example\"; sid:7000001; rev:2;)"},
    {"type": "indicator", "spec_version": "2.1", "id": "indicator--badrule",
     "pattern_type": "snort", "valid_from": "2025-01-01T00:00:00Z",
     "pattern": "alert tcp any any -> any any (msg:\"x\"; byte_test:1,>,1,0; sid:7000002;)"},
    {"type": "indicator", "spec_version": "2.1", "id": "indicator--hash",
     "pattern_type": "stix", "valid_from": "2025-01-01T00:00:00Z",
     "pattern": "[file:hashes.'SHA-256' = 'aa']"},
    {"type": "indicator", "spec_version": "2.1", "id": "indicator--yara",
     "pattern_type": "yara", "valid_from": "2025-01-01T00:00:00Z", "pattern": "rule x {}"},
    {"type": "indicator", "spec_version": "2.1", "id": "indicator--broken",
     "pattern_type": "stix", "valid_from": "2025-01-01T00:00:00Z",
     "pattern": "[ipv4-addr:value = '1.2.3.4'"},
    {"type": "relationship", "spec_version": "2.1", "id": "relationship--1",
     "relationship_type": "indicates", "source_ref": "indicator--plain", "target_ref": "campaign--c"},
    {"type": "relationship", "spec_version": "2.1", "id": "relationship--2",
     "relationship_type": "indicates", "source_ref": "indicator--plain",
     "target_ref": "intrusion-set--i"},
    {"type": "relationship", "spec_version": "2.1", "id": "relationship--3",
     "relationship_type": "related-to", "source_ref": "indicator--compound",
     "target_ref": "campaign--c"}
  ]
})json";

TEST(StixLoader, CraftedBundleContextAndOutcomes) {
  RuleSet rules;
  load_stix_bundle(kBundle, "intel/grid.json", RuleVars::suricata_defaults(), kNow, rules);
  EXPECT_EQ(diagnostics(rules),
            (Strings{
                "intel/grid.json: warning: indicator--expired: expired (valid_until "
                "2021-01-01T00:00:00Z)",
                "intel/grid.json: warning: indicator--future: not yet valid (valid_from "
                "2030-01-01T00:00:00Z)",
                "intel/grid.json: warning: indicator--revoked: revoked",
                "intel/grid.json: warning: indicator--badrule: sid 7000002: unsupported keyword "
                "'byte_test'",
                "intel/grid.json: warning: indicator--hash: unsupported object path "
                "'file:hashes.'SHA-256''",
                "intel/grid.json: warning: indicator--yara: pattern_type 'yara' is not supported",
                "intel/grid.json: indicator--broken: expected ']' at offset 28",
            }));
  const auto& stats = rules.rule_file_stats().at("intel/grid.json");
  EXPECT_EQ(stats.loaded, 3u);  // plain, compound, rule
  EXPECT_EQ(stats.skipped, (std::map<std::string, size_t>{
                               {"expected ']' at offset 28", 1},
                               {"expired", 1},
                               {"not yet valid", 1},
                               {"pattern_type 'yara' is not supported", 1},
                               {"revoked", 1},
                               {"unsupported keyword 'byte_test'", 1},
                               {"unsupported object path 'file:hashes.'SHA-256''", 1}}));

  ASSERT_EQ(rules.indicators().size(), 1u);
  const IndicatorMeta& meta = rules.meta_of(rules.indicators()[0]);
  EXPECT_EQ(rules.indicators()[0].normalized, "203.0.113.9");
  EXPECT_EQ(meta.source, "Grid ISAC");
  EXPECT_EQ(meta.campaign, "DEMO-GRID-2026, Sandstorm");
  EXPECT_EQ(meta.tlp, "amber");
  EXPECT_EQ(meta.confidence, 85);
  EXPECT_EQ(meta.id, "indicator--plain");
  EXPECT_EQ(meta.valid_until, 1798761600);  // 2027-01-01T00:00:00Z
  EXPECT_EQ(*extra(meta, "indicator_types"), "malicious-activity,attribution");
  EXPECT_EQ(*extra(meta, "kill_chain_phases"), "mitre-attack:command-and-control");

  ASSERT_EQ(rules.signatures().size(), 2u);
  const Signature& compound = rules.signatures()[0];
  EXPECT_EQ(compound.msg, "C2 on 8443");
  EXPECT_EQ(compound.gid, 1u);
  EXPECT_GE(compound.sid, 3000000000u);
  EXPECT_EQ(compound.file, "intel/grid.json");
  EXPECT_TRUE(compound.matches.empty());
  EXPECT_FALSE(compound.dst.any);
  EXPECT_TRUE(compound.dst_ports.contains(8443));
  EXPECT_FALSE(compound.dst_ports.contains(443));
  EXPECT_EQ(metadata(compound, "stix_id"), "indicator--compound");
  EXPECT_EQ(metadata(compound, "source"), "Grid ISAC");
  EXPECT_EQ(metadata(compound, "tlp"), "amber+strict");
  EXPECT_EQ(metadata(compound, "campaign"), "");  // related-to is not indicates

  const Signature& rule = rules.signatures()[1];
  EXPECT_EQ(rule.sid, 7000001u);
  EXPECT_EQ(rule.rev, 2u);
  EXPECT_EQ(rule.msg, "evil dns");
  EXPECT_EQ(metadata(rule, "stix_id"), "indicator--rule");
}

TEST(StixLoader, SidIsStableAcrossLoads) {
  RuleSet a, b;
  load_stix_bundle(kBundle, "a.json", RuleVars{}, kNow, a);
  load_stix_bundle(kBundle, "b.json", RuleVars{}, kNow, b);
  ASSERT_FALSE(a.signatures().empty());
  EXPECT_EQ(a.signatures()[0].sid, b.signatures()[0].sid);
}

TEST(StixLoader, BadDocuments) {
  const struct {
    const char* text;
    const char* diagnostic;
  } cases[] = {
      {"{",
       "x.json: invalid JSON: The JSON document has an improper structure: missing or "
       "superfluous commas, braces, missing keys, etc."},
      {R"({"type": "report"})", "x.json: not a STIX bundle"},
      {R"({"type": "bundle", "objects": {}})", "x.json: not a STIX bundle"},
      {R"({"type": "bundle", "objects": [{"type": "indicator", "pattern": "[x:y = 1]"}]})",
       "x.json: indicator without an id"},
      {R"({"type": "bundle", "objects": [{"type": "indicator", "id": "indicator--1"}]})",
       "x.json: indicator--1: missing pattern"},
      {R"({"type": "bundle", "objects": [{"type": "indicator", "id": "indicator--1",
           "valid_until": "tomorrow", "pattern": "[ipv4-addr:value = '1.2.3.4']"}]})",
       "x.json: indicator--1: invalid valid_until 'tomorrow'"},
  };
  for (const auto& c : cases) {
    RuleSet rules;
    load_stix_bundle(c.text, "x.json", RuleVars{}, kNow, rules);
    ASSERT_EQ(rules.diagnostics().size(), 1u) << c.text;
    EXPECT_EQ(rules.diagnostics()[0].to_string(), c.diagnostic) << c.text;
    EXPECT_TRUE(rules.indicators().empty());
  }
}

TEST(StixLoader, DetectedByContent) {
  EXPECT_EQ(detect_json_format(R"({"objects": [], "type": "bundle"})"), RuleFormat::kStix);
  EXPECT_EQ(detect_json_format(R"({"Event": {}})"), RuleFormat::kMisp);
  EXPECT_EQ(detect_json_format(R"({"response": []})"), RuleFormat::kMisp);
  EXPECT_EQ(detect_json_format(R"({"type": "report"})"), RuleFormat::kUnsupported);
  EXPECT_EQ(detect_json_format("[1, 2]"), RuleFormat::kUnsupported);
  EXPECT_EQ(detect_json_format("not json"), RuleFormat::kUnsupported);
}

}  // namespace
}  // namespace tripline
