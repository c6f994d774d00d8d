#include "core/decode.hpp"

#include <cstring>
#include <iterator>

namespace tripline {
namespace {

constexpr uint16_t kEtherIpv4 = 0x0800, kEtherIpv6 = 0x86DD, kEtherVlan = 0x8100,
                   kEtherQinq = 0x88A8, kEtherQinqOld = 0x9100, kEtherMpls = 0x8847,
                   kEtherMplsMulti = 0x8848, kEtherPppoeSession = 0x8864,
                   kEtherTransparentBridging = 0x6558;
constexpr uint8_t kProtoIpip = 4, kProtoIpv6 = 41, kProtoGre = 47, kProtoEsp = 50, kProtoAh = 51,
                  kProtoNoNext = 59, kProtoHopByHop = 0, kProtoRouting = 43, kProtoFragment = 44,
                  kProtoDestOpts = 60, kProtoMobility = 135;

inline uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
inline uint32_t be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

// Decoding state threaded through the layers.
class Decoder {
 public:
  explicit Decoder(DecodedPacket& out) : out_(out) {}

  void link(uint16_t linktype, const uint8_t* p, uint32_t n);
  void ip(const uint8_t* p, uint32_t n);

 private:
  void fail(DecodeError e) {
    out_.outcome = DecodeOutcome::kError;
    out_.error = e;
  }
  bool enter_layer() {
    if (++layers_ > DecodedPacket::kMaxLayers) {
      fail(DecodeError::kTooManyLayers);
      return false;
    }
    return true;
  }
  void ethernet(const uint8_t* p, uint32_t n);
  void ethertype(uint16_t type, const uint8_t* p, uint32_t n);
  void mpls(const uint8_t* p, uint32_t n);
  void ipv4(const uint8_t* p, uint32_t n);
  void ipv6(const uint8_t* p, uint32_t n);
  void gre(const uint8_t* p, uint32_t n);
  void transport(uint8_t proto, const uint8_t* p, uint32_t n);

  DecodedPacket& out_;
  int layers_ = 0;
};

void Decoder::link(uint16_t linktype, const uint8_t* p, uint32_t n) {
  switch (static_cast<LinkType>(linktype)) {
    case LinkType::kEthernet:
      return ethernet(p, n);
    case LinkType::kRaw:
    case LinkType::kRawAlt:
    case LinkType::kRawIpv4:
    case LinkType::kRawIpv6:
      return ip(p, n);
    case LinkType::kNull:
    case LinkType::kLoop: {
      if (n < 4) return fail(DecodeError::kTruncatedLink);
      uint32_t family;
      if (static_cast<LinkType>(linktype) == LinkType::kLoop) {
        family = be32(p);
      } else {
        std::memcpy(&family, p, 4);  // host order of the capturing machine
        if (family > 0xFFFF) family = __builtin_bswap32(family);
      }
      if (family == 2) return ipv4(p + 4, n - 4);
      if (family == 10 || family == 24 || family == 28 || family == 30) return ipv6(p + 4, n - 4);
      out_.outcome = DecodeOutcome::kNotIp;
      return;
    }
    case LinkType::kLinuxSll:
      if (n < 16) return fail(DecodeError::kTruncatedLink);
      return ethertype(be16(p + 14), p + 16, n - 16);
    case LinkType::kLinuxSll2:
      if (n < 20) return fail(DecodeError::kTruncatedLink);
      return ethertype(be16(p), p + 20, n - 20);
  }
  fail(DecodeError::kUnsupportedLinkType);
}

void Decoder::ethernet(const uint8_t* p, uint32_t n) {
  if (!enter_layer()) return;
  if (n < 14) return fail(DecodeError::kTruncatedLink);
  ethertype(be16(p + 12), p + 14, n - 14);
}

void Decoder::ethertype(uint16_t type, const uint8_t* p, uint32_t n) {
  // VLAN tags loop here rather than recursing: QinQ can stack several.
  while (type == kEtherVlan || type == kEtherQinq || type == kEtherQinqOld) {
    if (!enter_layer()) return;
    if (n < 4) return fail(DecodeError::kTruncatedVlan);
    if (out_.vlan_id == 0) out_.vlan_id = be16(p) & 0x0FFF;
    type = be16(p + 2);
    p += 4;
    n -= 4;
  }
  switch (type) {
    case kEtherIpv4:
      return ipv4(p, n);
    case kEtherIpv6:
      return ipv6(p, n);
    case kEtherMpls:
    case kEtherMplsMulti:
      return mpls(p, n);
    case kEtherPppoeSession: {
      if (n < 8) return fail(DecodeError::kTruncatedPppoe);
      const uint16_t ppp = be16(p + 6);
      if (ppp == 0x0021) return ipv4(p + 8, n - 8);
      if (ppp == 0x0057) return ipv6(p + 8, n - 8);
      out_.outcome = DecodeOutcome::kNotIp;
      return;
    }
    default:
      out_.outcome = DecodeOutcome::kNotIp;
  }
}

void Decoder::mpls(const uint8_t* p, uint32_t n) {
  for (;;) {
    if (!enter_layer()) return;
    if (n < 4) return fail(DecodeError::kTruncatedMpls);
    const bool bottom = (p[2] & 0x01) != 0;
    p += 4;
    n -= 4;
    if (bottom) break;
  }
  if (n < 1) return fail(DecodeError::kTruncatedMpls);
  switch (p[0] >> 4) {
    case 4:
      return ipv4(p, n);
    case 6:
      return ipv6(p, n);
    case 0:  // pseudowire control word, then Ethernet (RFC 4448)
      if (n < 4) return fail(DecodeError::kTruncatedMpls);
      return ethernet(p + 4, n - 4);
    default:
      out_.outcome = DecodeOutcome::kNotIp;
  }
}

void Decoder::ip(const uint8_t* p, uint32_t n) {
  if (n < 1) return fail(DecodeError::kIpv4Truncated);
  if ((p[0] >> 4) == 6) return ipv6(p, n);
  ipv4(p, n);
}

void Decoder::ipv4(const uint8_t* p, uint32_t n) {
  if (!enter_layer()) return;
  if (n < 20) return fail(DecodeError::kIpv4Truncated);
  if ((p[0] >> 4) != 4) return fail(DecodeError::kIpv4BadVersion);
  const uint32_t header_len = (p[0] & 0x0F) * 4u;
  if (header_len < 20) return fail(DecodeError::kIpv4BadHeaderLength);
  if (n < header_len) return fail(DecodeError::kIpv4Truncated);
  const uint32_t total = be16(p + 2);
  if (total < header_len) return fail(DecodeError::kIpv4BadTotalLength);
  // Beyond the capture (snaplen) the datagram is cut; shorter than the frame is padding.
  const uint32_t len = total < n ? total : n;

  out_.outcome = DecodeOutcome::kDecoded;
  out_.error = DecodeError::kNone;
  out_.ip_version = 4;
  std::memset(out_.src, 0, sizeof out_.src);
  std::memset(out_.dst, 0, sizeof out_.dst);
  std::memcpy(out_.src, p + 12, 4);
  std::memcpy(out_.dst, p + 16, 4);
  out_.ip_header = p;
  out_.ip_length = len;
  out_.ip_proto = p[9];
  out_.has_l4 = false;
  out_.is_fragment = false;

  const uint16_t frag = be16(p + 6);
  const bool more = (frag & 0x2000) != 0;
  const uint32_t offset = (frag & 0x1FFFu) * 8u;
  if (more || offset != 0) {
    out_.is_fragment = true;
    out_.more_fragments = more;
    out_.fragment_offset = offset;
    out_.fragment_id = be16(p + 4);
    out_.fragment_proto = p[9];
    out_.fragment_data = p + header_len;
    out_.fragment_length = len - header_len;
    return;
  }
  transport(p[9], p + header_len, len - header_len);
}

void Decoder::ipv6(const uint8_t* p, uint32_t n) {
  if (!enter_layer()) return;
  if (n < 40) return fail(DecodeError::kIpv6Truncated);
  if ((p[0] >> 4) != 6) return fail(DecodeError::kIpv6BadVersion);
  const uint32_t total = 40u + be16(p + 4);
  const uint32_t len = total < n ? total : n;

  out_.outcome = DecodeOutcome::kDecoded;
  out_.error = DecodeError::kNone;
  out_.ip_version = 6;
  std::memcpy(out_.src, p + 8, 16);
  std::memcpy(out_.dst, p + 24, 16);
  out_.ip_header = p;
  out_.ip_length = len;
  out_.has_l4 = false;
  out_.is_fragment = false;

  uint8_t next = p[6];
  uint32_t off = 40;
  for (int hops = 0;; ++hops) {
    if (hops > 16) return fail(DecodeError::kIpv6BadExtensionHeader);
    switch (next) {
      case kProtoHopByHop:
      case kProtoRouting:
      case kProtoDestOpts:
      case kProtoMobility: {
        if (off + 8 > len) return fail(DecodeError::kIpv6BadExtensionHeader);
        const uint32_t ext_len = (p[off + 1] + 1u) * 8u;
        if (off + ext_len > len) return fail(DecodeError::kIpv6BadExtensionHeader);
        next = p[off];
        off += ext_len;
        continue;
      }
      case kProtoAh: {
        if (off + 8 > len) return fail(DecodeError::kIpv6BadExtensionHeader);
        const uint32_t ext_len = (p[off + 1] + 2u) * 4u;
        if (off + ext_len > len) return fail(DecodeError::kIpv6BadExtensionHeader);
        next = p[off];
        off += ext_len;
        continue;
      }
      case kProtoFragment: {
        if (off + 8 > len) return fail(DecodeError::kIpv6BadExtensionHeader);
        const uint16_t frag = be16(p + off + 2);
        const uint32_t offset = frag & 0xFFF8u;
        const bool more = (frag & 0x0001) != 0;
        next = p[off];
        off += 8;
        if (offset == 0 && !more) continue;  // atomic fragment (RFC 6946): a whole datagram
        out_.ip_proto = next;
        out_.is_fragment = true;
        out_.more_fragments = more;
        out_.fragment_offset = offset;
        out_.fragment_id = be32(p + off - 4);
        out_.fragment_proto = next;
        out_.fragment_data = p + off;
        out_.fragment_length = len - off;
        return;
      }
      case kProtoEsp:
      case kProtoNoNext:
        out_.ip_proto = next;
        return;
      default:
        out_.ip_proto = next;
        return transport(next, p + off, len - off);
    }
  }
}

void Decoder::gre(const uint8_t* p, uint32_t n) {
  if (!enter_layer()) return;
  if (n < 4) return fail(DecodeError::kGreTruncated);
  const uint16_t flags = be16(p);
  if ((flags & 0x0007) != 0) return fail(DecodeError::kGreUnsupported);  // only version 0
  uint32_t off = 4;
  if (flags & 0x8000) off += 4;  // checksum + reserved
  if (flags & 0x2000) off += 4;  // key
  if (flags & 0x1000) off += 4;  // sequence number
  if (off > n) return fail(DecodeError::kGreTruncated);
  const uint16_t proto = be16(p + 2);
  if (proto == kEtherTransparentBridging) return ethernet(p + off, n - off);
  if (proto == kEtherIpv4 || proto == kEtherIpv6 || proto == kEtherMpls)
    return ethertype(proto, p + off, n - off);
  fail(DecodeError::kGreUnsupported);
}

void Decoder::transport(uint8_t proto, const uint8_t* p, uint32_t n) {
  out_.ip_proto = proto;
  switch (proto) {
    case kProtoTcp: {
      if (n < 20) return fail(DecodeError::kTcpTruncated);
      const uint32_t header_len = (p[12] >> 4) * 4u;
      if (header_len < 20) return fail(DecodeError::kTcpBadHeaderLength);
      if (header_len > n) return fail(DecodeError::kTcpTruncated);
      out_.src_port = be16(p);
      out_.dst_port = be16(p + 2);
      out_.tcp_seq = be32(p + 4);
      out_.tcp_ack = be32(p + 8);
      out_.tcp_flags = p[13];
      out_.payload = p + header_len;
      out_.payload_length = n - header_len;
      out_.has_l4 = true;
      return;
    }
    case kProtoUdp: {
      if (n < 8) return fail(DecodeError::kUdpTruncated);
      const uint32_t udp_len = be16(p + 4);
      // A zero length is legal for IPv6 jumbograms; otherwise it must fit the datagram.
      if (udp_len != 0 && udp_len < 8) return fail(DecodeError::kUdpBadLength);
      out_.src_port = be16(p);
      out_.dst_port = be16(p + 2);
      out_.payload = p + 8;
      out_.payload_length = (udp_len >= 8 && udp_len <= n ? udp_len : n) - 8;
      out_.has_l4 = true;
      return;
    }
    case kProtoIcmp:
    case kProtoIcmpv6:
      if (n < 4) return fail(DecodeError::kIcmpTruncated);
      out_.icmp_type = p[0];
      out_.icmp_code = p[1];
      out_.src_port = 0;
      out_.dst_port = 0;
      out_.payload = p + 4;
      out_.payload_length = n - 4;
      out_.has_l4 = true;
      return;
    case kProtoIpip:
      return ipv4(p, n);
    case kProtoIpv6:
      return ipv6(p, n);
    case kProtoGre:
      return gre(p, n);
    default:
      out_.src_port = out_.dst_port = 0;
      out_.payload = p;
      out_.payload_length = n;
  }
}

}  // namespace

std::string_view decode_error_name(DecodeError e) {
  static constexpr std::string_view kNames[] = {
      "none",
      "unsupported_link_type",
      "link_truncated",
      "vlan_truncated",
      "mpls_truncated",
      "pppoe_truncated",
      "ipv4_truncated",
      "ipv4_bad_version",
      "ipv4_bad_header_length",
      "ipv4_bad_total_length",
      "ipv6_truncated",
      "ipv6_bad_version",
      "ipv6_bad_extension_header",
      "gre_truncated",
      "gre_unsupported",
      "too_many_layers",
      "tcp_truncated",
      "tcp_bad_header_length",
      "udp_truncated",
      "udp_bad_length",
      "icmp_truncated",
  };
  static_assert(std::size(kNames) == static_cast<size_t>(DecodeError::kCount));
  return kNames[static_cast<size_t>(e)];
}

void decode_packet(const PacketView& packet, DecodedPacket& out) {
  out = DecodedPacket{};
  Decoder(out).link(packet.linktype, packet.data, packet.caplen);
}

void decode_ip(const uint8_t* data, uint32_t length, DecodedPacket& out) {
  out = DecodedPacket{};
  Decoder(out).ip(data, length);
}

}  // namespace tripline
