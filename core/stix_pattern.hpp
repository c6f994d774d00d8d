// The STIX 2.1 patterning language, the part tripline can match: observation expressions `[...]`
// joined by AND / OR (and parentheses), comparisons joined by AND / OR inside them, on the object
// paths of network indicators. Anything else is refused with the exact reason.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tripline {

enum class StixPath : uint8_t {
  kIpv4,       // ipv4-addr:value
  kIpv6,       // ipv6-addr:value
  kDomain,     // domain-name:value
  kUrl,        // url:value
  kSrcRef,     // network-traffic:src_ref.value
  kDstRef,     // network-traffic:dst_ref.value
  kSrcPort,    // network-traffic:src_port
  kDstPort,    // network-traffic:dst_port
  kProtocols,  // network-traffic:protocols[*] (or protocols[n])
};

enum class StixOp : uint8_t { kEqual, kNotEqual, kIn, kIsSubset, kLike, kMatches };

std::string_view to_string(StixPath path);  // "ipv4-addr:value", ...
std::string_view to_string(StixOp op);      // "=", "!=", "IN", "ISSUBSET", "LIKE", "MATCHES"

// A string literal (escapes resolved) or an integer.
using StixLiteral = std::variant<std::string, int64_t>;

struct StixComparison {
  StixPath path = StixPath::kIpv4;
  StixOp op = StixOp::kEqual;
  std::vector<StixLiteral> values;  // one, or the IN list
};

// A boolean tree. Inside an observation the leaves are comparisons; at the top the leaves are
// observations (kObservation, whose single child is its comparison tree).
struct StixNode {
  enum Kind : uint8_t { kAnd, kOr, kComparison, kObservation } kind = kComparison;
  std::vector<StixNode> children;  // kAnd / kOr: two or more; kObservation: one
  StixComparison comparison;       // kComparison
};

struct StixPatternResult {
  bool ok = false;
  StixNode pattern;          // when ok
  std::string error;         // when not: "unsupported object path 'file:hashes.MD5'", ...
  bool unsupported = false;  // valid STIX tripline does not match (a warning), not malformed
};

// Parses `text`. Errors name the construct ("qualifier WITHIN is not supported",
// "FOLLOWEDBY is not supported", "NOT is not supported", "operator '>' is not supported",
// "unsupported object path 'email-addr:value'") or the place ("expected ']' at offset 31").
StixPatternResult parse_stix_pattern(std::string_view text);

}  // namespace tripline
