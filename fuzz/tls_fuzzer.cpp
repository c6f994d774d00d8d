// libFuzzer target for parse_tls_client_hello: no crash, no out-of-bounds access, `sni`
// points into the input or the scratch, and kNeedMore always asks for more than it had.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/app/app_parsers.hpp"

namespace {

bool inside(const char* p, size_t n, const uint8_t* base, size_t size) {
  const auto* b = reinterpret_cast<const uint8_t*>(p);
  return n == 0 || (b >= base && b + n <= base + size);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::vector<uint8_t> scratch(tripline::kTlsScratch);
  tripline::TlsClientHello h;
  size_t need = 0;
  const tripline::ParseStatus st =
      tripline::parse_tls_client_hello(data, size, h, &need, scratch.data());
  if (st == tripline::ParseStatus::kNeedMore) {
    if (need <= size) __builtin_trap();
  } else if (need != 0) {
    __builtin_trap();
  }
  if (st != tripline::ParseStatus::kOk && !h.sni.empty()) __builtin_trap();
  if (!inside(h.sni.data(), h.sni.size(), data, size) &&
      !inside(h.sni.data(), h.sni.size(), scratch.data(), scratch.size())) {
    __builtin_trap();
  }
  // A prefix cut where the parser asked to stop must not have been judged differently:
  // a stream that parses fully was a kNeedMore at every earlier record boundary.
  if (st == tripline::ParseStatus::kOk && size > 0) {
    size_t n = 0;
    tripline::TlsClientHello p;
    while (tripline::parse_tls_client_hello(data, n, p, &need, scratch.data()) ==
           tripline::ParseStatus::kNeedMore) {
      if (need <= n || need > size) __builtin_trap();
      n = need;
    }
  }
  return 0;
}
