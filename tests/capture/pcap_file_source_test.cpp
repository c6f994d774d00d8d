// PcapFileSource: packet counts and bytes on real captures (checked against an independent
// reader), ordinals, timestamps, several files and directories, truncated and unreadable
// inputs, link types, and batches whose arena fills before 256 packets.
#include "capture/pcap_file_source.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/decode.hpp"
#include "tests/capture/captured_packet.hpp"
#include "tests/packet_builder.hpp"
#include "tests/test_support.hpp"

namespace tripline {
namespace {

using test::Bytes;
using test::PcapRecord;

using Got = test::CapturedPacket;

std::vector<Got> read_all(PcapFileSource& source) {
  std::vector<Got> out;
  while (PacketBatch* batch = source.receive()) {
    EXPECT_GT(batch->count, 0u);
    EXPECT_LE(batch->count, PacketBatch::kCapacity);
    for (uint32_t i = 0; i < batch->count; ++i) {
      out.push_back(Got::of(batch->packets[i]));
    }
    source.release(batch);
  }
  EXPECT_EQ(source.receive(), nullptr) << "end of input is sticky";
  return out;
}

// Small frames with distinct contents: an Ethernet/IPv4/UDP packet whose source port is `tag`.
Bytes frame(uint16_t tag, size_t payload = 10) {
  return test::ethernet(test::kEthIpv4,
                        test::ipv4(test::v4("192.0.2.1"), test::v4("192.0.2.2"), kProtoUdp,
                                   test::udp(tag, 53, test::pattern(payload))));
}

std::vector<PcapRecord> records(uint16_t first_tag, int n) {
  std::vector<PcapRecord> r;
  for (int i = 0; i < n; ++i)
    r.push_back({static_cast<uint32_t>(1000 + i), static_cast<uint32_t>(i), frame(first_tag + i)});
  return r;
}

uint16_t tag_of(const Got& g) { return static_cast<uint16_t>((g.data[34] << 8) | g.data[35]); }

// ---------------------------------------------------------------------------------------------
// Real captures.

struct SharedCount {
  const char* name;
  uint64_t packets;  // MANIFEST.md (tshark / capinfos)
};

TEST(PcapFileSource, SharedCapturesMatchManifestAndIndependentReader) {
  const SharedCount files[] = {
      {"iti_ModbusTCP.pcap", 15387},
      {"chrissanders_dns_tcp.pcapng", 14},
      {"iti_s7_wincc_s400_production.pcapng", 1658},  // really a classic pcap despite the name
      {"chrissanders_http_espn.pcapng", 956},
      {"zeek_http-qinq-0.pcap", 14},
      {"chrissanders_ipv6_fragments.pcapng", 22},
      {"suricataverify_tls-subjectaltname.pcap", 3138},
  };
  int present = 0;
  for (const auto& f : files) {
    SCOPED_TRACE(f.name);
    const auto path = test::shared_file("pcaps", f.name);
    if (path.empty()) continue;
    ++present;
    PcapFileSource source({path.string()}, 4);
    const auto got = read_all(source);
    const auto reports = source.reports();
    ASSERT_EQ(got.size(), f.packets);
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].name, path.string());
    EXPECT_EQ(reports[0].packets, f.packets);
    EXPECT_TRUE(reports[0].complete);
    EXPECT_EQ(reports[0].message, "");
    EXPECT_FALSE(source.had_error());
    // Packet by packet against the libpcap-free reader.
    const auto expected = test::read_capture(path);
    ASSERT_EQ(expected.size(), f.packets);
    uint64_t bytes = 0;
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_EQ(got[i].ordinal, i + 1);
      ASSERT_EQ(got[i].input, 0);
      ASSERT_EQ(got[i].linktype, 1);
      ASSERT_EQ(got[i].ts_ns, expected[i].ts_ns) << "frame " << i + 1;
      ASSERT_EQ(got[i].wirelen, expected[i].wirelen) << "frame " << i + 1;
      ASSERT_EQ(got[i].data, expected[i].data) << "frame " << i + 1;
      bytes += expected[i].wirelen;
    }
    EXPECT_EQ(reports[0].bytes, bytes);
  }
  if (present == 0) GTEST_SKIP() << "no shared captures";
}

TEST(PcapFileSource, TimestampsMatchTsharkPcap) {
  TRIPLINE_SHARED_OR_SKIP(path, "pcaps", "iti_ModbusTCP.pcap");
  // tshark -r iti_ModbusTCP.pcap -T fields -e frame.time_epoch -c 3
  const uint64_t expected[] = {1352718180264365000ull, 1352718180264400000ull,
                               1352718180264939000ull};
  PcapFileSource source({path.string()}, 2);
  PacketBatch* batch = source.receive();
  ASSERT_NE(batch, nullptr);
  ASSERT_GE(batch->count, 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(batch->packets[i].ts_ns, expected[i]) << i;
  source.release(batch);
}

TEST(PcapFileSource, TimestampsMatchTsharkPcapng) {
  TRIPLINE_SHARED_OR_SKIP(path, "pcaps", "chrissanders_dns_tcp.pcapng");
  // tshark -r chrissanders_dns_tcp.pcapng -T fields -e frame.time_epoch -c 3
  const uint64_t expected[] = {1349705329579511000ull, 1349705329595548000ull,
                               1349705329606779000ull};
  PcapFileSource source({path.string()}, 2);
  const auto got = read_all(source);
  ASSERT_EQ(got.size(), 14u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(got[i].ts_ns, expected[i]) << i;
}

TEST(PcapFileSource, TwoSharedFilesOrdinalsRestartPerFile) {
  TRIPLINE_SHARED_OR_SKIP(qinq, "pcaps", "zeek_http-qinq-0.pcap");
  TRIPLINE_SHARED_OR_SKIP(dns, "pcaps", "chrissanders_dns_tcp.pcapng");
  PcapFileSource source({qinq.string(), dns.string()}, 4);
  const auto got = read_all(source);
  ASSERT_EQ(got.size(), 14u + 14u);
  for (size_t i = 0; i < 14; ++i) {
    EXPECT_EQ(got[i].ordinal, i + 1);
    EXPECT_EQ(got[i].input, 0);
    EXPECT_EQ(got[14 + i].ordinal, i + 1);
    EXPECT_EQ(got[14 + i].input, 1);
  }
  const auto reports = source.reports();
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[0].name, qinq.string());
  EXPECT_EQ(reports[1].name, dns.string());
  EXPECT_EQ(reports[0].packets, 14u);
  EXPECT_EQ(reports[1].packets, 14u);
  EXPECT_EQ(source.files(), (std::vector<std::string>{qinq.string(), dns.string()}));
}

// ---------------------------------------------------------------------------------------------
// Crafted files.

TEST(PcapFileSource, MicrosecondAndNanosecondTimestampsBothExact) {
  test::TempDir dir;
  const auto micro = dir.path() / "micro.pcap";
  const auto nano = dir.path() / "nano.pcap";
  test::write_bytes(
      micro, test::pcap_file(1, {{1700000000, 654321, frame(1)}, {1700000001, 999999, frame(2)}},
                             test::kPcapMagicMicro));
  test::write_bytes(nano, test::pcap_file(1,
                                          {{1700000000, 123456789, frame(3)},
                                           {1700000002, 999999999, frame(4)},
                                           {1700000003, 1, frame(5)}},
                                          test::kPcapMagicNano));
  PcapFileSource source({micro.string(), nano.string()}, 2);
  const auto got = read_all(source);
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[0].ts_ns, 1700000000654321000ull);
  EXPECT_EQ(got[1].ts_ns, 1700000001999999000ull);
  EXPECT_EQ(got[2].ts_ns, 1700000000123456789ull);
  EXPECT_EQ(got[3].ts_ns, 1700000002999999999ull);
  EXPECT_EQ(got[4].ts_ns, 1700000003000000001ull);
  EXPECT_FALSE(source.had_error());
}

TEST(PcapFileSource, DirectoryIsReadInSortedNameOrder) {
  test::TempDir dir;
  // Written out of order; names sort as a < b < c.
  test::write_bytes(dir.path() / "c.pcap", test::pcap_file(1, records(300, 1)));
  test::write_bytes(dir.path() / "a.pcap", test::pcap_file(1, records(100, 3)));
  test::write_bytes(dir.path() / "b.pcap", test::pcap_file(1, records(200, 2)));
  PcapFileSource source({dir.path().string()}, 2);
  const std::vector<std::string> expected_files = {(dir.path() / "a.pcap").string(),
                                                   (dir.path() / "b.pcap").string(),
                                                   (dir.path() / "c.pcap").string()};
  EXPECT_EQ(source.files(), expected_files);
  const auto got = read_all(source);
  ASSERT_EQ(got.size(), 6u);
  const uint16_t tags[] = {100, 101, 102, 200, 201, 300};
  const uint64_t ordinals[] = {1, 2, 3, 1, 2, 1};
  const uint16_t inputs[] = {0, 0, 0, 1, 1, 2};
  for (size_t i = 0; i < got.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(tag_of(got[i]), tags[i]);
    EXPECT_EQ(got[i].ordinal, ordinals[i]);
    EXPECT_EQ(got[i].input, inputs[i]);
  }
  const auto reports = source.reports();
  ASSERT_EQ(reports.size(), 3u);
  EXPECT_EQ(reports[0].packets, 3u);
  EXPECT_EQ(reports[1].packets, 2u);
  EXPECT_EQ(reports[2].packets, 1u);
  EXPECT_EQ(reports[0].bytes, 3 * frame(0).size());
}

TEST(PcapFileSource, EmptyDirectoryIsAnError) {
  // The user asked to scan something and nothing is there: say so.
  test::TempDir dir;
  PcapFileSource source({dir.path().string()}, 1);
  EXPECT_TRUE(source.files().empty());
  EXPECT_EQ(source.receive(), nullptr);
  const auto reports = source.reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].message, dir.path().string() + ": no files in directory");
  EXPECT_FALSE(reports[0].complete);
  EXPECT_TRUE(source.had_error());
}

TEST(PcapFileSource, HeaderOnlyFileIsCompleteAndEmpty) {
  test::TempDir dir;
  const auto path = dir.path() / "empty.pcap";
  test::write_bytes(path, test::pcap_file(1, {}));
  PcapFileSource source({path.string()}, 1);
  EXPECT_TRUE(read_all(source).empty());
  const auto reports = source.reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_TRUE(reports[0].complete);
  EXPECT_EQ(reports[0].packets, 0u);
  EXPECT_FALSE(source.had_error());
}

TEST(PcapFileSource, TruncatedLastRecordIsAWarningNamingTheFrame) {
  test::TempDir dir;
  const auto path = dir.path() / "truncated.pcap";
  Bytes file = test::pcap_file(1, records(10, 3));
  const size_t frame_len = frame(0).size();   // 14 + 20 + 8 + 10 = 52
  file.resize(file.size() - frame_len + 30);  // the third record keeps 30 of 52 bytes
  test::write_bytes(path, file);
  const auto next = dir.path() / "next.pcap";
  test::write_bytes(next, test::pcap_file(1, records(50, 2)));

  PcapFileSource source({path.string(), next.string()}, 2);
  const auto got = read_all(source);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(tag_of(got[0]), 10);
  EXPECT_EQ(tag_of(got[1]), 11);
  EXPECT_EQ(tag_of(got[2]), 50);  // the next file is still read
  const auto reports = source.reports();
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_FALSE(reports[0].complete);
  EXPECT_EQ(reports[0].packets, 2u);
  EXPECT_EQ(reports[0].message,
            path.string() + ": truncated record at frame 3 (truncated dump file; tried to read " +
                std::to_string(frame_len) + " captured bytes, only got 30); read 2 packets");
  EXPECT_TRUE(reports[1].complete);
  EXPECT_EQ(reports[1].packets, 2u);
  EXPECT_FALSE(source.had_error());
}

TEST(PcapFileSource, TruncatedRecordHeaderIsAWarningToo) {
  test::TempDir dir;
  const auto path = dir.path() / "truncated_header.pcap";
  Bytes file = test::pcap_file(1, records(10, 2));
  file.resize(file.size() - frame(0).size() - 8);  // 8 of the second record's 16 header bytes
  test::write_bytes(path, file);
  PcapFileSource source({path.string()}, 1);
  ASSERT_EQ(read_all(source).size(), 1u);
  const auto reports = source.reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_FALSE(reports[0].complete);
  EXPECT_EQ(reports[0].message,
            path.string() +
                ": truncated record at frame 2 (truncated dump file; tried to read 16 "
                "header bytes, only got 8); read 1 packets");
  EXPECT_FALSE(source.had_error());
}

TEST(PcapFileSource, TruncatedPcapngLastBlock) {
  TRIPLINE_SHARED_OR_SKIP(shared, "pcaps", "chrissanders_dns_tcp.pcapng");
  test::TempDir dir;
  const auto path = dir.path() / "cut.pcapng";
  Bytes file = test::bytes_of(test::read_file(shared));
  file.resize(file.size() - 20);  // the last EPB loses its last 20 bytes
  test::write_bytes(path, file);
  PcapFileSource source({path.string()}, 1);
  EXPECT_EQ(read_all(source).size(), 13u);
  const auto reports = source.reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_FALSE(reports[0].complete);
  EXPECT_EQ(reports[0].packets, 13u);
  // tcpdump -r on the same bytes: "truncated pcapng dump file; tried to read 92 bytes, only got 72"
  EXPECT_EQ(reports[0].message,
            path.string() +
                ": truncated record at frame 14 (truncated pcapng dump file; tried to "
                "read 92 bytes, only got 72); read 13 packets");
  EXPECT_FALSE(source.had_error());
}

TEST(PcapFileSource, GarbageFileIsAnErrorAndLaterFilesAreRead) {
  test::TempDir dir;
  const auto garbage = dir.path() / "garbage.pcap";
  test::write_bytes(garbage, test::bytes_of("hello world, this is not a capture file at all\n"));
  const auto good = dir.path() / "good.pcap";
  test::write_bytes(good, test::pcap_file(1, records(7, 2)));
  PcapFileSource source({garbage.string(), good.string()}, 1);
  const auto got = read_all(source);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].input, 1);
  EXPECT_EQ(got[0].ordinal, 1u);
  EXPECT_TRUE(source.had_error());
  const auto reports = source.reports();
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[0].name, garbage.string());
  EXPECT_FALSE(reports[0].complete);
  EXPECT_EQ(reports[0].packets, 0u);
  const std::string prefix = garbage.string() + ": not a readable capture file";
  EXPECT_EQ(reports[0].message.substr(0, prefix.size()), prefix);
  EXPECT_EQ(reports[0].message, prefix + ": unknown file format");
  EXPECT_TRUE(reports[1].complete);
  EXPECT_EQ(reports[1].packets, 2u);
}

TEST(PcapFileSource, EmptyFileIsAnError) {
  test::TempDir dir;
  const auto empty = dir.path() / "zero.pcap";
  test::write_bytes(empty, {});
  PcapFileSource source({empty.string()}, 1);
  EXPECT_TRUE(read_all(source).empty());
  EXPECT_TRUE(source.had_error());
  const auto reports = source.reports();
  ASSERT_EQ(reports.size(), 1u);
  const std::string prefix = empty.string() + ": not a readable capture file";
  EXPECT_EQ(reports[0].message.substr(0, prefix.size()), prefix);
}

TEST(PcapFileSource, MissingPathIsReportedAndOthersAreRead) {
  test::TempDir dir;
  const auto missing = (dir.path() / "does-not-exist.pcap").string();
  const auto good = dir.path() / "good.pcap";
  test::write_bytes(good, test::pcap_file(1, records(7, 3)));
  PcapFileSource source({missing, good.string()}, 1);
  EXPECT_EQ(source.files(), (std::vector<std::string>{good.string()}));
  EXPECT_EQ(read_all(source).size(), 3u);
  EXPECT_TRUE(source.had_error());
  const auto reports = source.reports();
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[0].name, missing);
  EXPECT_FALSE(reports[0].complete);
  EXPECT_EQ(reports[0].packets, 0u);
  EXPECT_EQ(reports[0].message, missing + ": no such file or directory");
  EXPECT_EQ(reports[1].name, good.string());
  EXPECT_TRUE(reports[1].complete);
}

TEST(PcapFileSource, CaplenAndWirelenAreKeptApart) {
  test::TempDir dir;
  const auto path = dir.path() / "snap.pcap";
  PcapRecord r{5, 0, frame(9)};
  r.orig_len = 1514;
  test::write_bytes(path, test::pcap_file(1, {r}, test::kPcapMagicMicro, 96));
  PcapFileSource source({path.string()}, 1);
  const auto got = read_all(source);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].caplen, frame(9).size());
  EXPECT_EQ(got[0].wirelen, 1514u);
  EXPECT_EQ(source.reports()[0].bytes, 1514u);
}

TEST(PcapFileSource, LinkTypesAreDeliveredAndDecodable) {
  using namespace test;
  const Bytes ip4 = ipv4(v4("192.0.2.1"), v4("198.51.100.2"), kProtoTcp, tcp(40000, 80));
  const Bytes ip6 = ipv6(v6("2001:db8::1"), v6("2001:db8::2"), kProtoUdp, udp(5353, 53));
  struct Case {
    const char* name;
    uint32_t file_linktype;  // LINKTYPE_* in the file
    uint16_t view_linktype;  // DLT_* libpcap reports
    Bytes frame;
    uint8_t version;
    uint16_t dst_port;
  };
  const Case cases[] = {
      {"ethernet", 1, 1, ethernet(kEthIpv4, ip4), 4, 80},
      {"null", 0, 0, null_le(2, ip4), 4, 80},
      {"loop", 108, 108, null_be(24, ip6), 6, 53},
      {"raw_101_maps_to_dlt_raw_12", 101, 12, ip6, 6, 53},
      {"linux_sll", 113, 113, sll(kEthIpv4, ip4), 4, 80},
      {"linux_sll2", 276, 276, sll2(kEthIpv6, ip6), 6, 53},
      {"ipv4_228", 228, 228, ip4, 4, 80},
      {"ipv6_229", 229, 229, ip6, 6, 53},
  };
  test::TempDir dir;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto path = dir.path() / (std::string(c.name) + ".pcap");
    write_bytes(path, pcap_file(c.file_linktype, {{1, 0, c.frame}}));
    PcapFileSource source({path.string()}, 1);
    PacketBatch* batch = source.receive();
    ASSERT_NE(batch, nullptr);
    ASSERT_EQ(batch->count, 1u);
    EXPECT_EQ(batch->packets[0].linktype, c.view_linktype);
    DecodedPacket p;
    decode_packet(batch->packets[0], p);
    EXPECT_EQ(p.outcome, DecodeOutcome::kDecoded) << decode_error_name(p.error);
    EXPECT_EQ(p.ip_version, c.version);
    EXPECT_EQ(p.dst_port, c.dst_port);
    source.release(batch);
    EXPECT_EQ(source.receive(), nullptr);
    EXPECT_FALSE(source.had_error());
  }
}

TEST(PcapFileSource, FullArenaCarriesThePacketToTheNextBatch) {
  // 300 packets of 9000 bytes: 2.7 MB, more than one batch arena (1 MiB) holds, so batches
  // end early and the packet that did not fit starts the next one. Two files so that the
  // carry-over also happens near a file boundary.
  test::TempDir dir;
  std::vector<PcapRecord> big;
  for (int i = 0; i < 300; ++i)
    big.push_back({1, static_cast<uint32_t>(i), frame(static_cast<uint16_t>(i), 9000 - 52 + 10)});
  test::write_bytes(dir.path() / "1.pcap", test::pcap_file(1, big));
  test::write_bytes(dir.path() / "2.pcap",
                    test::pcap_file(1, std::vector<PcapRecord>(big.begin(), big.begin() + 120)));
  PcapFileSource source({dir.path().string()}, 2);
  std::vector<Got> got;
  int batches = 0;
  while (PacketBatch* batch = source.receive()) {
    ++batches;
    size_t bytes = 0;
    for (uint32_t i = 0; i < batch->count; ++i) {
      const PacketView& v = batch->packets[i];
      bytes += v.caplen;
      got.push_back({v.ordinal, v.input, v.ts_ns, v.caplen, v.wirelen, v.linktype,
                     Bytes(v.data, v.data + v.caplen)});
    }
    EXPECT_LE(bytes, size_t{1} << 20);
    source.release(batch);
  }
  ASSERT_EQ(got.size(), 420u);
  EXPECT_GE(batches, 3);
  for (size_t i = 0; i < got.size(); ++i) {
    SCOPED_TRACE(i);
    const size_t k = i < 300 ? i : i - 300;
    ASSERT_EQ(got[i].caplen, 9000u);
    EXPECT_EQ(got[i].ordinal, k + 1);
    EXPECT_EQ(got[i].input, i < 300 ? 0 : 1);
    EXPECT_EQ(tag_of(got[i]), k);
    EXPECT_EQ(got[i].data, big[k].data);
    EXPECT_EQ(got[i].ts_ns, 1000000000ull + k * 1000);
  }
  const auto reports = source.reports();
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[0].packets, 300u);
  EXPECT_EQ(reports[1].packets, 120u);
}

TEST(PcapFileSource, BatchesHoldAtMost256AndComeBackAfterRelease) {
  TRIPLINE_SHARED_OR_SKIP(path, "pcaps", "iti_s7_wincc_s400_production.pcapng");
  // One batch in the pool: each receive() must reuse the batch released before it.
  PcapFileSource source({path.string()}, 1);
  PacketBatch* first = source.receive();
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->count, PacketBatch::kCapacity);
  EXPECT_EQ(first->packets[255].ordinal, 256u);
  source.release(first);
  uint64_t total = PacketBatch::kCapacity;
  while (PacketBatch* b = source.receive()) {
    EXPECT_EQ(b, first);
    EXPECT_EQ(b->packets[0].ordinal, total + 1);
    total += b->count;
    source.release(b);
  }
  EXPECT_EQ(total, 1658u);
}

}  // namespace
}  // namespace tripline
