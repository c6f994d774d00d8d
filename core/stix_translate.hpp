// A parsed STIX pattern turned into what tripline matches on one flow: plain indicators for the
// IP/CIDR, domain and URL tables, and Signatures (header-only, or a pcre on one buffer) for the
// comparisons that must hold together. The mapping is documented in docs/formats.md.
#pragma once

#include <string>
#include <vector>

#include "core/rule_set.hpp"
#include "core/signature.hpp"
#include "core/stix_pattern.hpp"

namespace tripline {

struct StixIndicatorValue {
  IndicatorType type = IndicatorType::kIp;
  std::string value;       // the literal as written in the pattern
  std::string normalized;  // see Indicator::normalized
};

struct StixTranslation {
  bool ok = false;
  std::vector<StixIndicatorValue> indicators;
  // Header, ports, protocol and matches set; msg, sid, metadata and file are the caller's.
  std::vector<Signature> signatures;
  std::string error;        // when not ok: "observations joined by AND cannot hold on one flow"
  bool unsupported = true;  // false when a value is malformed ("'1.2.3' is not an IPv4 ...")
};

// At most this many alternatives (AND / OR expanded) per pattern.
inline constexpr size_t kMaxStixAlternatives = 64;

StixTranslation translate_stix_pattern(const StixNode& pattern);

// parse_stix_pattern() then translate_stix_pattern(): one error, the first met.
StixTranslation compile_stix_pattern(std::string_view text);

}  // namespace tripline
