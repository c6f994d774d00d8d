// STIX 2.0 and 2.1 bundles: indicator objects (pattern_type stix, snort, suricata) into a RuleSet,
// with the context the bundle gives them (identity, TLP marking, campaign, validity).
#pragma once

#include <cstdint>
#include <string_view>

#include "core/rule_set.hpp"
#include "core/rule_vars.hpp"

namespace tripline {

// Parses `text` (a whole bundle) as `file_name`. Each indicator object is loaded (its plain
// indicators and signatures added, counted as loaded in rule_file_stats()[file_name]) or skipped
// with a reason tally and a diagnostic whose rule_id is the indicator id. Indicators revoked,
// not yet valid or expired at `now` (Unix seconds) are skipped. A document that is not JSON or
// not a bundle is one error.
void load_stix_bundle(std::string_view text, std::string_view file_name, const RuleVars& vars,
                      int64_t now, RuleSet& rules);

}  // namespace tripline
