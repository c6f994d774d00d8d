// DomainTable: normalized domain names -> indicator ids; a name matches itself and every
// subdomain, the most specific indicator wins.
#pragma once

#include <span>
#include <string_view>

#include "matchers/string_table.hpp"

namespace tripline {

class DomainTable {
 public:
  // Longest name accepted on the wire (RFC 1035 text form without the trailing dot).
  static constexpr size_t kMaxName = 253;

  DomainTable() = default;
  // Keys must be normalized: lower case, no trailing dot.
  explicit DomainTable(std::span<const KeyedId> domains);

  // `name` in any case, with or without one trailing dot. Probes the name, then each parent
  // (after each '.'), and returns the first hit. Names longer than kMaxName never match.
  IdSpan match(std::string_view name) const;

  size_t size() const { return table_.size(); }
  bool empty() const { return table_.empty(); }
  size_t memory_bytes() const { return table_.memory_bytes(); }

  static uint64_t hash(std::string_view key);

 private:
  StringTable table_;
};

}  // namespace tripline
