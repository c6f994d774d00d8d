// libFuzzer target: load_stix_bundle() and load_misp_event() on arbitrary bytes must not crash,
// hang or leak; every indicator they accept has a normalized form and every skip is tallied.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/misp_loader.hpp"
#include "core/stix_loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const tripline::RuleVars vars = tripline::RuleVars::suricata_defaults();
  tripline::RuleSet rules;
  tripline::load_stix_bundle(text, "fuzz.json", vars, 1767225600, rules);
  tripline::load_misp_event(text, "fuzz.json", vars, rules);
  for (const auto& indicator : rules.indicators())
    if (indicator.normalized.empty()) std::abort();
  for (const auto& diagnostic : rules.diagnostics())
    if (diagnostic.message.empty()) std::abort();
  return 0;
}
