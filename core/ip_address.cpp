#include "core/ip_address.hpp"

#include <arpa/inet.h>

#include <charconv>

namespace tripline {

std::optional<IpAddress> parse_ip(std::string_view text) {
  char buf[64];
  if (text.empty() || text.size() >= sizeof buf) return std::nullopt;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  IpAddress ip;
  if (text.find(':') == std::string_view::npos) {
    if (inet_pton(AF_INET, buf, ip.bytes) != 1) return std::nullopt;
    ip.family = 4;
  } else {
    if (inet_pton(AF_INET6, buf, ip.bytes) != 1) return std::nullopt;
    ip.family = 6;
  }
  return ip;
}

size_t format_ip(const IpAddress& ip, char* out) {
  const char* r = inet_ntop(ip.family == 4 ? AF_INET : AF_INET6, ip.bytes, out, kIpTextMax);
  if (r == nullptr) {
    out[0] = '\0';
    return 0;
  }
  return std::strlen(out);
}

std::string to_string(const IpAddress& ip) {
  char buf[kIpTextMax];
  return std::string(buf, format_ip(ip, buf));
}

std::optional<Cidr> parse_cidr(std::string_view text, bool allow_host_bits) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto ip = parse_ip(text.substr(0, slash));
  if (!ip) return std::nullopt;
  const std::string_view len_text = text.substr(slash + 1);
  unsigned prefix = 0;
  auto [end, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), prefix);
  if (ec != std::errc() || end != len_text.data() + len_text.size() || len_text.empty())
    return std::nullopt;
  const unsigned max = ip->family == 4 ? 32 : 128;
  if (prefix > max) return std::nullopt;
  Cidr cidr{*ip, static_cast<uint8_t>(prefix)};
  bool had_host_bits = false;
  for (unsigned bit = prefix; bit < max; ++bit) {
    uint8_t& byte = cidr.network.bytes[bit / 8];
    const uint8_t mask = static_cast<uint8_t>(0x80u >> (bit % 8));
    had_host_bits |= (byte & mask) != 0;
    byte &= static_cast<uint8_t>(~mask);
  }
  if (had_host_bits && !allow_host_bits) return std::nullopt;
  return cidr;
}

std::string to_string(const Cidr& cidr) {
  return to_string(cidr.network) + "/" + std::to_string(cidr.prefix);
}

}  // namespace tripline
