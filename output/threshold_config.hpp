// Suricata's threshold.config (threshold, event_filter, suppress), with tripline's extensions
// (`track by_flow`, `rule_set NAME` scopes): the parse-time model and its parser.
// Syntax and semantics: docs/thresholds.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostic.hpp"
#include "core/ip_address.hpp"

namespace tripline {

// Which alerts a line applies to: one signature (gid:sid), every signature of a generator
// (gid:0), every signature (0:0), or every alert of one rule set (tripline's extension).
struct ThresholdScope {
  uint32_t gid = 0;
  uint32_t sid = 0;
  std::string rule_set;  // non-empty: a rule-set scope (gid and sid are then 0)

  bool by_rule_set() const { return !rule_set.empty(); }
};

enum class ThresholdType : uint8_t { kLimit, kThreshold, kBoth };
enum class ThresholdTrack : uint8_t { kBySrc, kByDst, kByRule, kByBoth, kByFlow };
// kAll: a suppress line without `track` / `ip` (the signature never alerts).
enum class SuppressTrack : uint8_t { kAll, kBySrc, kByDst, kByEither };

std::string_view to_string(ThresholdType type);    // "limit", "threshold", "both"
std::string_view to_string(ThresholdTrack track);  // "by_src", ...
std::string_view to_string(SuppressTrack track);   // "all", "by_src", "by_dst", "by_either"

// `threshold` / `event_filter` line.
struct ThresholdRule {
  ThresholdScope scope;
  ThresholdType type = ThresholdType::kLimit;
  ThresholdTrack track = ThresholdTrack::kBySrc;
  uint32_t count = 1;
  uint32_t seconds = 1;
  std::string file;
  uint32_t line = 0;
};

// `suppress` line.
struct SuppressRule {
  ThresholdScope scope;
  SuppressTrack track = SuppressTrack::kAll;
  std::vector<Cidr> addresses;  // empty for kAll; single addresses are /32 or /128
  std::string file;
  uint32_t line = 0;
};

struct ThresholdConfig {
  std::vector<ThresholdRule> thresholds;  // in file order
  std::vector<SuppressRule> suppressions;
  std::vector<Diagnostic> diagnostics;

  size_t error_count() const;
  bool empty() const { return thresholds.empty() && suppressions.empty(); }
};

// Parses `text` (a whole threshold.config) as `file_name` and appends to `config`. A bad line is
// an error diagnostic ("file:line: reason") and the rest loads; `rate_filter` lines are
// reported as a warning and ignored. Lines ending in `\` continue on the next line (the
// diagnostic names the first).
void parse_threshold_config(std::string_view text, std::string_view file_name,
                            ThresholdConfig& config);

// Reads and parses a file; an unreadable file is an error diagnostic (line 0).
void load_threshold_file(const std::string& path, ThresholdConfig& config);

}  // namespace tripline
