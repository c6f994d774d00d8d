#include "core/app/app_parsers.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

namespace tripline {
namespace {

constexpr size_t kMaxMethod = 16;

bool is_upper(uint8_t c) { return c >= 'A' && c <= 'Z'; }
bool is_digit(uint8_t c) { return c >= '0' && c <= '9'; }
bool is_ows(uint8_t c) { return c == ' ' || c == '\t'; }
// Request-target bytes: anything visible; obs-text (>= 0x80) kept as-is for matching.
bool is_target(uint8_t c) { return c > 0x20 && c != 0x7F; }

bool is_tchar(uint8_t c) {
  static constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
  return is_digit(c) || (c >= 'a' && c <= 'z') || is_upper(c) ||
         (c != 0 && kSymbols.find(static_cast<char>(c)) != std::string_view::npos);
}

uint8_t lower(uint8_t c) { return is_upper(c) ? static_cast<uint8_t>(c + ('a' - 'A')) : c; }

// `lowercase_name` must be lower case.
bool name_is(const uint8_t* p, size_t n, std::string_view lowercase_name) {
  if (n != lowercase_name.size()) return false;
  for (size_t i = 0; i < n; ++i) {
    if (lower(p[i]) != static_cast<uint8_t>(lowercase_name[i])) return false;
  }
  return true;
}

std::string_view view(const uint8_t* p, size_t n) { return {reinterpret_cast<const char*>(p), n}; }

bool parse_decimal(const uint8_t* p, size_t n, uint64_t& v) {
  if (n == 0) return false;
  v = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!is_digit(p[i])) return false;
    const uint64_t d = p[i] - '0';
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) return false;
    v = v * 10 + d;
  }
  return true;
}

// Transfer-Encoding list "a, b , chunked". `chunked_last` carries across repeated
// headers (they form one list): chunked must be the final coding of a request
// (RFC 9112 6.1), so any coding after it is kMalformed.
bool apply_transfer_encoding(const uint8_t* p, size_t n, bool& chunked_last) {
  size_t i = 0;
  while (i < n) {
    size_t end = i;
    while (end < n && p[end] != ',') ++end;
    size_t a = i;
    size_t b = end;
    while (a < b && is_ows(p[a])) ++a;
    while (b > a && is_ows(p[b - 1])) --b;
    if (a != b) {  // empty list elements are allowed and ignored
      if (chunked_last) return false;
      chunked_last = name_is(p + a, b - a, "chunked");
    }
    i = end + 1;
  }
  return true;
}

}  // namespace

// Request line: METHOD 1*SP target 1*SP HTTP/1.d (CR)LF, checked byte by byte so that
// arbitrary payload is turned away at its first bytes. Then header lines until the blank
// line. Stateless: every call restarts at byte 0.
ParseStatus parse_http_request_head(const uint8_t* data, size_t len, HttpRequestHead& out) {
  out = HttpRequestHead{};
  if (data == nullptr) len = 0;
  const size_t limit = std::min(len, kMaxHttpHead);
  // Out of bytes before the blank line: wait, unless the head is already too long.
  const ParseStatus starved =
      len >= kMaxHttpHead ? ParseStatus::kMalformed : ParseStatus::kNeedMore;

  size_t p = 0;
  while (p < limit && is_upper(data[p])) {
    if (++p > kMaxMethod) return ParseStatus::kNotMine;
  }
  if (p == limit) return starved;  // limit > kMaxMethod, so this is a method prefix
  if (p == 0 || data[p] != ' ') return ParseStatus::kNotMine;
  const std::string_view method = view(data, p);

  while (p < limit && data[p] == ' ') ++p;
  const size_t target_start = p;
  while (p < limit && is_target(data[p])) ++p;
  if (p == limit) return starved;
  if (p == target_start || data[p] != ' ') return ParseStatus::kMalformed;
  const std::string_view target = view(data + target_start, p - target_start);
  while (p < limit && data[p] == ' ') ++p;

  static constexpr char kVersion[] = "HTTP/";
  for (size_t i = 0; i + 1 < sizeof kVersion; ++i, ++p) {
    if (p == limit) return starved;
    if (data[p] != static_cast<uint8_t>(kVersion[i])) return ParseStatus::kMalformed;
  }
  if (p == limit) return starved;
  if (data[p] != '1') {  // "PRI * HTTP/2.0" (the h2 preface) and friends are not ours
    return is_digit(data[p]) ? ParseStatus::kNotMine : ParseStatus::kMalformed;
  }
  ++p;
  if (p == limit) return starved;
  if (data[p++] != '.') return ParseStatus::kMalformed;
  if (p == limit) return starved;
  if (!is_digit(data[p++])) return ParseStatus::kMalformed;
  if (p == limit) return starved;
  if (data[p] == '\r') {
    ++p;
    if (p == limit) return starved;
  }
  if (data[p++] != '\n') return ParseStatus::kMalformed;

  std::string_view host;
  bool have_host = false;
  std::string_view user_agent;
  bool have_user_agent = false;
  bool have_length = false;
  uint64_t content_length = 0;
  bool have_te = false;
  bool chunked_last = false;
  for (;;) {
    const void* lf = std::memchr(data + p, '\n', limit - p);
    if (lf == nullptr) return starved;
    const size_t eol = static_cast<size_t>(static_cast<const uint8_t*>(lf) - data);
    size_t end = eol;
    if (end > p && data[end - 1] == '\r') --end;
    if (end == p) {
      p = eol + 1;
      break;  // the blank line
    }
    const uint8_t* line = data + p;
    const size_t n = end - p;
    p = eol + 1;
    if (is_ows(line[0])) return ParseStatus::kMalformed;  // obs-fold (RFC 9112 5.2)
    size_t colon = 0;
    while (colon < n && is_tchar(line[colon])) ++colon;
    // No colon, an empty name, or whitespace before the colon (RFC 9112 5.1).
    if (colon == 0 || colon == n || line[colon] != ':') return ParseStatus::kMalformed;
    size_t a = colon + 1;
    size_t b = n;
    for (size_t i = a; i < b; ++i) {
      if (line[i] == '\0' || line[i] == '\r') return ParseStatus::kMalformed;
    }
    while (a < b && is_ows(line[a])) ++a;
    while (b > a && is_ows(line[b - 1])) --b;
    const uint8_t* value = line + a;
    const size_t value_len = b - a;
    if (name_is(line, colon, "user-agent")) {
      if (!have_user_agent) user_agent = view(value, value_len);  // the first one wins
      have_user_agent = true;
    }
    if (name_is(line, colon, "host")) {
      if (!have_host) host = view(value, value_len);  // the first Host wins
      have_host = true;
    } else if (name_is(line, colon, "content-length")) {
      uint64_t v = 0;
      if (!parse_decimal(value, value_len, v)) return ParseStatus::kMalformed;
      if (have_length && v != content_length) return ParseStatus::kMalformed;
      have_length = true;
      content_length = v;
    } else if (name_is(line, colon, "transfer-encoding")) {
      have_te = true;
      if (!apply_transfer_encoding(value, value_len, chunked_last)) {
        return ParseStatus::kMalformed;
      }
    }
  }
  // A request with a Transfer-Encoding whose final coding is not chunked has no
  // determinable body length (RFC 9112 6.3): reject. Chunked overrides Content-Length.
  if (have_te && !chunked_last) return ParseStatus::kMalformed;
  out.method = method;
  out.target = target;
  out.host = host;
  out.user_agent = user_agent;
  out.head_length = p;
  out.chunked = have_te;
  out.content_length = have_te ? 0 : content_length;
  return ParseStatus::kOk;
}

}  // namespace tripline
