// A bundle is read twice: first the objects indicators refer to (identities, markings,
// campaigns, `indicates` relationships), then the indicators themselves.
#include "core/stix_loader.hpp"

#include <simdjson.h>

#include <string>
#include <unordered_map>
#include <vector>

#include "core/intel_json.hpp"
#include "core/loader_util.hpp"
#include "core/stix_translate.hpp"

namespace tripline {

namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

// The STIX 2.1 (and 2.0) TLP 1.0 marking definitions, fixed by the specification.
constexpr std::pair<std::string_view, std::string_view> kTlpMarkings[] = {
    {"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", "clear"},  // TLP:WHITE
    {"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", "green"},
    {"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", "amber"},
    {"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", "red"},
};

std::string_view string_field(const element& e, std::string_view key) {
  std::string_view v;
  if (e[key].get(v) != simdjson::SUCCESS) return {};
  return v;
}

std::string join_strings(const element& e, std::string_view key) {
  std::string out;
  array items;
  if (e[key].get(items) != simdjson::SUCCESS) return out;
  for (element item : items) {
    std::string_view v;
    if (item.get(v) != simdjson::SUCCESS) continue;
    if (!out.empty()) out += ',';
    out += v;
  }
  return out;
}

// What a bundle says about the objects its indicators point to.
struct BundleIndex {
  std::unordered_map<std::string_view, std::string_view> names;  // identity/campaign/... -> name
  std::unordered_map<std::string_view, std::string> tlp;         // marking-definition -> tlp
  std::unordered_map<std::string_view, std::vector<std::string_view>> indicates;  // -> targets
};

std::string marking_tlp(const element& o) {
  // STIX 2.0/2.1: {"definition_type": "tlp", "definition": {"tlp": "amber"}}.
  if (string_field(o, "definition_type") == "tlp") {
    element def;
    if (o["definition"].get(def) == simdjson::SUCCESS)
      return detail::normalize_tlp(string_field(def, "tlp"));
  }
  // TLP 2.0 as a STIX extension: {"extensions": {"extension-definition--...": {"tlp_2_0": ..}}}.
  object extensions;
  if (o["extensions"].get(extensions) == simdjson::SUCCESS)
    for (auto field : extensions) {
      const std::string_view v = string_field(field.value, "tlp_2_0");
      if (!v.empty()) return detail::normalize_tlp(v);
    }
  const std::string_view name = string_field(o, "name");
  return detail::istarts_with(name, "tlp:") ? detail::normalize_tlp(name) : std::string();
}

BundleIndex index_bundle(const array& objects) {
  BundleIndex index;
  for (const auto& [id, tlp] : kTlpMarkings) index.tlp[id] = std::string(tlp);
  for (element o : objects) {
    const std::string_view type = string_field(o, "type");
    const std::string_view id = string_field(o, "id");
    if (type == "identity" || type == "campaign" || type == "intrusion-set" ||
        type == "threat-actor") {
      index.names[id] = string_field(o, "name");
    } else if (type == "marking-definition") {
      std::string tlp = marking_tlp(o);
      if (!tlp.empty()) index.tlp[id] = std::move(tlp);
    } else if (type == "relationship" && string_field(o, "relationship_type") == "indicates") {
      index.indicates[string_field(o, "source_ref")].push_back(string_field(o, "target_ref"));
    }
  }
  return index;
}

class StixLoader {
 public:
  StixLoader(std::string_view file, const RuleVars& vars, int64_t now, RuleSet& rules)
      : file_(file), vars_(vars), now_(now), rules_(rules) {
    rule_set_ = std::string(detail::base_name(file));
    default_source_ = std::string(detail::stem(rule_set_));
  }

  void load(const element& root) {
    array objects;
    if (string_field(root, "type") != "bundle" || root["objects"].get(objects)) {
      rules_.add_diagnostic(Diagnostic{file_, 0, "", "not a STIX bundle", Severity::kError});
      return;
    }
    rules_.add_rule_file(file_);
    index_ = index_bundle(objects);
    for (element o : objects)
      if (string_field(o, "type") == "indicator") indicator(o);
  }

 private:
  void indicator(const element& o) {
    const std::string_view id = string_field(o, "id");
    if (id.empty())
      return detail::skip_object(rules_, file_, "", "missing id", "indicator without an id",
                                 Severity::kError);
    bool revoked = false;
    if (o["revoked"].get(revoked) == simdjson::SUCCESS && revoked)
      return detail::skip_object(rules_, file_, id, "revoked", "revoked");
    IndicatorMeta meta;
    if (!validity(o, id, meta)) return;
    context(o, id, meta);

    const std::string_view pattern = string_field(o, "pattern");
    std::string_view pattern_type = string_field(o, "pattern_type");
    if (pattern_type.empty()) pattern_type = "stix";  // STIX 2.0 has only STIX patterns
    if (pattern.empty())
      return detail::skip_object(rules_, file_, id, "missing pattern", "missing pattern",
                                 Severity::kError);
    if (pattern_type == "snort" || pattern_type == "suricata") {
      std::string why;
      if (detail::load_embedded_rules(rules_, pattern, file_, id, "stix_id", vars_, meta, why) == 0)
        return rules_.count_skipped_rule(file_, why);
      return rules_.count_loaded_rule(file_);
    }
    if (pattern_type != "stix") {
      const std::string reason =
          "pattern_type '" + std::string(pattern_type) + "' is not supported";
      return detail::skip_object(rules_, file_, id, reason, reason);
    }
    StixTranslation t = compile_stix_pattern(pattern);
    if (!t.ok)
      return detail::skip_object(rules_, file_, id, t.error, t.error,
                                 t.unsupported ? Severity::kWarning : Severity::kError);
    for (StixIndicatorValue& v : t.indicators) {
      Indicator indicator;
      indicator.type = v.type;
      indicator.value = std::move(v.value);
      indicator.normalized = std::move(v.normalized);
      rules_.add(std::move(indicator), meta);
    }
    const std::string_view name = string_field(o, "name");
    const std::string msg(name.empty() ? id : name);
    for (uint32_t i = 0; i < t.signatures.size(); ++i)
      detail::add_derived_signature(rules_, std::move(t.signatures[i]), id, i, msg, file_, meta);
    rules_.count_loaded_rule(file_);
  }

  // valid_from / valid_until against now; false (and reported) when outside.
  bool validity(const element& o, std::string_view id, IndicatorMeta& meta) {
    for (const char* key : {"valid_from", "valid_until"}) {
      const std::string_view text = string_field(o, key);
      if (text.empty()) continue;
      const auto t = detail::parse_timestamp(text);
      if (!t) {
        detail::skip_object(rules_, file_, id, std::string("invalid ") + key,
                            std::string("invalid ") + key + " '" + std::string(text) + "'",
                            Severity::kError);
        return false;
      }
      const bool from = key[6] == 'f';
      if (from && *t > now_) {
        detail::skip_object(rules_, file_, id, "not yet valid",
                            "not yet valid (valid_from " + std::string(text) + ")");
        return false;
      }
      if (!from && *t <= now_) {
        detail::skip_object(rules_, file_, id, "expired",
                            "expired (valid_until " + std::string(text) + ")");
        return false;
      }
      if (!from) meta.valid_until = *t;
    }
    return true;
  }

  void context(const element& o, std::string_view id, IndicatorMeta& meta) const {
    meta.rule_set = rule_set_;
    meta.id = std::string(id);
    const auto creator = index_.names.find(string_field(o, "created_by_ref"));
    meta.source = creator != index_.names.end() && !creator->second.empty()
                      ? std::string(creator->second)
                      : default_source_;
    if (const auto targets = index_.indicates.find(id); targets != index_.indicates.end())
      for (std::string_view target : targets->second) {
        const auto name = index_.names.find(target);
        if (name == index_.names.end() || target.starts_with("identity--")) continue;
        if (!meta.campaign.empty()) meta.campaign += ", ";
        meta.campaign += name->second;
      }
    array markings;
    if (o["object_marking_refs"].get(markings) == simdjson::SUCCESS)
      for (element m : markings) {
        std::string_view ref;
        if (m.get(ref) != simdjson::SUCCESS) continue;
        if (const auto tlp = index_.tlp.find(ref); tlp != index_.tlp.end()) meta.tlp = tlp->second;
      }
    int64_t confidence = -1;
    if (o["confidence"].get(confidence) == simdjson::SUCCESS && confidence >= 0 &&
        confidence <= 100)
      meta.confidence = static_cast<int>(confidence);
    meta.description = std::string(string_field(o, "description"));
    if (const std::string_view name = string_field(o, "name"); !name.empty())
      meta.extra.emplace_back("name", name);
    std::string types = join_strings(o, "indicator_types");  // 2.1
    if (types.empty()) types = join_strings(o, "labels");    // 2.0
    if (!types.empty()) meta.extra.emplace_back("indicator_types", std::move(types));
    std::string phases;
    array kill_chain;
    if (o["kill_chain_phases"].get(kill_chain) == simdjson::SUCCESS)
      for (element phase : kill_chain) {
        if (!phases.empty()) phases += ',';
        phases += string_field(phase, "kill_chain_name");
        phases += ':';
        phases += string_field(phase, "phase_name");
      }
    if (!phases.empty()) meta.extra.emplace_back("kill_chain_phases", std::move(phases));
  }

  std::string file_;
  const RuleVars& vars_;
  int64_t now_;
  RuleSet& rules_;
  std::string rule_set_, default_source_;
  BundleIndex index_;
};

}  // namespace

void load_stix_bundle(std::string_view text, std::string_view file_name, const RuleVars& vars,
                      int64_t now, RuleSet& rules) {
  simdjson::dom::parser parser;
  element root;
  if (detail::parse_document(text, file_name, rules, parser, root))
    StixLoader(file_name, vars, now, rules).load(root);
}

}  // namespace tripline
