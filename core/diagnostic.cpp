#include "core/diagnostic.hpp"

namespace tripline {

std::string Diagnostic::to_string() const {
  std::string out = file;
  if (line != 0) {
    out += ':';
    out += std::to_string(line);
  }
  out += ": ";
  if (severity == Severity::kWarning) out += "warning: ";
  if (!rule_id.empty()) {
    // Suricata sids are numbers; other ids (STIX "indicator--...") stand alone.
    if (rule_id.find_first_not_of("0123456789") == std::string::npos) out += "sid ";
    out += rule_id;
    out += ": ";
  }
  out += message;
  return out;
}

}  // namespace tripline
