// Suricata/Snort rule files: lines -> rules (comments, `\` continuations), rule -> header and
// options, and the per-file tally. Option semantics live in suricata_options.cpp.
#include "core/loaders.hpp"

#include <charconv>

#include "core/loader_util.hpp"
#include "core/suricata_rule_parser.hpp"

namespace tripline {

namespace detail {

namespace {

RuleProblem error(std::string message) { return {std::move(message), Severity::kError}; }

std::optional<SigAction> parse_action(std::string_view s) {
  if (s == "alert") return SigAction::kAlert;
  if (s == "pass") return SigAction::kPass;
  if (s == "drop") return SigAction::kDrop;
  if (s == "reject") return SigAction::kReject;
  if (s == "rejectsrc") return SigAction::kRejectSrc;
  if (s == "rejectdst") return SigAction::kRejectDst;
  if (s == "rejectboth") return SigAction::kRejectBoth;
  return std::nullopt;
}

// Protocols whose traffic tripline decodes; the rest of Suricata's list is skipped.
std::optional<SigProto> parse_proto(std::string_view s) {
  if (s == "ip" || s == "pkthdr") return SigProto::kIp;
  if (s == "tcp" || s == "tcp-pkt" || s == "tcp-stream") return SigProto::kTcp;
  if (s == "udp") return SigProto::kUdp;
  if (s == "icmp" || s == "icmpv4" || s == "icmpv6") return SigProto::kIcmp;
  if (s == "dns") return SigProto::kDns;
  if (s == "tls" || s == "ssl") return SigProto::kTls;
  if (s == "http" || s == "http1") return SigProto::kHttp;
  return std::nullopt;
}

// Header fields split on blanks; blanks inside [...] belong to the field ("[1.2.3.4, 5.6.7.8]").
std::vector<std::string_view> header_fields(std::string_view header) {
  std::vector<std::string_view> out;
  int nesting = 0;
  size_t start = std::string_view::npos;
  for (size_t i = 0; i <= header.size(); ++i) {
    const bool end = i == header.size();
    if (!end && header[i] == '[') ++nesting;
    if (!end && header[i] == ']') --nesting;
    const bool blank = end || (is_space(header[i]) && nesting <= 0);
    if (blank && start != std::string_view::npos) {
      out.push_back(header.substr(start, i - start));
      start = std::string_view::npos;
    } else if (!blank && start == std::string_view::npos) {
      start = i;
    }
  }
  return out;
}

std::optional<uint32_t> parse_sid(std::string_view s) {
  uint32_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v == 0) return std::nullopt;
  return v;
}

}  // namespace

std::optional<RuleProblem> split_options(std::string_view body, std::vector<RuleOption>& out) {
  bool quoted = false;
  size_t start = 0;
  auto emit = [&](size_t end) {
    const std::string_view opt = trim(body.substr(start, end - start));
    start = end + 1;
    if (opt.empty()) return;
    const size_t colon = opt.find(':');
    RuleOption o;
    o.key = lower_copy(trim(opt.substr(0, colon)));
    if (colon != std::string_view::npos) o.value = trim(opt.substr(colon + 1));
    out.push_back(std::move(o));
  };
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '\\') {
      ++i;  // the escaped character is never a separator or a quote
    } else if (body[i] == '"') {
      quoted = !quoted;
    } else if (body[i] == ';' && !quoted) {
      emit(i);
    }
  }
  if (quoted) return error("unterminated quoted string");
  if (start < body.size()) emit(body.size());  // a last option without ';'
  return std::nullopt;
}

std::optional<RuleProblem> parse_rule(std::string_view text, const RuleVars& vars, Signature& sig,
                                      std::string& sid_text) {
  text = trim(text);
  const size_t open = text.find('(');
  if (open == std::string_view::npos) return error("missing '(' before the rule options");
  if (text.back() != ')') return error("rule does not end with ')'");

  std::vector<RuleOption> options;
  if (auto problem = split_options(text.substr(open + 1, text.size() - open - 2), options))
    return problem;
  const RuleOption* sid = nullptr;
  for (const RuleOption& o : options)
    if (o.key == "sid") sid = &o;
  if (sid == nullptr) return error("missing sid");
  const auto sid_value = parse_sid(sid->value);
  if (!sid_value) return error("invalid sid '" + std::string(sid->value) + "'");
  sig.sid = *sid_value;
  sid_text = std::to_string(*sid_value);

  const auto fields = header_fields(text.substr(0, open));
  if (fields.size() != 7)
    return error("rule header is not 'action proto src sport -> dst dport': '" +
                 std::string(trim(text.substr(0, open))) + "'");
  const auto action = parse_action(fields[0]);
  if (!action) return error("unknown action '" + std::string(fields[0]) + "'");
  sig.action = *action;
  const std::string proto_name = lower_copy(fields[1]);
  const auto proto = parse_proto(proto_name);
  if (!proto)
    return RuleProblem{"unsupported protocol '" + std::string(fields[1]) + "'", Severity::kWarning};
  sig.proto = *proto;
  if (proto_name == "tcp-pkt") sig.tcp_scope = TcpScope::kPacket;
  if (proto_name == "tcp-stream") sig.tcp_scope = TcpScope::kStream;

  std::string why;
  auto src = resolve_addresses(fields[2], vars, why);
  if (!src) return error(why);
  auto src_ports = resolve_ports(fields[3], vars, why);
  if (!src_ports) return error(why);
  if (fields[4] != "->" && fields[4] != "<>")
    return error("invalid direction '" + std::string(fields[4]) + "'");
  sig.bidirectional = fields[4] == "<>";
  auto dst = resolve_addresses(fields[5], vars, why);
  if (!dst) return error(why);
  auto dst_ports = resolve_ports(fields[6], vars, why);
  if (!dst_ports) return error(why);
  sig.src = std::move(*src);
  sig.src_ports = std::move(*src_ports);
  sig.dst = std::move(*dst);
  sig.dst_ports = std::move(*dst_ports);
  return apply_options(options, sig);
}

}  // namespace detail

void load_suricata_rules(std::string_view text, std::string_view file_name, const RuleVars& vars,
                         RuleSet& rules) {
  const std::string file(file_name);
  rules.add_rule_file(file);
  text = detail::strip_bom(text);

  std::string rule;  // the current rule, continuation lines joined
  uint32_t rule_line = 0;
  uint32_t line_no = 0;
  auto finish = [&] {
    Signature sig;
    sig.file = file;
    sig.line = rule_line;
    std::string sid_text;
    auto problem = detail::parse_rule(rule, vars, sig, sid_text);
    if (!problem && !rules.add_signature(std::move(sig)))
      problem = detail::RuleProblem{"duplicate sid", Severity::kError};
    if (problem) {
      rules.count_skipped_rule(file, problem->message);
      rules.add_diagnostic(
          Diagnostic{file, rule_line, sid_text, std::move(problem->message), problem->severity});
    }
    rule.clear();
  };

  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    while (!line.empty() && detail::is_space(line.back())) line.remove_suffix(1);
    pos = end + 1;
    ++line_no;
    if (rule.empty()) {
      line = detail::trim(line);
      // Comments (commented-out rules too) and blank lines; a continuation never starts here.
      if (line.empty() || line[0] == '#') continue;
      rule_line = line_no;
    }
    // As Suricata does, a continuation line is appended where the backslash was.
    const bool continued = !line.empty() && line.back() == '\\';
    if (continued) line.remove_suffix(1);
    rule.append(line);
    if (!continued) finish();
  }
  if (!rule.empty()) finish();  // the file ended inside a continuation
}

}  // namespace tripline
