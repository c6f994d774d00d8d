// Event context first (creator organisation, info, TLP tag, threat-actor clusters), then every
// attribute, the event's own and its objects'.
#include "core/misp_loader.hpp"

#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <vector>

#include "core/intel_json.hpp"
#include "core/loader_util.hpp"

namespace tripline {

namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

std::string_view string_field(const element& e, std::string_view key) {
  std::string_view v;
  if (e[key].get(v) != simdjson::SUCCESS) return {};
  return v;
}

// MISP writes booleans as true/false, and in older exports as "1"/"0" or 1/0.
bool flag_field(const element& e, std::string_view key) {
  element v;
  if (e[key].get(v) != simdjson::SUCCESS) return false;
  bool b = false;
  if (v.get(b) == simdjson::SUCCESS) return b;
  int64_t n = 0;
  if (v.get(n) == simdjson::SUCCESS) return n != 0;
  std::string_view s;
  return v.get(s) == simdjson::SUCCESS && (s == "1" || s == "true");
}

// The TLP among a Tag array, or empty.
std::string tag_tlp(const element& e) {
  array tags;
  if (e["Tag"].get(tags) != simdjson::SUCCESS) return {};
  for (element tag : tags) {
    const std::string_view name = string_field(tag, "name");
    if (detail::istarts_with(name, "tlp:")) {
      std::string tlp = detail::normalize_tlp(name);
      if (!tlp.empty()) return tlp;
    }
  }
  return {};
}

// Threat-actor galaxy cluster values, else misp-galaxy:threat-actor="X" tags; ", "-joined.
std::string threat_actors(const element& event) {
  std::vector<std::string> names;
  array galaxies;
  if (event["Galaxy"].get(galaxies) == simdjson::SUCCESS)
    for (element galaxy : galaxies) {
      array clusters;
      if (string_field(galaxy, "type") != "threat-actor" ||
          galaxy["GalaxyCluster"].get(clusters) != simdjson::SUCCESS)
        continue;
      for (element cluster : clusters) names.emplace_back(string_field(cluster, "value"));
    }
  array tags;
  if (names.empty() && event["Tag"].get(tags) == simdjson::SUCCESS)
    for (element tag : tags) {
      constexpr std::string_view kPrefix = "misp-galaxy:threat-actor=\"";
      const std::string_view name = string_field(tag, "name");
      if (name.starts_with(kPrefix) && name.ends_with("\"") && name.size() > kPrefix.size())
        names.emplace_back(name.substr(kPrefix.size(), name.size() - kPrefix.size() - 1));
    }
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i].empty() ||
        std::find(names.begin(), names.begin() + i, names[i]) != names.begin() + i)
      continue;  // empty, or named already
    if (!out.empty()) out += ", ";
    out += names[i];
  }
  return out;
}

bool seen_on_wire(detail::DeclaredKind kind) {
  using K = detail::DeclaredKind;
  switch (kind) {
    case K::kIp:
    case K::kCidr:
    case K::kDomain:
    case K::kHost:
    case K::kUrl:
    case K::kIpPort:
    case K::kHostPort:
    case K::kDomainIp:
    case K::kJa3:
    case K::kJa3s:
      return true;
    default:
      return false;
  }
}

class MispLoader {
 public:
  MispLoader(std::string_view file, const RuleVars& vars, RuleSet& rules)
      : file_(file), vars_(vars), rules_(rules) {}

  void load(const element& root) {
    element event;
    array response;
    if (root["Event"].get(event) == simdjson::SUCCESS) {
      rules_.add_rule_file(file_);
      load_event(event);
    } else if (root["response"].get(response) == simdjson::SUCCESS) {
      rules_.add_rule_file(file_);
      for (element item : response)
        if (item["Event"].get(event) == simdjson::SUCCESS) load_event(event);
    } else {
      rules_.add_diagnostic(Diagnostic{file_, 0, "", "not a MISP event", Severity::kError});
    }
  }

 private:
  void load_event(const element& event) {
    IndicatorMeta meta;
    meta.rule_set = std::string(detail::base_name(file_));
    element org;
    if (event["Orgc"].get(org) == simdjson::SUCCESS || event["Org"].get(org) == simdjson::SUCCESS)
      meta.source = std::string(string_field(org, "name"));
    if (meta.source.empty()) meta.source = std::string(detail::stem(meta.rule_set));
    meta.description = std::string(string_field(event, "info"));
    meta.tlp = tag_tlp(event);
    meta.campaign = threat_actors(event);
    const std::string_view event_uuid = string_field(event, "uuid");
    if (!event_uuid.empty()) meta.extra.emplace_back("misp_event", event_uuid);

    attributes(event, meta);
    array objects;
    if (event["Object"].get(objects) == simdjson::SUCCESS)
      for (element o : objects) attributes(o, meta);
  }

  void attributes(const element& holder, const IndicatorMeta& event_meta) {
    array list;
    if (holder["Attribute"].get(list) != simdjson::SUCCESS) return;
    for (element a : list) attribute(a, event_meta);
  }

  void attribute(const element& a, const IndicatorMeta& event_meta) {
    const std::string_view uuid = string_field(a, "uuid");
    const std::string_view type = string_field(a, "type");
    const std::string_view value = string_field(a, "value");
    if (flag_field(a, "deleted")) return rules_.count_skipped_rule(file_, "deleted");
    if (!flag_field(a, "to_ids")) return rules_.count_skipped_rule(file_, "to_ids false");

    IndicatorMeta meta = event_meta;
    meta.id = std::string(uuid);
    if (std::string tlp = tag_tlp(a); !tlp.empty()) meta.tlp = std::move(tlp);
    if (const std::string_view category = string_field(a, "category"); !category.empty())
      meta.extra.emplace_back("category", category);

    if (detail::iequals(type, "snort")) {
      std::string why;
      if (detail::load_embedded_rules(rules_, value, file_, uuid, "misp_uuid", vars_, meta, why) ==
          0)
        return rules_.count_skipped_rule(file_, why);
      return rules_.count_loaded_rule(file_);
    }
    const detail::DeclaredType declared = detail::lookup_declared_type(type);
    if (!seen_on_wire(declared.kind)) {
      const std::string kind = detail::lower_copy(type.empty() ? "untyped" : type);
      rules_.add_skipped(SkippedIndicator{file_, 0, kind, std::string(value)});
      return rules_.count_skipped_rule(file_, kind);
    }
    const size_t n = detail::classify_declared(declared, type, value, scratch_, pieces_);
    for (size_t i = 0; i < n; ++i) {
      Classification& c = pieces_[i].c;
      if (c.kind != Classification::kInvalid) continue;
      return detail::skip_object(rules_, file_, uuid, "invalid " + detail::lower_copy(type),
                                 c.reason, Severity::kError);
    }
    bool any = false;
    for (size_t i = 0; i < n; ++i) {
      any |= pieces_[i].c.kind == Classification::kIndicator;
      detail::emit(rules_, file_, 0, pieces_[i].written, pieces_[i].c, meta);
    }
    if (any) return rules_.count_loaded_rule(file_);
    rules_.count_skipped_rule(file_, pieces_[0].c.skipped_kind);
  }

  std::string file_;
  const RuleVars& vars_;
  RuleSet& rules_;
  std::string scratch_;
  detail::Piece pieces_[2];
};

bool read_whole_file(const std::filesystem::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

}  // namespace

void load_misp_event(std::string_view text, std::string_view file_name, const RuleVars& vars,
                     RuleSet& rules) {
  simdjson::dom::parser parser;
  element root;
  if (detail::parse_document(text, file_name, rules, parser, root))
    MispLoader(file_name, vars, rules).load(root);
}

size_t load_misp_feed(const std::string& directory, const RuleVars& vars, RuleSet& rules) {
  namespace fs = std::filesystem;
  const std::string manifest_path = (fs::path(directory) / "manifest.json").string();
  auto error = [&](const std::string& file, std::string message) {
    rules.add_diagnostic(Diagnostic{file, 0, "", std::move(message), Severity::kError});
  };
  std::string text;
  if (!read_whole_file(manifest_path, text)) {
    error(manifest_path, "cannot read file");
    return 0;
  }
  simdjson::dom::parser parser;
  const simdjson::padded_string json(detail::strip_bom(text));
  object manifest;
  if (const auto e = parser.parse(json).get(manifest)) {
    error(manifest_path, e == simdjson::INCORRECT_TYPE
                             ? std::string("not a MISP feed manifest")
                             : std::string("invalid JSON: ") + simdjson::error_message(e));
    return 0;
  }
  std::vector<std::string> uuids;
  for (auto field : manifest) uuids.emplace_back(field.key);
  std::sort(uuids.begin(), uuids.end());
  size_t loaded = 0;
  for (const std::string& uuid : uuids) {
    const bool safe = !uuid.empty() && uuid.find_first_of("/\\") == std::string::npos &&
                      uuid != "." && uuid != "..";
    const std::string path = (fs::path(directory) / (uuid + ".json")).string();
    if (!safe) {
      error(manifest_path, "invalid event uuid " + detail::quoted(uuid));
      continue;
    }
    if (!read_whole_file(path, text)) {
      error(path, "cannot read file");
      continue;
    }
    load_misp_event(text, path, vars, rules);
    ++loaded;
  }
  return loaded;
}

}  // namespace tripline
