// libFuzzer target for parse_tls_server_hello, make_ja3, make_ja3s and Md5: no crash, no
// out-of-bounds access; views stay inside the input or the scratch; kNeedMore asks for
// more than it had; a fingerprint has its field count, only digits, '-' and ',', and the
// MD5 of its text; streaming MD5 equals one-shot MD5 at any split.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/app/app_parsers.hpp"
#include "core/app/ja3.hpp"
#include "core/md5.hpp"

namespace {

using tripline::FingerprintStatus;
using tripline::ParseStatus;

bool inside(std::span<const uint8_t> s, const uint8_t* base, size_t size) {
  return s.empty() || (s.data() >= base && s.data() + s.size() <= base + size);
}

void check_fingerprint(FingerprintStatus st, const tripline::TlsFingerprint& fp, size_t commas) {
  if (st != FingerprintStatus::kOk) {
    if (fp.length != 0) __builtin_trap();
    return;
  }
  if (fp.length > tripline::TlsFingerprint::kMaxText) __builtin_trap();
  size_t n = 0;
  for (char c : fp.string()) {
    if (c == ',') {
      ++n;
    } else if (c != '-' && (c < '0' || c > '9')) {
      __builtin_trap();
    }
  }
  if (n != commas) __builtin_trap();
  if (tripline::md5_hex(fp.string()) != fp.md5) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::vector<uint8_t> scratch(tripline::kTlsScratch);
  static tripline::TlsFingerprint fp;  // 2 KiB: keep it off the stack
  size_t need = 0;

  tripline::TlsClientHello ch;
  if (tripline::parse_tls_client_hello(data, size, ch, &need, scratch.data()) == ParseStatus::kOk) {
    for (auto s : {ch.cipher_suites, ch.extensions}) {
      if (!inside(s, data, size) && !inside(s, scratch.data(), scratch.size())) __builtin_trap();
    }
    check_fingerprint(tripline::make_ja3(ch, fp), fp, 4);
  }

  tripline::TlsServerHello sh;
  const ParseStatus st = tripline::parse_tls_server_hello(data, size, sh, &need, scratch.data());
  if (st == ParseStatus::kNeedMore) {
    if (need <= size) __builtin_trap();
  } else if (need != 0) {
    __builtin_trap();
  }
  if (st != ParseStatus::kOk && !sh.extensions.empty()) __builtin_trap();
  if (!inside(sh.extensions, data, size) &&
      !inside(sh.extensions, scratch.data(), scratch.size())) {
    __builtin_trap();
  }
  if (st == ParseStatus::kOk) {
    check_fingerprint(tripline::make_ja3s(sh, fp), fp, 2);
    // Every record boundary before the end was a kNeedMore that asked for progress.
    size_t n = 0;
    tripline::TlsServerHello p;
    while (tripline::parse_tls_server_hello(data, n, p, &need, scratch.data()) ==
           ParseStatus::kNeedMore) {
      if (need <= n || need > size) __builtin_trap();
      n = need;
    }
  }

  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const size_t split = size == 0 ? 0 : data[0] % (size + 1);
  tripline::Md5 h;
  h.update(bytes.substr(0, split));
  h.update(bytes.substr(split));
  if (h.finish() != tripline::md5(bytes)) __builtin_trap();
  return 0;
}
