#include "core/diagnostic.hpp"

namespace tripline {

std::string Diagnostic::to_string() const {
  std::string out = file;
  if (line != 0) out += ":" + std::to_string(line);
  out += ": ";
  if (severity == Severity::kWarning) out += "warning: ";
  if (!rule_id.empty()) out += "sid " + rule_id + ": ";
  out += message;
  return out;
}

}  // namespace tripline
