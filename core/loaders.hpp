// Loaders that turn intelligence files into a RuleSet.
// Every loader reports a bad line as a Diagnostic ("file:line: reason") and keeps loading.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/rule_set.hpp"
#include "core/rule_vars.hpp"

namespace tripline {

enum class RuleFormat : uint8_t {
  kList,
  kCsv,
  kZeekIntel,
  kSuricata,
  kJson,  // STIX or MISP: decided on the whole document by detect_json_format()
  kStix,
  kMisp,
  kDataset,          // Suricata dataset file (core/dataset_loader.hpp)
  kIprep,            // Suricata IP reputation file (core/iprep_loader.hpp)
  kIprepCategories,  // its categories file: checked, read by the reputation files beside it
  kUnsupported
};

// Format from the file name and its first bytes: *.intel or a "#fields" header -> Zeek intel;
// *.csv -> CSV; *.rules -> Suricata/Snort rules; *.json -> kJson; *.dataset -> Suricata dataset;
// *.iprep, or a first value line "ip,category,score" -> IP reputation; a first value line
// "id,name,description" -> iprep categories; other prose and binary files -> unsupported
// (reported, not guessed); anything else -> list.
RuleFormat detect_format(std::string_view file_name, std::string_view head);

// A JSON document whose top level has "type": "bundle" -> kStix; "Event" or "response" -> kMisp;
// anything else (or not JSON) -> kUnsupported.
RuleFormat detect_json_format(std::string_view text);

// Each parses `text` (the whole file) as `file_name` and appends to `rules`.
void load_list(std::string_view text, std::string_view file_name, RuleSet& rules);
void load_csv(std::string_view text, std::string_view file_name, RuleSet& rules);
void load_zeek_intel(std::string_view text, std::string_view file_name, RuleSet& rules);

// Suricata/Snort rules, the indicator-style subset (see core/signature.hpp): each rule becomes a
// Signature. A rule using anything outside the subset is skipped with a warning
// ("file:line: warning: sid N: unsupported keyword 'byte_test'"); a malformed rule is an error
// diagnostic. Both are tallied per file (RuleSet::rule_file_stats()); the rest of the file loads.
void load_suricata_rules(std::string_view text, std::string_view file_name, const RuleVars& vars,
                         RuleSet& rules);

// Loads a file, or every regular file under a directory (recursively, in sorted path order;
// dotfiles and README* files, a rule set's documentation, skipped).
// A directory holding a manifest.json is a MISP feed (core/misp_loader.hpp): its events are read
// through the manifest and its other files ignored. An unreadable path or unsupported file is an
// error diagnostic; returns the number of files read. Suricata rules use `vars` (the two-argument
// form: RuleVars::suricata_defaults()); STIX validity is checked against the wall clock. An iprep
// file reads the categories.txt in its own directory when there is one.
size_t load_rules_path(const std::string& path, RuleSet& rules);
size_t load_rules_path(const std::string& path, RuleSet& rules, const RuleVars& vars);

// Indicator text as found in feeds, with defanging undone: "example[.]com" -> "example.com",
// "hxxp://" -> "http://", "1.2.3[.]4" -> "1.2.3.4", "[:]" -> ":", "(.)" / "{.}" -> ".".
std::string refang(std::string_view text);

// What a single token is, with its normalized form (see Indicator::normalized), or why not.
struct Classification {
  enum Kind : uint8_t { kIndicator, kSkipped, kInvalid } kind = kInvalid;
  IndicatorType type = IndicatorType::kIp;  // when kIndicator
  uint16_t port = 0;                        // "1.2.3.4:443" -> 443
  std::string normalized;                   // when kIndicator
  std::string skipped_kind;                 // when kSkipped: "md5", "sha1", "sha256", "email", ...
  std::string reason;                       // when kInvalid
};
Classification classify_indicator(std::string_view token);

// Normalizers shared with the matchers (same rules at load time and on the wire).
// Domain: lower case, trailing dot removed; nullopt when not a plausible host name.
std::optional<std::string> normalize_domain(std::string_view text);
// URL: scheme and userinfo removed, host lower-cased, default port removed, path kept
// as written; "example.com" alone becomes "example.com/". nullopt when there is no host.
std::optional<std::string> normalize_url(std::string_view text);

}  // namespace tripline
