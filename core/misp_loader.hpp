// MISP events ({"Event": ...} or {"response": [{"Event": ...}, ...]}) and MISP feed directories
// (manifest.json plus <uuid>.json event files) into a RuleSet, with the event's context.
#pragma once

#include <string>
#include <string_view>

#include "core/rule_set.hpp"
#include "core/rule_vars.hpp"

namespace tripline {

// Every attribute of the event and of its objects is loaded (to_ids true and a type seen on the
// wire; snort attributes through the rule loader), skipped by type (SkippedIndicator, kind = the
// MISP type), or counted as not for detection ("to_ids false", "deleted"); all of them are tallied
// in rule_file_stats()[file_name].
void load_misp_event(std::string_view text, std::string_view file_name, const RuleVars& vars,
                     RuleSet& rules);

// Loads the events a feed's manifest.json lists, in uuid order; returns the number of event
// files read. A missing or unreadable event file is an error naming it.
size_t load_misp_feed(const std::string& directory, const RuleVars& vars, RuleSet& rules);

}  // namespace tripline
