#include "core/iprep_loader.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "core/loader_util.hpp"

namespace tripline {

namespace {

constexpr uint32_t kMaxCategory = 60;  // Suricata's limit on category ids
constexpr uint32_t kMaxScore = 127;

// Calls fn(line number, line without '\r') for every line of `text`.
template <typename Fn>
void for_each_line(std::string_view text, Fn&& fn) {
  uint32_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    const void* nl = std::memchr(text.data() + pos, '\n', text.size() - pos);
    const size_t end =
        nl ? static_cast<size_t>(static_cast<const char*>(nl) - text.data()) : text.size();
    fn(++line_no, detail::trim(text.substr(pos, end - pos)));
    pos = end + 1;
  }
}

bool is_value_line(std::string_view line) { return !line.empty() && line[0] != '#'; }

// "a,b,c" -> {a, b, c}, trimmed; the last field takes the rest of the line when `max` is reached.
void split_commas(std::string_view line, size_t max, std::vector<std::string_view>& out) {
  out.clear();
  for (;;) {
    const size_t comma = out.size() + 1 == max ? std::string_view::npos : line.find(',');
    out.push_back(detail::trim(line.substr(0, comma)));
    if (comma == std::string_view::npos) return;
    line.remove_prefix(comma + 1);
  }
}

// A decimal number up to `max`; nullopt otherwise.
std::optional<uint32_t> number(std::string_view s, uint32_t max) {
  if (s.empty() || s.size() > 3 ||
      !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  uint32_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  if (v > max) return std::nullopt;
  return v;
}

bool is_address_or_cidr(const Classification& c) {
  return c.kind == Classification::kIndicator &&
         ((c.type == IndicatorType::kIp && c.port == 0) || c.type == IndicatorType::kCidr);
}

std::string_view first_value_line(std::string_view head) {
  std::string_view found;
  for_each_line(head, [&](uint32_t, std::string_view line) {
    if (found.empty() && is_value_line(line)) found = line;
  });
  return found;
}

}  // namespace

IprepCategories load_iprep_categories(std::string_view text, std::string_view file_name,
                                      RuleSet& rules) {
  const std::string file(file_name);
  IprepCategories categories;
  std::vector<std::string_view> fields;
  for_each_line(detail::strip_bom(text), [&](uint32_t line_no, std::string_view line) {
    if (!is_value_line(line)) return;
    auto error = [&](std::string message) {
      rules.add_diagnostic(Diagnostic{file, line_no, "", std::move(message), Severity::kError});
    };
    split_commas(line, 3, fields);
    if (fields.size() != 3) return error("expected id,short name,description");
    const std::optional<uint32_t> id = number(fields[0], kMaxCategory);
    if (!id) return error("invalid category id " + detail::quoted(fields[0]) + " (0..60)");
    if (fields[1].empty()) return error("empty category name");
    if (categories.contains(*id)) return error("duplicate category id " + std::to_string(*id));
    categories.emplace(*id, IprepCategory{std::string(fields[1]), std::string(fields[2])});
  });
  return categories;
}

void load_iprep(std::string_view text, std::string_view file_name,
                const IprepCategories* categories, RuleSet& rules) {
  const std::string file(file_name);
  text = detail::strip_bom(text);
  detail::reserve_for(rules, static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1);
  if (categories == nullptr)
    rules.add_diagnostic(Diagnostic{
        file, 0, "",
        "no " + std::string(kIprepCategoriesFile) + " beside it: categories are shown by id",
        Severity::kWarning});
  IndicatorMeta base;
  base.rule_set = std::string(detail::base_name(file_name));
  base.source = std::string(detail::stem(base.rule_set));

  std::vector<std::string_view> fields;
  Classification c;
  std::string scratch;
  IndicatorMeta meta;
  for_each_line(text, [&](uint32_t line_no, std::string_view line) {
    if (!is_value_line(line)) return;
    auto error = [&](std::string message) {
      rules.add_diagnostic(Diagnostic{file, line_no, "", std::move(message), Severity::kError});
    };
    split_commas(line, 0, fields);
    if (fields.size() != 3)
      return error("expected 3 fields (ip,category,score), got " + std::to_string(fields.size()));
    detail::classify_into(fields[0], scratch, c);
    if (!is_address_or_cidr(c))
      return error("value " + detail::quoted(fields[0]) + " is not an ip address or cidr");
    const std::optional<uint32_t> id = number(fields[1], kMaxCategory);
    if (!id) return error("invalid category " + detail::quoted(fields[1]) + " (0..60)");
    const IprepCategory* category = nullptr;
    if (categories != nullptr) {
      const auto it = categories->find(*id);
      if (it == categories->end()) return error("unknown category " + std::to_string(*id));
      category = &it->second;
    }
    const std::optional<uint32_t> score = number(fields[2], kMaxScore);
    if (!score) return error("invalid score " + detail::quoted(fields[2]) + " (0..127)");

    meta = base;
    meta.confidence = static_cast<int>((*score * 100 + kMaxScore / 2) / kMaxScore);
    if (category != nullptr) meta.description = category->description;
    meta.extra.emplace_back("iprep_category",
                            category != nullptr ? category->name : std::to_string(*id));
    meta.extra.emplace_back("iprep_score", std::to_string(*score));
    detail::emit(rules, file, line_no, fields[0], c, meta);
  });
}

bool looks_like_iprep(std::string_view head) {
  std::vector<std::string_view> fields;
  split_commas(first_value_line(detail::strip_bom(head)), 0, fields);
  return fields.size() == 3 && is_address_or_cidr(classify_indicator(fields[0])) &&
         number(fields[1], 999) && number(fields[2], 999);
}

bool looks_like_iprep_categories(std::string_view head) {
  std::vector<std::string_view> fields;
  split_commas(first_value_line(detail::strip_bom(head)), 3, fields);
  return fields.size() == 3 && number(fields[0], 999) && !fields[1].empty() &&
         fields[1].find(' ') == std::string_view::npos;
}

}  // namespace tripline
