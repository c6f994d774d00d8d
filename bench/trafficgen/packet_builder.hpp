// Ethernet (optionally 802.1Q-tagged) / IPv4 or IPv6 / TCP or UDP frames with correct
// IPv4 header, TCP and UDP checksums, built into a caller-owned buffer.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/ip_address.hpp"

namespace tripline::trafficgen {

constexpr uint8_t kProtoTcp = 6;
constexpr uint8_t kProtoUdp = 17;

constexpr uint8_t kTcpFin = 0x01;
constexpr uint8_t kTcpSyn = 0x02;
constexpr uint8_t kTcpRst = 0x04;
constexpr uint8_t kTcpPsh = 0x08;
constexpr uint8_t kTcpAck = 0x10;

// Largest frame build_frame writes: 14 + 4 (VLAN) + 40 (IPv6) + 24 (TCP with MSS) + payload.
constexpr size_t kMaxPayload = 1460;
constexpr size_t kMaxFrame = 14 + 4 + 40 + 24 + kMaxPayload;

// The fixed part of a flow's frames: who talks to whom, over what.
struct FlowEndpoints {
  IpAddress client;
  IpAddress server;
  uint16_t client_port = 0;
  uint16_t server_port = 0;
  uint8_t proto = kProtoTcp;
  uint16_t vlan = 0;  // 802.1Q VLAN id; 0 = untagged
  uint8_t client_mac[6] = {};
  uint8_t server_mac[6] = {};  // the router's MAC, as seen on a tap
  uint8_t client_ttl = 64;
  uint8_t server_ttl = 64;
};

// What varies per packet.
struct SegmentFields {
  bool from_client = true;
  uint8_t tcp_flags = 0;
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint16_t window = 0;
  uint16_t ip_id = 0;
  bool mss_option = false;  // SYN and SYN-ACK carry MSS
};

// Writes one frame into out (at least kMaxFrame bytes); returns its length.
// payload_length must be at most kMaxPayload.
size_t build_frame(const FlowEndpoints& flow, const SegmentFields& seg, const uint8_t* payload,
                   size_t payload_length, uint8_t* out);

// RFC 1071 Internet checksum of a buffer (used for tests and the IPv4 header).
uint16_t internet_checksum(const uint8_t* data, size_t length);

}  // namespace tripline::trafficgen
