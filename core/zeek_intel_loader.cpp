#include "core/loaders.hpp"

#include <algorithm>
#include <cstring>

#include "core/loader_util.hpp"

namespace tripline {

namespace {

enum class Field : uint8_t {
  kIndicator,
  kType,
  kSource,
  kDescription,
  kCampaign,
  kTlp,
  kConfidence,
  kCifConfidence,
  kExtra
};

Field field_role(std::string_view name) {
  if (name == "indicator") return Field::kIndicator;
  if (name == "indicator_type") return Field::kType;
  if (name == "meta.source") return Field::kSource;
  if (name == "meta.desc") return Field::kDescription;
  if (name == "meta.campaign") return Field::kCampaign;
  if (name == "meta.tlp") return Field::kTlp;
  if (name == "meta.confidence") return Field::kConfidence;
  if (name == "meta.cif_confidence") return Field::kCifConfidence;
  return Field::kExtra;
}

// Zeek writes "-" for an unset field and "(empty)" for an empty one.
std::string_view zeek_value(std::string_view v) {
  return v == "-" || v == "(empty)" ? std::string_view() : v;
}

void split_tabs(std::string_view line, std::vector<std::string_view>& out) {
  out.clear();
  size_t start = 0;
  for (;;) {
    const size_t tab = line.find('\t', start);
    out.push_back(
        line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start));
    if (tab == std::string_view::npos) return;
    start = tab + 1;
  }
}

}  // namespace

void load_zeek_intel(std::string_view text, std::string_view file_name, RuleSet& rules) {
  const std::string file(file_name);
  text = detail::strip_bom(text);
  auto diagnose = [&](uint32_t at, std::string message) {
    rules.add_diagnostic(Diagnostic{file, at, "", std::move(message), Severity::kError});
  };
  detail::reserve_for(rules, static_cast<size_t>(std::count(text.begin(), text.end(), '\n')));

  const std::string rule_set(detail::base_name(file_name));
  const std::string default_source(detail::stem(rule_set));
  std::vector<Field> roles;
  std::vector<std::string> extra_names;  // per column, key without "meta."
  size_t indicator_col = SIZE_MAX;
  size_t type_col = SIZE_MAX;
  bool have_fields = false;

  std::vector<std::string_view> fields;
  IndicatorMeta meta;
  std::string scratch;
  detail::Piece pieces[2];
  uint32_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    const void* nl = std::memchr(text.data() + pos, '\n', text.size() - pos);
    const size_t end =
        nl ? static_cast<size_t>(static_cast<const char*>(nl) - text.data()) : text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (detail::trim(line).empty()) continue;

    if (line[0] == '#') {
      if (line.substr(0, 8) != "#fields\t") continue;  // #separator, #path, comments
      split_tabs(line.substr(8), fields);
      roles.assign(fields.size(), Field::kExtra);
      extra_names.assign(fields.size(), std::string());
      indicator_col = type_col = SIZE_MAX;
      for (size_t i = 0; i < fields.size(); ++i) {
        const std::string_view name = detail::trim(fields[i]);
        roles[i] = field_role(name);
        if (roles[i] == Field::kIndicator && indicator_col == SIZE_MAX) indicator_col = i;
        if (roles[i] == Field::kType && type_col == SIZE_MAX) type_col = i;
        if (roles[i] == Field::kExtra)
          extra_names[i] = std::string(name.substr(0, 5) == "meta." ? name.substr(5) : name);
      }
      have_fields = indicator_col != SIZE_MAX && type_col != SIZE_MAX;
      if (indicator_col == SIZE_MAX)
        diagnose(line_no, "missing indicator field in #fields");
      else if (type_col == SIZE_MAX)
        diagnose(line_no, "missing indicator_type field in #fields");
      else
        roles[indicator_col] = roles[type_col] = Field::kIndicator;  // neither goes to meta
      continue;
    }
    if (roles.empty()) {
      diagnose(line_no, "data before #fields header");
      continue;
    }
    if (!have_fields) continue;  // the bad #fields line is reported once
    split_tabs(line, fields);
    if (fields.size() != roles.size()) {
      diagnose(line_no, "expected " + std::to_string(roles.size()) + " fields, got " +
                            std::to_string(fields.size()));
      continue;
    }

    meta = IndicatorMeta{};
    meta.rule_set = rule_set;
    bool bad = false;
    for (size_t i = 0; i < fields.size() && !bad; ++i) {
      const std::string_view v = zeek_value(detail::trim(fields[i]));
      switch (roles[i]) {
        case Field::kIndicator:
        case Field::kType:
          break;
        case Field::kSource:
          meta.source = v;
          break;
        case Field::kDescription:
          meta.description = v;
          break;
        case Field::kCampaign:
          meta.campaign = v;
          break;
        case Field::kTlp:
          if (v.empty()) break;
          meta.tlp = detail::normalize_tlp(v);
          if (meta.tlp.empty()) {
            diagnose(line_no, "unknown tlp " + detail::quoted(v));
            bad = true;
          }
          break;
        case Field::kConfidence:
        case Field::kCifConfidence:
          if (v.empty()) break;
          meta.confidence = roles[i] == Field::kConfidence ? detail::parse_confidence(v)
                                                           : detail::parse_cif_confidence(v);
          if (meta.confidence < 0) {
            diagnose(line_no, "invalid confidence " + detail::quoted(v));
            bad = true;
          }
          break;
        case Field::kExtra:
          if (!v.empty()) meta.extra.emplace_back(extra_names[i], v);
          break;
      }
    }
    if (bad) continue;
    if (meta.source.empty()) meta.source = default_source;

    const std::string_view value = zeek_value(detail::trim(fields[indicator_col]));
    const std::string_view type_name = zeek_value(detail::trim(fields[type_col]));
    const detail::DeclaredType type = detail::lookup_declared_type(type_name);
    if (!detail::istarts_with(type_name, "intel::") ||
        type.kind == detail::DeclaredKind::kUnknownZeek) {
      diagnose(line_no, "unknown indicator type " + detail::quoted(type_name));
      continue;
    }
    const size_t n = detail::classify_declared(type, type_name, value, scratch, pieces);
    for (size_t i = 0; i < n; ++i)
      detail::emit(rules, file_name, line_no, pieces[i].written, pieces[i].c, meta);
  }
}

}  // namespace tripline
