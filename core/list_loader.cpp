#include "core/loaders.hpp"

#include <algorithm>
#include <cstring>

#include "core/loader_util.hpp"

namespace tripline {

namespace {

// The indicator part of a list line: trimmed, "# comment" lines and trailing " # comments" removed.
std::string_view indicator_part(std::string_view line) {
  line = detail::trim(line);
  if (line.empty() || line[0] == '#') return {};
  for (size_t i = 1; i < line.size(); ++i) {
    if (line[i] == '#' && detail::is_space(line[i - 1])) {
      line = detail::trim(line.substr(0, i));
      break;
    }
  }
  return line;
}

}  // namespace

void load_list(std::string_view text, std::string_view file_name, RuleSet& rules) {
  text = detail::strip_bom(text);
  IndicatorMeta meta;
  meta.rule_set = std::string(detail::base_name(file_name));
  meta.source = std::string(detail::stem(meta.rule_set));
  detail::reserve_for(rules, static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1);

  Classification c;
  std::string scratch;
  uint32_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    const void* nl = std::memchr(text.data() + pos, '\n', text.size() - pos);
    const size_t end =
        nl ? static_cast<size_t>(static_cast<const char*>(nl) - text.data()) : text.size();
    const std::string_view token = indicator_part(text.substr(pos, end - pos));
    pos = end + 1;
    ++line_no;
    if (token.empty()) continue;
    detail::classify_into(token, scratch, c);
    detail::emit(rules, file_name, line_no, token, c, meta);
  }
}

}  // namespace tripline
