// A minimal JSON object builder that appends to a reused std::string (no DOM).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tripline {

class JsonLine {
 public:
  explicit JsonLine(std::string& out) : out_(out) {}

  JsonLine& begin_object(std::string_view key = {});
  JsonLine& end_object();
  JsonLine& begin_array(std::string_view key);
  JsonLine& end_array();
  JsonLine& string(std::string_view key, std::string_view value);
  JsonLine& number(std::string_view key, uint64_t value);
  JsonLine& signed_number(std::string_view key, int64_t value);
  JsonLine& real(std::string_view key, double value);
  JsonLine& boolean(std::string_view key, bool value);
  // Array element forms.
  JsonLine& string_item(std::string_view value) { return string({}, value); }

  static void escape(std::string& out, std::string_view text);

 private:
  void key(std::string_view key);
  std::string& out_;
  bool first_ = true;
};

}  // namespace tripline
