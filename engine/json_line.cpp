#include "engine/json_line.hpp"

#include <cstdio>

namespace tripline {

void JsonLine::escape(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20 || u >= 0x7F) {
          // Bytes seen on the wire need not be UTF-8: escape them so the line stays valid
          // JSON (as Suricata does), one \u00XX per byte.
          out += "\\u00";
          out += kHex[u >> 4];
          out += kHex[u & 15];
        } else {
          out += c;
        }
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
