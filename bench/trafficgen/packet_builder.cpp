#include "bench/trafficgen/packet_builder.hpp"

#include <cstring>

namespace tripline::trafficgen {
namespace {

// One's-complement sum over native-order 16-bit words (RFC 1071: byte order independent
// as long as the result is stored back in native order). data must start at an even offset
// of the checksummed region.
uint64_t sum_words(const uint8_t* p, size_t n, uint64_t acc) {
  while (n >= 8) {
    uint32_t a, b;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, p + 4, 4);
    acc += a;
    acc += b;
    p += 8;
    n -= 8;
  }
  while (n >= 2) {
    uint16_t w;
    std::memcpy(&w, p, 2);
    acc += w;
    p += 2;
    n -= 2;
  }
  if (n == 1) {
    uint8_t last[2] = {*p, 0};
    uint16_t w;
    std::memcpy(&w, last, 2);
    acc += w;
  }
  return acc;
}

uint16_t fold(uint64_t acc) {
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return static_cast<uint16_t>(~acc);
}

void put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

void put32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

}  // namespace

uint16_t internet_checksum(const uint8_t* data, size_t length) {
  return fold(sum_words(data, length, 0));
}

size_t build_frame(const FlowEndpoints& flow, const SegmentFields& seg, const uint8_t* payload,
                   size_t payload_length, uint8_t* out) {
  const bool v6 = flow.client.family == 6;
  const IpAddress& src = seg.from_client ? flow.client : flow.server;
  const IpAddress& dst = seg.from_client ? flow.server : flow.client;
  const uint16_t sport = seg.from_client ? flow.client_port : flow.server_port;
  const uint16_t dport = seg.from_client ? flow.server_port : flow.client_port;

  // Ethernet.
  uint8_t* p = out;
  std::memcpy(p, seg.from_client ? flow.server_mac : flow.client_mac, 6);
  std::memcpy(p + 6, seg.from_client ? flow.client_mac : flow.server_mac, 6);
  p += 12;
  if (flow.vlan != 0) {
    put16(p, 0x8100);
    put16(p + 2, flow.vlan & 0x0fff);
    p += 4;
  }
  put16(p, v6 ? 0x86dd : 0x0800);
  p += 2;

  const bool tcp = flow.proto == kProtoTcp;
  const size_t l4_header = tcp ? (seg.mss_option ? 24 : 20) : 8;
  const size_t l4_length = l4_header + payload_length;

  // IP.
  uint8_t* ip = p;
  if (v6) {
    put32(ip, 0x60000000);
    put16(ip + 4, static_cast<uint16_t>(l4_length));
    ip[6] = flow.proto;
    ip[7] = seg.from_client ? flow.client_ttl : flow.server_ttl;
    std::memcpy(ip + 8, src.bytes, 16);
    std::memcpy(ip + 24, dst.bytes, 16);
    p += 40;
  } else {
    ip[0] = 0x45;
    ip[1] = 0;
    put16(ip + 2, static_cast<uint16_t>(20 + l4_length));
    put16(ip + 4, seg.ip_id);
    put16(ip + 6, 0x4000);  // DF
    ip[8] = seg.from_client ? flow.client_ttl : flow.server_ttl;
    ip[9] = flow.proto;
    ip[10] = ip[11] = 0;
    std::memcpy(ip + 12, src.bytes, 4);
    std::memcpy(ip + 16, dst.bytes, 4);
    const uint16_t c = internet_checksum(ip, 20);
    std::memcpy(ip + 10, &c, 2);
    p += 20;
  }

  // TCP or UDP.
  uint8_t* l4 = p;
  put16(l4, sport);
  put16(l4 + 2, dport);
  size_t checksum_offset;
  if (tcp) {
    put32(l4 + 4, seg.seq);
    put32(l4 + 8, seg.ack);
    l4[12] = static_cast<uint8_t>((l4_header / 4) << 4);
    l4[13] = seg.tcp_flags;
    put16(l4 + 14, seg.window);
    l4[16] = l4[17] = 0;
    put16(l4 + 18, 0);
    if (seg.mss_option) {
      l4[20] = 2;
      l4[21] = 4;
      put16(l4 + 22, v6 ? 1440 : 1460);
    }
    checksum_offset = 16;
  } else {
    put16(l4 + 4, static_cast<uint16_t>(l4_length));
    l4[6] = l4[7] = 0;
    checksum_offset = 6;
  }
  if (payload_length != 0) std::memcpy(l4 + l4_header, payload, payload_length);

  // Pseudo-header, then the segment.
  uint8_t pseudo[40];
  size_t pseudo_length;
  if (v6) {
    std::memcpy(pseudo, src.bytes, 16);
    std::memcpy(pseudo + 16, dst.bytes, 16);
    put32(pseudo + 32, static_cast<uint32_t>(l4_length));
    put32(pseudo + 36, flow.proto);
    pseudo_length = 40;
  } else {
    std::memcpy(pseudo, src.bytes, 4);
    std::memcpy(pseudo + 4, dst.bytes, 4);
    pseudo[8] = 0;
    pseudo[9] = flow.proto;
    put16(pseudo + 10, static_cast<uint16_t>(l4_length));
    pseudo_length = 12;
  }
  uint16_t c = fold(sum_words(l4, l4_length, sum_words(pseudo, pseudo_length, 0)));
  if (!tcp && c == 0) c = 0xffff;
  std::memcpy(l4 + checksum_offset, &c, 2);

  return static_cast<size_t>(l4 + l4_length - out);
}

}  // namespace tripline::trafficgen
