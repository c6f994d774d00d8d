// IPv4/IPv6 addresses as plain values: parse, format, compare, hash.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace tripline {

struct IpAddress {
  uint8_t family = 0;      // 4 or 6; 0 = none
  uint8_t bytes[16] = {};  // network order; IPv4 uses bytes[0..3], the rest stays zero

  static IpAddress v4(const uint8_t* p) {
    IpAddress a;
    a.family = 4;
    std::memcpy(a.bytes, p, 4);
    return a;
  }
  static IpAddress v6(const uint8_t* p) {
    IpAddress a;
    a.family = 6;
    std::memcpy(a.bytes, p, 16);
    return a;
  }
  uint32_t v4_host_order() const {
    return (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) | (uint32_t{bytes[2]} << 8) |
           bytes[3];
  }
  unsigned __int128 v6_host_order() const {
    unsigned __int128 v = 0;
    for (int i = 0; i < 16; ++i) v = (v << 8) | bytes[i];
    return v;
  }

  bool operator==(const IpAddress& o) const {
    return family == o.family && std::memcmp(bytes, o.bytes, 16) == 0;
  }
  // Total order: family first, then bytes.
  bool operator<(const IpAddress& o) const {
    if (family != o.family) return family < o.family;
    return std::memcmp(bytes, o.bytes, 16) < 0;
  }
};

// Strict parse of dotted-quad IPv4 or RFC 4291 IPv6 text (no zone, no brackets).
std::optional<IpAddress> parse_ip(std::string_view text);

// Canonical text (inet_ntop form) written into out; returns its length.
// out must hold at least kIpTextMax bytes.
constexpr size_t kIpTextMax = 46;
size_t format_ip(const IpAddress& ip, char* out);
std::string to_string(const IpAddress& ip);

struct Cidr {
  IpAddress network;   // host bits cleared
  uint8_t prefix = 0;  // 0..32 or 0..128
};

// "192.0.2.0/24", "2001:db8::/32"; host bits set in the address are an error
// unless allow_host_bits, in which case they are cleared.
std::optional<Cidr> parse_cidr(std::string_view text, bool allow_host_bits = true);
std::string to_string(const Cidr& cidr);

}  // namespace tripline
