#include "core/rule_vars.hpp"

#include <charconv>
#include <cstring>

#include "core/loader_util.hpp"
#include "core/range_set.hpp"

namespace tripline {

namespace {

using detail::RangeSet;
using U128 = unsigned __int128;

constexpr uint32_t kV4Max = 0xffffffffu;
constexpr U128 kV6Max = ~U128{0};
constexpr uint32_t kPortMax = 65535;
constexpr int kMaxDepth = 32;  // nesting of lists and variables; deeper is a loop

// ---- address and port sets as the expression evaluator sees them ----

struct AddrValues {
  RangeSet<uint32_t> v4;
  RangeSet<U128> v6;
};

struct AddrTraits {
  using Set = AddrValues;
  static constexpr const char* kWhat = "address";
  static Set all() { return {RangeSet<uint32_t>::all(kV4Max), RangeSet<U128>::all(kV6Max)}; }
  static void add(Set& to, const Set& from) {
    to.v4.add(from.v4);
    to.v6.add(from.v6);
  }
  static Set minus(const Set& a, const Set& b) {
    return {a.v4.minus(b.v4, kV4Max), a.v6.minus(b.v6, kV6Max)};
  }
  static bool empty(const Set& s) { return s.v4.empty() && s.v6.empty(); }
  static const std::string* lookup(const RuleVars& vars, std::string_view name) {
    return vars.address(name);
  }

  static void add_range(Set& s, const IpAddress& first, const IpAddress& last) {
    if (first.family == 4)
      s.v4.add(first.v4_host_order(), last.v4_host_order());
    else
      s.v6.add(first.v6_host_order(), last.v6_host_order());
  }
  // "1.2.3.4", "10.0.0.0/8", "2001:db8::/32", "10.0.0.1-10.0.0.9".
  static std::optional<Set> atom(std::string_view text) {
    Set s;
    if (const size_t dash = text.find('-'); dash != std::string_view::npos) {
      auto first = parse_ip(text.substr(0, dash));
      auto last = parse_ip(text.substr(dash + 1));
      if (!first || !last || first->family != last->family || last < *first) return std::nullopt;
      add_range(s, *first, *last);
      return s;
    }
    if (text.find('/') != std::string_view::npos) {
      auto cidr = parse_cidr(text);
      if (!cidr) return std::nullopt;
      IpAddress last = cidr->network;
      const unsigned max = cidr->network.family == 4 ? 32 : 128;
      for (unsigned bit = cidr->prefix; bit < max; ++bit)
        last.bytes[bit / 8] |= static_cast<uint8_t>(0x80u >> (bit % 8));
      add_range(s, cidr->network, last);
      return s;
    }
    auto ip = parse_ip(text);
    if (!ip) return std::nullopt;
    add_range(s, *ip, *ip);
    return s;
  }
};

struct PortTraits {
  using Set = RangeSet<uint32_t>;
  static constexpr const char* kWhat = "port";
  static Set all() { return Set::all(kPortMax); }
  static void add(Set& to, const Set& from) { to.add(from); }
  static Set minus(const Set& a, const Set& b) { return a.minus(b, kPortMax); }
  static bool empty(const Set& s) { return s.empty(); }
  static const std::string* lookup(const RuleVars& vars, std::string_view name) {
    return vars.port(name);
  }

  static std::optional<uint32_t> number(std::string_view text) {
    uint32_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v > kPortMax)
      return std::nullopt;
    return v;
  }
  // "80", "80:90", "1024:", ":1023".
  static std::optional<Set> atom(std::string_view text) {
    const size_t colon = text.find(':');
    std::optional<uint32_t> first, last;
    if (colon == std::string_view::npos) {
      first = last = number(text);
    } else {
      if (text.size() == 1) return std::nullopt;
      first = colon == 0 ? std::optional<uint32_t>(0) : number(text.substr(0, colon));
      last = colon + 1 == text.size() ? std::optional<uint32_t>(kPortMax)
                                      : number(text.substr(colon + 1));
    }
    if (!first || !last || *first > *last) return std::nullopt;
    Set s;
    s.add(*first, *last);
    return s;
  }
};

// Recursive evaluation of an address or port expression.
template <class Traits>
class Evaluator {
 public:
  using Set = typename Traits::Set;
  Evaluator(const RuleVars& vars, std::string& error) : vars_(vars), error_(error) {}

  std::optional<Set> eval(std::string_view text, int depth) {
    text = detail::trim(text);
    if (depth > kMaxDepth) return fail("too deeply nested", text);
    if (text.empty()) return fail("empty", text);
    if (text[0] == '!') {
      auto inner = eval(text.substr(1), depth + 1);
      if (!inner) return std::nullopt;
      return Traits::minus(Traits::all(), *inner);
    }
    if (text[0] == '[') {
      if (text.back() != ']') return fail("unbalanced brackets in", text);
      return list(text.substr(1, text.size() - 2), depth + 1);
    }
    if (text[0] == '$') {
      const std::string* value = Traits::lookup(vars_, text.substr(1));
      if (value == nullptr) {
        error_ = "undefined variable '" + std::string(text) + "'";
        return std::nullopt;
      }
      return eval(*value, depth + 1);
    }
    if (detail::iequals(text, "any")) return Traits::all();
    auto atom = Traits::atom(text);
    if (!atom) return fail("invalid", text);
    return atom;
  }

 private:
  // Positive items unite (everything when there are none); negated items are then removed.
  std::optional<Set> list(std::string_view text, int depth) {
    Set positive{}, negative{};
    bool any_positive = false;
    int nesting = 0;
    size_t start = 0;
    for (size_t i = 0; i <= text.size(); ++i) {
      if (i < text.size()) {
        if (text[i] == '[') ++nesting;
        if (text[i] == ']') --nesting;
        if (nesting < 0) return fail("unbalanced brackets in", text);
        if (text[i] != ',' || nesting > 0) continue;
      }
      const std::string_view item = detail::trim(text.substr(start, i - start));
      start = i + 1;
      const bool negated = !item.empty() && item[0] == '!';
      auto value = eval(negated ? item.substr(1) : item, depth);
      if (!value) return std::nullopt;
      Traits::add(negated ? negative : positive, *value);
      any_positive |= !negated;
    }
    if (nesting != 0) return fail("unbalanced brackets in", text);
    return Traits::minus(any_positive ? positive : Traits::all(), negative);
  }

  std::optional<Set> fail(const char* what, std::string_view text) {
    error_ = std::string(what) + " " + Traits::kWhat + " '" + std::string(text) + "'";
    return std::nullopt;
  }

  const RuleVars& vars_;
  std::string& error_;
};

IpAddress ip_from(uint32_t v) {
  const uint8_t b[4] = {static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16),
                        static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)};
  return IpAddress::v4(b);
}
IpAddress ip_from(U128 v) {
  uint8_t b[16];
  for (int i = 15; i >= 0; --i, v >>= 8) b[i] = static_cast<uint8_t>(v);
  return IpAddress::v6(b);
}

// Each range as the fewest CIDR blocks that cover it exactly.
template <class T>
void append_cidrs(const RangeSet<T>& set, int bits, std::vector<Cidr>& out) {
  for (auto [lo, hi] : set.ranges()) {
    while (true) {
      int host_bits = 0;
      T mask = 0;  // host-bit mask of the block found so far
      while (host_bits < bits) {
        const T wider = host_bits + 1 == bits ? ~T{0} : (T{1} << (host_bits + 1)) - 1;
        if ((lo & wider) != 0 || hi - lo < wider) break;
        mask = wider;
        ++host_bits;
      }
      out.push_back(Cidr{ip_from(lo), static_cast<uint8_t>(bits - host_bits)});
      if (hi - lo == mask) break;
      lo += mask + 1;
    }
  }
}

std::string unquote(std::string_view value) {
  if (value.size() >= 2 && (value[0] == '"' || value[0] == '\'') && value.back() == value[0])
    return std::string(value.substr(1, value.size() - 2));
  return std::string(value);
}

// The value part of a YAML line with a trailing comment removed (quotes respected).
std::string_view strip_comment(std::string_view line) {
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '#' && (i == 0 || detail::is_space(line[i - 1]))) {
      return line.substr(0, i);
    }
  }
  return line;
}

}  // namespace

RuleVars RuleVars::suricata_defaults() {
  RuleVars v;
  v.set_address("HOME_NET", "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]");
  v.set_address("EXTERNAL_NET", "!$HOME_NET");
  for (const char* name : {"HTTP_SERVERS", "SMTP_SERVERS", "SQL_SERVERS", "DNS_SERVERS",
                           "TELNET_SERVERS", "DC_SERVERS", "DNP3_SERVER", "DNP3_CLIENT",
                           "MODBUS_CLIENT", "MODBUS_SERVER", "ENIP_CLIENT", "ENIP_SERVER"})
    v.set_address(name, "$HOME_NET");
  v.set_address("AIM_SERVERS", "$EXTERNAL_NET");  // as in Suricata 7's suricata.yaml
  v.set_port("HTTP_PORTS", "80");
  v.set_port("SHELLCODE_PORTS", "!80");
  v.set_port("ORACLE_PORTS", "1521");
  v.set_port("SSH_PORTS", "22");
  v.set_port("DNP3_PORTS", "20000");
  v.set_port("MODBUS_PORTS", "502");
  v.set_port("FILE_DATA_PORTS", "[$HTTP_PORTS,110,143]");
  v.set_port("FTP_PORTS", "21");
  v.set_port("GENEVE_PORTS", "6081");
  v.set_port("VXLAN_PORTS", "4789");
  v.set_port("TEREDO_PORTS", "3544");
  return v;
}

const std::string* RuleVars::address(std::string_view name) const {
  auto it = addresses_.find(name);
  return it == addresses_.end() ? nullptr : &it->second;
}

const std::string* RuleVars::port(std::string_view name) const {
  auto it = ports_.find(name);
  return it == ports_.end() ? nullptr : &it->second;
}

std::vector<Diagnostic> RuleVars::load_overrides(std::string_view text,
                                                 std::string_view file_name) {
  std::vector<Diagnostic> out;
  const std::string file(file_name);
  enum class Group { kNone, kAddress, kPort, kOther } group = Group::kNone;
  bool in_vars = false;
  struct Loaded {
    bool address;
    std::string name;
    uint32_t line;
  };
  std::vector<Loaded> loaded;
  uint32_t line_no = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view raw = strip_comment(text.substr(pos, end - pos));
    pos = end + 1;
    ++line_no;
    const std::string_view line = detail::trim(raw);
    if (line.empty() || line.starts_with("%YAML") || line == "---") continue;
    if (!detail::is_space(raw[0])) {  // a top-level key
      in_vars = line == "vars:";
      group = Group::kNone;
      continue;
    }
    if (!in_vars) continue;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      out.push_back({file, line_no, "", "expected 'NAME: value' in vars", Severity::kError});
      continue;
    }
    const std::string name(detail::trim(line.substr(0, colon)));
    const std::string_view value = detail::trim(line.substr(colon + 1));
    if (value.empty()) {
      group = name == "address-groups" ? Group::kAddress
              : name == "port-groups"  ? Group::kPort
                                       : Group::kOther;
      continue;
    }
    if (group == Group::kAddress)
      set_address(name, unquote(value));
    else if (group == Group::kPort)
      set_port(name, unquote(value));
    else
      continue;
    loaded.push_back({group == Group::kAddress, name, line_no});
  }
  for (const Loaded& l : loaded) {
    std::string error;
    const std::string ref = "$" + l.name;
    const bool ok = l.address ? resolve_addresses(ref, *this, error).has_value()
                              : resolve_ports(ref, *this, error).has_value();
    if (!ok) out.push_back({file, l.line, "", l.name + ": " + error, Severity::kError});
  }
  return out;
}

std::optional<AddressSet> resolve_addresses(std::string_view text, const RuleVars& vars,
                                            std::string& error) {
  auto values = Evaluator<AddrTraits>(vars, error).eval(text, 0);
  if (!values) return std::nullopt;
  if (AddrTraits::empty(*values)) {
    error = "empty address set '" + std::string(text) + "'";
    return std::nullopt;
  }
  AddressSet set;
  set.text = std::string(text);
  set.any = values->v4.is_all(kV4Max) && values->v6.is_all(kV6Max);
  append_cidrs(values->v4, 32, set.cidrs);
  append_cidrs(values->v6, 128, set.cidrs);
  return set;
}

std::optional<PortSet> resolve_ports(std::string_view text, const RuleVars& vars,
                                     std::string& error) {
  auto values = Evaluator<PortTraits>(vars, error).eval(text, 0);
  if (!values) return std::nullopt;
  if (values->empty()) {
    error = "empty port set '" + std::string(text) + "'";
    return std::nullopt;
  }
  PortSet set;
  set.text = std::string(text);
  set.any = values->is_all(kPortMax);
  for (auto [first, last] : values->ranges())
    set.ranges.push_back({static_cast<uint16_t>(first), static_cast<uint16_t>(last)});
  return set;
}

}  // namespace tripline
