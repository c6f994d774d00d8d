// CompiledRules: the immutable, run-time form of a RuleSet, shared read-only by all workers.
// Every lookup is allocation-free and thread-safe (const).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/ip_address.hpp"
#include "core/rule_set.hpp"

namespace tripline {

// Indicator ids (indexes into CompiledRules::indicator()) that share one matched key,
// e.g. the same domain listed by two feeds.
struct IdSpan {
  const uint32_t* ids = nullptr;
  uint32_t count = 0;
  bool empty() const { return count == 0; }
  const uint32_t* begin() const { return ids; }
  const uint32_t* end() const { return ids + count; }
};

struct CompiledIndicator {
  IndicatorType type;
  uint16_t port;  // 0 = any
  uint32_t meta;  // index into metas()
  uint32_t signature_id;
  std::string_view value;  // as written in the rule set
};

class IpTable;
class DomainTable;
class UrlTable;
class StringTable;
class SignatureEngine;

// How a rule set is compiled. The default compiles everything and caches nothing.
struct CompileOptions {
  // The compiled-rules cache for the Hyperscan databases (tripline --rules-cache); empty:
  // none. See PrefilterOptions::cache_dir.
  std::string rules_cache_dir;
};

class CompiledRules {
 public:
  // Compiles a rule set. Never fails: everything in a RuleSet was validated by its loader
  // (and a cache problem only costs a compile: SignatureEngine::prefilter().cache_warnings()).
  explicit CompiledRules(const RuleSet& rules, const CompileOptions& options = {});
  ~CompiledRules();
  CompiledRules(const CompiledRules&) = delete;
  CompiledRules& operator=(const CompiledRules&) = delete;

  // Longest-prefix match (exact addresses are /32 and /128 prefixes).
  IdSpan match_ip(const IpAddress& ip) const;
  // `name` as seen on the wire (any case, optional trailing dot). Matches the most specific
  // indicator among the name and its parent domains.
  IdSpan match_domain(std::string_view name) const;
  // `host` as seen (any case, optional ":port"), `target` the request target ("/p?q").
  // Exact host+path+query first, then host+path without the query.
  IdSpan match_url(std::string_view host, std::string_view target) const;
  // `md5_hex`: 32 hex digits, lower case (as core/app/ja3 computes them). Exact match.
  IdSpan match_ja3(std::string_view md5_hex) const;
  IdSpan match_ja3s(std::string_view md5_hex) const;

  const CompiledIndicator& indicator(uint32_t id) const { return indicators_[id]; }
  // The same indicator (type, value and port) listed by several rule sets or files: the
  // smallest id stands for all of them (workers alert once, on it), and same_indicator(id)
  // lists them all in ascending order (empty for an indicator listed once).
  uint32_t primary(uint32_t id) const { return primary_.empty() ? id : primary_[id]; }
  IdSpan same_indicator(uint32_t id) const;
  const IndicatorMeta& meta(uint32_t meta_index) const { return metas_[meta_index]; }
  size_t size() const { return indicators_.size(); }
  bool has_domains() const;
  bool has_urls() const;
  bool has_ja3() const;  // ja3 or ja3s indicators
  // Suricata-subset signatures (content/pcre); nullptr when the rule set has none.
  const SignatureEngine* signatures() const { return signatures_.get(); }

  // Bytes held by the compiled tables (for the memory figures in docs/performance.md).
  size_t memory_bytes() const;

 private:
  std::vector<CompiledIndicator> indicators_;
  std::vector<IndicatorMeta> metas_;
  std::string value_arena_;
  std::unique_ptr<IpTable> ips_;
  std::unique_ptr<DomainTable> domains_;
  std::unique_ptr<UrlTable> urls_;
  std::unique_ptr<StringTable> ja3_;
  std::unique_ptr<StringTable> ja3s_;
  std::unique_ptr<SignatureEngine> signatures_;
  // Empty when no indicator is listed twice. Else per id: its primary, and its group's
  // {offset, count} in group_ids_ (count 0 for a single listing).
  std::vector<uint32_t> primary_;
  std::vector<uint32_t> group_ids_;
  std::vector<std::pair<uint32_t, uint32_t>> group_of_;
  void group_same_indicators(const RuleSet& rules);
};

}  // namespace tripline
