// Recursive descent over the STIX 2.1 pattern grammar (keywords upper case, as the grammar
// defines them); AND binds tighter than OR at both levels. Errors are thrown inside as Problem
// and returned by parse_stix_pattern().
#include "core/stix_pattern.hpp"

#include <charconv>
#include <utility>

namespace tripline {

std::string_view to_string(StixPath path) {
  switch (path) {
    case StixPath::kIpv4:
      return "ipv4-addr:value";
    case StixPath::kIpv6:
      return "ipv6-addr:value";
    case StixPath::kDomain:
      return "domain-name:value";
    case StixPath::kUrl:
      return "url:value";
    case StixPath::kSrcRef:
      return "network-traffic:src_ref.value";
    case StixPath::kDstRef:
      return "network-traffic:dst_ref.value";
    case StixPath::kSrcPort:
      return "network-traffic:src_port";
    case StixPath::kDstPort:
      return "network-traffic:dst_port";
    case StixPath::kProtocols:
      return "network-traffic:protocols[*]";
  }
  return "unknown";
}

std::string_view to_string(StixOp op) {
  switch (op) {
    case StixOp::kEqual:
      return "=";
    case StixOp::kNotEqual:
      return "!=";
    case StixOp::kIn:
      return "IN";
    case StixOp::kIsSubset:
      return "ISSUBSET";
    case StixOp::kLike:
      return "LIKE";
    case StixOp::kMatches:
      return "MATCHES";
  }
  return "?";
}

namespace {

struct Problem {
  std::string message;
  bool unsupported = false;
};

constexpr int kMaxDepth = 64;

constexpr bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_word(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' || c == '-';
}

bool is_protocols_path(std::string_view p) {
  constexpr std::string_view kPrefix = "network-traffic:protocols[";
  if (!p.starts_with(kPrefix) || !p.ends_with("]")) return false;
  const std::string_view index = p.substr(kPrefix.size(), p.size() - kPrefix.size() - 1);
  if (index == "*") return true;
  if (index.empty()) return false;
  for (char c : index)
    if (!is_digit(c)) return false;
  return true;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  StixNode parse() {
    skip_space();
    if (pos_ == s_.size()) throw Problem{"empty pattern"};
    StixNode root = observation_or(0);
    skip_space();
    if (pos_ != s_.size()) unexpected();
    return root;
  }

 private:
  [[noreturn]] void fail(std::string message) const {
    throw Problem{std::move(message) + " at offset " + std::to_string(pos_)};
  }
  [[noreturn]] static void refuse(std::string message) { throw Problem{std::move(message), true}; }
  [[noreturn]] void unexpected() const {
    if (pos_ == s_.size()) fail("unexpected end of pattern");
    fail("unexpected '" + std::string(s_.substr(pos_, word_length() ? word_length() : 1)) + "'");
  }

  void skip_space() {
    while (pos_ < s_.size() && is_space(s_[pos_])) ++pos_;
  }
  size_t word_length() const {
    size_t n = 0;
    while (pos_ + n < s_.size() && is_word(s_[pos_ + n])) ++n;
    return n;
  }
  // The upper-case keyword at the cursor (a whole word), without consuming it.
  std::string_view peek_word() {
    skip_space();
    return s_.substr(pos_, word_length());
  }
  bool accept_word(std::string_view word) {
    if (peek_word() != word) return false;
    pos_ += word.size();
    return true;
  }
  bool accept(char c) {
    skip_space();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!accept(c)) fail(std::string("expected '") + c + "'");
  }

  static StixNode join(StixNode::Kind kind, std::vector<StixNode> parts) {
    if (parts.size() == 1) return std::move(parts.front());
    StixNode n;
    n.kind = kind;
    n.children = std::move(parts);
    return n;
  }

  // ---------------------------------------------------------------- observation level

  StixNode observation_or(int depth) {
    std::vector<StixNode> parts;
    parts.push_back(observation_and(depth));
    for (;;) {
      if (accept_word("OR")) {
        parts.push_back(observation_and(depth));
      } else if (peek_word() == "FOLLOWEDBY") {
        refuse("FOLLOWEDBY is not supported");
      } else {
        return join(StixNode::kOr, std::move(parts));
      }
    }
  }

  StixNode observation_and(int depth) {
    std::vector<StixNode> parts;
    parts.push_back(observation(depth));
    while (accept_word("AND")) parts.push_back(observation(depth));
    return join(StixNode::kAnd, std::move(parts));
  }

  StixNode observation(int depth) {
    if (depth > kMaxDepth) fail("pattern nested too deeply");
    StixNode n;
    if (accept('[')) {
      n.kind = StixNode::kObservation;
      n.children.push_back(comparison_or(depth + 1));
      expect(']');
    } else if (accept('(')) {
      n = observation_or(depth + 1);
      expect(')');
    } else {
      fail("expected '[' or '('");
    }
    const std::string_view word = peek_word();
    if (word == "WITHIN" || word == "REPEATS" || word == "START")
      refuse("qualifier " + std::string(word) + " is not supported");
    return n;
  }

  // ---------------------------------------------------------------- comparison level

  StixNode comparison_or(int depth) {
    std::vector<StixNode> parts;
    parts.push_back(comparison_and(depth));
    while (accept_word("OR")) parts.push_back(comparison_and(depth));
    return join(StixNode::kOr, std::move(parts));
  }

  StixNode comparison_and(int depth) {
    std::vector<StixNode> parts;
    parts.push_back(comparison_unit(depth));
    while (accept_word("AND")) parts.push_back(comparison_unit(depth));
    return join(StixNode::kAnd, std::move(parts));
  }

  StixNode comparison_unit(int depth) {
    if (depth > kMaxDepth) fail("pattern nested too deeply");
    if (accept('(')) {
      StixNode n = comparison_or(depth + 1);
      expect(')');
      return n;
    }
    if (peek_word() == "NOT") refuse("NOT is not supported");
    if (peek_word() == "EXISTS") refuse("EXISTS is not supported");
    StixNode n;
    n.kind = StixNode::kComparison;
    n.comparison.path = object_path();
    n.comparison.op = comparison_operator();
    if (n.comparison.op == StixOp::kIn) {
      expect('(');
      n.comparison.values.push_back(literal());
      while (accept(',')) n.comparison.values.push_back(literal());
      expect(')');
    } else {
      n.comparison.values.push_back(literal());
    }
    return n;
  }

  StixPath object_path() {
    skip_space();
    const size_t start = pos_;
    pos_ += word_length();
    if (pos_ == start || pos_ >= s_.size() || s_[pos_] != ':') {
      pos_ = start;
      fail("expected object path");
    }
    ++pos_;
    bool first = true;
    for (;;) {
      if (first || (pos_ < s_.size() && s_[pos_] == '.')) {
        if (!first) ++pos_;
        first = false;
        if (pos_ < s_.size() && s_[pos_] == '\'') {  // quoted component: hashes.'SHA-256'
          const size_t close = s_.find('\'', pos_ + 1);
          if (close == std::string_view::npos) fail("unterminated object path component");
          pos_ = close + 1;
        } else {
          const size_t n = word_length();
          if (n == 0) fail("expected object path component");
          pos_ += n;
        }
      } else if (pos_ < s_.size() && s_[pos_] == '[') {
        const size_t close = s_.find(']', pos_);
        if (close == std::string_view::npos) fail("expected ']'");
        pos_ = close + 1;
      } else {
        break;
      }
    }
    const std::string_view path = s_.substr(start, pos_ - start);
    constexpr StixPath kAll[] = {StixPath::kIpv4,    StixPath::kIpv6,   StixPath::kDomain,
                                 StixPath::kUrl,     StixPath::kSrcRef, StixPath::kDstRef,
                                 StixPath::kSrcPort, StixPath::kDstPort};
    for (StixPath p : kAll)
      if (path == to_string(p)) return p;
    if (is_protocols_path(path)) return StixPath::kProtocols;
    refuse("unsupported object path '" + std::string(path) + "'");
  }

  StixOp comparison_operator() {
    skip_space();
    const std::string_view rest = s_.substr(pos_);
    if (rest.starts_with("!=")) return pos_ += 2, StixOp::kNotEqual;
    for (std::string_view op : {">=", "<=", ">", "<"})
      if (rest.starts_with(op)) refuse("operator '" + std::string(op) + "' is not supported");
    if (rest.starts_with("=")) return pos_ += 1, StixOp::kEqual;
    if (accept_word("IN")) return StixOp::kIn;
    if (accept_word("LIKE")) return StixOp::kLike;
    if (accept_word("MATCHES")) return StixOp::kMatches;
    if (accept_word("ISSUBSET")) return StixOp::kIsSubset;
    const std::string_view word = peek_word();
    if (word == "NOT") refuse("NOT is not supported");
    if (word == "ISSUPERSET") refuse("operator ISSUPERSET is not supported");
    fail("expected comparison operator");
  }

  StixLiteral literal() {
    skip_space();
    if (pos_ >= s_.size()) fail("expected string or integer");
    const char c = s_[pos_];
    if (c == '\'') return string_literal();
    if (pos_ + 1 < s_.size() && s_[pos_ + 1] == '\'') {
      if (c == 'h') refuse("hex literal is not supported");
      if (c == 'b') refuse("binary literal is not supported");
      if (c == 't') refuse("timestamp literal is not supported");
    }
    const std::string_view word = peek_word();
    if (word == "true" || word == "false") refuse("boolean literal is not supported");
    if (is_digit(c) || ((c == '-' || c == '+') && pos_ + 1 < s_.size() && is_digit(s_[pos_ + 1])))
      return integer_literal();
    fail("expected string or integer");
  }

  StixLiteral string_literal() {
    const size_t open = pos_++;
    std::string out;
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (c == '\'') {
        ++pos_;
        return out;
      }
      if (c == '\\') {
        if (pos_ + 1 >= s_.size()) break;
        const char e = s_[pos_ + 1];
        if (e != '\'' && e != '\\') fail(std::string("invalid escape '\\") + e + "'");
        out += e;
        pos_ += 2;
        continue;
      }
      out += c;
      ++pos_;
    }
    pos_ = open;
    fail("unterminated string");
  }

  StixLiteral integer_literal() {
    const size_t start = pos_;
    if (s_[pos_] == '-' || s_[pos_] == '+') ++pos_;
    while (pos_ < s_.size() && is_digit(s_[pos_])) ++pos_;
    if (pos_ < s_.size() && s_[pos_] == '.') refuse("float literal is not supported");
    std::string_view digits = s_.substr(start, pos_ - start);
    if (digits.front() == '+') digits.remove_prefix(1);
    int64_t v = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (ec != std::errc() || end != digits.data() + digits.size()) {
      pos_ = start;
      fail("integer out of range");
    }
    return v;
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

StixPatternResult parse_stix_pattern(std::string_view text) {
  StixPatternResult r;
  try {
    r.pattern = Parser(text).parse();
    r.ok = true;
  } catch (Problem& p) {
    r.error = std::move(p.message);
    r.unsupported = p.unsupported;
  }
  return r;
}

}  // namespace tripline
