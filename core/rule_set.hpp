// The rule-set model: indicators as loaded from intelligence files, before compilation.
// Configuration only (parse time); CompiledRules in matchers/ is the run-time form.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/diagnostic.hpp"
#include "core/signature.hpp"

namespace tripline {

enum class IndicatorType : uint8_t { kIp, kCidr, kDomain, kUrl, kJa3, kJa3s };

std::string_view to_string(IndicatorType type);  // "ip", "cidr", "domain", "url", "ja3", "ja3s"

// Provenance and context shared by many indicators; interned so a million
// indicators from one feed carry one copy of it.
struct IndicatorMeta {
  std::string source;  // feed or organisation
  std::string campaign;
  std::string tlp;      // lower case: "clear", "green", "amber", "amber+strict", "red"
  int confidence = -1;  // 0..100, -1 when the file does not say
  std::string description;
  std::string rule_set;  // file name the indicator came from
  // Further columns the file gives (Zeek intel meta.*, extra CSV columns), in file order.
  std::vector<std::pair<std::string, std::string>> extra;
  std::string id;           // the publisher's id: STIX indicator id, MISP attribute uuid; or empty
  int64_t valid_until = 0;  // STIX valid_until, Unix seconds; 0 = no end

  bool operator==(const IndicatorMeta&) const = default;
};

struct Indicator {
  IndicatorType type = IndicatorType::kIp;
  uint16_t port = 0;          // optional port constraint (e.g. "1.2.3.4:443"); 0 = any
  uint32_t meta = 0;          // index into RuleSet::metas()
  uint32_t signature_id = 0;  // assigned in load order, see RuleSet::kFirstSignatureId
  uint32_t line = 0;          // line in the rule-set file
  std::string value;          // as written in the file (defanged forms kept)
  std::string normalized;     // refanged, lower-cased where case does not matter:
                              //   ip "192.0.2.1" / "2001:db8::1", cidr "192.0.2.0/24",
                              //   domain "example.com" (no trailing dot),
                              //   url "example.com/path?query" (scheme-less, host lower case),
                              //   ja3 / ja3s: 32 lower-case hex digits (the MD5)
};

// An indicator that cannot be seen on the wire (file hash, e-mail address, ...).
struct SkippedIndicator {
  std::string file;
  uint32_t line = 0;
  std::string kind;  // "sha256", "email", ...
  std::string value;
};

// What one Suricata/Snort rule file gave: rules loaded, and rules not loaded by reason
// (the diagnostic's message: "unsupported keyword 'byte_test'", "missing sid", ...). For STIX
// bundles and MISP events: indicator objects / attributes loaded, and the others by reason.
struct RuleFileStats {
  size_t loaded = 0;
  std::map<std::string, size_t> skipped;

  size_t skipped_total() const {
    size_t n = 0;
    for (const auto& [reason, count] : skipped) n += count;
    return n;
  }
};

class RuleSet {
 public:
  static constexpr uint32_t kFirstSignatureId = 9000001;

  // Adds an indicator; interns its meta; assigns the next signature id.
  void add(Indicator indicator, const IndicatorMeta& meta);

  // While set (not empty), what is added belongs to this named rule set (`--rules NAME=PATH`):
  // it replaces the file name as every indicator's meta.rule_set and every signature's
  // rule_set.
  void set_rule_set_name(std::string name) { rule_set_name_ = std::move(name); }
  void add_skipped(SkippedIndicator skipped) { skipped_.push_back(std::move(skipped)); }
  void add_diagnostic(Diagnostic diagnostic) { diagnostics_.push_back(std::move(diagnostic)); }

  const std::vector<Indicator>& indicators() const { return indicators_; }
  const std::vector<IndicatorMeta>& metas() const { return metas_; }
  const IndicatorMeta& meta_of(const Indicator& i) const { return metas_[i.meta]; }
  const std::vector<SkippedIndicator>& skipped() const { return skipped_; }
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }
  size_t error_count() const;

  // Suricata/Snort signatures. add_signature() counts the rule as loaded for its file (unless
  // `count` is false: STIX and MISP count their objects with count_loaded_rule()) and returns
  // false (adding nothing) when a signature with the same gid:sid is already loaded.
  bool add_signature(Signature signature, bool count = true);
  void add_rule_file(const std::string& file) { rule_files_[file]; }
  void count_loaded_rule(const std::string& file) { ++rule_files_[file].loaded; }
  bool has_signature(uint32_t gid, uint32_t sid) const {
    return signature_keys_.contains(uint64_t{gid} << 32 | sid);
  }
  void count_skipped_rule(const std::string& file, const std::string& reason) {
    ++rule_files_[file].skipped[reason];
  }
  const std::vector<Signature>& signatures() const { return signatures_; }
  // Per rule file, in file-name order; a file with no rule still has an entry.
  const std::map<std::string, RuleFileStats>& rule_file_stats() const { return rule_files_; }

  void reserve(size_t n) { indicators_.reserve(n); }

 private:
  uint32_t intern(const IndicatorMeta& meta);

  std::vector<Indicator> indicators_;
  std::vector<IndicatorMeta> metas_;
  std::unordered_map<std::string, uint32_t> meta_index_;
  std::vector<SkippedIndicator> skipped_;
  std::vector<Diagnostic> diagnostics_;
  std::vector<Signature> signatures_;
  std::unordered_set<uint64_t> signature_keys_;  // gid << 32 | sid
  std::map<std::string, RuleFileStats> rule_files_;
  std::string rule_set_name_;
};

}  // namespace tripline
