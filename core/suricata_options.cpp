// Rule options of the indicator-style subset: meta keywords, flow, content and its modifiers,
// pcre, and the sticky buffers tripline extracts. Any other keyword skips the rule.
#include <charconv>

#include "core/loader_util.hpp"
#include "core/suricata_rule_parser.hpp"

namespace tripline::detail {

namespace {

RuleProblem error(std::string message) { return {std::move(message), Severity::kError}; }
RuleProblem unsupported(std::string message) { return {std::move(message), Severity::kWarning}; }

std::optional<long> parse_int(std::string_view s, long min, long max) {
  long v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v < min || v > max)
    return std::nullopt;
  return v;
}

// `"text"` -> text with `\x` -> x.
std::string unquote_unescape(std::string_view s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) ++i;
    out.push_back(s[i]);
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = to_lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// `"ab|0d 0a|c\"d"` -> bytes; nullopt with `why` set when malformed.
std::optional<std::string> decode_content(std::string_view s, std::string& why) {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') {
    why = "not quoted";
    return std::nullopt;
  }
  s = s.substr(1, s.size() - 2);
  std::string out;
  bool hex = false;
  int high = -1;  // first digit of a pending hex pair
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '|') {
      if (hex && high >= 0) {
        why = "odd number of hex digits";
        return std::nullopt;
      }
      hex = !hex;
    } else if (hex) {
      if (c == ' ') continue;
      const int v = hex_value(c);
      if (v < 0) {
        why = std::string("bad hex digit '") + c + "'";
        return std::nullopt;
      }
      if (high < 0) {
        high = v;
      } else {
        out.push_back(static_cast<char>(high << 4 | v));
        high = -1;
      }
    } else if (c == '\\') {
      const char next = i + 1 < s.size() ? s[i + 1] : '\0';
      if (next != '"' && next != ';' && next != '\\' && next != ':') {
        why = std::string("invalid escape '\\") + next + "'";
        return std::nullopt;
      }
      out.push_back(next);
      ++i;
    } else {
      out.push_back(c);
    }
  }
  if (hex)
    why = "unterminated |hex|";
  else if (out.empty())
    why = "empty";
  if (!why.empty()) return std::nullopt;
  return out;
}

bool take_negation(std::string_view& value) {
  if (value.empty() || value[0] != '!') return false;
  value = trim(value.substr(1));
  return true;
}

struct BufferName {
  std::string_view name;
  SigBuffer buffer;
  bool sticky;  // false: a legacy modifier that moves the preceding content ("http_uri")
};
constexpr BufferName kBuffers[] = {
    {"dns.query", SigBuffer::kDnsQuery, true},
    {"dns_query", SigBuffer::kDnsQuery, true},
    {"tls.sni", SigBuffer::kTlsSni, true},
    {"tls_sni", SigBuffer::kTlsSni, true},
    {"ja3.hash", SigBuffer::kJa3Hash, true},
    {"ja3_hash", SigBuffer::kJa3Hash, true},
    {"http.host", SigBuffer::kHttpHost, true},
    {"http.uri", SigBuffer::kHttpUri, true},
    {"http.method", SigBuffer::kHttpMethod, true},
    {"http.user_agent", SigBuffer::kHttpUserAgent, true},
    {"http_host", SigBuffer::kHttpHost, false},
    {"http_uri", SigBuffer::kHttpUri, false},
    {"http_method", SigBuffer::kHttpMethod, false},
    {"http_user_agent", SigBuffer::kHttpUserAgent, false},
};

SigProto app_of(SigBuffer b) {
  switch (b) {
    case SigBuffer::kDnsQuery:
      return SigProto::kDns;
    case SigBuffer::kTlsSni:
    case SigBuffer::kJa3Hash:
      return SigProto::kTls;
    default:
      return SigProto::kHttp;
  }
}

std::string_view proto_name(SigProto p) {
  switch (p) {
    case SigProto::kIp:
      return "ip";
    case SigProto::kTcp:
      return "tcp";
    case SigProto::kUdp:
      return "udp";
    case SigProto::kIcmp:
      return "icmp";
    case SigProto::kDns:
      return "dns";
    case SigProto::kTls:
      return "tls";
    case SigProto::kHttp:
      return "http";
  }
  return "?";
}

// Applies one rule's options in order; `buffer` is the sticky buffer in force.
class OptionParser {
 public:
  explicit OptionParser(Signature& sig) : sig_(sig) {}

  std::optional<RuleProblem> apply(const RuleOption& o) {
    const std::string_view k = o.key;
    std::string_view v = o.value;
    if (k == "msg")
      sig_.msg = unquote_unescape(v);
    else if (k == "sid") {
    }  // parsed with the header
    else if (k == "rev" || k == "gid")
      return set_uint(k, v, k == "rev" ? sig_.rev : sig_.gid);
    else if (k == "classtype")
      sig_.classtype = std::string(v);
    else if (k == "priority")
      return set_priority(v);
    else if (k == "metadata")
      add_metadata(v);
    else if (k == "reference")
      return add_reference(v);
    else if (k == "target")
      return set_target(v);
    else if (k == "flow")
      return set_flow(v);
    else if (k == "content")
      return add_content(v);
    else if (k == "pcre")
      return add_pcre(v);
    else if (k == "nocase" || k == "startswith" || k == "endswith" || k == "fast_pattern")
      return set_flag(k, v);
    else if (k == "offset" || k == "depth" || k == "distance" || k == "within")
      return set_position(k, v);
    else {
      for (const BufferName& b : kBuffers)
        if (k == b.name) return b.sticky ? set_buffer(k, b.buffer) : move_content(k, b.buffer);
      return unsupported("unsupported keyword '" + o.key + "'");
    }
    return std::nullopt;
  }

 private:
  std::optional<RuleProblem> set_uint(std::string_view k, std::string_view v, uint32_t& out) {
    const auto n = parse_int(v, 0, 0xffffffffL);
    if (!n) return error("invalid " + std::string(k) + " '" + std::string(v) + "'");
    out = static_cast<uint32_t>(*n);
    return std::nullopt;
  }

  std::optional<RuleProblem> set_priority(std::string_view v) {
    const auto n = parse_int(v, 1, 255);
    if (!n) return error("invalid priority '" + std::string(v) + "'");
    sig_.priority = static_cast<int>(*n);
    return std::nullopt;
  }

  void add_metadata(std::string_view v) {
    size_t start = 0;
    while (start <= v.size()) {
      size_t comma = v.find(',', start);
      if (comma == std::string_view::npos) comma = v.size();
      const std::string_view item = trim(v.substr(start, comma - start));
      start = comma + 1;
      if (item.empty()) continue;
      size_t space = 0;
      while (space < item.size() && !is_space(item[space])) ++space;
      sig_.metadata.emplace_back(std::string(item.substr(0, space)),
                                 std::string(trim(item.substr(space))));
    }
  }

  std::optional<RuleProblem> add_reference(std::string_view v) {
    const size_t comma = v.find(',');
    if (comma == std::string_view::npos || trim(v.substr(comma + 1)).empty())
      return error("invalid reference '" + std::string(v) + "'");
    sig_.references.push_back(
        {std::string(trim(v.substr(0, comma))), std::string(trim(v.substr(comma + 1)))});
    return std::nullopt;
  }

  std::optional<RuleProblem> set_target(std::string_view v) {
    if (v != "src_ip" && v != "dest_ip") return error("invalid target '" + std::string(v) + "'");
    sig_.target = std::string(v);
    return std::nullopt;
  }

  std::optional<RuleProblem> set_flow(std::string_view v) {
    size_t start = 0;
    while (start <= v.size()) {
      size_t comma = v.find(',', start);
      if (comma == std::string_view::npos) comma = v.size();
      const std::string_view item = trim(v.substr(start, comma - start));
      start = comma + 1;
      if (item == "to_server" || item == "from_client")
        sig_.flow.to_server = true;
      else if (item == "to_client" || item == "from_server")
        sig_.flow.to_client = true;
      else if (item == "established")
        sig_.flow.established = true;
      else
        return unsupported("unsupported flow option '" + std::string(item) + "'");
    }
    if (sig_.flow.to_server && sig_.flow.to_client)
      return error("flow cannot be both to_server and to_client");
    return std::nullopt;
  }

  std::optional<RuleProblem> add_content(std::string_view v) {
    ContentMatch c;
    c.negated = take_negation(v);
    std::string why;
    auto bytes = decode_content(v, why);
    if (!bytes) return error("invalid content: " + why);
    c.bytes = std::move(*bytes);
    last_content_ = static_cast<int>(sig_.matches.size());
    sig_.matches.push_back({buffer_, std::move(c)});
    return std::nullopt;
  }

  std::optional<RuleProblem> add_pcre(std::string_view v) {
    PcreMatch p;
    p.negated = take_negation(v);
    if (v.size() < 2 || v.front() != '"' || v.back() != '"')
      return error("invalid pcre: not quoted");
    v = v.substr(1, v.size() - 2);
    const size_t last = v.rfind('/');
    if (v.empty() || v[0] != '/' || last == 0) return error("invalid pcre: not /pattern/flags");
    p.pattern = std::string(v.substr(1, last - 1));
    if (p.pattern.empty()) return error("invalid pcre: empty pattern");
    for (const char f : v.substr(last + 1)) {
      if (f == 'i' || f == 's' || f == 'm' || f == 'x')
        p.flags.push_back(f);
      else if (f == 'R')
        p.relative = true;
      else
        return unsupported(std::string("pcre flag '") + f + "' not supported");
    }
    last_content_ = -1;  // content modifiers after a pcre are errors
    sig_.matches.push_back({buffer_, std::move(p)});
    return std::nullopt;
  }

  ContentMatch* last_content() {
    if (last_content_ < 0) return nullptr;
    return &std::get<ContentMatch>(sig_.matches[static_cast<size_t>(last_content_)].m);
  }

  std::optional<RuleProblem> set_flag(std::string_view k, std::string_view v) {
    ContentMatch* c = last_content();
    if (c == nullptr) return error("'" + std::string(k) + "' needs a preceding content");
    if (k == "nocase")
      c->nocase = true;
    else if (k == "startswith")
      c->startswith = true;
    else if (k == "endswith")
      c->endswith = true;
    else if (v.empty() || v == "only" || v.find(',') != std::string_view::npos)
      c->fast_pattern = true;  // "fast_pattern", ":only", ":offset,length"
    else
      return error("invalid fast_pattern '" + std::string(v) + "'");
    return std::nullopt;
  }

  std::optional<RuleProblem> set_position(std::string_view k, std::string_view v) {
    ContentMatch* c = last_content();
    if (c == nullptr) return error("'" + std::string(k) + "' needs a preceding content");
    const bool can_be_negative = k == "distance";
    const auto n = parse_int(v, can_be_negative ? -65535 : 0, 65535);
    if (!n) return error("invalid " + std::string(k) + " '" + std::string(v) + "'");
    const int value = static_cast<int>(*n);
    if (k == "offset")
      c->offset = value;
    else if (k == "depth")
      c->depth = value;
    else if (k == "distance")
      c->distance = value;
    else
      c->within = value;
    return std::nullopt;
  }

  // The buffer's application protocol must agree with the rule's and with earlier buffers.
  std::optional<RuleProblem> check_app(std::string_view k, SigBuffer b) {
    const SigProto app = app_of(b);
    const SigProto p = sig_.proto;
    const bool transport_ok =
        p == SigProto::kIp || p == SigProto::kTcp || (p == SigProto::kUdp && app == SigProto::kDns);
    if ((p != app && !transport_ok) || (app_ && *app_ != app))
      return error("'" + std::string(k) + "' conflicts with protocol '" +
                   std::string(proto_name(app_ ? *app_ : p)) + "'");
    app_ = app;
    return std::nullopt;
  }

  std::optional<RuleProblem> set_buffer(std::string_view k, SigBuffer b) {
    if (auto problem = check_app(k, b)) return problem;
    buffer_ = b;
    last_content_ = -1;
    return std::nullopt;
  }

  std::optional<RuleProblem> move_content(std::string_view k, SigBuffer b) {
    ContentMatch* c = last_content();
    SigMatch* m = c ? &sig_.matches[static_cast<size_t>(last_content_)] : nullptr;
    if (m == nullptr || m->buffer != SigBuffer::kPacket)
      return error("'" + std::string(k) + "' needs a preceding payload content");
    if (auto problem = check_app(k, b)) return problem;
    m->buffer = b;
    return std::nullopt;
  }

  Signature& sig_;
  SigBuffer buffer_ = SigBuffer::kPacket;
  int last_content_ = -1;  // index into sig_.matches; -1 when modifiers have nothing to modify
  std::optional<SigProto> app_;
};

}  // namespace

std::optional<RuleProblem> apply_options(const std::vector<RuleOption>& options, Signature& sig) {
  OptionParser parser(sig);
  for (const RuleOption& o : options)
    if (auto problem = parser.apply(o)) return problem;
  return std::nullopt;
}

}  // namespace tripline::detail
