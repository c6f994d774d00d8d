// JA3 and JA3S TLS fingerprints (the Salesforce definition, as Wireshark computes
// tls.handshake.ja3 / ja3s) from a parsed ClientHello / ServerHello. No allocation,
// never throws; the text and its MD5 are written into the caller's fixed-size struct.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/app/app_parsers.hpp"

namespace tripline {

struct TlsFingerprint {
  // Room for about 400 list entries; real hellos need well under 1000 characters.
  static constexpr size_t kMaxText = 2048;
  char text[kMaxText];  // not NUL-terminated; see string()
  size_t length = 0;
  std::array<char, 32> md5{};  // lower-case hex MD5 of string()

  std::string_view string() const { return {text, length}; }
  std::string_view hash() const { return {md5.data(), md5.size()}; }
};

enum class FingerprintStatus : uint8_t {
  kOk,
  kTooLong,    // the text would exceed kMaxText: nothing is cut, out is empty
  kMalformed,  // a supported_groups / ec_point_formats body is broken, or appears twice
};

// GREASE (RFC 8701): 0x0a0a, 0x1a1a, ... 0xfafa. Left out of every JA3/JA3S list.
constexpr bool is_tls_grease(uint16_t v) {
  return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

// "SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats": the hello's
// client_version, then cipher suites, extension types in wire order, supported_groups
// (extension 10) and ec_point_formats (extension 11), decimal, '-'-joined, GREASE left out.
// `hello` must come from a kOk parse_tls_client_hello (its views must still be valid).
FingerprintStatus make_ja3(const TlsClientHello& hello, TlsFingerprint& out);

// "SSLVersion,Cipher,Extensions" from the ServerHello (server_version, cipher suite,
// extension types in wire order, GREASE left out).
FingerprintStatus make_ja3s(const TlsServerHello& hello, TlsFingerprint& out);

}  // namespace tripline
