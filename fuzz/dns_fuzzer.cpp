// libFuzzer target for parse_dns_questions: no crash, no out-of-bounds read, and the
// decoded names stay within their limits.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "core/app/app_parsers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tripline::DnsQuestions q;
  const tripline::ParseStatus st = tripline::parse_dns_questions(data, size, q);
  if (st == tripline::ParseStatus::kNeedMore) __builtin_trap();  // DNS never asks for more
  if (st != tripline::ParseStatus::kOk) {
    if (q.count != 0) __builtin_trap();
    return 0;
  }
  if (q.count > tripline::DnsQuestions::kMaxQuestions) __builtin_trap();
  for (size_t i = 0; i < q.count; ++i) {
    if (q.lengths[i] > 253 || q.names[i][q.lengths[i]] != '\0') __builtin_trap();
    if (std::memchr(q.names[i], '\0', q.lengths[i]) != nullptr) __builtin_trap();
  }
  return 0;
}
