// Test-only packet crafting (Ethernet, VLAN, MPLS, PPPoE, GRE, IPv4/IPv6, TCP/UDP/ICMP,
// fragments), a pcap file writer, and a minimal pcap/pcapng reader independent of libpcap.
// Checksums are left zero: nothing under test verifies them.
#pragma once

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tripline::test {

using Bytes = std::vector<uint8_t>;

// ---------------------------------------------------------------------------------------------
// Byte helpers.

inline void put16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
inline void put32(Bytes& b, uint32_t v) {
  put16(b, static_cast<uint16_t>(v >> 16));
  put16(b, static_cast<uint16_t>(v));
}
inline void put_le16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v));
  b.push_back(static_cast<uint8_t>(v >> 8));
}
inline void put_le32(Bytes& b, uint32_t v) {
  put_le16(b, static_cast<uint16_t>(v));
  put_le16(b, static_cast<uint16_t>(v >> 16));
}
inline void append(Bytes& b, const Bytes& tail) { b.insert(b.end(), tail.begin(), tail.end()); }
inline void append(Bytes& b, std::string_view tail) { b.insert(b.end(), tail.begin(), tail.end()); }

inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) append(out, p);
  return out;
}
inline Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }
// `n` bytes 0, 1, 2, ... (mod 251 so that block boundaries are visible in diffs).
inline Bytes pattern(size_t n, uint8_t seed = 0) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>((i + seed) % 251);
  return b;
}
inline Bytes filled(size_t n, uint8_t value) { return Bytes(n, value); }

using V4 = std::array<uint8_t, 4>;
using V6 = std::array<uint8_t, 16>;

inline V4 v4(const char* text) {
  V4 a{};
  if (inet_pton(AF_INET, text, a.data()) != 1) throw std::invalid_argument(text);
  return a;
}
inline V6 v6(const char* text) {
  V6 a{};
  if (inet_pton(AF_INET6, text, a.data()) != 1) throw std::invalid_argument(text);
  return a;
}
// Text of an address as DecodedPacket stores it (IPv4 in the first 4 bytes).
inline std::string addr_text(const uint8_t* addr, int version) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(version == 6 ? AF_INET6 : AF_INET, addr, buf, sizeof buf);
  return buf;
}

// ---------------------------------------------------------------------------------------------
// Transport.

constexpr uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10;

inline Bytes tcp(uint16_t sport, uint16_t dport, uint8_t flags = kAck, const Bytes& payload = {},
                 uint32_t seq = 1000, uint32_t ack = 0, uint8_t data_offset_words = 5) {
  Bytes b;
  put16(b, sport);
  put16(b, dport);
  put32(b, seq);
  put32(b, ack);
  b.push_back(static_cast<uint8_t>(data_offset_words << 4));
  b.push_back(flags);
  put16(b, 65535);  // window
  put16(b, 0);      // checksum
  put16(b, 0);      // urgent
  // Options (NOPs) when the data offset says so; bad offsets (< 5) add none.
  for (int i = 20; i < data_offset_words * 4; ++i) b.push_back(1);
  append(b, payload);
  return b;
}

// `length_override`: UDP length field (default: header + payload).
inline Bytes udp(uint16_t sport, uint16_t dport, const Bytes& payload = {},
                 int length_override = -1) {
  Bytes b;
  put16(b, sport);
  put16(b, dport);
  put16(b, static_cast<uint16_t>(length_override >= 0 ? length_override : 8 + payload.size()));
  put16(b, 0);
  append(b, payload);
  return b;
}

// ICMP or ICMPv6: type, code, checksum, then `rest` (id/seq and data).
inline Bytes icmp(uint8_t type, uint8_t code, const Bytes& rest = {0, 1, 0, 1}) {
  Bytes b{type, code, 0, 0};
  append(b, rest);
  return b;
}

// ---------------------------------------------------------------------------------------------
// IP.

struct Ipv4Options {
  uint16_t id = 0x1234;
  uint32_t fragment_offset = 0;  // bytes, multiple of 8
  bool more_fragments = false;
  bool dont_fragment = false;
  Bytes options = {};     // padded with EOL (0) to a multiple of 4
  int total_length = -1;  // override of the total length field
  int ihl_words = -1;     // override of the header length field
  uint8_t version = 4;    // override of the version nibble
  uint8_t ttl = 64;
};

inline Bytes ipv4(V4 src, V4 dst, uint8_t proto, const Bytes& payload, const Ipv4Options& o = {}) {
  Bytes options = o.options;
  while (options.size() % 4 != 0) options.push_back(0);
  const size_t header_len = 20 + options.size();
  Bytes b;
  const int ihl = o.ihl_words >= 0 ? o.ihl_words : static_cast<int>(header_len / 4);
  b.push_back(static_cast<uint8_t>((o.version << 4) | (ihl & 0x0F)));
  b.push_back(0);  // DSCP/ECN
  put16(b,
        static_cast<uint16_t>(o.total_length >= 0 ? o.total_length : header_len + payload.size()));
  put16(b, o.id);
  uint16_t frag = static_cast<uint16_t>((o.fragment_offset / 8) & 0x1FFF);
  if (o.more_fragments) frag |= 0x2000;
  if (o.dont_fragment) frag |= 0x4000;
  put16(b, frag);
  b.push_back(o.ttl);
  b.push_back(proto);
  put16(b, 0);  // checksum
  b.insert(b.end(), src.begin(), src.end());
  b.insert(b.end(), dst.begin(), dst.end());
  append(b, options);
  append(b, payload);
  return b;
}

struct Ipv6Options {
  int payload_length = -1;  // override of the payload length field
  uint8_t version = 6;
  uint8_t hop_limit = 64;
};

// `next`: the Next Header of the fixed header; `payload`: everything after it (extension
// headers included).
inline Bytes ipv6(V6 src, V6 dst, uint8_t next, const Bytes& payload, const Ipv6Options& o = {}) {
  Bytes b;
  put32(b, static_cast<uint32_t>(o.version) << 28);
  put16(b, static_cast<uint16_t>(o.payload_length >= 0 ? o.payload_length : payload.size()));
  b.push_back(next);
  b.push_back(o.hop_limit);
  b.insert(b.end(), src.begin(), src.end());
  b.insert(b.end(), dst.begin(), dst.end());
  append(b, payload);
  return b;
}

// Hop-by-hop / destination-options / routing header: next header, length in 8-byte units
// minus one, then PadN up to `units` * 8 bytes.
inline Bytes ipv6_ext(uint8_t next, uint8_t units = 1) {
  Bytes b{next, static_cast<uint8_t>(units - 1)};
  const size_t pad = units * 8u - 2;
  b.push_back(1);  // PadN
  b.push_back(static_cast<uint8_t>(pad - 2));
  for (size_t i = 2; i < pad; ++i) b.push_back(0);
  return b;
}

inline Bytes ipv6_fragment_header(uint8_t next, uint32_t offset_bytes, bool more, uint32_t id) {
  Bytes b{next, 0};
  put16(b, static_cast<uint16_t>((offset_bytes & 0xFFF8u) | (more ? 1u : 0u)));
  put32(b, id);
  return b;
}

// Splits `payload` (what follows the IP header) into IPv4 fragments of at most `chunk`
// bytes (multiple of 8). Returns whole IPv4 packets.
inline std::vector<Bytes> fragment_ipv4(V4 src, V4 dst, uint8_t proto, const Bytes& payload,
                                        uint16_t id, size_t chunk,
                                        const Bytes& first_options = {}) {
  std::vector<Bytes> out;
  for (size_t off = 0; off < payload.size(); off += chunk) {
    const size_t n = std::min(chunk, payload.size() - off);
    Ipv4Options o;
    o.id = id;
    o.fragment_offset = static_cast<uint32_t>(off);
    o.more_fragments = off + n < payload.size();
    if (off == 0) o.options = first_options;
    out.push_back(
        ipv4(src, dst, proto, Bytes(payload.begin() + off, payload.begin() + off + n), o));
  }
  return out;
}

// Same for IPv6: each fragment is fixed header + fragment header + slice.
inline std::vector<Bytes> fragment_ipv6(V6 src, V6 dst, uint8_t proto, const Bytes& payload,
                                        uint32_t id, size_t chunk) {
  std::vector<Bytes> out;
  for (size_t off = 0; off < payload.size(); off += chunk) {
    const size_t n = std::min(chunk, payload.size() - off);
    const bool more = off + n < payload.size();
    Bytes body = ipv6_fragment_header(proto, static_cast<uint32_t>(off), more, id);
    body.insert(body.end(), payload.begin() + off, payload.begin() + off + n);
    out.push_back(ipv6(src, dst, 44, body));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Link layer and encapsulations.

constexpr uint16_t kEthIpv4 = 0x0800, kEthIpv6 = 0x86DD, kEthArp = 0x0806, kEthVlan = 0x8100,
                   kEthQinq = 0x88A8, kEthQinqOld = 0x9100, kEthMpls = 0x8847, kEthPppoe = 0x8864,
                   kEthLldp = 0x88CC, kEthBridging = 0x6558;

inline Bytes ethernet(uint16_t type, const Bytes& payload) {
  Bytes b{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x66, 0x77, 0x88, 0x99, 0xaa};
  put16(b, type);
  append(b, payload);
  return b;
}

// One 802.1Q/802.1ad tag as it follows an ethertype: TCI, then the inner type.
inline Bytes vlan(uint16_t vid, uint16_t inner_type, const Bytes& payload, uint8_t pcp = 0) {
  Bytes b;
  put16(b, static_cast<uint16_t>((pcp << 13) | (vid & 0x0FFF)));
  put16(b, inner_type);
  append(b, payload);
  return b;
}

inline Bytes mpls(uint32_t label, bool bottom, const Bytes& payload, uint8_t ttl = 64) {
  Bytes b;
  put32(b, (label << 12) | (bottom ? 0x100u : 0u) | ttl);
  append(b, payload);
  return b;
}

// PPPoE session header (ver/type 0x11, code 0, session id, length) + PPP protocol.
inline Bytes pppoe(uint16_t ppp_protocol, const Bytes& payload, uint16_t session = 0x0042) {
  Bytes b{0x11, 0x00};
  put16(b, session);
  put16(b, static_cast<uint16_t>(payload.size() + 2));
  put16(b, ppp_protocol);
  append(b, payload);
  return b;
}

struct GreOptions {
  bool checksum = false;
  bool key = false;
  bool sequence = false;
  uint8_t version = 0;
};

inline Bytes gre(uint16_t protocol, const Bytes& payload, const GreOptions& o = {}) {
  Bytes b;
  uint16_t flags = o.version & 0x7;
  if (o.checksum) flags |= 0x8000;
  if (o.key) flags |= 0x2000;
  if (o.sequence) flags |= 0x1000;
  put16(b, flags);
  put16(b, protocol);
  if (o.checksum) put32(b, 0);
  if (o.key) put32(b, 0xCAFEF00D);
  if (o.sequence) put32(b, 7);
  append(b, payload);
  return b;
}

// Linux cooked capture v1 (16 bytes) and v2 (20 bytes).
inline Bytes sll(uint16_t protocol, const Bytes& payload) {
  Bytes b;
  put16(b, 0);  // packet type: to us
  put16(b, 1);  // ARPHRD_ETHER
  put16(b, 6);  // address length
  for (uint8_t i = 0; i < 8; ++i) b.push_back(i);
  put16(b, protocol);
  append(b, payload);
  return b;
}
inline Bytes sll2(uint16_t protocol, const Bytes& payload) {
  Bytes b;
  put16(b, protocol);
  put16(b, 0);     // reserved
  put32(b, 2);     // interface index
  put16(b, 1);     // ARPHRD_ETHER
  b.push_back(0);  // packet type
  b.push_back(6);  // address length
  for (uint8_t i = 0; i < 8; ++i) b.push_back(i);
  append(b, payload);
  return b;
}
// BSD loopback (DLT_NULL): family in the capturing host's byte order.
inline Bytes null_le(uint32_t family, const Bytes& payload) {
  Bytes b;
  put_le32(b, family);
  append(b, payload);
  return b;
}
inline Bytes null_be(uint32_t family, const Bytes& payload) {
  Bytes b;
  put32(b, family);
  append(b, payload);
  return b;
}

// ---------------------------------------------------------------------------------------------
// pcap files.

constexpr uint32_t kPcapMagicMicro = 0xa1b2c3d4, kPcapMagicNano = 0xa1b23c4d;

struct PcapRecord {
  uint32_t ts_sec = 0;
  uint32_t ts_frac = 0;  // microseconds or nanoseconds, per the file's magic
  Bytes data;
  int orig_len = -1;  // default: data.size()
  int cap_len = -1;   // record header caplen override (e.g. to claim more than present)
};

// Classic pcap, little-endian, version 2.4.
inline Bytes pcap_file(uint32_t linktype, const std::vector<PcapRecord>& records,
                       uint32_t magic = kPcapMagicMicro, uint32_t snaplen = 262144) {
  Bytes b;
  put_le32(b, magic);
  put_le16(b, 2);
  put_le16(b, 4);
  put_le32(b, 0);  // thiszone
  put_le32(b, 0);  // sigfigs
  put_le32(b, snaplen);
  put_le32(b, linktype);
  for (const auto& r : records) {
    put_le32(b, r.ts_sec);
    put_le32(b, r.ts_frac);
    put_le32(b, static_cast<uint32_t>(r.cap_len >= 0 ? r.cap_len : r.data.size()));
    put_le32(b, static_cast<uint32_t>(r.orig_len >= 0 ? r.orig_len : r.data.size()));
    append(b, r.data);
  }
  return b;
}

inline void write_bytes(const std::filesystem::path& path, const Bytes& b) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

// One packet as a minimal reader sees it.
struct RawRecord {
  uint64_t ts_ns = 0;
  uint32_t wirelen = 0;
  uint32_t linktype = 0;  // LINKTYPE_* as stored in the file
  Bytes data;
};

// Reads classic pcap (any of the four magics) or pcapng (SHB/IDB/EPB/SPB, if_tsresol),
// without libpcap. Throws std::runtime_error on anything it does not understand.
inline std::vector<RawRecord> read_capture(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const size_t n = s.size();
  if (n < 4) throw std::runtime_error("short file");
  auto rd32 = [&](size_t off, bool swap) {
    if (off + 4 > n) throw std::runtime_error("truncated");
    uint32_t v;
    std::memcpy(&v, p + off, 4);
    return swap ? __builtin_bswap32(v) : v;
  };
  auto rd16 = [&](size_t off, bool swap) {
    if (off + 2 > n) throw std::runtime_error("truncated");
    uint16_t v;
    std::memcpy(&v, p + off, 2);
    return swap ? __builtin_bswap16(v) : v;
  };
  std::vector<RawRecord> out;
  uint32_t magic;
  std::memcpy(&magic, p, 4);
  if (magic == 0x0A0D0D0A) {  // pcapng
    bool swap = false;
    struct Interface {
      uint32_t linktype;
      uint64_t units_per_s;
    };
    std::vector<Interface> ifaces;
    size_t off = 0;
    while (off + 12 <= n) {
      const uint32_t type = rd32(off, swap);
      if (type == 0x0A0D0D0A) {
        swap = rd32(off + 8, false) != 0x1A2B3C4D;
        ifaces.clear();
      }
      const uint32_t len = rd32(off + 4, swap);
      if (len < 12 || off + len > n) throw std::runtime_error("bad pcapng block");
      if (type == 1) {  // IDB
        Interface i{rd16(off + 8, swap), 1000000};
        size_t o = off + 16;
        while (o + 4 <= off + len - 4) {
          const uint16_t code = rd16(o, swap), olen = rd16(o + 2, swap);
          if (code == 0) break;
          if (code == 9 && olen >= 1) {  // if_tsresol
            const uint8_t r = p[o + 4];
            uint64_t units = 1;
            if (r & 0x80) {
              for (int k = 0; k < (r & 0x7F); ++k) units *= 2;
            } else {
              for (int k = 0; k < r; ++k) units *= 10;
            }
            i.units_per_s = units;
          }
          o += 4 + ((olen + 3u) & ~3u);
        }
        ifaces.push_back(i);
      } else if (type == 6) {  // EPB
        const uint32_t iface = rd32(off + 8, swap);
        if (iface >= ifaces.size()) throw std::runtime_error("EPB before IDB");
        const uint64_t ts = (uint64_t{rd32(off + 12, swap)} << 32) | rd32(off + 16, swap);
        const uint32_t cap = rd32(off + 20, swap);
        RawRecord r;
        const uint64_t u = ifaces[iface].units_per_s;
        r.ts_ns = ts / u * 1000000000ull + (ts % u) * 1000000000ull / u;
        r.wirelen = rd32(off + 24, swap);
        r.linktype = ifaces[iface].linktype;
        if (off + 28 + cap > n) throw std::runtime_error("truncated EPB");
        r.data.assign(p + off + 28, p + off + 28 + cap);
        out.push_back(std::move(r));
      } else if (type == 3) {  // SPB
        if (ifaces.empty()) throw std::runtime_error("SPB before IDB");
        RawRecord r;
        r.wirelen = rd32(off + 8, swap);
        r.linktype = ifaces[0].linktype;
        const uint32_t cap = std::min<uint32_t>(r.wirelen, len - 16);
        r.data.assign(p + off + 12, p + off + 12 + cap);
        out.push_back(std::move(r));
      }
      off += len;
    }
    return out;
  }
  bool swap, nano;
  switch (magic) {
    case 0xa1b2c3d4:
      swap = false, nano = false;
      break;
    case 0xa1b23c4d:
      swap = false, nano = true;
      break;
    case 0xd4c3b2a1:
      swap = true, nano = false;
      break;
    case 0x4d3cb2a1:
      swap = true, nano = true;
      break;
    default:
      throw std::runtime_error("not a capture file");
  }
  const uint32_t linktype = rd32(20, swap) & 0x0FFFFFFF;
  size_t off = 24;
  while (off + 16 <= n) {
    RawRecord r;
    const uint64_t sec = rd32(off, swap), frac = rd32(off + 4, swap);
    r.ts_ns = sec * 1000000000ull + (nano ? frac : frac * 1000);
    const uint32_t cap = rd32(off + 8, swap);
    r.wirelen = rd32(off + 12, swap);
    r.linktype = linktype;
    if (off + 16 + cap > n) break;  // truncated last record: stop like libpcap
    r.data.assign(p + off + 16, p + off + 16 + cap);
    out.push_back(std::move(r));
    off += 16 + cap;
  }
  return out;
}

}  // namespace tripline::test
