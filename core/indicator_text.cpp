#include "core/loaders.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "core/ip_address.hpp"
#include "core/loader_util.hpp"

namespace tripline {
namespace detail {

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (to_lower(a[i]) != to_lower(b[i])) return false;
  return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string lower_copy(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = to_lower(c);
  return out;
}

std::string_view base_name(std::string_view path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string_view stem(std::string_view base) {
  const size_t dot = base.rfind('.');
  return dot == std::string_view::npos || dot == 0 ? base : base.substr(0, dot);
}

std::string quoted(std::string_view token) {
  constexpr size_t kMax = 64;
  std::string out = "'";
  out += token.substr(0, kMax);
  if (token.size() > kMax) out += "...";
  out += '\'';
  return out;
}

std::string_view strip_bom(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  return text;
}

}  // namespace detail

namespace {

using detail::iequals;
using detail::to_lower;

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
constexpr bool is_label_char(char c) { return is_alpha(c) || is_digit(c) || c == '-' || c == '_'; }

// What a bracketed defang such as "[.]" or "(dot)" stands for; empty when it is not one.
std::string_view defang_replacement(std::string_view inner) {
  if (inner == "." || iequals(inner, "dot")) return ".";
  if (inner == ":") return ":";
  if (inner == "://") return "://";
  if (inner == "/") return "/";
  if (inner == "@" || iequals(inner, "at")) return "@";
  return {};
}

void refang_into(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size());
  const size_t n = in.size();
  size_t i = 0;
  while (i < n) {
    const char c = in[i];
    if (c == '[' || c == '(' || c == '{') {
      const char close = c == '[' ? ']' : c == '(' ? ')' : '}';
      const size_t j = in.find(close, i + 1);
      if (j != std::string_view::npos && j - i <= 4) {
        const std::string_view rep = defang_replacement(in.substr(i + 1, j - i - 1));
        if (!rep.empty()) {
          out += rep;
          i = j + 1;
          continue;
        }
      }
    }
    // "hxxp:" / "hxxps[:]" -> "http..."; "fxp:" -> "ftp:".
    const bool hxxp = (c == 'h' || c == 'H') && i + 4 <= n && iequals(in.substr(i, 4), "hxxp");
    const bool fxp = (c == 'f' || c == 'F') && i + 3 <= n && iequals(in.substr(i, 3), "fxp");
    if (hxxp || fxp) {
      size_t k = i + (hxxp ? 4 : 3);
      if (hxxp && k < n && to_lower(in[k]) == 's') ++k;
      if (k < n && (in[k] == ':' || in[k] == '[')) {
        out += hxxp ? "http" : "ftp";
        i += hxxp ? 4 : 3;
        continue;
      }
    }
    out += c;
    ++i;
  }
}

// Appends the lower-cased host name to out; false when it is not label syntax
// (labels 1..63 of [A-Za-z0-9-_], total <= 253, one trailing dot allowed).
bool append_domain(std::string_view text, std::string& out) {
  if (!text.empty() && text.back() == '.') text.remove_suffix(1);
  if (text.empty() || text.size() > 253) return false;
  size_t label = 0;
  for (const char c : text) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
    } else if (is_label_char(c)) {
      if (++label > 63) return false;
    } else {
      return false;
    }
  }
  if (label == 0) return false;
  for (const char c : text) out += to_lower(c);
  return true;
}

// A normalized host name with a dot and a TLD-like last label (letters, or "xn--...").
bool has_tld(std::string_view domain) {
  const size_t dot = domain.rfind('.');
  if (dot == std::string_view::npos) return false;
  const std::string_view tld = domain.substr(dot + 1);
  if (tld.size() > 4 && tld.substr(0, 4) == "xn--") return true;
  return tld.size() >= 2 && std::all_of(tld.begin(), tld.end(), is_alpha);
}

// "1".."65535"; 0 when not a port.
uint16_t parse_port(std::string_view text) {
  unsigned port = 0;
  if (text.empty() || text.size() > 5) return 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc() || end != text.data() + text.size() || port > 65535) return 0;
  return static_cast<uint16_t>(port);
}

void append_ip(const IpAddress& ip, std::string& out) {
  char buf[kIpTextMax];
  out.append(buf, format_ip(ip, buf));
}

// normalize_url into out; host_len (optional) receives the length of the host at the start of out.
bool normalize_url_into(std::string_view text, std::string& out, size_t* host_len) {
  out.clear();
  std::string_view rest = text;
  std::string_view scheme;
  const size_t sep = rest.find("://");
  if (sep != std::string_view::npos) {
    scheme = rest.substr(0, sep);
    if (scheme.empty() || !is_alpha(scheme[0])) return false;
    for (const char c : scheme)
      if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') return false;
    rest = rest.substr(sep + 3);
  }
  const bool http = scheme.empty() || iequals(scheme, "http") || iequals(scheme, "hxxp");
  const bool https = iequals(scheme, "https") || iequals(scheme, "hxxps");

  const size_t auth_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, auth_end);
  std::string_view tail =
      auth_end == std::string_view::npos ? std::string_view() : rest.substr(auth_end);
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos)
    authority = authority.substr(at + 1);

  std::string_view port_text;
  bool has_port = false;
  if (!authority.empty() && authority[0] == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return false;
    const auto ip = parse_ip(authority.substr(1, close - 1));
    if (!ip || ip->family != 6) return false;
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return false;
      has_port = true;
      port_text = after.substr(1);
    }
    out += '[';
    append_ip(*ip, out);
    out += ']';
  } else {
    std::string_view host = authority;
    if (const size_t colon = authority.find(':'); colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      has_port = true;
      port_text = authority.substr(colon + 1);
    }
    if (host.empty()) return false;
    if (const auto ip = parse_ip(host); ip && ip->family == 4) {
      append_ip(*ip, out);
    } else if (!append_domain(host, out)) {
      return false;
    }
  }
  if (host_len != nullptr) *host_len = out.size();

  if (has_port && !port_text.empty()) {
    const uint16_t port = parse_port(port_text);
    if (port == 0) return false;
    if (!(http && port == 80) && !(https && port == 443)) {
      out += ':';
      out += std::to_string(port);
    }
  }
  if (const size_t hash = tail.find('#'); hash != std::string_view::npos)
    tail = tail.substr(0, hash);
  if (tail.empty() || tail[0] != '/') out += '/';
  out += tail;
  return true;
}

bool has_control_or_space(std::string_view s) {
  for (const char c : s)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return true;
  return false;
}

void set_invalid(Classification& out, std::string_view prefix, std::string_view token) {
  out.kind = Classification::kInvalid;
  out.reason.assign(prefix);
  out.reason += detail::quoted(token);
}

void set_indicator(Classification& out, IndicatorType type, uint16_t port = 0) {
  out.kind = Classification::kIndicator;
  out.type = type;
  out.port = port;
}

void set_skipped(Classification& out, std::string_view kind) {
  out.kind = Classification::kSkipped;
  out.skipped_kind.assign(kind);
}

// A URL token (with scheme, or host followed by '/' or '?'); t is refanged.
void classify_url(std::string_view t, std::string_view token, bool require_tld,
                  Classification& out) {
  size_t host_len = 0;
  if (!normalize_url_into(t, out.normalized, &host_len))
    return set_invalid(out, "not an indicator: ", token);
  const std::string_view host = std::string_view(out.normalized).substr(0, host_len);
  const bool ip_host = host.front() == '[' || parse_ip(host).has_value();
  if (require_tld && !ip_host && !has_tld(host))
    return set_invalid(out, "not an indicator: ", token);
  set_indicator(out, IndicatorType::kUrl);
}

}  // namespace

namespace detail {

std::string_view hash_kind(std::string_view token) {
  if (!std::all_of(token.begin(), token.end(), is_hex)) return {};
  switch (token.size()) {
    case 32:
      return "md5";
    case 40:
      return "sha1";
    case 64:
      return "sha256";
    case 128:
      return "sha512";
    default:
      return {};
  }
}

void classify_into(std::string_view token, std::string& scratch, Classification& out) {
  out.kind = Classification::kInvalid;
  out.type = IndicatorType::kIp;
  out.port = 0;
  out.normalized.clear();
  out.skipped_kind.clear();
  out.reason.clear();

  refang_into(token, scratch);
  const std::string_view t = scratch;
  if (t.empty()) {
    out.reason = "empty indicator";
    return;
  }
  if (has_control_or_space(t)) return set_invalid(out, "not an indicator: ", token);

  // TLS fingerprints, written with their kind: "ja3:<md5>", "ja3s:<md5>" (a bare MD5 is a file
  // hash in every feed format, so the prefix is required).
  for (const auto& [prefix, type] :
       {std::pair<std::string_view, IndicatorType>{"ja3:", IndicatorType::kJa3},
        {"ja3s:", IndicatorType::kJa3s}}) {
    if (!istarts_with(t, prefix)) continue;
    const std::string_view hex = t.substr(prefix.size());
    if (hash_kind(hex) != "md5") return set_invalid(out, "not a ja3 hash: ", token);
    out.normalized = lower_copy(hex);
    return set_indicator(out, type, 0);
  }
  // URL with a scheme.
  if (const size_t sep = t.find("://"); sep != std::string_view::npos) {
    const std::string_view scheme = t.substr(0, sep);
    if (!iequals(scheme, "http") && !iequals(scheme, "https") && !iequals(scheme, "ftp")) {
      const bool word = !scheme.empty() && std::all_of(scheme.begin(), scheme.end(), is_alpha);
      if (word) return set_invalid(out, "unsupported url scheme: ", scheme);
      return set_invalid(out, "not an indicator: ", token);
    }
    return classify_url(t, token, false, out);
  }
  // A bare path (Maltrail trails such as "/pkg/qsuw.php?x="): matches any host, not loadable.
  if (t[0] == '/') {
    if (t.size() > 1) return set_skipped(out, "url_path");
    return set_invalid(out, "not an indicator: ", token);
  }
  if (const std::string_view kind = hash_kind(t); !kind.empty()) return set_skipped(out, kind);

  // IP address, "[v6]" and "[v6]:port".
  if (const auto ip = parse_ip(t)) {
    append_ip(*ip, out.normalized);
    return set_indicator(out, IndicatorType::kIp);
  }
  if (t[0] == '[') {
    const size_t close = t.find(']');
    const std::string_view after = close == std::string_view::npos ? t : t.substr(close + 1);
    if (close != std::string_view::npos && (after.empty() || after[0] == ':')) {
      const auto ip = parse_ip(t.substr(1, close - 1));
      const uint16_t port = after.empty() ? 0 : parse_port(after.substr(1));
      if (!ip || ip->family != 6 || (!after.empty() && port == 0))
        return set_invalid(out, "not an indicator: ", token);
      append_ip(*ip, out.normalized);
      return set_indicator(out, IndicatorType::kIp, port);
    }
    return classify_url(t, token, true, out);
  }

  const size_t slash = t.find_first_of("/?");
  if (slash != std::string_view::npos) {
    // "net/len" is a CIDR; anything else with a path is a URL.
    const std::string_view head = t.substr(0, slash);
    const std::string_view len = t.substr(slash + 1);
    if (t[slash] == '/' && !len.empty() && std::all_of(len.begin(), len.end(), is_digit) &&
        parse_ip(head)) {
      const auto cidr = parse_cidr(t, /*allow_host_bits=*/true);
      if (!cidr) return set_invalid(out, "invalid cidr: ", token);
      append_ip(cidr->network, out.normalized);
      out.normalized += '/';
      out.normalized += std::to_string(cidr->prefix);
      return set_indicator(out, IndicatorType::kCidr);
    }
    if (head.find('@') != std::string_view::npos)
      return set_invalid(out, "not an indicator: ", token);
    return classify_url(t, token, true, out);
  }

  if (const size_t at = t.rfind('@'); at != std::string_view::npos) {
    const std::string_view local = t.substr(0, at);
    if (!local.empty() && local.find('@') == std::string_view::npos &&
        append_domain(t.substr(at + 1), out.normalized) && has_tld(out.normalized)) {
      out.normalized.clear();
      return set_skipped(out, "email");
    }
    out.normalized.clear();
    return set_invalid(out, "not an indicator: ", token);
  }

  // "ipv4:port" and "domain:port".
  std::string_view host = t;
  uint16_t port = 0;
  if (const size_t colon = t.find(':'); colon != std::string_view::npos) {
    if (t.find(':', colon + 1) != std::string_view::npos)
      return set_invalid(out, "not an indicator: ", token);
    port = parse_port(t.substr(colon + 1));
    if (port == 0) return set_invalid(out, "not an indicator: ", token);
    host = t.substr(0, colon);
    if (const auto ip = parse_ip(host); ip && ip->family == 4) {
      append_ip(*ip, out.normalized);
      return set_indicator(out, IndicatorType::kIp, port);
    }
  }
  if (host.substr(0, 2) == "*.") host.remove_prefix(2);
  if (append_domain(host, out.normalized) && has_tld(out.normalized))
    return set_indicator(out, IndicatorType::kDomain, port);
  out.normalized.clear();
  set_invalid(out, "not an indicator: ", token);
}

DeclaredType lookup_declared_type(std::string_view name) {
  struct Entry {
    std::string_view name;
    DeclaredKind kind;
    std::string_view skipped_kind;
  };
  using K = DeclaredKind;
  static constexpr Entry kTable[] = {
      // Zeek Intel framework.
      {"intel::addr", K::kIp, ""},
      {"intel::subnet", K::kCidr, ""},
      {"intel::domain", K::kDomain, ""},
      {"intel::url", K::kUrl, ""},
      {"intel::file_hash", K::kFileHash, ""},
      {"intel::email", K::kSkip, "email"},
      {"intel::software", K::kSkip, "software"},
      {"intel::user_name", K::kSkip, "user_name"},
      {"intel::cert_hash", K::kSkip, "cert_hash"},
      {"intel::pubkey_hash", K::kSkip, "pubkey_hash"},
      {"intel::file_name", K::kSkip, "file_name"},
      {"intel::ja3", K::kJa3, ""},  // as the zeek/ja3 package declares it
      {"intel::ja3s", K::kJa3s, ""},
      // MISP attribute types.
      {"ip-src", K::kIp, ""},
      {"ip-dst", K::kIp, ""},
      {"ip-src|port", K::kIpPort, ""},
      {"ip-dst|port", K::kIpPort, ""},
      {"domain|ip", K::kDomainIp, ""},
      {"hostname|port", K::kHostPort, ""},
      {"link", K::kSkip, "link"},
      {"email-src", K::kSkip, "email"},
      {"email-dst", K::kSkip, "email"},
      {"sha512", K::kHash, "sha512"},
      {"filename", K::kSkip, "filename"},
      {"ja3-fingerprint-md5", K::kJa3, ""},
      {"ja3s-fingerprint-md5", K::kJa3s, ""},
      // Plain names (and MISP's where they coincide).
      {"ip", K::kIp, ""},
      {"ipv4", K::kIp, ""},
      {"ipv6", K::kIp, ""},
      {"addr", K::kIp, ""},
      {"cidr", K::kCidr, ""},
      {"subnet", K::kCidr, ""},
      {"network", K::kCidr, ""},
      {"domain", K::kDomain, ""},
      {"fqdn", K::kDomain, ""},
      {"hostname", K::kDomain, ""},
      {"host", K::kHost, ""},
      {"url", K::kUrl, ""},
      {"uri", K::kUrl, ""},
      {"md5", K::kHash, "md5"},
      {"sha1", K::kHash, "sha1"},
      {"sha256", K::kHash, "sha256"},
      {"hash", K::kHash, ""},
      {"email", K::kSkip, "email"},
      {"ja3", K::kJa3, ""},
      {"ja3s", K::kJa3s, ""},
  };
  name = trim(name);
  for (const Entry& e : kTable)
    if (iequals(name, e.name)) return {e.kind, e.skipped_kind};
  if (istarts_with(name, "intel::")) return {K::kUnknownZeek, ""};
  return {K::kUnknown, ""};
}

namespace {

std::string_view what_for(const DeclaredType& type) {
  switch (type.kind) {
    case DeclaredKind::kIp:
      return "an ip address";
    case DeclaredKind::kCidr:
      return "a cidr";
    case DeclaredKind::kDomain:
      return "a domain";
    case DeclaredKind::kHost:
      return "a host";
    case DeclaredKind::kUrl:
      return "a url";
    case DeclaredKind::kIpPort:
      return "an ip|port";
    case DeclaredKind::kHostPort:
      return "a hostname|port";
    case DeclaredKind::kDomainIp:
      return "a domain|ip";
    case DeclaredKind::kJa3:
      return "a ja3 hash";
    case DeclaredKind::kJa3s:
      return "a ja3s hash";
    case DeclaredKind::kHash:
      if (type.skipped_kind == "md5") return "an md5 hash";
      if (type.skipped_kind == "sha1") return "a sha1 hash";
      if (type.skipped_kind == "sha256") return "a sha256 hash";
      if (type.skipped_kind == "sha512") return "a sha512 hash";
      return "a hash";
    default:
      return "an indicator";
  }
}

void mismatch(Classification& out, const DeclaredType& type, std::string_view value) {
  out.kind = Classification::kInvalid;
  out.normalized.clear();
  out.reason = "value ";
  out.reason += quoted(value);
  out.reason += " is not ";
  out.reason += what_for(type);
}

bool is(const Classification& c, IndicatorType type) {
  return c.kind == Classification::kIndicator && c.type == type;
}

}  // namespace

size_t classify_declared(const DeclaredType& type, std::string_view declared_name,
                         std::string_view value, std::string& scratch, Piece (&pieces)[2]) {
  value = trim(value);
  Classification& c = pieces[0].c;
  pieces[0].written = value;
  if (value.empty()) {
    classify_into(value, scratch, c);  // "empty indicator"
    return 1;
  }
  switch (type.kind) {
    case DeclaredKind::kIp:
      classify_into(value, scratch, c);
      if (!is(c, IndicatorType::kIp) && !is(c, IndicatorType::kCidr)) mismatch(c, type, value);
      return 1;
    case DeclaredKind::kCidr:
      classify_into(value, scratch, c);
      if (!is(c, IndicatorType::kCidr)) mismatch(c, type, value);
      return 1;
    case DeclaredKind::kDomain:
      classify_into(value, scratch, c);
      if (!is(c, IndicatorType::kDomain)) mismatch(c, type, value);
      return 1;
    case DeclaredKind::kHost:
      classify_into(value, scratch, c);
      if (!is(c, IndicatorType::kDomain) && !is(c, IndicatorType::kIp)) mismatch(c, type, value);
      return 1;
    case DeclaredKind::kUrl: {
      classify_into(value, scratch, c);
      if (c.kind == Classification::kSkipped && c.skipped_kind == "url_path") return 1;
      if (is(c, IndicatorType::kUrl)) return 1;
      // Host-only values ("evil.example", "1.2.3.4") are URLs too when the file says so.
      if (c.kind == Classification::kIndicator && c.port == 0 &&
          (c.type == IndicatorType::kDomain || c.type == IndicatorType::kIp) &&
          normalize_url_into(scratch, c.normalized, nullptr)) {
        c.type = IndicatorType::kUrl;
        return 1;
      }
      if (c.kind == Classification::kIndicator && c.type == IndicatorType::kIp && c.port != 0) {
        // "1.2.3.4:8080" as a URL keeps its port in the URL text.
        if (normalize_url_into(scratch, c.normalized, nullptr)) {
          c.type = IndicatorType::kUrl;
          c.port = 0;
          return 1;
        }
      }
      if (c.kind == Classification::kInvalid && c.reason.starts_with("unsupported url scheme"))
        return 1;
      mismatch(c, type, value);
      return 1;
    }
    case DeclaredKind::kIpPort:
    case DeclaredKind::kHostPort: {
      const size_t bar = value.find('|');
      if (bar == std::string_view::npos) {
        mismatch(c, type, value);
        return 1;
      }
      classify_into(value.substr(0, bar), scratch, c);
      const uint16_t port = parse_port(trim(value.substr(bar + 1)));
      const IndicatorType want =
          type.kind == DeclaredKind::kIpPort ? IndicatorType::kIp : IndicatorType::kDomain;
      if (!is(c, want) || c.port != 0 || port == 0) {
        mismatch(c, type, value);
        return 1;
      }
      c.port = port;
      return 1;
    }
    case DeclaredKind::kDomainIp: {
      const size_t bar = value.find('|');
      if (bar == std::string_view::npos) {
        mismatch(c, type, value);
        return 1;
      }
      Classification& ip = pieces[1].c;
      pieces[0].written = trim(value.substr(0, bar));
      pieces[1].written = trim(value.substr(bar + 1));
      classify_into(pieces[0].written, scratch, c);
      classify_into(pieces[1].written, scratch, ip);
      if (!is(c, IndicatorType::kDomain) || c.port != 0 || !is(ip, IndicatorType::kIp) ||
          ip.port != 0) {
        pieces[0].written = value;
        mismatch(c, type, value);
        return 1;
      }
      return 2;
    }
    case DeclaredKind::kHash: {
      const std::string_view kind = hash_kind(value);
      classify_into(value, scratch, c);
      if (kind.empty() || (!type.skipped_kind.empty() && kind != type.skipped_kind)) {
        mismatch(c, type, value);
        return 1;
      }
      set_skipped(c, kind);
      return 1;
    }
    case DeclaredKind::kJa3:
    case DeclaredKind::kJa3s: {
      classify_into(value, scratch, c);
      if (hash_kind(value) != "md5") {
        mismatch(c, type, value);
        return 1;
      }
      c.kind = Classification::kIndicator;
      c.type = type.kind == DeclaredKind::kJa3 ? IndicatorType::kJa3 : IndicatorType::kJa3s;
      c.port = 0;
      c.normalized = lower_copy(value);
      c.skipped_kind.clear();
      c.reason.clear();
      return 1;
    }
    case DeclaredKind::kFileHash: {
      classify_into(value, scratch, c);
      const std::string_view kind = hash_kind(value);
      set_skipped(c, kind.empty() ? std::string_view("file_hash") : kind);
      return 1;
    }
    case DeclaredKind::kSkip:
      classify_into(value, scratch, c);
      set_skipped(c, type.skipped_kind);
      return 1;
    case DeclaredKind::kUnknownZeek:
    case DeclaredKind::kUnknown: {
      // Types with no network meaning (MISP "mutex", "regkey", an Intel:: newcomer, ...).
      classify_into(value, scratch, c);
      std::string kind = lower_copy(trim(declared_name));
      if (istarts_with(kind, "intel::")) kind.erase(0, 7);
      set_skipped(c, kind);
      return 1;
    }
  }
  return 1;
}

void emit(RuleSet& rules, std::string_view file, uint32_t line, std::string_view written,
          Classification& c, const IndicatorMeta& meta) {
  switch (c.kind) {
    case Classification::kIndicator: {
      Indicator indicator;
      indicator.type = c.type;
      indicator.port = c.port;
      indicator.line = line;
      indicator.value.assign(written);
      indicator.normalized = std::move(c.normalized);
      c.normalized.clear();
      rules.add(std::move(indicator), meta);
      break;
    }
    case Classification::kSkipped:
      rules.add_skipped(
          SkippedIndicator{std::string(file), line, c.skipped_kind, std::string(written)});
      break;
    case Classification::kInvalid:
      rules.add_diagnostic(Diagnostic{std::string(file), line, "", c.reason, Severity::kError});
      break;
  }
}

int parse_confidence(std::string_view text) {
  text = trim(text);
  if (iequals(text, "high")) return 90;
  if (iequals(text, "medium")) return 60;
  if (iequals(text, "low")) return 30;
  int value = -1;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < 0 ||
      value > 100)
    return -1;
  return value;
}

int parse_cif_confidence(std::string_view text) {
  text = trim(text);
  double value = -1;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || !(value >= 0) ||
      value > 10)
    return -1;
  return static_cast<int>(std::lround(value * 10));
}

std::string normalize_tlp(std::string_view text) {
  text = trim(text);
  if (istarts_with(text, "tlp:")) text.remove_prefix(4);
  std::string tlp = lower_copy(trim(text));
  if (tlp == "white") return "clear";
  if (tlp == "clear" || tlp == "green" || tlp == "amber" || tlp == "amber+strict" || tlp == "red")
    return tlp;
  return {};
}

void reserve_for(RuleSet& rules, size_t lines) {
  const size_t have = rules.indicators().size();
  if (lines > have) rules.reserve(have + lines);
}

}  // namespace detail

std::string refang(std::string_view text) {
  std::string out;
  refang_into(text, out);
  return out;
}

Classification classify_indicator(std::string_view token) {
  Classification out;
  std::string scratch;
  detail::classify_into(token, scratch, out);
  return out;
}

std::optional<std::string> normalize_domain(std::string_view text) {
  std::string out;
  if (!append_domain(text, out)) return std::nullopt;
  return out;
}

std::optional<std::string> normalize_url(std::string_view text) {
  std::string out;
  if (!normalize_url_into(text, out, nullptr)) return std::nullopt;
  return out;
}

}  // namespace tripline
