// Pattern -> alternatives (observations OR-ed, comparisons expanded to OR of ANDs) -> per
// alternative: plain indicators when it is one value comparison, else Signatures holding every
// comparison on one packet of one flow.
#include "core/stix_translate.hpp"

#include <optional>
#include <utility>

#include "core/ip_address.hpp"
#include "core/loaders.hpp"
#include "core/rule_vars.hpp"

namespace tripline {

namespace {

struct Problem {
  std::string message;
  bool unsupported = true;
};
[[noreturn]] void refuse(std::string message) { throw Problem{std::move(message), true}; }
[[noreturn]] void malformed(std::string message) { throw Problem{std::move(message), false}; }

using Conjunction = std::vector<const StixComparison*>;

std::string path_name(StixPath p) { return std::string(to_string(p)); }
std::string op_name(StixOp op) { return std::string(to_string(op)); }

// ---------------------------------------------------------------- expansion

void expand(const StixNode& n, std::vector<Conjunction>& out) {
  switch (n.kind) {
    case StixNode::kComparison:
      out.push_back({&n.comparison});
      return;
    case StixNode::kOr:
      for (const StixNode& c : n.children) expand(c, out);
      break;
    case StixNode::kAnd: {
      std::vector<Conjunction> acc{{}};
      for (const StixNode& c : n.children) {
        std::vector<Conjunction> part;
        expand(c, part);
        std::vector<Conjunction> next;
        for (const Conjunction& a : acc)
          for (const Conjunction& b : part) {
            if (next.size() == kMaxStixAlternatives)
              refuse("pattern has more than " + std::to_string(kMaxStixAlternatives) +
                     " alternatives");
            Conjunction both = a;
            both.insert(both.end(), b.begin(), b.end());
            next.push_back(std::move(both));
          }
        acc = std::move(next);
      }
      out.insert(out.end(), acc.begin(), acc.end());
      break;
    }
    case StixNode::kObservation:
      refuse("observation inside a comparison");  // not produced by the parser
  }
  if (out.size() > kMaxStixAlternatives)
    refuse("pattern has more than " + std::to_string(kMaxStixAlternatives) + " alternatives");
}

// The observations of a pattern: OR of observations, each expanded to OR of ANDs.
void observations(const StixNode& n, std::vector<Conjunction>& out) {
  if (n.kind == StixNode::kObservation) return expand(n.children.front(), out);
  if (n.kind == StixNode::kOr) {
    for (const StixNode& c : n.children) observations(c, out);
    return;
  }
  refuse("observations joined by AND cannot hold on one flow");
}

// ---------------------------------------------------------------- values

const std::string& text_of(const StixComparison& c, const StixLiteral& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  malformed(path_name(c.path) + " needs a string, got " + std::to_string(std::get<int64_t>(v)));
}

// An IPv4/IPv6 address or CIDR literal for `path`: (normalized, is_cidr).
std::pair<std::string, bool> address_of(const StixComparison& c, const StixLiteral& v) {
  const std::string& text = text_of(c, v);
  const int family = c.path == StixPath::kIpv4 ? 4 : c.path == StixPath::kIpv6 ? 6 : 0;
  const char* what = family == 4   ? "an IPv4 address or CIDR"
                     : family == 6 ? "an IPv6 address or CIDR"
                                   : "an IP address or CIDR";
  if (text.find('/') != std::string::npos) {
    const auto cidr = parse_cidr(text);
    if (cidr && (family == 0 || cidr->network.family == family)) return {to_string(*cidr), true};
  } else {
    const auto ip = parse_ip(text);
    if (ip && (family == 0 || ip->family == family)) return {to_string(*ip), false};
  }
  malformed("'" + text + "' is not " + what);
}

uint16_t port_of(const StixComparison& c, const StixLiteral& v) {
  const auto* n = std::get_if<int64_t>(&v);
  if (n == nullptr)
    malformed(path_name(c.path) + " needs an integer, got '" + std::get<std::string>(v) + "'");
  if (*n < 0 || *n > 65535) malformed("port " + std::to_string(*n) + " is out of range");
  return static_cast<uint16_t>(*n);
}

std::string regex_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\^$.|?*+()[]{}/").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

bool has_wildcard(std::string_view s) { return s.find_first_of("%_") != std::string_view::npos; }

// SQL LIKE ('%' any run, '_' one character) as an anchored regex.
std::string like_regex(std::string_view s) {
  std::string out = "^";
  for (char c : s) {
    if (c == '%')
      out += ".*";
    else if (c == '_')
      out += '.';
    else
      out += regex_escape(std::string_view(&c, 1));
  }
  return out + "$";
}

// ---------------------------------------------------------------- one comparison alone

void add_address_indicators(const StixComparison& c, StixTranslation& out) {
  for (const StixLiteral& v : c.values) {
    auto [normalized, cidr] = address_of(c, v);
    out.indicators.push_back(
        {cidr ? IndicatorType::kCidr : IndicatorType::kIp, text_of(c, v), std::move(normalized)});
  }
}

void add_domain_indicator(const std::string& written, std::string_view name, StixTranslation& out) {
  auto normalized = normalize_domain(name);
  if (!normalized || parse_ip(*normalized)) malformed("'" + written + "' is not a domain name");
  out.indicators.push_back({IndicatorType::kDomain, written, std::move(*normalized)});
}

void add_url_indicator(const std::string& written, StixTranslation& out) {
  auto normalized = normalize_url(written);
  if (!normalized) malformed("'" + written + "' is not a URL");
  out.indicators.push_back({IndicatorType::kUrl, written, std::move(*normalized)});
}

// True when `c` alone became plain indicators.
bool plain_indicators(const StixComparison& c, StixTranslation& out) {
  const bool set_op = c.op == StixOp::kEqual || c.op == StixOp::kIn;
  switch (c.path) {
    case StixPath::kIpv4:
    case StixPath::kIpv6:
      if (!set_op && c.op != StixOp::kIsSubset) return false;
      add_address_indicators(c, out);
      return true;
    case StixPath::kDomain:
      if (set_op) {
        for (const StixLiteral& v : c.values)
          add_domain_indicator(text_of(c, v), text_of(c, v), out);
        return true;
      }
      if (c.op == StixOp::kLike) {
        const std::string& like = text_of(c, c.values.front());
        if (!has_wildcard(like)) return add_domain_indicator(like, like, out), true;
        if (like.starts_with("%.") && !has_wildcard(std::string_view(like).substr(2)))
          return add_domain_indicator(like, std::string_view(like).substr(2), out), true;
      }
      return false;
    case StixPath::kUrl:
      if (set_op) {
        for (const StixLiteral& v : c.values) add_url_indicator(text_of(c, v), out);
        return true;
      }
      if (c.op == StixOp::kLike && !has_wildcard(text_of(c, c.values.front()))) {
        add_url_indicator(text_of(c, c.values.front()), out);
        return true;
      }
      return false;
    default:
      return false;
  }
}

// ---------------------------------------------------------------- comparisons on one flow

struct FlowSpec {
  std::optional<std::string> either, src, dst;  // address expressions
  std::optional<std::string> src_ports, dst_ports;
  std::optional<SigProto> proto;
  std::vector<SigBuffer> buffers;  // the pcre is tried in each (one signature per buffer)
  std::optional<PcreMatch> pcre;
};

void set_once(std::optional<std::string>& slot, std::string value, const StixComparison& c) {
  if (slot) refuse("more than one comparison on " + path_name(c.path) + " in one AND");
  slot = std::move(value);
}

std::string address_expression(const StixComparison& c) {
  if (c.op != StixOp::kEqual && c.op != StixOp::kIn && c.op != StixOp::kIsSubset)
    refuse("operator " + op_name(c.op) + " is not supported on " + path_name(c.path));
  std::string list;
  for (const StixLiteral& v : c.values) list += (list.empty() ? "" : ",") + address_of(c, v).first;
  return c.values.size() == 1 ? list : "[" + list + "]";
}

std::string port_expression(const StixComparison& c) {
  if (c.op != StixOp::kEqual && c.op != StixOp::kIn && c.op != StixOp::kNotEqual)
    refuse("operator " + op_name(c.op) + " is not supported on " + path_name(c.path));
  std::string list;
  for (const StixLiteral& v : c.values)
    list += (list.empty() ? "" : ",") + std::to_string(port_of(c, v));
  if (c.op == StixOp::kNotEqual) return "!" + list;
  return c.values.size() == 1 ? list : "[" + list + "]";
}

SigProto protocol_of(const StixComparison& c) {
  if (c.op != StixOp::kEqual)
    refuse("operator " + op_name(c.op) + " is not supported on " + path_name(c.path));
  std::string name = text_of(c, c.values.front());
  for (char& ch : name) ch = static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
  if (name == "ipv4" || name == "ipv6" || name == "ip") return SigProto::kIp;
  if (name == "tcp") return SigProto::kTcp;
  if (name == "udp") return SigProto::kUdp;
  if (name == "icmp" || name == "icmpv6") return SigProto::kIcmp;
  if (name == "dns") return SigProto::kDns;
  if (name == "tls" || name == "ssl") return SigProto::kTls;
  if (name == "http") return SigProto::kHttp;
  refuse("unsupported protocol '" + text_of(c, c.values.front()) + "'");
}

void set_pcre(FlowSpec& f, const StixComparison& c) {
  if (f.pcre) refuse("more than one domain-name or url comparison in one AND");
  PcreMatch m;
  if (c.path == StixPath::kDomain) {
    f.buffers = {SigBuffer::kDnsQuery, SigBuffer::kTlsSni, SigBuffer::kHttpHost};
    m.flags = "i";  // host names are case-insensitive
    if (c.op == StixOp::kEqual || c.op == StixOp::kIn) {
      std::string names;
      for (const StixLiteral& v : c.values) {
        const auto d = normalize_domain(text_of(c, v));
        if (!d) malformed("'" + text_of(c, v) + "' is not a domain name");
        names += (names.empty() ? "" : "|") + regex_escape(*d);
      }
      m.pattern = "^(?:.*\\.)?(?:" + names + ")$";  // the name and its subdomains
    } else if (c.op == StixOp::kLike) {
      m.pattern = like_regex(text_of(c, c.values.front()));
    } else if (c.op == StixOp::kMatches) {
      m.pattern = text_of(c, c.values.front());
    } else {
      refuse("operator " + op_name(c.op) + " is not supported on " + path_name(c.path));
    }
  } else {  // url
    if (c.op != StixOp::kMatches)
      refuse("url:value " + op_name(c.op) + " combined with other comparisons is not supported");
    f.buffers = {SigBuffer::kHttpUri};
    m.pattern = text_of(c, c.values.front());
  }
  if (m.pattern.empty()) malformed("empty regular expression");
  f.pcre = std::move(m);
}

FlowSpec flow_spec(const Conjunction& conj) {
  FlowSpec f;
  for (const StixComparison* c : conj) {
    switch (c->path) {
      case StixPath::kIpv4:
      case StixPath::kIpv6:
        set_once(f.either, address_expression(*c), *c);
        break;
      case StixPath::kSrcRef:
        set_once(f.src, address_expression(*c), *c);
        break;
      case StixPath::kDstRef:
        set_once(f.dst, address_expression(*c), *c);
        break;
      case StixPath::kSrcPort:
        set_once(f.src_ports, port_expression(*c), *c);
        break;
      case StixPath::kDstPort:
        set_once(f.dst_ports, port_expression(*c), *c);
        break;
      case StixPath::kProtocols: {
        const SigProto p = protocol_of(*c);
        if (p == SigProto::kIp) break;
        if (f.proto && *f.proto != p) refuse("conflicting protocols in one AND");
        f.proto = p;
        break;
      }
      case StixPath::kDomain:
      case StixPath::kUrl:
        set_pcre(f, *c);
        break;
    }
  }
  if (f.either && (f.src || f.dst))
    refuse("ipv4-addr/ipv6-addr:value with network-traffic:src_ref/dst_ref in one AND");
  if (!f.either && !f.src && !f.dst && !f.pcre)
    refuse("ports and protocols alone are not an indicator");
  return f;
}

AddressSet addresses(const std::optional<std::string>& text) {
  std::string why;
  auto set = resolve_addresses(text ? *text : "any", RuleVars{}, why);
  if (!set) malformed(why);
  return std::move(*set);
}

PortSet ports(const std::optional<std::string>& text) {
  std::string why;
  auto set = resolve_ports(text ? *text : "any", RuleVars{}, why);
  if (!set) malformed(why);
  return std::move(*set);
}

void add_signatures(const FlowSpec& f, StixTranslation& out) {
  Signature base;
  base.proto = f.proto.value_or(SigProto::kIp);
  base.src_ports = ports(f.src_ports);
  base.dst_ports = ports(f.dst_ports);
  std::vector<Signature> shapes;
  if (f.either) {
    // The address on either side: bidirectional, once as the side with the source ports and,
    // when ports are constrained, once as the side with the destination ports.
    base.bidirectional = true;
    Signature as_src = base;
    as_src.src = addresses(f.either);
    as_src.dst = addresses(std::nullopt);
    shapes.push_back(std::move(as_src));
    if (f.src_ports || f.dst_ports) {
      Signature as_dst = base;
      as_dst.src = addresses(std::nullopt);
      as_dst.dst = addresses(f.either);
      shapes.push_back(std::move(as_dst));
    }
  } else {
    base.src = addresses(f.src);
    base.dst = addresses(f.dst);
    shapes.push_back(std::move(base));
  }
  for (Signature& shape : shapes) {
    if (!f.pcre) {
      out.signatures.push_back(std::move(shape));
      continue;
    }
    for (SigBuffer b : f.buffers) {
      Signature sig = shape;
      sig.matches.push_back(SigMatch{b, *f.pcre});
      out.signatures.push_back(std::move(sig));
    }
  }
}

void translate_alternative(const Conjunction& conj, StixTranslation& out) {
  if (conj.size() == 1 && plain_indicators(*conj.front(), out)) return;
  if (conj.size() == 1) {  // a single comparison that is not a plain value
    const StixComparison& c = *conj.front();
    const bool regex = c.op == StixOp::kMatches || c.op == StixOp::kLike;
    if (c.path == StixPath::kUrl && c.op == StixOp::kLike)
      refuse("url:value LIKE with wildcards cannot be matched");
    if (c.path == StixPath::kIpv4 || c.path == StixPath::kIpv6 ||
        ((c.path == StixPath::kDomain || c.path == StixPath::kUrl) && !regex))
      refuse("operator " + op_name(c.op) + " is not supported on " + path_name(c.path));
  }
  add_signatures(flow_spec(conj), out);
}

}  // namespace

StixTranslation translate_stix_pattern(const StixNode& pattern) {
  StixTranslation out;
  try {
    std::vector<Conjunction> alternatives;
    observations(pattern, alternatives);
    if (alternatives.size() > kMaxStixAlternatives)
      refuse("pattern has more than " + std::to_string(kMaxStixAlternatives) + " alternatives");
    for (const Conjunction& conj : alternatives) translate_alternative(conj, out);
    out.ok = true;
  } catch (Problem& p) {
    out = StixTranslation{};
    out.error = std::move(p.message);
    out.unsupported = p.unsupported;
  }
  return out;
}

StixTranslation compile_stix_pattern(std::string_view text) {
  StixPatternResult parsed = parse_stix_pattern(text);
  if (!parsed.ok) {
    StixTranslation out;
    out.error = std::move(parsed.error);
    out.unsupported = parsed.unsupported;
    return out;
  }
  return translate_stix_pattern(parsed.pattern);
}

}  // namespace tripline
