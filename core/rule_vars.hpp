// Rule variables ($HOME_NET, $HTTP_PORTS, ...) with Suricata 7's defaults, overrides read from
// the `vars:` section of a suricata.yaml-style file, and the resolution of address and port
// expressions (lists, ranges, negation, nested variables) into exact sets.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostic.hpp"
#include "core/signature.hpp"

namespace tripline {

class RuleVars {
 public:
  // Suricata 7's suricata.yaml defaults (HOME_NET "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]",
  // EXTERNAL_NET "!$HOME_NET", HTTP_PORTS "80", ...).
  static RuleVars suricata_defaults();

  // Reads `vars:` / `address-groups:` / `port-groups:` / `NAME: "value"` lines (the layout of
  // suricata.yaml; everything outside `vars:` is ignored) over the current values. Returns
  // diagnostics for lines it cannot read and for values that do not resolve.
  std::vector<Diagnostic> load_overrides(std::string_view text, std::string_view file_name);

  void set_address(const std::string& name, std::string value) {
    addresses_[name] = std::move(value);
  }
  void set_port(const std::string& name, std::string value) { ports_[name] = std::move(value); }

  // Value of a variable, name without '$'; nullptr when undefined.
  const std::string* address(std::string_view name) const;
  const std::string* port(std::string_view name) const;

  const std::map<std::string, std::string, std::less<>>& addresses() const { return addresses_; }
  const std::map<std::string, std::string, std::less<>>& ports() const { return ports_; }

 private:
  std::map<std::string, std::string, std::less<>> addresses_;
  std::map<std::string, std::string, std::less<>> ports_;
};

// "any", "1.2.3.4", "10.0.0.0/8", "2001:db8::/32", "$VAR", "!x", "[x,y,!z]" (nested), resolved
// with Suricata's semantics: a list is the union of its positive items (everything when it has
// none) minus its negated items. On failure `error` says why ("undefined variable '$X'",
// "invalid address 'x'", "empty address set '...'", ...).
std::optional<AddressSet> resolve_addresses(std::string_view text, const RuleVars& vars,
                                            std::string& error);

// "any", "80", "1024:", ":1023", "80:90", "$VAR", "!x", "[x,y,!z]" (nested), as above.
std::optional<PortSet> resolve_ports(std::string_view text, const RuleVars& vars,
                                     std::string& error);

}  // namespace tripline
