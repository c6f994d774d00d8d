// libFuzzer target: load_suricata_rules() on arbitrary bytes must not crash, hang or leak; every
// rule is either loaded or reported, and every loaded signature is well formed. The first line of
// the input, when it starts with "vars:", is read as variable overrides.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/loaders.hpp"
#include "core/rule_vars.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  tripline::RuleVars vars = tripline::RuleVars::suricata_defaults();
  if (text.starts_with("vars:")) {
    const size_t split = text.find("\n\n");
    vars.load_overrides(text.substr(0, split), "fuzz.yaml");
    text = split == std::string_view::npos ? std::string_view() : text.substr(split + 2);
  }
  tripline::RuleSet rules;
  tripline::load_suricata_rules(text, "fuzz.rules", vars, rules);
  const auto& stats = rules.rule_file_stats().at("fuzz.rules");
  if (stats.loaded != rules.signatures().size()) std::abort();
  if (stats.skipped_total() != rules.diagnostics().size()) std::abort();
  for (const auto& sig : rules.signatures()) {
    if (sig.sid == 0 || sig.line == 0) std::abort();
    if (sig.src.cidrs.empty() || sig.dst.cidrs.empty()) std::abort();
    if (sig.src_ports.ranges.empty() || sig.dst_ports.ranges.empty()) std::abort();
    for (const auto& m : sig.matches)
      if (const auto* c = std::get_if<tripline::ContentMatch>(&m.m); c && c->bytes.empty())
        std::abort();
  }
  for (const auto& diagnostic : rules.diagnostics())
    if (diagnostic.line == 0 || diagnostic.message.empty()) std::abort();
  return 0;
}
