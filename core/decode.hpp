// Packet decoding: link layer, VLAN/QinQ, MPLS, PPPoE, IPv4/IPv6 (options, extension
// headers), tunnels (IP-in-IP, 6in4, GRE), TCP/UDP/ICMP/ICMPv6. Stop-early, bounds-checked,
// allocation-free; the innermost IP header defines the flow.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "core/decoded_packet.hpp"
#include "core/packet.hpp"

namespace tripline {

// Decodes from the link layer. Sets out.outcome/out.error; never reads past caplen.
void decode_packet(const PacketView& packet, DecodedPacket& out);
// Decodes a buffer that starts at an IPv4 or IPv6 header (e.g. a reassembled datagram).
void decode_ip(const uint8_t* data, uint32_t length, DecodedPacket& out);

struct DecodeCounters {
  std::array<uint64_t, static_cast<size_t>(DecodeError::kCount)> errors{};
  uint64_t not_ip = 0;
  void count(const DecodedPacket& p) {
    if (p.outcome == DecodeOutcome::kError)
      ++errors[static_cast<size_t>(p.error)];
    else if (p.outcome == DecodeOutcome::kNotIp)
      ++not_ip;
  }
  DecodeCounters& operator+=(const DecodeCounters& o) {
    for (size_t i = 0; i < errors.size(); ++i) errors[i] += o.errors[i];
    not_ip += o.not_ip;
    return *this;
  }
};

}  // namespace tripline
