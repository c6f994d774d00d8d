#include "core/intel_json.hpp"

#include <charconv>

#include "core/loader_util.hpp"
#include "core/loaders.hpp"

namespace tripline::detail {

namespace {

bool digits(std::string_view s, size_t at, size_t n, int& out) {
  if (at + n > s.size()) return false;
  const auto [end, ec] = std::from_chars(s.data() + at, s.data() + at + n, out);
  return ec == std::errc() && end == s.data() + at + n;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t days_from_civil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return int64_t{era} * 146097 + static_cast<int64_t>(doe) - 719468;
}

uint32_t fnv1a(std::string_view s, uint32_t h = 2166136261u) {
  for (char c : s) h = (h ^ static_cast<uint8_t>(c)) * 16777619u;
  return h;
}

}  // namespace

std::optional<int64_t> parse_timestamp(std::string_view s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  if (!digits(s, 0, 4, y) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't') || !digits(s, 11, 2, h) ||
      s[13] != ':' || !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, se))
    return std::nullopt;
  size_t pos = 19;
  if (s[pos] == '.') {
    ++pos;
    const size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    if (pos == start) return std::nullopt;
  }
  const std::string_view zone = s.substr(pos);
  if (zone != "Z" && zone != "z" && zone != "+00:00") return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return std::nullopt;
  return days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 +
         h * 3600 + mi * 60 + se;
}

void skip_object(RuleSet& rules, const std::string& file, std::string_view id,
                 const std::string& reason, std::string message, Severity severity) {
  rules.count_skipped_rule(file, reason);
  if (!message.empty())
    rules.add_diagnostic(Diagnostic{file, 0, std::string(id), std::move(message), severity});
}

bool parse_document(std::string_view text, std::string_view file, RuleSet& rules,
                    simdjson::dom::parser& parser, simdjson::dom::element& root) {
  const simdjson::padded_string json(strip_bom(text));
  if (const auto error = parser.parse(json).get(root)) {
    rules.add_diagnostic(Diagnostic{std::string(file), 0, "",
                                    std::string("invalid JSON: ") + simdjson::error_message(error),
                                    Severity::kError});
    return false;
  }
  return true;
}

std::vector<std::pair<std::string, std::string>> context_metadata(const IndicatorMeta& meta,
                                                                  std::string_view id_key) {
  std::vector<std::pair<std::string, std::string>> out;
  auto add = [&out](const char* key, const std::string& value) {
    if (!value.empty()) out.emplace_back(key, value);
  };
  if (!meta.id.empty()) out.emplace_back(std::string(id_key), meta.id);
  add("source", meta.source);
  add("campaign", meta.campaign);
  add("tlp", meta.tlp);
  if (meta.confidence >= 0) out.emplace_back("confidence", std::to_string(meta.confidence));
  for (const auto& [k, v] : meta.extra) add(k.c_str(), v);
  return out;
}

void add_derived_signature(RuleSet& rules, Signature sig, std::string_view id, uint32_t index,
                           const std::string& msg, const std::string& file,
                           const IndicatorMeta& meta) {
  constexpr uint32_t kFirst = 3000000000u, kSpan = 1000000000u;
  uint32_t offset = fnv1a(std::to_string(index), fnv1a(id)) % kSpan;
  while (rules.has_signature(1, kFirst + offset)) offset = (offset + 1) % kSpan;
  sig.gid = 1;
  sig.sid = kFirst + offset;
  sig.msg = msg;
  sig.file = file;
  sig.metadata = context_metadata(meta, "stix_id");
  sig.valid_until = meta.valid_until;
  rules.add_signature(std::move(sig), false);
}

size_t load_embedded_rules(RuleSet& rules, std::string_view text, const std::string& file,
                           std::string_view id, std::string_view id_key, const RuleVars& vars,
                           const IndicatorMeta& meta, std::string& why) {
  RuleSet scratch;
  load_suricata_rules(text, file, vars, scratch);
  for (const Diagnostic& d : scratch.diagnostics()) {
    std::string message = d.rule_id.empty() ? d.message : "sid " + d.rule_id + ": " + d.message;
    if (why.empty()) why = d.message;
    rules.add_diagnostic(Diagnostic{file, 0, std::string(id), std::move(message), d.severity});
  }
  size_t loaded = 0;
  for (Signature sig : scratch.signatures()) {
    const auto context = context_metadata(meta, id_key);
    sig.metadata.insert(sig.metadata.end(), context.begin(), context.end());
    sig.valid_until = meta.valid_until;
    sig.line = 0;
    const uint32_t sid = sig.sid;
    if (rules.add_signature(std::move(sig), false)) {
      ++loaded;
    } else {
      if (why.empty()) why = "duplicate sid";
      rules.add_diagnostic(Diagnostic{file, 0, std::string(id),
                                      "sid " + std::to_string(sid) + ": duplicate sid",
                                      Severity::kError});
    }
  }
  if (loaded == 0 && why.empty()) why = "no rule";
  return loaded;
}

}  // namespace tripline::detail
