// Decoder: table-driven crafted frames for every link type and encapsulation, a bad-input
// table with one row per reachable DecodeError, truncation sweeps, and real captures.
#include "core/decode.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "tests/packet_builder.hpp"
#include "tests/test_support.hpp"

namespace tripline {
namespace {

using test::Bytes;
using test::cat;

// Decodes from an exactly sized heap copy so that ASan reports any read past caplen.
struct Decoded {
  std::unique_ptr<uint8_t[]> buffer;
  uint32_t size = 0;
  DecodedPacket p;
};

Decoded decode(uint16_t linktype, const Bytes& frame) {
  Decoded d;
  d.size = static_cast<uint32_t>(frame.size());
  d.buffer = std::make_unique<uint8_t[]>(frame.size());
  if (!frame.empty()) std::memcpy(d.buffer.get(), frame.data(), frame.size());
  PacketView view;
  view.data = d.buffer.get();
  view.caplen = d.size;
  view.wirelen = d.size;
  view.linktype = linktype;
  // Fill with junk first: decode_packet must reset every field.
  std::memset(static_cast<void*>(&d.p), 0xA5, sizeof d.p);
  decode_packet(view, d.p);
  return d;
}

std::string src_of(const DecodedPacket& p) { return test::addr_text(p.src, p.ip_version); }
std::string dst_of(const DecodedPacket& p) { return test::addr_text(p.dst, p.ip_version); }

// The innermost flow every good case carries (outer tunnel addresses differ).
const test::V4 kA4 = test::v4("192.0.2.1"), kB4 = test::v4("198.51.100.2");
const test::V4 kOuterA4 = test::v4("203.0.113.1"), kOuterB4 = test::v4("203.0.113.2");
const test::V6 kA6 = test::v6("2001:db8::1"), kB6 = test::v6("2001:db8::2");
const test::V6 kOuterA6 = test::v6("2001:db8:ffff::a"), kOuterB6 = test::v6("2001:db8:ffff::b");

const Bytes kHttp = test::bytes_of("GET / HTTP/1.1\r\n");  // 16 bytes
const Bytes kDns = test::bytes_of("dns?");
const Bytes kEcho = {0x12, 0x34, 0x00, 0x07, 'p', 'i', 'n', 'g'};  // id, seq, data

Bytes tcp_v4() {
  return test::ipv4(kA4, kB4, kProtoTcp, test::tcp(40000, 80, test::kAck | test::kPsh, kHttp));
}
Bytes udp_v6() { return test::ipv6(kA6, kB6, kProtoUdp, test::udp(5353, 53, kDns)); }

struct Expect {
  uint8_t version;
  uint8_t proto;
  std::string src;
  std::string dst;
  uint16_t src_port;
  uint16_t dst_port;
  bool has_l4;
  Bytes payload;
  uint32_t ip_length;  // innermost IP header + everything after it
  uint16_t vlan_id = 0;
  uint8_t icmp_type = 0;
  uint8_t icmp_code = 0;
};

const Expect kTcpV4{4, kProtoTcp, "192.0.2.1", "198.51.100.2", 40000, 80, true, kHttp, 56};
const Expect kUdpV6{6, kProtoUdp, "2001:db8::1", "2001:db8::2", 5353, 53, true, kDns, 52};

Expect with_vlan(Expect e, uint16_t vlan) {
  e.vlan_id = vlan;
  return e;
}

struct GoodCase {
  std::string name;
  uint16_t linktype;
  Bytes frame;
  Expect expect;
};

std::vector<GoodCase> good_cases() {
  using namespace test;
  constexpr uint16_t kEth = 1;
  std::vector<GoodCase> c;
  c.push_back({"ethernet_ipv4_tcp", kEth, ethernet(kEthIpv4, tcp_v4()), kTcpV4});
  c.push_back({"ethernet_ipv6_udp", kEth, ethernet(kEthIpv6, udp_v6()), kUdpV6});
  c.push_back({"vlan_8021q", kEth, ethernet(kEthVlan, vlan(100, kEthIpv4, tcp_v4())),
               with_vlan(kTcpV4, 100)});
  c.push_back({"vlan_priority_bits_ignored", kEth,
               ethernet(kEthVlan, vlan(100, kEthIpv4, tcp_v4(), /*pcp=*/5)),
               with_vlan(kTcpV4, 100)});
  c.push_back({"qinq_88a8_8100", kEth,
               ethernet(kEthQinq, vlan(300, kEthVlan, vlan(100, kEthIpv4, tcp_v4()))),
               with_vlan(kTcpV4, 300)});
  c.push_back({"qinq_9100_8100_ipv6", kEth,
               ethernet(kEthQinqOld, vlan(301, kEthVlan, vlan(101, kEthIpv6, udp_v6()))),
               with_vlan(kUdpV6, 301)});
  c.push_back(
      {"six_vlan_tags_is_the_limit", kEth,
       ethernet(kEthVlan, vlan(1, kEthVlan,
                               vlan(2, kEthVlan,
                                    vlan(3, kEthVlan,
                                         vlan(4, kEthVlan,
                                              vlan(5, kEthVlan, vlan(6, kEthIpv4, tcp_v4()))))))),
       with_vlan(kTcpV4, 1)});
  c.push_back({"mpls_two_labels", kEth,
               ethernet(kEthMpls, mpls(16, false, mpls(17, true, tcp_v4()))), kTcpV4});
  c.push_back({"mpls_ipv6", kEth, ethernet(kEthMpls, mpls(18, true, udp_v6())), kUdpV6});
  c.push_back(
      {"mpls_pseudowire_control_word_ethernet", kEth,
       ethernet(kEthMpls, mpls(19, true, cat({{0, 0, 0, 0}, ethernet(kEthIpv4, tcp_v4())}))),
       kTcpV4});
  c.push_back({"vlan_then_mpls", kEth,
               ethernet(kEthVlan, vlan(7, kEthMpls, mpls(20, true, tcp_v4()))),
               with_vlan(kTcpV4, 7)});
  c.push_back({"pppoe_ipv4", kEth, ethernet(kEthPppoe, pppoe(0x0021, tcp_v4())), kTcpV4});
  c.push_back({"pppoe_ipv6", kEth, ethernet(kEthPppoe, pppoe(0x0057, udp_v6())), kUdpV6});
  c.push_back(
      {"gre_with_key_ipv4", kEth,
       ethernet(kEthIpv4, ipv4(kOuterA4, kOuterB4, 47, gre(kEthIpv4, tcp_v4(), {.key = true}))),
       kTcpV4});
  c.push_back({"gre_checksum_key_sequence_bridged_ethernet", kEth,
               ethernet(kEthIpv4, ipv4(kOuterA4, kOuterB4, 47,
                                       gre(kEthBridging, ethernet(kEthIpv4, tcp_v4()),
                                           {.checksum = true, .key = true, .sequence = true}))),
               kTcpV4});
  c.push_back({"gre_ipv6_payload", kEth,
               ethernet(kEthIpv4, ipv4(kOuterA4, kOuterB4, 47, gre(kEthIpv6, udp_v6()))), kUdpV6});
  c.push_back(
      {"gre_mpls_payload", kEth,
       ethernet(kEthIpv4, ipv4(kOuterA4, kOuterB4, 47, gre(kEthMpls, mpls(21, true, tcp_v4())))),
       kTcpV4});
  c.push_back({"gre_over_ipv6", kEth,
               ethernet(kEthIpv6, ipv6(kOuterA6, kOuterB6, 47, gre(kEthIpv4, tcp_v4()))), kTcpV4});
  {
    Expect e{6,
             kProtoIcmpv6,
             "2001:db8::1",
             "2001:db8::2",
             0,
             0,
             true,
             Bytes(kEcho.begin(), kEcho.end()),
             52};
    e.icmp_type = 128;
    c.push_back({"ipv6_in_ipv4_6in4", kEth,
                 ethernet(kEthIpv4, ipv4(kOuterA4, kOuterB4, 41,
                                         ipv6(kA6, kB6, kProtoIcmpv6, icmp(128, 0, kEcho)))),
                 e});
  }
  c.push_back({"ipip", kEth, ethernet(kEthIpv4, ipv4(kOuterA4, kOuterB4, 4, tcp_v4())), kTcpV4});
  c.push_back(
      {"ipv4_in_ipv6", kEth, ethernet(kEthIpv6, ipv6(kOuterA6, kOuterB6, 4, tcp_v4())), kTcpV4});
  c.push_back(
      {"ipv6_in_ipv6", kEth, ethernet(kEthIpv6, ipv6(kOuterA6, kOuterB6, 41, udp_v6())), kUdpV6});
  c.push_back(
      {"ipv4_in_ipv4_in_ipv6_in_vlan", kEth,
       ethernet(kEthVlan, vlan(9, kEthIpv6,
                               ipv6(kOuterA6, kOuterB6, 4, ipv4(kOuterA4, kOuterB4, 4, tcp_v4())))),
       with_vlan(kTcpV4, 9)});
  {
    Expect e = kTcpV4;
    e.ip_length = 60;
    c.push_back({"ipv4_with_router_alert_option", kEth,
                 ethernet(kEthIpv4, ipv4(kA4, kB4, kProtoTcp, tcp(40000, 80, kAck | kPsh, kHttp),
                                         {.options = {0x94, 0x04, 0x00, 0x00}})),
                 e});
    e.ip_length = 96;
    c.push_back({"ipv4_with_40_bytes_of_options", kEth,
                 ethernet(kEthIpv4, ipv4(kA4, kB4, kProtoTcp, tcp(40000, 80, kAck | kPsh, kHttp),
                                         {.options = Bytes(40, 0x01)})),
                 e});
  }
  {
    Expect e = kUdpV6;
    e.ip_length = 40 + 8 + 16 + 12;
    c.push_back(
        {"ipv6_hop_by_hop_and_dest_opts", kEth,
         ethernet(kEthIpv6, ipv6(kA6, kB6, 0,
                                 cat({ipv6_ext(60), ipv6_ext(kProtoUdp, 2), udp(5353, 53, kDns)}))),
         e});
  }
  {
    Expect e = kTcpV4;
    e.version = 6, e.src = "2001:db8::1", e.dst = "2001:db8::2", e.ip_length = 40 + 8 + 36;
    c.push_back(
        {"ipv6_routing_header", kEth,
         ethernet(kEthIpv6, ipv6(kA6, kB6, 43,
                                 cat({ipv6_ext(kProtoTcp), tcp(40000, 80, kAck | kPsh, kHttp)}))),
         e});
    c.push_back({"ipv6_atomic_fragment_is_whole", kEth,
                 ethernet(kEthIpv6, ipv6(kA6, kB6, 44,
                                         cat({ipv6_fragment_header(kProtoTcp, 0, false, 77),
                                              tcp(40000, 80, kAck | kPsh, kHttp)}))),
                 e});
    // AH: next header, payload length 4 => (4 + 2) * 4 = 24 bytes.
    Bytes ah{kProtoTcp, 4, 0, 0};
    ah.resize(24, 0xEE);
    e.ip_length = 40 + 24 + 36;
    c.push_back(
        {"ipv6_authentication_header", kEth,
         ethernet(kEthIpv6, ipv6(kA6, kB6, 51, cat({ah, tcp(40000, 80, kAck | kPsh, kHttp)}))), e});
  }
  {
    Expect e{4, kProtoIcmp, "192.0.2.1", "198.51.100.2", 0, 0, true, kEcho, 20 + 12};
    e.icmp_type = 8;
    c.push_back({"icmp_echo_request", kEth,
                 ethernet(kEthIpv4, ipv4(kA4, kB4, kProtoIcmp, icmp(8, 0, kEcho))), e});
    e.icmp_type = 3, e.icmp_code = 1;
    c.push_back({"icmp_host_unreachable", kEth,
                 ethernet(kEthIpv4, ipv4(kA4, kB4, kProtoIcmp, icmp(3, 1, kEcho))), e});
    Expect e6{6, kProtoIcmpv6, "2001:db8::1", "2001:db8::2", 0, 0, true, kEcho, 40 + 12};
    e6.icmp_type = 129;
    c.push_back({"icmpv6_echo_reply", kEth,
                 ethernet(kEthIpv6, ipv6(kA6, kB6, kProtoIcmpv6, icmp(129, 0, kEcho))), e6});
  }
  {
    const Bytes sctp(12, 0x33);
    c.push_back({"unknown_transport_sctp",
                 kEth,
                 ethernet(kEthIpv4, ipv4(kA4, kB4, 132, sctp)),
                 {4, 132, "192.0.2.1", "198.51.100.2", 0, 0, false, sctp, 32}});
    const Bytes esp(16, 0x44);
    c.push_back({"ipv6_esp_stops",
                 kEth,
                 ethernet(kEthIpv6, ipv6(kA6, kB6, 50, esp)),
                 {6, 50, "2001:db8::1", "2001:db8::2", 0, 0, false, {}, 56}});
  }
  // Link types other than Ethernet.
  c.push_back({"sll_ipv4", 113, sll(kEthIpv4, tcp_v4()), kTcpV4});
  c.push_back(
      {"sll_vlan_ipv4", 113, sll(kEthVlan, vlan(55, kEthIpv4, tcp_v4())), with_vlan(kTcpV4, 55)});
  c.push_back({"sll2_ipv6", 276, sll2(kEthIpv6, udp_v6()), kUdpV6});
  c.push_back({"sll2_ipv4", 276, sll2(kEthIpv4, tcp_v4()), kTcpV4});
  c.push_back({"null_little_endian_inet", 0, null_le(2, tcp_v4()), kTcpV4});
  c.push_back({"null_big_endian_inet", 0, null_be(2, tcp_v4()), kTcpV4});
  c.push_back({"null_linux_inet6_10", 0, null_le(10, udp_v6()), kUdpV6});
  c.push_back({"null_bsd_inet6_24", 0, null_le(24, udp_v6()), kUdpV6});
  c.push_back({"null_freebsd_inet6_28_big_endian", 0, null_be(28, udp_v6()), kUdpV6});
  c.push_back({"null_darwin_inet6_30", 0, null_le(30, udp_v6()), kUdpV6});
  c.push_back({"loop_inet", 108, null_be(2, tcp_v4()), kTcpV4});
  c.push_back({"loop_inet6", 108, null_be(24, udp_v6()), kUdpV6});
  c.push_back({"raw_ipv4", 12, tcp_v4(), kTcpV4});
  c.push_back({"raw_ipv6", 12, udp_v6(), kUdpV6});
  c.push_back({"raw_openbsd_14", 14, tcp_v4(), kTcpV4});
  c.push_back({"linktype_ipv4_228", 228, tcp_v4(), kTcpV4});
  c.push_back({"linktype_ipv6_229", 229, udp_v6(), kUdpV6});
  return c;
}

TEST(Decode, GoodFramesTable) {
  for (const auto& gc : good_cases()) {
    SCOPED_TRACE(gc.name);
    const Decoded d = decode(gc.linktype, gc.frame);
    const DecodedPacket& p = d.p;
    const Expect& e = gc.expect;
    ASSERT_EQ(p.outcome, DecodeOutcome::kDecoded) << decode_error_name(p.error);
    EXPECT_EQ(p.error, DecodeError::kNone);
    EXPECT_EQ(p.ip_version, e.version);
    EXPECT_EQ(p.ip_proto, e.proto);
    EXPECT_EQ(src_of(p), e.src);
    EXPECT_EQ(dst_of(p), e.dst);
    if (e.version == 4) {  // the rest of the 16 bytes is zero
      EXPECT_EQ(Bytes(p.src + 4, p.src + 16), Bytes(12, 0));
      EXPECT_EQ(Bytes(p.dst + 4, p.dst + 16), Bytes(12, 0));
    }
    EXPECT_EQ(p.src_port, e.src_port);
    EXPECT_EQ(p.dst_port, e.dst_port);
    EXPECT_EQ(p.has_l4, e.has_l4);
    EXPECT_EQ(p.vlan_id, e.vlan_id);
    EXPECT_EQ(p.icmp_type, e.icmp_type);
    EXPECT_EQ(p.icmp_code, e.icmp_code);
    EXPECT_FALSE(p.is_fragment);
    ASSERT_NE(p.ip_header, nullptr);
    EXPECT_EQ(p.ip_header[0] >> 4, e.version);
    EXPECT_EQ(p.ip_length, e.ip_length);
    // Innermost header + what follows it ends exactly at the end of the frame.
    EXPECT_EQ(p.ip_header + p.ip_length, d.buffer.get() + d.size);
    if (!e.payload.empty()) {
      ASSERT_NE(p.payload, nullptr);
      EXPECT_EQ(Bytes(p.payload, p.payload + p.payload_length), e.payload);
    } else {
      EXPECT_EQ(p.payload_length, 0u);
    }
  }
}

TEST(Decode, TcpFieldsAreCopied) {
  const Bytes frame = test::ethernet(
      test::kEthIpv4, test::ipv4(kA4, kB4, kProtoTcp,
                                 test::tcp(1234, 443, test::kSyn | test::kAck, {}, 0xDEADBEEF,
                                           0x01020304, /*data_offset_words=*/8)));
  const Decoded d = decode(1, frame);
  ASSERT_EQ(d.p.outcome, DecodeOutcome::kDecoded);
  EXPECT_EQ(d.p.tcp_flags, kTcpSyn | kTcpAck);
  EXPECT_EQ(d.p.tcp_seq, 0xDEADBEEFu);
  EXPECT_EQ(d.p.tcp_ack, 0x01020304u);
  EXPECT_EQ(d.p.src_port, 1234);
  EXPECT_EQ(d.p.dst_port, 443);
  EXPECT_EQ(d.p.payload_length, 0u);  // 12 bytes of options are header, not payload
  EXPECT_EQ(d.p.payload, d.buffer.get() + d.size);
}

TEST(Decode, NotIpTable) {
  using namespace test;
  struct Case {
    std::string name;
    uint16_t linktype;
    Bytes frame;
  };
  const Bytes arp(28, 0x01);
  const std::vector<Case> cases = {
      {"arp", 1, ethernet(kEthArp, arp)},
      {"lldp", 1, ethernet(kEthLldp, Bytes(20, 0x02))},
      {"goose_88b8", 1, ethernet(0x88B8, Bytes(30, 0x03))},
      {"ieee8023_length_field_llc", 1, ethernet(0x0026, Bytes(38, 0x42))},
      {"vlan_arp", 1, ethernet(kEthVlan, vlan(5, kEthArp, arp))},
      {"qinq_arp", 1, ethernet(kEthQinq, vlan(5, kEthVlan, vlan(6, kEthArp, arp)))},
      {"pppoe_lcp", 1, ethernet(kEthPppoe, pppoe(0xC021, Bytes(10, 0x01)))},
      {"mpls_non_ip_first_nibble", 1, ethernet(kEthMpls, mpls(16, true, Bytes(20, 0x50)))},
      {"null_unknown_family", 0, null_le(7, tcp_v4())},
      {"loop_unknown_family", 108, null_be(7, tcp_v4())},
      {"sll_arp", 113, sll(kEthArp, arp)},
      {"sll2_arp", 276, sll2(kEthArp, arp)},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const Decoded d = decode(c.linktype, c.frame);
    EXPECT_EQ(d.p.outcome, DecodeOutcome::kNotIp);
    EXPECT_EQ(d.p.error, DecodeError::kNone);
    EXPECT_FALSE(d.p.has_l4);
  }
}

struct BadCase {
  std::string name;
  uint16_t linktype;
  Bytes frame;
  DecodeError error;
};

// `b` cut to its first `n` bytes.
Bytes head(Bytes b, size_t n) {
  b.resize(n);
  return b;
}

std::vector<BadCase> bad_cases() {
  using namespace test;
  using E = DecodeError;
  const Bytes tcp_hdr = tcp(1, 2);
  std::vector<BadCase> c = {
      {"linktype_147_user0", 147, tcp_v4(), E::kUnsupportedLinkType},
      {"linktype_ieee802_11", 105, tcp_v4(), E::kUnsupportedLinkType},
      {"ethernet_empty", 1, {}, E::kTruncatedLink},
      {"ethernet_13_bytes", 1, head(ethernet(kEthIpv4, {}), 13), E::kTruncatedLink},
      {"sll_15_bytes", 113, head(sll(kEthIpv4, {}), 15), E::kTruncatedLink},
      {"sll2_19_bytes", 276, head(sll2(kEthIpv4, {}), 19), E::kTruncatedLink},
      {"null_3_bytes", 0, {2, 0, 0}, E::kTruncatedLink},
      {"loop_3_bytes", 108, {0, 0, 0}, E::kTruncatedLink},
      {"pw_inner_ethernet_13_bytes", 1,
       ethernet(kEthMpls, mpls(16, true, cat({{0, 0, 0, 0}, head(ethernet(kEthIpv4, {}), 13)}))),
       E::kTruncatedLink},
      {"vlan_3_bytes", 1, ethernet(kEthVlan, {0x00, 0x64, 0x08}), E::kTruncatedVlan},
      {"qinq_inner_tag_2_bytes", 1, ethernet(kEthQinq, vlan(1, kEthVlan, {0x00, 0x02})),
       E::kTruncatedVlan},
      {"mpls_3_bytes", 1, ethernet(kEthMpls, {0x00, 0x10, 0x01}), E::kTruncatedMpls},
      {"mpls_no_bottom_of_stack", 1, ethernet(kEthMpls, mpls(16, false, {})), E::kTruncatedMpls},
      {"mpls_nothing_after_bottom", 1, ethernet(kEthMpls, mpls(16, true, {})), E::kTruncatedMpls},
      {"mpls_control_word_cut", 1, ethernet(kEthMpls, mpls(16, true, {0x00, 0x00})),
       E::kTruncatedMpls},
      {"pppoe_7_bytes", 1, ethernet(kEthPppoe, head(pppoe(0x0021, {}), 7)), E::kTruncatedPppoe},
      {"raw_empty", 12, {}, E::kIpv4Truncated},
      {"ipv4_19_bytes", 1, ethernet(kEthIpv4, head(ipv4(kA4, kB4, 6, {}), 19)), E::kIpv4Truncated},
      {"ipv4_options_cut", 1,
       ethernet(kEthIpv4, head(ipv4(kA4, kB4, 6, {}, {.options = Bytes(8, 1)}), 24)),
       E::kIpv4Truncated},
      {"ipv4_version_6_under_0800", 1, ethernet(kEthIpv4, udp_v6()), E::kIpv4BadVersion},
      {"raw_version_5", 12, ipv4(kA4, kB4, 6, tcp_hdr, {.version = 5}), E::kIpv4BadVersion},
      {"null_inet_with_ipv6_inside", 0, null_le(2, udp_v6()), E::kIpv4BadVersion},
      {"ipv4_ihl_4", 1, ethernet(kEthIpv4, ipv4(kA4, kB4, 6, tcp_hdr, {.ihl_words = 4})),
       E::kIpv4BadHeaderLength},
      {"ipv4_ihl_0", 1, ethernet(kEthIpv4, ipv4(kA4, kB4, 6, tcp_hdr, {.ihl_words = 0})),
       E::kIpv4BadHeaderLength},
      {"ipv4_total_19", 1, ethernet(kEthIpv4, ipv4(kA4, kB4, 6, tcp_hdr, {.total_length = 19})),
       E::kIpv4BadTotalLength},
      {"ipv4_total_below_options", 1,
       ethernet(kEthIpv4,
                ipv4(kA4, kB4, 6, tcp_hdr, {.options = {1, 1, 1, 1}, .total_length = 20})),
       E::kIpv4BadTotalLength},
      {"ipv6_39_bytes", 1, ethernet(kEthIpv6, head(ipv6(kA6, kB6, 59, {}), 39)), E::kIpv6Truncated},
      {"ipv6_in_ipv4_cut", 1, ethernet(kEthIpv4, ipv4(kOuterA4, kOuterB4, 41, head(udp_v6(), 30))),
       E::kIpv6Truncated},
      {"ipv6_version_4_under_86dd", 1, ethernet(kEthIpv6, tcp_v4()), E::kIpv6BadVersion},
      {"ipv6_version_5", 1, ethernet(kEthIpv6, ipv6(kA6, kB6, 59, {}, {.version = 5})),
       E::kIpv6BadVersion},
      {"hop_by_hop_shorter_than_8", 1, ethernet(kEthIpv6, ipv6(kA6, kB6, 0, {17, 0, 1, 2})),
       E::kIpv6BadExtensionHeader},
      {"hop_by_hop_length_beyond_packet", 1,
       ethernet(kEthIpv6, ipv6(kA6, kB6, 0, head(ipv6_ext(17, 3), 16))),
       E::kIpv6BadExtensionHeader},
      {"dest_opts_beyond_payload_length", 1,
       ethernet(kEthIpv6,
                ipv6(kA6, kB6, 60, cat({ipv6_ext(17, 2), udp(1, 2)}), {.payload_length = 8})),
       E::kIpv6BadExtensionHeader},
      {"fragment_header_cut", 1, ethernet(kEthIpv6, ipv6(kA6, kB6, 44, {17, 0, 0, 0})),
       E::kIpv6BadExtensionHeader},
      {"ah_length_beyond_packet", 1,
       ethernet(kEthIpv6, ipv6(kA6, kB6, 51, {6, 10, 0, 0, 0, 0, 0, 0})),
       E::kIpv6BadExtensionHeader},
      {"gre_3_bytes", 1, ethernet(kEthIpv4, ipv4(kOuterA4, kOuterB4, 47, {0, 0, 8})),
       E::kGreTruncated},
      {"gre_key_flag_without_key", 1,
       ethernet(kEthIpv4, ipv4(kOuterA4, kOuterB4, 47, head(gre(kEthIpv4, {}, {.key = true}), 6))),
       E::kGreTruncated},
      {"gre_version_1_pptp", 1,
       ethernet(kEthIpv4, ipv4(kOuterA4, kOuterB4, 47, gre(0x880B, Bytes(8, 0), {.version = 1}))),
       E::kGreUnsupported},
      {"gre_unknown_protocol", 1,
       ethernet(kEthIpv4, ipv4(kOuterA4, kOuterB4, 47, gre(0x1234, Bytes(8, 0)))),
       E::kGreUnsupported},
      {"seven_vlan_tags", 1,
       ethernet(kEthVlan,
                vlan(1, kEthVlan,
                     vlan(2, kEthVlan,
                          vlan(3, kEthVlan,
                               vlan(4, kEthVlan,
                                    vlan(5, kEthVlan,
                                         vlan(6, kEthVlan, vlan(7, kEthIpv4, tcp_v4())))))))),
       E::kTooManyLayers},
      {"tcp_19_bytes", 1, ethernet(kEthIpv4, ipv4(kA4, kB4, 6, head(tcp_hdr, 19))),
       E::kTcpTruncated},
      {"tcp_options_cut", 1,
       ethernet(kEthIpv4, ipv4(kA4, kB4, 6, head(tcp(1, 2, kAck, {}, 0, 0, 6), 20))),
       E::kTcpTruncated},
      {"tcp_data_offset_4", 1, ethernet(kEthIpv4, ipv4(kA4, kB4, 6, tcp(1, 2, kAck, {}, 0, 0, 4))),
       E::kTcpBadHeaderLength},
      {"udp_7_bytes", 1, ethernet(kEthIpv4, ipv4(kA4, kB4, 17, head(udp(1, 2), 7))),
       E::kUdpTruncated},
      {"udp_over_ipv6_7_bytes", 1, ethernet(kEthIpv6, ipv6(kA6, kB6, 17, head(udp(1, 2), 7))),
       E::kUdpTruncated},
      {"udp_length_7", 1, ethernet(kEthIpv4, ipv4(kA4, kB4, 17, udp(1, 2, kDns, 7))),
       E::kUdpBadLength},
      {"udp_length_1", 1, ethernet(kEthIpv4, ipv4(kA4, kB4, 17, udp(1, 2, kDns, 1))),
       E::kUdpBadLength},
      {"icmp_3_bytes", 1, ethernet(kEthIpv4, ipv4(kA4, kB4, 1, {8, 0, 0})), E::kIcmpTruncated},
      {"icmpv6_3_bytes", 1, ethernet(kEthIpv6, ipv6(kA6, kB6, 58, {128, 0, 0})), E::kIcmpTruncated},
  };
  // Seventeen chained destination-options headers exceed the decoder's limit of 16 hops.
  Bytes chain;
  for (int i = 0; i < 17; ++i) append(chain, ipv6_ext(60));
  append(chain, ipv6_ext(59));
  c.push_back({"eighteen_extension_headers", 1, ethernet(kEthIpv6, ipv6(kA6, kB6, 60, chain)),
               E::kIpv6BadExtensionHeader});
  // Ethernet + eight nested IPv4 headers = nine layers.
  Bytes nested = tcp_v4();
  for (int i = 0; i < 7; ++i) nested = ipv4(kOuterA4, kOuterB4, 4, nested);
  c.push_back({"eight_nested_ipv4", 1, ethernet(kEthIpv4, nested), E::kTooManyLayers});
  return c;
}

TEST(Decode, BadInputTable) {
  for (const auto& bc : bad_cases()) {
    SCOPED_TRACE(bc.name);
    const Decoded d = decode(bc.linktype, bc.frame);
    EXPECT_EQ(d.p.outcome, DecodeOutcome::kError);
    EXPECT_EQ(decode_error_name(d.p.error), decode_error_name(bc.error));
  }
}

TEST(Decode, BadInputTableCoversEveryError) {
  std::set<DecodeError> seen;
  for (const auto& bc : bad_cases()) seen.insert(bc.error);
  for (size_t i = 1; i < static_cast<size_t>(DecodeError::kCount); ++i) {
    EXPECT_TRUE(seen.count(static_cast<DecodeError>(i)))
        << "no bad-input row for " << decode_error_name(static_cast<DecodeError>(i));
  }
}

TEST(Decode, SevenNestedIpv4IsStillAccepted) {
  Bytes nested = tcp_v4();
  for (int i = 0; i < 6; ++i) nested = test::ipv4(kOuterA4, kOuterB4, 4, nested);
  const Decoded d = decode(1, test::ethernet(test::kEthIpv4, nested));  // 1 + 7 = 8 layers
  ASSERT_EQ(d.p.outcome, DecodeOutcome::kDecoded) << decode_error_name(d.p.error);
  EXPECT_EQ(src_of(d.p), "192.0.2.1");
  EXPECT_EQ(d.p.dst_port, 80);
}

TEST(Decode, ErrorNames) {
  const std::vector<std::string> names = {"none",
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
                                          "icmp_truncated"};
  ASSERT_EQ(names.size(), static_cast<size_t>(DecodeError::kCount));
  for (size_t i = 0; i < names.size(); ++i)
    EXPECT_EQ(decode_error_name(static_cast<DecodeError>(i)), names[i]);
}

TEST(Decode, CountersCountErrorsAndNotIp) {
  DecodeCounters counters;
  for (const auto& bc : bad_cases()) counters.count(decode(bc.linktype, bc.frame).p);
  counters.count(decode(1, test::ethernet(test::kEthArp, Bytes(28, 0))).p);
  counters.count(decode(1, test::ethernet(test::kEthIpv4, tcp_v4())).p);  // not counted
  EXPECT_EQ(counters.not_ip, 1u);
  EXPECT_EQ(counters.errors[static_cast<size_t>(DecodeError::kNone)], 0u);
  EXPECT_EQ(counters.errors[static_cast<size_t>(DecodeError::kTruncatedLink)], 7u);
  EXPECT_EQ(counters.errors[static_cast<size_t>(DecodeError::kIpv6BadExtensionHeader)], 6u);
  EXPECT_EQ(counters.errors[static_cast<size_t>(DecodeError::kTooManyLayers)], 2u);
  DecodeCounters sum;
  sum += counters;
  sum += counters;
  EXPECT_EQ(sum.not_ip, 2u);
  EXPECT_EQ(sum.errors[static_cast<size_t>(DecodeError::kTooManyLayers)], 4u);
}

// ---------------------------------------------------------------------------------------------
// Lengths: padding, snaplen, UDP length.

TEST(Decode, EthernetPaddingIsTrimmedByIpv4TotalLength) {
  // A bare ACK: 14 + 20 + 20 = 54 bytes, padded to the 60-byte minimum (non-zero trailer).
  Bytes frame = test::ethernet(test::kEthIpv4, test::ipv4(kA4, kB4, kProtoTcp, test::tcp(1, 2)));
  frame.insert(frame.end(), {0xde, 0xad, 0xbe, 0xef, 0xf5, 0xf5});
  const Decoded d = decode(1, frame);
  ASSERT_EQ(d.p.outcome, DecodeOutcome::kDecoded);
  EXPECT_EQ(d.p.ip_length, 40u);
  EXPECT_EQ(d.p.payload_length, 0u);

  // UDP with 2 bytes of payload padded by 16 bytes.
  Bytes udp_frame =
      test::ethernet(test::kEthIpv4, test::ipv4(kA4, kB4, kProtoUdp, test::udp(1, 2, {'h', 'i'})));
  udp_frame.resize(60, 0x77);
  const Decoded u = decode(1, udp_frame);
  ASSERT_EQ(u.p.outcome, DecodeOutcome::kDecoded);
  EXPECT_EQ(u.p.ip_length, 30u);
  EXPECT_EQ(u.p.payload_length, 2u);
  EXPECT_EQ(Bytes(u.p.payload, u.p.payload + 2), (Bytes{'h', 'i'}));

  // Inside a VLAN tag, with an HTTP payload.
  Bytes vlan_frame = test::ethernet(test::kEthVlan, test::vlan(3, test::kEthIpv4, tcp_v4()));
  vlan_frame.resize(vlan_frame.size() + 8, 0x00);
  const Decoded v = decode(1, vlan_frame);
  ASSERT_EQ(v.p.outcome, DecodeOutcome::kDecoded);
  EXPECT_EQ(v.p.payload_length, 16u);
  EXPECT_EQ(Bytes(v.p.payload, v.p.payload + v.p.payload_length), kHttp);
}

TEST(Decode, EthernetPaddingIsTrimmedByIpv6PayloadLength) {
  Bytes frame = test::ethernet(test::kEthIpv6, test::ipv6(kA6, kB6, kProtoTcp, test::tcp(1, 2)));
  frame.resize(frame.size() + 10, 0xAB);
  const Decoded d = decode(1, frame);
  ASSERT_EQ(d.p.outcome, DecodeOutcome::kDecoded);
  EXPECT_EQ(d.p.ip_length, 60u);
  EXPECT_EQ(d.p.payload_length, 0u);
}

TEST(Decode, SnaplenCutDatagramKeepsWhatWasCaptured) {
  // IPv4 total length says 20 + 20 + 1000, but only 100 bytes of TCP payload were captured.
  const Bytes full = test::ethernet(
      test::kEthIpv4,
      test::ipv4(kA4, kB4, kProtoTcp, test::tcp(1, 2, test::kAck, test::pattern(1000))));
  const Decoded d = decode(1, head(full, 14 + 40 + 100));
  ASSERT_EQ(d.p.outcome, DecodeOutcome::kDecoded);
  EXPECT_EQ(d.p.ip_length, 140u);
  EXPECT_EQ(d.p.payload_length, 100u);
  EXPECT_EQ(Bytes(d.p.payload, d.p.payload + 100), test::pattern(100));
}

TEST(Decode, UdpLengthShorterThanDatagramBoundsPayload) {
  // UDP says 8 + 4; the IP datagram carries 8 more bytes after it.
  const Bytes body = cat({test::udp(1, 2, kDns), Bytes(8, 0xCC)});
  const Decoded d = decode(12, test::ipv4(kA4, kB4, kProtoUdp, body));
  ASSERT_EQ(d.p.outcome, DecodeOutcome::kDecoded);
  EXPECT_EQ(d.p.payload_length, 4u);
  EXPECT_EQ(Bytes(d.p.payload, d.p.payload + 4), kDns);
}

TEST(Decode, UdpLengthZeroUsesDatagramLength) {
  // Zero is legal for IPv6 jumbograms; the datagram length bounds the payload.
  const Decoded d = decode(12, test::ipv6(kA6, kB6, kProtoUdp, test::udp(1, 2, kDns, 0)));
  ASSERT_EQ(d.p.outcome, DecodeOutcome::kDecoded);
  EXPECT_EQ(d.p.payload_length, 4u);
}

// ---------------------------------------------------------------------------------------------
// Fragments: flagged, L4 not decoded.

TEST(Decode, Ipv4FragmentsAreFlagged) {
  const Bytes payload = test::udp(5000, 53, test::pattern(3000));
  const auto frags = test::fragment_ipv4(kA4, kB4, kProtoUdp, payload, 0xBEEF, 1480);
  ASSERT_EQ(frags.size(), 3u);
  const uint32_t offsets[] = {0, 1480, 2960};
  const uint32_t lengths[] = {1480, 1480, 3008 - 2960};
  for (size_t i = 0; i < frags.size(); ++i) {
    SCOPED_TRACE(i);
    const Decoded d = decode(1, test::ethernet(test::kEthIpv4, frags[i]));
    ASSERT_EQ(d.p.outcome, DecodeOutcome::kDecoded);
    EXPECT_TRUE(d.p.is_fragment);
    EXPECT_EQ(d.p.more_fragments, i < 2);
    EXPECT_EQ(d.p.fragment_offset, offsets[i]);
    EXPECT_EQ(d.p.fragment_id, 0xBEEFu);
    EXPECT_EQ(d.p.fragment_proto, kProtoUdp);
    EXPECT_EQ(d.p.ip_proto, kProtoUdp);
    EXPECT_EQ(d.p.fragment_length, lengths[i]);
    EXPECT_EQ(Bytes(d.p.fragment_data, d.p.fragment_data + d.p.fragment_length),
              Bytes(payload.begin() + offsets[i], payload.begin() + offsets[i] + lengths[i]));
    EXPECT_FALSE(d.p.has_l4);
    EXPECT_EQ(d.p.src_port, 0);
    EXPECT_EQ(d.p.dst_port, 0);
    EXPECT_EQ(src_of(d.p), "192.0.2.1");
  }
}

TEST(Decode, Ipv4DontFragmentIsNotAFragment) {
  const Decoded d =
      decode(12, test::ipv4(kA4, kB4, kProtoTcp, test::tcp(1, 2), {.dont_fragment = true}));
  ASSERT_EQ(d.p.outcome, DecodeOutcome::kDecoded);
  EXPECT_FALSE(d.p.is_fragment);
  EXPECT_TRUE(d.p.has_l4);
}

TEST(Decode, Ipv6FragmentAfterHopByHopIsFlagged) {
  const Bytes body =
      cat({test::ipv6_ext(44), test::ipv6_fragment_header(kProtoUdp, 1232, true, 0xDEADBEEF),
           test::pattern(64)});
  const Decoded d = decode(1, test::ethernet(test::kEthIpv6, test::ipv6(kA6, kB6, 0, body)));
  ASSERT_EQ(d.p.outcome, DecodeOutcome::kDecoded);
  EXPECT_TRUE(d.p.is_fragment);
  EXPECT_TRUE(d.p.more_fragments);
  EXPECT_EQ(d.p.fragment_offset, 1232u);
  EXPECT_EQ(d.p.fragment_id, 0xDEADBEEFu);
  EXPECT_EQ(d.p.fragment_proto, kProtoUdp);
  EXPECT_EQ(d.p.ip_proto, kProtoUdp);
  EXPECT_EQ(d.p.fragment_length, 64u);
  EXPECT_EQ(Bytes(d.p.fragment_data, d.p.fragment_data + 64), test::pattern(64));
  EXPECT_FALSE(d.p.has_l4);
}

TEST(Decode, FragmentInsideTunnelIsTheInnermostDatagrams) {
  const auto frags = test::fragment_ipv4(kA4, kB4, kProtoTcp, test::pattern(100), 7, 48);
  const Decoded d =
      decode(1, test::ethernet(test::kEthIpv4, test::ipv4(kOuterA4, kOuterB4, 4, frags[1])));
  ASSERT_EQ(d.p.outcome, DecodeOutcome::kDecoded);
  EXPECT_TRUE(d.p.is_fragment);
  EXPECT_EQ(d.p.fragment_offset, 48u);
  EXPECT_EQ(src_of(d.p), "192.0.2.1");
}

// ---------------------------------------------------------------------------------------------
// Robustness: every prefix of every good frame decodes without reading past caplen (ASan),
// and decode_ip on the IP part agrees with decode_packet.

TEST(Decode, EveryPrefixOfEveryGoodFrameStaysInBounds) {
  for (const auto& gc : good_cases()) {
    SCOPED_TRACE(gc.name);
    for (size_t n = 0; n < gc.frame.size(); ++n) {
      const Decoded d = decode(gc.linktype, head(gc.frame, n));
      if (d.p.outcome != DecodeOutcome::kDecoded) continue;
      const uint8_t* end = d.buffer.get() + n;
      if (d.p.ip_header != nullptr) {
        EXPECT_LE(d.p.ip_header + d.p.ip_length, end) << n;
      }
      if (d.p.payload != nullptr) {
        EXPECT_LE(d.p.payload + d.p.payload_length, end) << n;
      }
    }
  }
}

TEST(Decode, DecodeIpMatchesDecodePacket) {
  for (const Bytes& ip : {tcp_v4(), udp_v6()}) {
    DecodedPacket a;
    decode_ip(ip.data(), static_cast<uint32_t>(ip.size()), a);
    const Decoded b =
        decode(1, test::ethernet(ip[0] >> 4 == 4 ? test::kEthIpv4 : test::kEthIpv6, ip));
    ASSERT_EQ(a.outcome, DecodeOutcome::kDecoded);
    EXPECT_EQ(a.ip_version, b.p.ip_version);
    EXPECT_EQ(a.ip_proto, b.p.ip_proto);
    EXPECT_EQ(src_of(a), src_of(b.p));
    EXPECT_EQ(a.src_port, b.p.src_port);
    EXPECT_EQ(a.dst_port, b.p.dst_port);
    EXPECT_EQ(a.payload_length, b.p.payload_length);
  }
  DecodedPacket empty;
  decode_ip(nullptr, 0, empty);
  EXPECT_EQ(empty.outcome, DecodeOutcome::kError);
  EXPECT_EQ(empty.error, DecodeError::kIpv4Truncated);
}

// ---------------------------------------------------------------------------------------------
// Real captures. Expected values were cross-checked with tshark 4.0.17:
//   tshark -r F -Y 'ip||ipv6' | wc -l                      (decoded = every frame)
//   tshark -r F -T fields -e tcp.len | awk '{s+=$1}END{print s}'    (TCP payload bytes)
//   tshark -r F -T fields -e tcp.srcport | awk '{s+=$1}END{print s}' (sum of TCP source ports)
//   tshark -r F -T fields -e vlan.id                       (outermost tag first)

struct CaptureTotals {
  uint64_t packets = 0, decoded = 0, not_ip = 0, errors = 0;
  uint64_t tcp = 0, udp = 0, icmp = 0, ipv6 = 0;
  uint64_t tcp_payload = 0, tcp_src_port_sum = 0;
  std::set<uint16_t> vlan_ids;
  DecodeCounters counters;
};

CaptureTotals decode_capture(const std::filesystem::path& path) {
  CaptureTotals t;
  for (const auto& r : test::read_capture(path)) {
    const Decoded d = decode(static_cast<uint16_t>(r.linktype), r.data);
    ++t.packets;
    t.counters.count(d.p);
    switch (d.p.outcome) {
      case DecodeOutcome::kDecoded:
        ++t.decoded;
        break;
      case DecodeOutcome::kNotIp:
        ++t.not_ip;
        continue;
      case DecodeOutcome::kError:
        ++t.errors;
        continue;
    }
    t.vlan_ids.insert(d.p.vlan_id);
    if (d.p.ip_version == 6) ++t.ipv6;
    if (d.p.ip_proto == kProtoTcp) {
      ++t.tcp;
      t.tcp_payload += d.p.payload_length;
      t.tcp_src_port_sum += d.p.src_port;
    } else if (d.p.ip_proto == kProtoUdp) {
      ++t.udp;
    } else if (d.p.ip_proto == kProtoIcmp || d.p.ip_proto == kProtoIcmpv6) {
      ++t.icmp;
    }
  }
  return t;
}

TEST(DecodeCaptures, HttpQinq) {
  TRIPLINE_SHARED_OR_SKIP(path, "pcaps", "zeek_http-qinq-0.pcap");
  const CaptureTotals t = decode_capture(path);
  EXPECT_EQ(t.packets, 14u);
  EXPECT_EQ(t.decoded, 14u);
  EXPECT_EQ(t.not_ip, 0u);
  EXPECT_EQ(t.errors, 0u);
  EXPECT_EQ(t.tcp, 14u);
  EXPECT_EQ(t.tcp_payload, 5143u);
  EXPECT_EQ(t.tcp_src_port_sum, 419552u);
  EXPECT_EQ(t.vlan_ids, (std::set<uint16_t>{0}));  // both tags carry VLAN id 0
}

TEST(DecodeCaptures, MixedVlanMpls) {
  TRIPLINE_SHARED_OR_SKIP(path, "pcaps", "zeek_mixed-vlan-mpls.pcap");
  const CaptureTotals t = decode_capture(path);
  EXPECT_EQ(t.packets, 47u);
  EXPECT_EQ(t.decoded, 47u);
  EXPECT_EQ(t.not_ip, 0u);
  EXPECT_EQ(t.errors, 0u);
  EXPECT_EQ(t.tcp, 47u);
  // Includes 11 MPLS frames and 14 VLAN frames with F5 Ethernet trailers, which the IP total
  // length must exclude.
  EXPECT_EQ(t.tcp_payload, 12979u);
  EXPECT_EQ(t.tcp_src_port_sum, 1155532u);
  EXPECT_EQ(t.vlan_ids, (std::set<uint16_t>{0, 4093}));
}

TEST(DecodeCaptures, Ipv6InIpv4EveryPacketIsInnermostIpv6) {
  TRIPLINE_SHARED_OR_SKIP(path, "pcaps", "arkime_ipv6-in-ipv4.pcap");
  const auto records = test::read_capture(path);
  ASSERT_EQ(records.size(), 10u);
  int requests = 0, replies = 0;
  for (const auto& r : records) {
    const Decoded d = decode(static_cast<uint16_t>(r.linktype), r.data);
    ASSERT_EQ(d.p.outcome, DecodeOutcome::kDecoded) << decode_error_name(d.p.error);
    EXPECT_EQ(d.p.ip_version, 6);
    EXPECT_EQ(d.p.ip_proto, kProtoIcmpv6);
    EXPECT_TRUE(d.p.has_l4);
    EXPECT_EQ(d.p.ip_length, 100u);  // tshark: ipv6.plen 60
    if (d.p.icmp_type == 128) {
      ++requests;
      EXPECT_EQ(src_of(d.p), "2001:db8:0:1::1");
      EXPECT_EQ(dst_of(d.p), "2001:db8:0:1::2");
    } else if (d.p.icmp_type == 129) {
      ++replies;
      EXPECT_EQ(src_of(d.p), "2001:db8:0:1::2");
      EXPECT_EQ(dst_of(d.p), "2001:db8:0:1::1");
    }
  }
  EXPECT_EQ(requests, 5);
  EXPECT_EQ(replies, 5);
}

TEST(DecodeCaptures, TwoVlan) {
  TRIPLINE_SHARED_OR_SKIP(path, "pcaps", "arkime_twovlan.pcap");
  const CaptureTotals t = decode_capture(path);
  EXPECT_EQ(t.packets, 6u);
  EXPECT_EQ(t.decoded, 6u);
  EXPECT_EQ(t.errors, 0u);
  EXPECT_EQ(t.tcp, 6u);
  EXPECT_EQ(t.tcp_payload, 4457u);
  EXPECT_EQ(t.tcp_src_port_sum, 163506u);
  EXPECT_EQ(t.vlan_ids, (std::set<uint16_t>{201}));  // tshark vlan.id "201,200": outer first
}

TEST(DecodeCaptures, Ipv6HttpAtomicFragments) {
  TRIPLINE_SHARED_OR_SKIP(path, "pcaps", "zeek_ipv6-http-atomic-frag.pcap");
  const CaptureTotals t = decode_capture(path);
  EXPECT_EQ(t.packets, 38u);
  EXPECT_EQ(t.decoded, 38u);
  EXPECT_EQ(t.not_ip, 0u);
  EXPECT_EQ(t.errors, 0u);
  EXPECT_EQ(t.ipv6, 38u);
  // 5 frames carry an atomic fragment header, 5 hop-by-hop, 5 dest-opts, 3 routing: all TCP.
  EXPECT_EQ(t.tcp, 36u);
  EXPECT_EQ(t.icmp, 2u);
  EXPECT_EQ(t.tcp_payload, 412u);
  EXPECT_EQ(t.tcp_src_port_sum, 759045u);
}

}  // namespace
}  // namespace tripline
