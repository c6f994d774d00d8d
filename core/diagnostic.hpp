// Diagnostics for load and compile paths: {file, line, rule id, message}.
#pragma once

#include <cstdint>
#include <string>

namespace tripline {

enum class Severity : uint8_t { kWarning, kError };

struct Diagnostic {
  std::string file;
  uint32_t line = 0;    // 0 when the diagnostic is about the whole file
  std::string rule_id;  // a Suricata sid, or a STIX indicator id / MISP attribute uuid
  std::string message;
  Severity severity = Severity::kError;

  // "file:line: message" (or "file: message" when line is 0), the form compilers use.
  std::string to_string() const;
};

}  // namespace tripline
