// Fragment reassembly: orders, duplicates, overlaps (first copy wins), gaps, timeouts, slot
// eviction, size limits, IPv6, and real fragmented captures.
#include "core/defrag.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <vector>

#include "tests/packet_builder.hpp"
#include "tests/test_support.hpp"

namespace tripline {
namespace {

using test::Bytes;

const test::V4 kA4 = test::v4("192.0.2.1"), kB4 = test::v4("198.51.100.2");
const test::V6 kA6 = test::v6("2001:db8::1"), kB6 = test::v6("2001:db8::2");
constexpr uint64_t kSecond = 1'000'000'000;

// A fragment decoded from its own buffer (DecodedPacket points into it).
struct Fragment {
  Bytes bytes;
  DecodedPacket p;
};

std::unique_ptr<Fragment> decoded(const Bytes& ip) {
  auto f = std::make_unique<Fragment>();
  f->bytes = ip;
  decode_ip(f->bytes.data(), static_cast<uint32_t>(f->bytes.size()), f->p);
  EXPECT_EQ(f->p.outcome, DecodeOutcome::kDecoded);
  EXPECT_TRUE(f->p.is_fragment);
  return f;
}

std::vector<std::unique_ptr<Fragment>> decoded_all(const std::vector<Bytes>& ips) {
  std::vector<std::unique_ptr<Fragment>> out;
  for (const auto& ip : ips) out.push_back(decoded(ip));
  return out;
}

// Feeds `order` (indexes into frags) and returns the reassembled datagram if the last one
// completed it; earlier ones must not.
std::optional<Bytes> feed(Defragmenter& d, const std::vector<std::unique_ptr<Fragment>>& frags,
                          const std::vector<size_t>& order, uint64_t ts = kSecond) {
  std::optional<Bytes> result;
  for (size_t k = 0; k < order.size(); ++k) {
    uint32_t length = 0;
    const uint8_t* out = d.add(frags[order[k]]->p, ts, &length);
    if (k + 1 < order.size()) {
      EXPECT_EQ(out, nullptr) << "completed early at step " << k;
    } else if (out != nullptr) {
      result = Bytes(out, out + length);
    }
  }
  return result;
}

// A UDP datagram of 8 + 2992 = 3000 bytes of IP payload, in fragments of 1480.
const Bytes kUdpPayload = test::pattern(2992, 7);
const Bytes kUdp = test::udp(40000, 53, kUdpPayload);

std::vector<Bytes> udp_v4_fragments(uint16_t id = 0x4242) {
  return test::fragment_ipv4(kA4, kB4, kProtoUdp, kUdp, id, 1480);
}

void expect_udp_datagram_v4(const Bytes& datagram) {
  DecodedPacket p;
  decode_ip(datagram.data(), static_cast<uint32_t>(datagram.size()), p);
  ASSERT_EQ(p.outcome, DecodeOutcome::kDecoded) << decode_error_name(p.error);
  EXPECT_EQ(p.ip_version, 4);
  EXPECT_FALSE(p.is_fragment);
  EXPECT_EQ(p.ip_proto, kProtoUdp);
  EXPECT_EQ(p.src_port, 40000);
  EXPECT_EQ(p.dst_port, 53);
  EXPECT_EQ(test::addr_text(p.src, 4), "192.0.2.1");
  EXPECT_EQ(test::addr_text(p.dst, 4), "198.51.100.2");
  ASSERT_EQ(p.payload_length, kUdpPayload.size());
  EXPECT_EQ(Bytes(p.payload, p.payload + p.payload_length), kUdpPayload);
}

TEST(Defrag, InOrder) {
  Defragmenter d({});
  const auto frags = decoded_all(udp_v4_fragments());
  ASSERT_EQ(frags.size(), 3u);
  const auto datagram = feed(d, frags, {0, 1, 2});
  ASSERT_TRUE(datagram.has_value());
  EXPECT_EQ(datagram->size(), 20u + 3000u);
  // Header: total length rewritten, fragmentation fields cleared, rest of the first header kept.
  EXPECT_EQ((*datagram)[2], 3020 >> 8);
  EXPECT_EQ((*datagram)[3], 3020 & 0xFF);
  EXPECT_EQ((*datagram)[6], 0);
  EXPECT_EQ((*datagram)[7], 0);
  EXPECT_EQ((*datagram)[4], 0x42);  // id kept
  expect_udp_datagram_v4(*datagram);
  EXPECT_EQ(d.counters().fragments, 3u);
  EXPECT_EQ(d.counters().reassembled, 1u);
  EXPECT_EQ(d.counters().overlaps, 0u);
}

TEST(Defrag, ReverseOrder) {
  Defragmenter d({});
  const auto frags = decoded_all(udp_v4_fragments());
  const auto datagram = feed(d, frags, {2, 1, 0});
  ASSERT_TRUE(datagram.has_value());
  expect_udp_datagram_v4(*datagram);
  EXPECT_EQ(d.counters().reassembled, 1u);
}

TEST(Defrag, FirstFragmentLastAndMiddleFirst) {
  Defragmenter d({});
  const auto frags = decoded_all(udp_v4_fragments());
  const auto datagram = feed(d, frags, {1, 2, 0});
  ASSERT_TRUE(datagram.has_value());
  expect_udp_datagram_v4(*datagram);
}

TEST(Defrag, FirstFragmentOptionsAreKept) {
  Defragmenter d({});
  const Bytes options = {0x94, 0x04, 0x00, 0x00};  // router alert
  const auto frags = decoded_all(test::fragment_ipv4(kA4, kB4, kProtoUdp, kUdp, 9, 1480, options));
  const auto datagram = feed(d, frags, {2, 0, 1});
  ASSERT_TRUE(datagram.has_value());
  ASSERT_EQ(datagram->size(), 24u + 3000u);
  EXPECT_EQ((*datagram)[0], 0x46);
  EXPECT_EQ(Bytes(datagram->begin() + 20, datagram->begin() + 24), options);
  expect_udp_datagram_v4(*datagram);
}

TEST(Defrag, DuplicateFragmentIsCountedAsOverlap) {
  Defragmenter d({});
  const auto frags = decoded_all(udp_v4_fragments());
  const auto datagram = feed(d, frags, {0, 1, 1, 2});
  ASSERT_TRUE(datagram.has_value());
  expect_udp_datagram_v4(*datagram);
  EXPECT_EQ(d.counters().fragments, 4u);
  EXPECT_EQ(d.counters().overlaps, 1u);
  EXPECT_EQ(d.counters().reassembled, 1u);
}

TEST(Defrag, OverlapFirstCopyWins) {
  // Payload of 40 bytes: A = [0,16) 'A', B = [8,32) 'B' (overlaps A's second block), C = [32,40)
  // 'C'.
  auto frag = [](uint32_t offset, const Bytes& data, bool more) {
    test::Ipv4Options o;
    o.id = 77;
    o.fragment_offset = offset;
    o.more_fragments = more;
    return test::ipv4(kA4, kB4, 253, data, o);
  };
  const auto frags =
      decoded_all({frag(0, test::filled(16, 'A'), true), frag(8, test::filled(24, 'B'), true),
                   frag(32, test::filled(8, 'C'), false)});
  Defragmenter d({});
  const auto datagram = feed(d, frags, {0, 1, 2});
  ASSERT_TRUE(datagram.has_value());
  ASSERT_EQ(datagram->size(), 20u + 40u);
  const Bytes expected =
      test::cat({test::filled(16, 'A'), test::filled(16, 'B'), test::filled(8, 'C')});
  EXPECT_EQ(Bytes(datagram->begin() + 20, datagram->end()), expected);
  EXPECT_EQ(d.counters().overlaps, 1u);

  // Same fragments, B first: now B's bytes win where they overlap A.
  Defragmenter d2({});
  const auto datagram2 = feed(d2, frags, {1, 0, 2});
  ASSERT_TRUE(datagram2.has_value());
  const Bytes expected2 =
      test::cat({test::filled(8, 'A'), test::filled(24, 'B'), test::filled(8, 'C')});
  EXPECT_EQ(Bytes(datagram2->begin() + 20, datagram2->end()), expected2);
  EXPECT_EQ(d2.counters().overlaps, 1u);
}

TEST(Defrag, UnalignedNonLastFragmentDoesNotLeakStaleBytes) {
  // Coverage is tracked in 8-byte blocks. A non-last fragment whose length is not a multiple
  // of 8 (A = [0,12)) would mark block [8,16) covered with only 4 bytes written, and bytes
  // [12,16) of the result would be whatever the slot held before (here the previous
  // datagram's 'X' bytes). Such fragments are refused (counted as misaligned).
  Defragmenter d({.max_datagrams = 1, .timeout_ns = 60 * kSecond});
  auto frag = [](uint16_t id, uint32_t offset, const Bytes& data, bool more) {
    test::Ipv4Options o;
    o.id = id;
    o.fragment_offset = offset;
    o.more_fragments = more;
    return test::ipv4(kA4, kB4, 253, data, o);
  };
  // Fill the only slot with an earlier datagram of 'X'.
  const auto earlier = decoded_all(
      {frag(1, 0, test::filled(32, 'X'), true), frag(1, 32, test::filled(8, 'X'), false)});
  ASSERT_TRUE(feed(d, earlier, {0, 1}).has_value());
  const auto frags =
      decoded_all({frag(2, 0, test::filled(12, 'A'), true), frag(2, 8, test::filled(24, 'B'), true),
                   frag(2, 32, test::filled(8, 'C'), false)});
  EXPECT_FALSE(feed(d, frags, {0, 1, 2}).has_value());
  EXPECT_EQ(d.counters().misaligned, 1u);
}

TEST(Defrag, MissingMiddleNeverCompletes) {
  Defragmenter d({});
  const auto frags = decoded_all(udp_v4_fragments());
  uint32_t length = 0;
  EXPECT_EQ(d.add(frags[0]->p, kSecond, &length), nullptr);
  EXPECT_EQ(d.add(frags[2]->p, kSecond, &length), nullptr);
  EXPECT_EQ(d.add(frags[2]->p, 2 * kSecond, &length), nullptr);  // a retransmitted tail
  EXPECT_EQ(d.add(frags[0]->p, 3 * kSecond, &length), nullptr);
  EXPECT_EQ(d.counters().reassembled, 0u);
  EXPECT_EQ(d.counters().fragments, 4u);
}

TEST(Defrag, DifferentIdsDoNotMix) {
  Defragmenter d({});
  const auto a = decoded_all(udp_v4_fragments(1));
  const auto b = decoded_all(udp_v4_fragments(2));
  uint32_t length = 0;
  EXPECT_EQ(d.add(a[0]->p, kSecond, &length), nullptr);
  EXPECT_EQ(d.add(b[1]->p, kSecond, &length), nullptr);
  EXPECT_EQ(d.add(a[1]->p, kSecond, &length), nullptr);
  EXPECT_EQ(d.add(b[2]->p, kSecond, &length), nullptr);
  const uint8_t* out = d.add(b[0]->p, kSecond, &length);  // completes b, not a
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(out[5], 2);  // id of b
  out = d.add(a[2]->p, kSecond, &length);
  ASSERT_NE(out, nullptr);
  expect_udp_datagram_v4(Bytes(out, out + length));
  EXPECT_EQ(out[5], 1);  // id of a
  EXPECT_EQ(d.counters().reassembled, 2u);
}

TEST(Defrag, TimeoutDropsIncompleteDatagram) {
  Defragmenter d({.max_datagrams = 4, .timeout_ns = 60 * kSecond});
  const auto frags = decoded_all(udp_v4_fragments());
  uint32_t length = 0;
  EXPECT_EQ(d.add(frags[0]->p, 100 * kSecond, &length), nullptr);
  EXPECT_EQ(d.add(frags[1]->p, 130 * kSecond, &length), nullptr);
  // 61 s after the first fragment: the partial datagram is dropped, the tail starts anew.
  EXPECT_EQ(d.add(frags[2]->p, 161 * kSecond, &length), nullptr);
  EXPECT_EQ(d.counters().timeouts, 1u);
  EXPECT_EQ(d.counters().reassembled, 0u);
  // Re-sending the first two completes the new datagram.
  EXPECT_EQ(d.add(frags[0]->p, 162 * kSecond, &length), nullptr);
  ASSERT_NE(d.add(frags[1]->p, 163 * kSecond, &length), nullptr);
  EXPECT_EQ(d.counters().reassembled, 1u);
  EXPECT_EQ(d.counters().timeouts, 1u);
}

TEST(Defrag, ExactlyAtTimeoutStillCompletes) {
  Defragmenter d({.max_datagrams = 4, .timeout_ns = 60 * kSecond});
  const auto frags = decoded_all(udp_v4_fragments());
  uint32_t length = 0;
  EXPECT_EQ(d.add(frags[0]->p, 0, &length), nullptr);
  EXPECT_EQ(d.add(frags[1]->p, 30 * kSecond, &length), nullptr);
  EXPECT_NE(d.add(frags[2]->p, 60 * kSecond, &length), nullptr);
  EXPECT_EQ(d.counters().timeouts, 0u);
}

TEST(Defrag, MoreDatagramsThanSlotsEvictsOldest) {
  Defragmenter d({.max_datagrams = 2, .timeout_ns = 60 * kSecond});
  const auto a = decoded_all(udp_v4_fragments(1));
  const auto b = decoded_all(udp_v4_fragments(2));
  const auto c = decoded_all(udp_v4_fragments(3));
  uint32_t length = 0;
  EXPECT_EQ(d.add(a[0]->p, 1 * kSecond, &length), nullptr);
  EXPECT_EQ(d.add(b[0]->p, 2 * kSecond, &length), nullptr);
  EXPECT_EQ(d.add(c[0]->p, 3 * kSecond, &length), nullptr);  // evicts a (oldest)
  EXPECT_EQ(d.counters().evicted, 1u);
  // b and c complete; a's remaining fragments start a new incomplete datagram (evicting again).
  EXPECT_EQ(d.add(b[1]->p, 4 * kSecond, &length), nullptr);
  EXPECT_NE(d.add(b[2]->p, 4 * kSecond, &length), nullptr);
  EXPECT_EQ(d.add(c[1]->p, 5 * kSecond, &length), nullptr);
  EXPECT_NE(d.add(c[2]->p, 5 * kSecond, &length), nullptr);
  EXPECT_EQ(d.counters().reassembled, 2u);
  EXPECT_EQ(d.add(a[1]->p, 6 * kSecond, &length), nullptr);
  EXPECT_EQ(d.add(a[2]->p, 6 * kSecond, &length), nullptr);
  EXPECT_EQ(d.counters().reassembled, 2u);
  EXPECT_EQ(d.counters().evicted, 1u);  // two free slots after b and c completed
  EXPECT_EQ(d.counters().timeouts, 0u);
}

TEST(Defrag, FragmentBeyond65535IsTooLarge) {
  Defragmenter d({});
  test::Ipv4Options o;
  o.id = 5;
  o.fragment_offset = 65528;  // the largest offset the 13-bit field holds
  o.more_fragments = false;
  const auto frag = decoded(test::ipv4(kA4, kB4, kProtoUdp, test::pattern(16), o));
  uint32_t length = 0;
  EXPECT_EQ(d.add(frag->p, kSecond, &length), nullptr);
  EXPECT_EQ(d.counters().too_large, 1u);
  EXPECT_EQ(d.counters().fragments, 1u);
}

TEST(Defrag, Ipv4DatagramLargerThan65535WithHeaderIsTooLarge) {
  // An IPv4 total length includes the header: 20 + 65528 = 65548 bytes does not fit the
  // 16-bit total length field (the ping-of-death shape). Dropped and counted in too_large,
  // never rebuilt with a wrapped length.
  const Bytes payload = test::pattern(65528);  // IP payload
  const auto frags = decoded_all(test::fragment_ipv4(kA4, kB4, 253, payload, 6, 1480));
  Defragmenter d({});
  uint32_t length = 0;
  const uint8_t* out = nullptr;
  for (const auto& f : frags) out = d.add(f->p, kSecond, &length);
  EXPECT_EQ(out, nullptr);
  EXPECT_EQ(d.counters().too_large, 1u);
  EXPECT_EQ(d.counters().reassembled, 0u);
  if (out != nullptr) {
    DecodedPacket p;
    decode_ip(out, length, p);
    EXPECT_EQ(p.outcome, DecodeOutcome::kDecoded) << "reassembled: " << decode_error_name(p.error);
  }
}

TEST(Defrag, LargestIpv4DatagramReassembles) {
  // 20 + 65515 = 65535: the largest legal IPv4 datagram.
  const Bytes payload = test::pattern(65515);
  const auto frags = decoded_all(test::fragment_ipv4(kA4, kB4, 253, payload, 8, 1480));
  Defragmenter d({});
  uint32_t length = 0;
  const uint8_t* out = nullptr;
  for (const auto& f : frags) out = d.add(f->p, kSecond, &length);
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(length, 65535u);
  DecodedPacket p;
  decode_ip(out, length, p);
  ASSERT_EQ(p.outcome, DecodeOutcome::kDecoded);
  EXPECT_EQ(p.ip_length, 65535u);
  EXPECT_EQ(Bytes(p.payload, p.payload + p.payload_length), payload);
}

TEST(Defrag, Ipv6Fragments) {
  const Bytes udp = test::udp(5353, 53, test::pattern(3000, 3));
  const auto frags = decoded_all(test::fragment_ipv6(kA6, kB6, kProtoUdp, udp, 0xCAFE0001, 1232));
  ASSERT_EQ(frags.size(), 3u);
  EXPECT_EQ(frags[1]->p.fragment_id, 0xCAFE0001u);
  Defragmenter d({});
  const auto datagram = feed(d, frags, {1, 2, 0});
  ASSERT_TRUE(datagram.has_value());
  ASSERT_EQ(datagram->size(), 40u + udp.size());
  EXPECT_EQ((*datagram)[6], kProtoUdp);  // next header: the fragment header is gone
  EXPECT_EQ((((*datagram)[4] << 8) | (*datagram)[5]), static_cast<int>(udp.size()));
  DecodedPacket p;
  decode_ip(datagram->data(), static_cast<uint32_t>(datagram->size()), p);
  ASSERT_EQ(p.outcome, DecodeOutcome::kDecoded);
  EXPECT_FALSE(p.is_fragment);
  EXPECT_EQ(p.ip_version, 6);
  EXPECT_EQ(p.src_port, 5353);
  EXPECT_EQ(p.dst_port, 53);
  EXPECT_EQ(test::addr_text(p.src, 6), "2001:db8::1");
  EXPECT_EQ(Bytes(p.payload, p.payload + p.payload_length), test::pattern(3000, 3));
  EXPECT_EQ(d.counters().reassembled, 1u);
}

TEST(Defrag, Ipv6FragmentsAfterHopByHop) {
  const Bytes tcp = test::tcp(1234, 80, test::kAck, test::pattern(200));
  std::vector<Bytes> ips;
  for (uint32_t off = 0; off < tcp.size(); off += 112) {
    const size_t n = std::min<size_t>(112, tcp.size() - off);
    Bytes body = test::cat(
        {test::ipv6_ext(44), test::ipv6_fragment_header(kProtoTcp, off, off + n < tcp.size(), 99)});
    body.insert(body.end(), tcp.begin() + off, tcp.begin() + off + n);
    ips.push_back(test::ipv6(kA6, kB6, 0, body));
  }
  const auto frags = decoded_all(ips);
  Defragmenter d({});
  const auto datagram = feed(d, frags, {0, 1});
  ASSERT_TRUE(datagram.has_value());
  DecodedPacket p;
  decode_ip(datagram->data(), static_cast<uint32_t>(datagram->size()), p);
  ASSERT_EQ(p.outcome, DecodeOutcome::kDecoded) << decode_error_name(p.error);
  EXPECT_EQ(p.ip_proto, kProtoTcp);
  EXPECT_EQ(p.src_port, 1234);
  EXPECT_EQ(p.dst_port, 80);
  EXPECT_EQ(Bytes(p.payload, p.payload + p.payload_length), test::pattern(200));
}

TEST(Defrag, SameIdDifferentVersionsOrAddressesDoNotMix) {
  // IPv4 id 1 from a different source must not fill the first datagram's gap.
  const auto a = decoded_all(udp_v4_fragments(1));
  const auto other =
      decoded_all(test::fragment_ipv4(test::v4("192.0.2.99"), kB4, kProtoUdp, kUdp, 1, 1480));
  Defragmenter d({});
  uint32_t length = 0;
  EXPECT_EQ(d.add(a[0]->p, kSecond, &length), nullptr);
  EXPECT_EQ(d.add(other[1]->p, kSecond, &length), nullptr);
  EXPECT_EQ(d.add(a[2]->p, kSecond, &length), nullptr);
  EXPECT_EQ(d.counters().reassembled, 0u);
}

TEST(Defrag, CountersAdd) {
  DefragCounters a;
  a.fragments = 1, a.reassembled = 2, a.timeouts = 3, a.evicted = 4, a.overlaps = 5,
  a.too_large = 6;
  DefragCounters b = a;
  b += a;
  EXPECT_EQ(b.fragments, 2u);
  EXPECT_EQ(b.reassembled, 4u);
  EXPECT_EQ(b.timeouts, 6u);
  EXPECT_EQ(b.evicted, 8u);
  EXPECT_EQ(b.overlaps, 10u);
  EXPECT_EQ(b.too_large, 12u);
}

// ---------------------------------------------------------------------------------------------
// Real captures: every fragment of the file through one Defragmenter. Expected values from
// tshark 4.0.17 reassembly (ip.reassembled_in / ipv6.reassembled.in, ipv6.reassembled.length).

struct Reassembly {
  uint64_t fragments = 0;
  std::vector<Bytes> datagrams;
  DefragCounters counters;
};

Reassembly reassemble_capture(const std::filesystem::path& path) {
  Reassembly r;
  Defragmenter d({});
  for (const auto& rec : test::read_capture(path)) {
    DecodedPacket p;
    PacketView view;
    view.data = rec.data.data();
    view.caplen = static_cast<uint32_t>(rec.data.size());
    view.linktype = static_cast<uint16_t>(rec.linktype);
    decode_packet(view, p);
    if (p.outcome != DecodeOutcome::kDecoded || !p.is_fragment) continue;
    ++r.fragments;
    uint32_t length = 0;
    if (const uint8_t* out = d.add(p, rec.ts_ns, &length))
      r.datagrams.emplace_back(out, out + length);
  }
  r.counters = d.counters();
  return r;
}

TEST(DefragCaptures, Ipv6FragmentedDns) {
  TRIPLINE_SHARED_OR_SKIP(path, "pcaps", "zeek_ipv6-fragmented-dns.pcap");
  const Reassembly r = reassemble_capture(path);
  // Frame 4 is a lone tail (ident 1); frames 6-8 (ident 2) make one DNS response.
  EXPECT_EQ(r.fragments, 4u);
  ASSERT_EQ(r.datagrams.size(), 1u);
  const Bytes& dg = r.datagrams[0];
  EXPECT_EQ(dg.size(), 40u + 3238u);
  DecodedPacket p;
  decode_ip(dg.data(), static_cast<uint32_t>(dg.size()), p);
  ASSERT_EQ(p.outcome, DecodeOutcome::kDecoded);
  EXPECT_EQ(p.ip_proto, kProtoUdp);
  EXPECT_EQ(test::addr_text(p.src, 6), "2607:f740:b::f93");
  EXPECT_EQ(test::addr_text(p.dst, 6), "2001:470:1f11:81f:d138:5f55:6d4:1fe2");
  EXPECT_EQ(p.src_port, 53);
  EXPECT_EQ(p.dst_port, 51851);
  EXPECT_EQ(p.payload_length, 3238u - 8u);
  EXPECT_EQ(p.payload[0], 0x9f);  // DNS id 0x9f91
  EXPECT_EQ(p.payload[1], 0x91);
}

TEST(DefragCaptures, Ipv4FragmentedThreeNeverCompletes) {
  TRIPLINE_SHARED_OR_SKIP(path, "pcaps", "zeek_ipv4_fragmented-3.pcap");
  const Reassembly r = reassemble_capture(path);
  // Five fragments of id 0x4bc5, every one with MF set: tshark reassembles nothing either.
  EXPECT_EQ(r.fragments, 5u);
  EXPECT_EQ(r.datagrams.size(), 0u);
  EXPECT_EQ(r.counters.overlaps, 0u);
}

TEST(DefragCaptures, Ipv4IcmpFragmentSource) {
  TRIPLINE_SHARED_OR_SKIP(path, "pcaps", "chrissanders_ip_frag_source.pcapng");
  const Reassembly r = reassemble_capture(path);
  EXPECT_EQ(r.fragments, 6u);
  ASSERT_EQ(r.datagrams.size(), 2u);
  const uint8_t types[] = {8, 0};
  const char* sources[] = {"10.10.0.3", "192.168.0.128"};
  for (size_t i = 0; i < 2; ++i) {
    SCOPED_TRACE(i);
    const Bytes& dg = r.datagrams[i];
    EXPECT_EQ(dg.size(), 20u + 1480u + 1480u + 548u);
    DecodedPacket p;
    decode_ip(dg.data(), static_cast<uint32_t>(dg.size()), p);
    ASSERT_EQ(p.outcome, DecodeOutcome::kDecoded);
    EXPECT_EQ(p.ip_proto, kProtoIcmp);
    EXPECT_EQ(p.icmp_type, types[i]);
    EXPECT_EQ(test::addr_text(p.src, 4), sources[i]);
  }
}

TEST(DefragCaptures, Ipv6IcmpFragments) {
  TRIPLINE_SHARED_OR_SKIP(path, "pcaps", "chrissanders_ipv6_fragments.pcapng");
  const Reassembly r = reassemble_capture(path);
  EXPECT_EQ(r.fragments, 20u);
  ASSERT_EQ(r.datagrams.size(), 10u);
  for (size_t i = 0; i < r.datagrams.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(r.datagrams[i].size(), 40u + 1508u);  // ipv6.reassembled.length 1508
    DecodedPacket p;
    decode_ip(r.datagrams[i].data(), static_cast<uint32_t>(r.datagrams[i].size()), p);
    ASSERT_EQ(p.outcome, DecodeOutcome::kDecoded);
    EXPECT_EQ(p.ip_proto, kProtoIcmpv6);
    EXPECT_EQ(p.icmp_type, i % 2 == 0 ? 128 : 129);
  }
}

}  // namespace
}  // namespace tripline
