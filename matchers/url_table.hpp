// UrlTable: normalized URLs ("host[:port]/path[?query]", scheme-less) -> indicator ids, looked
// up from an HTTP request's Host header and request target.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "matchers/string_table.hpp"

namespace tripline {

class UrlTable {
 public:
  static constexpr size_t kMaxHost = 300;     // host[:port] as seen; longer: no match
  static constexpr size_t kMaxTarget = 4096;  // request target; longer: no match

  UrlTable() = default;
  // Keys as the loaders normalize them; normalize_key() is applied again defensively.
  explicit UrlTable(std::span<const KeyedId> urls);

  // `host`: the Host header (any case, optional ":port", optional trailing dot).
  // `target`: origin-form "/p?q" or absolute-form "http://h:p/p?q" (then the host comes from
  // the target). Probes, most specific first:
  //   host:port/path?query, host:port/path   (only when the port is not 80 or 443)
  //   host/path?query,      host/path
  // so an indicator without a port matches any port, one with a port only that port.
  IdSpan match(std::string_view host, std::string_view target) const;

  size_t size() const { return table_.size(); }
  bool empty() const { return table_.empty(); }
  size_t memory_bytes() const { return table_.memory_bytes(); }

  // Lower-cases the host, drops a default port (":80", ":443") and a fragment, and makes an
  // empty path "/". Compile time only.
  static std::string normalize_key(std::string_view url);
  static uint64_t hash(std::string_view key);

 private:
  StringTable table_;
};

}  // namespace tripline
