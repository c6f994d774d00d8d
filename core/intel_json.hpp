// Private helpers shared by the STIX and MISP loaders: timestamps, the accounting of objects that
// are not loaded, and Signatures made from an intelligence object (derived or embedded rules).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "core/rule_set.hpp"
#include "core/rule_vars.hpp"

namespace tripline::detail {

// Parses a JSON document (a UTF-8 BOM skipped) into `parser`; false after reporting
// "invalid JSON: ..." for `file`.
bool parse_document(std::string_view text, std::string_view file, RuleSet& rules,
                    simdjson::dom::parser& parser, simdjson::dom::element& root);

// RFC 3339 in UTC as STIX writes it ("2023-04-04T19:05:32.551Z", fraction optional, "+00:00"
// accepted) -> Unix seconds; nullopt when malformed.
std::optional<int64_t> parse_timestamp(std::string_view text);

// An object of `file` that is not loaded: tallied under `reason` for the file and, when
// `message` is not empty, reported as a diagnostic naming the object id.
void skip_object(RuleSet& rules, const std::string& file, std::string_view id,
                 const std::string& reason, std::string message = {},
                 Severity severity = Severity::kWarning);

// Suricata metadata pairs carrying an intelligence object's context into its alerts; the
// object id under `id_key` ("stix_id", "misp_uuid").
std::vector<std::pair<std::string, std::string>> context_metadata(const IndicatorMeta& meta,
                                                                  std::string_view id_key);

// Adds a Signature derived from object `id` (its `index`-th): gid 1, sid 3000000000 +
// FNV-1a(id, index) mod 1e9, moved upward past sids already loaded; msg, file and metadata set.
void add_derived_signature(RuleSet& rules, Signature sig, std::string_view id, uint32_t index,
                           const std::string& msg, const std::string& file,
                           const IndicatorMeta& meta);

// Snort/Suricata rule text carried by object `id` (a STIX pattern, a MISP snort attribute),
// loaded by load_suricata_rules() with the object's context added to each rule's metadata
// (the id under `id_key`).
// Returns the number of rules loaded; when 0, `why` is the first reason.
size_t load_embedded_rules(RuleSet& rules, std::string_view text, const std::string& file,
                           std::string_view id, std::string_view id_key, const RuleVars& vars,
                           const IndicatorMeta& meta, std::string& why);

}  // namespace tripline::detail
