// libFuzzer target: load_zeek_intel() on arbitrary bytes must not crash, hang or leak; every
// indicator it accepts must have a normalized form.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/loaders.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  tripline::RuleSet rules;
  tripline::load_zeek_intel(text, "fuzz.intel", rules);
  for (const auto& indicator : rules.indicators())
    if (indicator.normalized.empty()) std::abort();
  for (const auto& diagnostic : rules.diagnostics())
    if (diagnostic.line == 0 || diagnostic.message.empty()) std::abort();
  return 0;
}
