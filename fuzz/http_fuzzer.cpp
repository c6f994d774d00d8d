// libFuzzer target for parse_http_request_head: no crash, no out-of-bounds read, views
// inside the input, and the head length within its limit.
#include <cstddef>
#include <cstdint>

#include "core/app/app_parsers.hpp"

namespace {

bool inside(std::string_view v, const uint8_t* base, size_t size) {
  const auto* b = reinterpret_cast<const uint8_t*>(v.data());
  return v.empty() || (b >= base && b + v.size() <= base + size);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tripline::HttpRequestHead h;
  const tripline::ParseStatus st = tripline::parse_http_request_head(data, size, h);
  if (st != tripline::ParseStatus::kOk) return 0;
  if (h.head_length > size || h.head_length > tripline::kMaxHttpHead) __builtin_trap();
  if (h.method.empty() || h.target.empty()) __builtin_trap();
  if (!inside(h.method, data, h.head_length) || !inside(h.target, data, h.head_length) ||
      !inside(h.host, data, h.head_length)) {
    __builtin_trap();
  }
  if (h.chunked && h.content_length != 0) __builtin_trap();
  // The head alone parses the same way: nothing after the blank line was read.
  tripline::HttpRequestHead again;
  if (tripline::parse_http_request_head(data, h.head_length, again) != st || again.host != h.host ||
      again.head_length != h.head_length) {
    __builtin_trap();
  }
  return 0;
}
