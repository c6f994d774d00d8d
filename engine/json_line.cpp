#include "engine/json_line.hpp"

#include <cstdio>

namespace tripline {

namespace {

// Length of the valid UTF-8 sequence at text[i] (no overlongs, no surrogates, <= U+10FFFF),
// or 0 if the bytes there are not one.
size_t utf8_sequence(std::string_view text, size_t i) {
  const auto at = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char c = at(i);
  size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF)
    n = 2;
  else if (c == 0xE0)
    n = 3, lo = 0xA0;
  else if (c == 0xED)
    n = 3, hi = 0x9F;
  else if (c >= 0xE1 && c <= 0xEF)
    n = 3;
  else if (c == 0xF0)
    n = 4, lo = 0x90;
  else if (c == 0xF4)
    n = 4, hi = 0x8F;
  else if (c >= 0xF1 && c <= 0xF3)
    n = 4;
  else
    return 0;
  if (i + n > text.size()) return 0;
  if (at(i + 1) < lo || at(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k)
    if (at(i + k) < 0x80 || at(i + k) > 0xBF) return 0;
  return n;
}

}  // namespace

void JsonLine::escape(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      default:
        break;
    }
    if (u >= 0x20 && u < 0x7F) {
      out += c;
    } else if (const size_t n = u >= 0x80 ? utf8_sequence(text, i) : 0; n != 0) {
      out.append(text.data() + i, n);  // valid UTF-8 (rule-set text, IDN labels) passes through
      i += n - 1;
    } else {
      // Control bytes and bytes that are not UTF-8 (traffic holds anything): one \u00XX per
      // byte, as Suricata writes them, so the line is always valid JSON.
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
}

void JsonLine::key(std::string_view k) {
  if (!first_) out_ += ',';
  first_ = false;
  if (k.empty()) return;
  out_ += '"';
  escape(out_, k);
  out_ += "\":";
}

JsonLine& JsonLine::begin_object(std::string_view k) {
  key(k);
  out_ += '{';
  first_ = true;
  return *this;
}

JsonLine& JsonLine::end_object() {
  out_ += '}';
  first_ = false;
  return *this;
}

JsonLine& JsonLine::begin_array(std::string_view k) {
  key(k);
  out_ += '[';
  first_ = true;
  return *this;
}

JsonLine& JsonLine::end_array() {
  out_ += ']';
  first_ = false;
  return *this;
}

JsonLine& JsonLine::string(std::string_view k, std::string_view value) {
  key(k);
  out_ += '"';
  escape(out_, value);
  out_ += '"';
  return *this;
}

JsonLine& JsonLine::number(std::string_view k, uint64_t value) {
  key(k);
  out_ += std::to_string(value);
  return *this;
}

JsonLine& JsonLine::signed_number(std::string_view k, int64_t value) {
  key(k);
  out_ += std::to_string(value);
  return *this;
}

JsonLine& JsonLine::real(std::string_view k, double value) {
  key(k);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", value);
  out_ += buf;
  return *this;
}

JsonLine& JsonLine::boolean(std::string_view k, bool value) {
  key(k);
  out_ += value ? "true" : "false";
  return *this;
}

}  // namespace tripline
