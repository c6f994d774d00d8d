// libFuzzer target: parse_stix_pattern() and its translation on arbitrary bytes must not crash,
// hang or leak; a refusal always says why, and an accepted pattern always yields something.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/stix_translate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const tripline::StixPatternResult parsed = tripline::parse_stix_pattern(text);
  if (parsed.ok != parsed.error.empty()) std::abort();
  if (!parsed.ok) return 0;
  const tripline::StixTranslation t = tripline::translate_stix_pattern(parsed.pattern);
  if (t.ok != t.error.empty()) std::abort();
  if (t.ok && t.indicators.empty() && t.signatures.empty()) std::abort();
  for (const auto& i : t.indicators)
    if (i.normalized.empty()) std::abort();
  return 0;
}
