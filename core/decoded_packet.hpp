// The result of decoding one packet: addresses, ports, flags and pointers into its bytes.
#pragma once

#include <cstdint>
#include <string_view>

namespace tripline {

// Why a packet could not be decoded. Counted per worker; see decode_error_name().
enum class DecodeError : uint8_t {
  kNone = 0,
  kUnsupportedLinkType,
  kTruncatedLink,  // Ethernet/SLL/loopback header cut short
  kTruncatedVlan,
  kTruncatedMpls,
  kTruncatedPppoe,
  kIpv4Truncated,
  kIpv4BadVersion,
  kIpv4BadHeaderLength,
  kIpv4BadTotalLength,
  kIpv6Truncated,
  kIpv6BadVersion,
  kIpv6BadExtensionHeader,
  kGreTruncated,
  kGreUnsupported,
  kTooManyLayers,  // more nested encapsulations than kMaxLayers
  kTcpTruncated,
  kTcpBadHeaderLength,
  kUdpTruncated,
  kUdpBadLength,
  kIcmpTruncated,
  kCount,
};
std::string_view decode_error_name(DecodeError e);  // e.g. "ipv4_bad_total_length"

// What is not an error but is not matched either (ARP, LLDP, GOOSE, ...).
enum class DecodeOutcome : uint8_t { kDecoded, kNotIp, kError };

struct DecodedPacket {
  static constexpr int kMaxLayers = 8;

  DecodeOutcome outcome = DecodeOutcome::kNotIp;
  DecodeError error = DecodeError::kNone;
  uint8_t ip_version = 0;  // of the innermost IP header: 4 or 6
  uint8_t ip_proto = 0;    // transport protocol (after IPv6 extension headers)
  uint8_t src[16] = {};    // innermost addresses, network order (IPv4 in the first 4 bytes)
  uint8_t dst[16] = {};
  uint16_t src_port = 0;  // TCP/UDP; 0 otherwise
  uint16_t dst_port = 0;
  uint8_t icmp_type = 0;
  uint8_t icmp_code = 0;
  uint8_t tcp_flags = 0;
  uint32_t tcp_seq = 0;
  uint32_t tcp_ack = 0;
  uint16_t vlan_id = 0;  // outermost 802.1Q tag, 0 if none
  bool has_l4 = false;   // src/dst ports or ICMP fields are valid

  // Innermost IP header and everything after it (trimmed to the IP total length).
  const uint8_t* ip_header = nullptr;
  uint32_t ip_length = 0;
  // Fragment of the innermost IP datagram: L4 is not decoded; defrag uses these.
  bool is_fragment = false;
  bool more_fragments = false;
  uint32_t fragment_offset = 0;            // bytes
  uint32_t fragment_id = 0;                // IPv4 id or IPv6 identification
  uint8_t fragment_proto = 0;              // protocol of the reassembled payload
  const uint8_t* fragment_data = nullptr;  // this fragment's payload
  uint32_t fragment_length = 0;

  // Transport payload.
  const uint8_t* payload = nullptr;
  uint32_t payload_length = 0;
};

// TCP flag bits.
constexpr uint8_t kTcpFin = 0x01, kTcpSyn = 0x02, kTcpRst = 0x04, kTcpPsh = 0x08, kTcpAck = 0x10;
constexpr uint8_t kProtoIcmp = 1, kProtoTcp = 6, kProtoUdp = 17, kProtoIcmpv6 = 58;

}  // namespace tripline
