#include "output/threshold_config.hpp"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>

namespace tripline {
namespace {

// What is wrong with the entry being parsed; thrown inside parse_entry(), caught per entry.
struct EntryError {
  std::string message;
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string in_quotes(std::string_view s) { return "'" + std::string(s) + "'"; }

// "gen_id 1, sig_id 2, ip [a,b]" -> {"gen_id 1", "sig_id 2", "ip [a,b]"}: commas inside
// brackets do not split.
std::vector<std::string_view> split_options(std::string_view text) {
  std::vector<std::string_view> parts;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '[') {
      ++depth;
    } else if (text[i] == ']') {
      if (--depth < 0) throw EntryError{"unbalanced ']'"};
    } else if (text[i] == ',' && depth == 0) {
      parts.push_back(trim(text.substr(start, i - start)));
      start = i + 1;
    }
  }
  if (depth != 0) throw EntryError{"unbalanced '['"};
  parts.push_back(trim(text.substr(start)));
  return parts;
}

constexpr std::string_view kKeys[] = {"gen_id", "sig_id", "rule_set", "type",
                                      "track",  "count",  "seconds",  "ip"};

// The options of one entry by key, each given once.
class Options {
 public:
  explicit Options(std::string_view text) {
    if (trim(text).empty()) throw EntryError{"missing gen_id and sig_id (or rule_set)"};
    for (std::string_view part : split_options(text)) {
      if (part.empty()) throw EntryError{"empty option (a stray comma?)"};
      size_t end = 0;
      while (end < part.size() && !is_space(part[end])) ++end;
      const std::string key = lower(part.substr(0, end));
      const std::string_view value = trim(part.substr(end));
      bool known = false;
      for (std::string_view k : kKeys) known = known || k == key;
      if (!known) throw EntryError{"unknown option " + in_quotes(key)};
      if (value.empty()) throw EntryError{"option " + in_quotes(key) + " needs a value"};
      if (!values_.emplace(key, value).second)
        throw EntryError{"option " + in_quotes(key) + " given twice"};
    }
  }
  std::optional<std::string_view> get(const std::string& key) const {
    const auto it = values_.find(key);
    if (it == values_.end()) return std::nullopt;
    return it->second;
  }
  std::string_view require(const std::string& key) const {
    const auto v = get(key);
    if (!v) throw EntryError{"missing " + key};
    return *v;
  }
  void forbid(const std::string& key, const char* why) const {
    if (get(key)) throw EntryError{"option " + in_quotes(key) + " " + why};
  }

 private:
  std::map<std::string, std::string_view> values_;
};

uint32_t parse_number(std::string_view key, std::string_view value) {
  uint32_t n = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || end != value.data() + value.size())
    throw EntryError{"bad " + std::string(key) + " " + in_quotes(value) +
                     " (expected a number from 0 to 4294967295)"};
  return n;
}

ThresholdScope parse_scope(const Options& options) {
  ThresholdScope scope;
  const auto gid = options.get("gen_id");
  const auto sid = options.get("sig_id");
  if (const auto rule_set = options.get("rule_set")) {
    if (gid || sid) throw EntryError{"rule_set cannot be combined with gen_id or sig_id"};
    scope.rule_set = std::string(*rule_set);
    return scope;
  }
  if (!gid && !sid) throw EntryError{"missing gen_id and sig_id (or rule_set)"};
  if (!gid) throw EntryError{"missing gen_id"};
  if (!sid) throw EntryError{"missing sig_id"};
  scope.gid = parse_number("gen_id", *gid);
  scope.sid = parse_number("sig_id", *sid);
  if (scope.gid == 0 && scope.sid != 0)
    throw EntryError{"sig_id " + std::to_string(scope.sid) +
                     " with gen_id 0: give the rule's gen_id (1 for most rules and for "
                     "indicators)"};
  return scope;
}

Cidr parse_address(std::string_view text) {
  if (text.empty()) throw EntryError{"empty address in ip"};
  if (text.front() == '$')
    throw EntryError{"address variables such as " + in_quotes(text) +
                     " are not supported: write the addresses"};
  if (text.front() == '!')
    throw EntryError{"negated addresses such as " + in_quotes(text) + " are not supported"};
  if (text.find('/') != std::string_view::npos) {
    if (const auto cidr = parse_cidr(text)) return *cidr;
  } else if (const auto ip = parse_ip(text)) {
    return Cidr{*ip, static_cast<uint8_t>(ip->family == 4 ? 32 : 128)};
  }
  throw EntryError{"bad address " + in_quotes(text) + " in ip"};
}

// "192.0.2.1", "198.51.100.0/24", "[192.0.2.1, 2001:db8::/32]".
std::vector<Cidr> parse_addresses(std::string_view text) {
  std::vector<Cidr> out;
  if (text.front() != '[') {
    out.push_back(parse_address(text));
    return out;
  }
  if (text.back() != ']') throw EntryError{"text after ']' in ip"};
  const std::string_view inner = text.substr(1, text.size() - 2);
  if (inner.find('[') != std::string_view::npos)
    throw EntryError{"nested address lists are not supported"};
  size_t start = 0;
  for (;;) {
    const size_t comma = inner.find(',', start);
    out.push_back(parse_address(trim(inner.substr(start, comma - start))));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

ThresholdType parse_type(std::string_view text) {
  const std::string t = lower(text);
  if (t == "limit") return ThresholdType::kLimit;
  if (t == "threshold") return ThresholdType::kThreshold;
  if (t == "both") return ThresholdType::kBoth;
  throw EntryError{"unknown type " + in_quotes(text) + " (expected limit, threshold or both)"};
}

ThresholdTrack parse_threshold_track(std::string_view text) {
  const std::string t = lower(text);
  if (t == "by_src") return ThresholdTrack::kBySrc;
  if (t == "by_dst") return ThresholdTrack::kByDst;
  if (t == "by_rule") return ThresholdTrack::kByRule;
  if (t == "by_both") return ThresholdTrack::kByBoth;
  if (t == "by_flow") return ThresholdTrack::kByFlow;
  if (t == "by_either") throw EntryError{"track by_either is only for suppress"};
  throw EntryError{"unknown track " + in_quotes(text) +
                   " (expected by_src, by_dst, by_rule, by_both or by_flow)"};
}

SuppressTrack parse_suppress_track(std::string_view text) {
  const std::string t = lower(text);
  if (t == "by_src") return SuppressTrack::kBySrc;
  if (t == "by_dst") return SuppressTrack::kByDst;
  if (t == "by_either") return SuppressTrack::kByEither;
  throw EntryError{"unknown track " + in_quotes(text) +
                   " for suppress (expected by_src, by_dst or by_either)"};
}

void parse_threshold(const Options& options, ThresholdRule& rule) {
  options.forbid("ip", "is only for suppress");
  rule.type = parse_type(options.require("type"));
  rule.track = parse_threshold_track(options.require("track"));
  rule.count = parse_number("count", options.require("count"));
  rule.seconds = parse_number("seconds", options.require("seconds"));
  if (rule.count == 0) throw EntryError{"count must be at least 1"};
  if (rule.seconds == 0) throw EntryError{"seconds must be at least 1"};
}

void parse_suppress(const Options& options, SuppressRule& rule) {
  for (const char* key : {"type", "count", "seconds"})
    options.forbid(key, "is not used by suppress");
  const auto track = options.get("track");
  const auto ip = options.get("ip");
  if (track && !ip) throw EntryError{"track needs ip"};
  if (ip && !track) throw EntryError{"ip needs track"};
  if (!track) return;
  rule.track = parse_suppress_track(*track);
  rule.addresses = parse_addresses(*ip);
}

// One logical entry (comments and continuations already handled).
void parse_entry(std::string_view entry, std::string_view file, uint32_t line,
                 ThresholdConfig& config) {
  size_t end = 0;
  while (end < entry.size() && !is_space(entry[end])) ++end;
  const std::string command = lower(entry.substr(0, end));
  const std::string_view rest = entry.substr(end);
  if (command == "rate_filter") {
    config.diagnostics.push_back(
        {std::string(file), line, "",
         "rate_filter is not supported (it changes a rule's action; tripline only observes): "
         "line ignored",
         Severity::kWarning});
    return;
  }
  if (command == "suppress") {
    SuppressRule rule;
    const Options options(rest);
    rule.scope = parse_scope(options);
    parse_suppress(options, rule);
    rule.file = std::string(file);
    rule.line = line;
    config.suppressions.push_back(std::move(rule));
    return;
  }
  if (command == "threshold" || command == "event_filter") {
    ThresholdRule rule;
    const Options options(rest);
    rule.scope = parse_scope(options);
    parse_threshold(options, rule);
    rule.file = std::string(file);
    rule.line = line;
    config.thresholds.push_back(std::move(rule));
    return;
  }
  throw EntryError{"unknown command " + in_quotes(entry.substr(0, end)) +
                   " (expected threshold, event_filter, suppress or rate_filter)"};
}

}  // namespace

std::string_view to_string(ThresholdType type) {
  switch (type) {
    case ThresholdType::kLimit:
      return "limit";
    case ThresholdType::kThreshold:
      return "threshold";
    case ThresholdType::kBoth:
      return "both";
  }
  return "unknown";
}

std::string_view to_string(ThresholdTrack track) {
  switch (track) {
    case ThresholdTrack::kBySrc:
      return "by_src";
    case ThresholdTrack::kByDst:
      return "by_dst";
    case ThresholdTrack::kByRule:
      return "by_rule";
    case ThresholdTrack::kByBoth:
      return "by_both";
    case ThresholdTrack::kByFlow:
      return "by_flow";
  }
  return "unknown";
}

std::string_view to_string(SuppressTrack track) {
  switch (track) {
    case SuppressTrack::kAll:
      return "all";
    case SuppressTrack::kBySrc:
      return "by_src";
    case SuppressTrack::kByDst:
      return "by_dst";
    case SuppressTrack::kByEither:
      return "by_either";
  }
  return "unknown";
}

size_t ThresholdConfig::error_count() const {
  size_t n = 0;
  for (const auto& d : diagnostics) n += d.severity == Severity::kError;
  return n;
}

void parse_threshold_config(std::string_view text, std::string_view file_name,
                            ThresholdConfig& config) {
  std::string entry;
  uint32_t entry_line = 0;
  uint32_t line_number = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (const size_t hash = line.find('#'); hash != std::string_view::npos)
      line = line.substr(0, hash);  // a comment, whole-line or trailing
    line = trim(line);
    const bool continues = !line.empty() && line.back() == '\\';
    if (continues) line = trim(line.substr(0, line.size() - 1));
    if (entry.empty()) entry_line = line_number;
    if (!entry.empty() && !line.empty()) entry += ' ';
    entry += line;
    if (continues && start < text.size()) continue;
    if (entry.empty()) continue;
    try {
      parse_entry(entry, file_name, entry_line, config);
    } catch (const EntryError& e) {
      config.diagnostics.push_back({std::string(file_name), entry_line, "", e.message});
    }
    entry.clear();
  }
}

void load_threshold_file(const std::string& path, ThresholdConfig& config) {
  std::error_code ec;
  std::ifstream in(path, std::ios::binary);
  if (!in || std::filesystem::is_directory(path, ec)) {
    config.diagnostics.push_back({path, 0, "", "cannot read threshold file"});
    return;
  }
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) {
    config.diagnostics.push_back({path, 0, "", "cannot read threshold file"});
    return;
  }
  parse_threshold_config(text, path, config);
}

}  // namespace tripline
