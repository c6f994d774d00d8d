// Private to the Suricata rule loader: one rule's text -> Signature, or the reason it is not
// loaded. suricata_rules.cpp splits files into rules and parses headers; suricata_options.cpp
// interprets the options.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostic.hpp"
#include "core/rule_vars.hpp"
#include "core/signature.hpp"

namespace tripline::detail {

// Why a rule is not loaded. kWarning: it uses something outside the subset (skipped);
// kError: it is malformed.
struct RuleProblem {
  std::string message;
  Severity severity = Severity::kError;
};

struct RuleOption {
  std::string key;         // lower case
  std::string_view value;  // raw text after ':', trimmed; empty when there is none
};

// "msg:\"a\;b\"; sid:1;" -> options; quotes and backslash escapes respected.
std::optional<RuleProblem> split_options(std::string_view body, std::vector<RuleOption>& out);

// Applies the options in rule order to `sig` (whose proto is already set); the first
// unsupported or malformed option stops it.
std::optional<RuleProblem> apply_options(const std::vector<RuleOption>& options, Signature& sig);

// Parses a whole rule (header and options) joined onto one line.
std::optional<RuleProblem> parse_rule(std::string_view text, const RuleVars& vars, Signature& sig,
                                      std::string& sid_text);

}  // namespace tripline::detail
