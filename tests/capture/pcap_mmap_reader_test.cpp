// PcapMmapReader: table-driven bad and odd inputs with libpcap's exact diagnostics; then the
// same inputs through PcapFileSource mapped and through libpcap, which must agree packet by
// packet and report by report; mappings live as long as the batches pointing into them.
#include "capture/pcap_mmap_reader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "capture/pcap_file_source.hpp"
#include "tests/capture/captured_packet.hpp"
#include "tests/packet_builder.hpp"
#include "tests/test_support.hpp"

namespace tripline {
namespace {

using test::Bytes;
using Header = PcapMmapReader::Header;
using Status = PcapMmapReader::Status;

// ---------------------------------------------------------------------------------------------
// Classic pcap files in either byte order, with every field settable.

constexpr uint32_t kMicro = 0xa1b2c3d4, kNano = 0xa1b23c4d;

struct Rec {
  explicit Rec(Bytes d = {}, uint32_t f = 0, uint32_t s = 1700000000)
      : sec(s), frac(f), data(std::move(d)) {}
  Rec& with_caplen(uint32_t v) {  // a header caplen other than data.size()
    caplen = v;
    return *this;
  }
  Rec& with_wirelen(uint32_t v) {
    wirelen = v;
    return *this;
  }
  uint32_t sec;
  uint32_t frac;
  Bytes data;
  std::optional<uint32_t> caplen;
  std::optional<uint32_t> wirelen;  // default: data.size()
};

struct File {
  explicit File(uint32_t m = kMicro, bool big = false) : magic(m), big_endian(big) {}
  File& version(uint16_t ma, uint16_t mi) {
    major = ma;
    minor = mi;
    return *this;
  }
  File& snap(uint32_t v) {
    snaplen = v;
    return *this;
  }
  File& link(uint32_t v) {
    linktype = v;
    return *this;
  }

  uint32_t magic;
  bool big_endian;
  uint16_t major = 2, minor = 4;
  uint32_t snaplen = 262144;
  uint32_t linktype = 1;
  std::vector<Rec> records;
  size_t cut = 0;  // bytes removed from the end

  Bytes bytes() const {
    Bytes b;
    auto put32 = [&](uint32_t v) {
      for (int i = 0; i < 4; ++i)
        b.push_back(static_cast<uint8_t>(v >> (big_endian ? 24 - 8 * i : 8 * i)));
    };
    auto put16 = [&](uint16_t v) {
      b.push_back(static_cast<uint8_t>(big_endian ? v >> 8 : v));
      b.push_back(static_cast<uint8_t>(big_endian ? v : v >> 8));
    };
    put32(magic);
    put16(major);
    put16(minor);
    put32(0);
    put32(0);
    put32(snaplen);
    put32(linktype);
    for (const auto& r : records) {
      put32(r.sec);
      put32(r.frac);
      put32(r.caplen.value_or(static_cast<uint32_t>(r.data.size())));
      put32(r.wirelen.value_or(static_cast<uint32_t>(r.data.size())));
      b.insert(b.end(), r.data.begin(), r.data.end());
    }
    b.resize(b.size() - std::min(cut, b.size()));
    return b;
  }
};

Bytes payload(size_t n, uint8_t seed = 1) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + i * 7);
  return b;
}

File with(File f, std::vector<Rec> records, size_t cut = 0) {
  f.records = std::move(records);
  f.cut = cut;
  return f;
}

const File kLe(kMicro, false);
const File kBe(kMicro, true);
const File kLeNano(kNano, false);
const File kBeNano(kNano, true);

// ---------------------------------------------------------------------------------------------
// The reader on its own.

struct ReaderCase {
  ReaderCase(std::string n, Bytes f, Header h, std::string hm, size_t p = 0,
             Status st = Status::kEnd, std::string m = "")
      : name(std::move(n)),
        file(std::move(f)),
        header(h),
        header_message(std::move(hm)),
        packets(p),
        status(st),
        message(std::move(m)) {}
  std::string name;
  Bytes file;
  Header header;
  std::string header_message;  // for kError
  size_t packets = 0;
  Status status = Status::kEnd;
  std::string message;
};

std::vector<ReaderCase> reader_cases() {
  const Rec r10(payload(10), 5);
  const Rec r60(payload(60, 3), 6);
  std::vector<ReaderCase> c;
  c.push_back({"zero_length",
               {},
               Header::kError,
               "truncated dump file; tried to read 4 file header bytes, only got 0"});
  c.push_back({"three_bytes",
               {0xd4, 0xc3, 0xb2},
               Header::kError,
               "truncated dump file; tried to read 4 file header bytes, only got 3"});
  c.push_back(
      {"bad_magic", test::bytes_of("hello world, this is not a capture"), Header::kNotClassic, ""});
  c.push_back(
      {"pcapng_magic", Bytes{0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0}, Header::kNotClassic, ""});
  c.push_back({"kuznetzov_magic", File(0xa1b2cd34).bytes(), Header::kNotClassic, ""});
  {
    Bytes b = kLe.bytes();
    b.resize(4);
    c.push_back({"magic_only", b, Header::kError,
                 "truncated dump file; tried to read 24 file header bytes, only got 0"});
  }
  c.push_back({"global_header_cut_le", with(kLe, {}, 10).bytes(), Header::kError,
               "truncated dump file; tried to read 24 file header bytes, only got 10"});
  c.push_back({"global_header_cut_be_ns", with(kBeNano, {}, 1).bytes(), Header::kError,
               "truncated dump file; tried to read 24 file header bytes, only got 19"});
  c.push_back(
      {"version_2_3_left_to_libpcap", File().version(2, 3).bytes(), Header::kNotClassic, ""});
  c.push_back(
      {"version_1_4_left_to_libpcap", File().version(1, 4).bytes(), Header::kNotClassic, ""});
  c.push_back({"link_type_not_decoded", File().link(147).bytes(), Header::kNotClassic, ""});
  c.push_back({"swapped_sll_left_to_libpcap", File(kMicro, true).link(113).bytes(),
               Header::kNotClassic, ""});
  c.push_back({"header_only", kLe.bytes(), Header::kOk, "", 0, Status::kEnd, ""});
  for (const auto& [name, base] : {std::pair{"le_us", kLe}, std::pair{"be_us", kBe},
                                   std::pair{"le_ns", kLeNano}, std::pair{"be_ns", kBeNano}}) {
    const std::string n = name;
    c.push_back(
        {n + "_two_records", with(base, {r10, r60}).bytes(), Header::kOk, "", 2, Status::kEnd, ""});
    c.push_back({n + "_record_header_cut", with(base, {r10, r60}, 60 + 8).bytes(), Header::kOk, "",
                 1, Status::kTruncated,
                 "truncated dump file; tried to read 16 header bytes, only got 8"});
    c.push_back({n + "_record_data_cut", with(base, {r10, r60}, 30).bytes(), Header::kOk, "", 1,
                 Status::kTruncated,
                 "truncated dump file; tried to read 60 captured bytes, only got 30"});
    c.push_back({n + "_caplen_huge",
                 with(base, {r10, Rec(payload(4)).with_caplen(0x7fffffff)}).bytes(), Header::kOk,
                 "", 1, Status::kInvalid,
                 "invalid packet capture length 2147483647, bigger than snaplen of 262144"});
  }
  File snap96 = kLe;
  snap96.snaplen = 96;
  c.push_back({"caplen_over_snaplen_is_cut", with(snap96, {Rec(payload(200)), r10}).bytes(),
               Header::kOk, "", 2, Status::kEnd, ""});
  c.push_back({"caplen_over_snaplen_cut_within_snaplen",
               with(snap96, {Rec(payload(200))}, 150).bytes(), Header::kOk, "", 0,
               Status::kTruncated,
               "truncated dump file; tried to read 96 captured bytes, only got 50"});
  c.push_back({"caplen_over_snaplen_cut_after_snaplen",
               with(snap96, {Rec(payload(200))}, 50).bytes(), Header::kOk, "", 0,
               Status::kTruncated,
               "truncated dump file; tried to read 200 captured bytes, only got 150"});
  c.push_back({"caplen_over_maximum", with(kLe, {Rec(payload(4)).with_caplen(262145)}).bytes(),
               Header::kOk, "", 0, Status::kInvalid,
               "invalid packet capture length 262145, bigger than snaplen of 262144"});
  File snap_big = kLe;
  snap_big.snaplen = 500000;
  c.push_back({"caplen_over_maximum_within_snaplen",
               with(snap_big, {Rec(payload(4)).with_caplen(300000)}).bytes(), Header::kOk, "", 0,
               Status::kInvalid,
               "invalid packet capture length 300000, bigger than maximum of 262144"});
  File snap0 = kLe;
  snap0.snaplen = 0;
  c.push_back({"snaplen_0_means_maximum",
               with(snap0, {Rec(payload(4)).with_caplen(300000)}).bytes(), Header::kOk, "", 0,
               Status::kInvalid,
               "invalid packet capture length 300000, bigger than snaplen of 262144"});
  File snap_neg = kBe;
  snap_neg.snaplen = 0xffffffff;
  c.push_back({"snaplen_beyond_int_max_means_maximum",
               with(snap_neg, {r60, Rec(payload(4)).with_caplen(300000)}).bytes(), Header::kOk, "",
               1, Status::kInvalid,
               "invalid packet capture length 300000, bigger than snaplen of 262144"});
  c.push_back({"zero_caplen_record", with(kLe, {Rec(), r10}).bytes(), Header::kOk, "", 2,
               Status::kEnd, ""});
  return c;
}

TEST(PcapMmapReader, BadAndOddInputs) {
  for (const auto& c : reader_cases()) {
    SCOPED_TRACE(c.name);
    PcapMmapReader reader;
    const Header header = reader.open(c.file);
    ASSERT_EQ(header, c.header);
    if (header != Header::kOk) {
      EXPECT_EQ(reader.message(), c.header_message);
      continue;
    }
    std::vector<PacketView> views(300);
    size_t total = 0;
    // Small bursts, so that a burst boundary falls between records too.
    while (const uint32_t n = reader.read(views.data() + total, 1)) total += n;
    EXPECT_EQ(total, c.packets);
    EXPECT_EQ(reader.status(), c.status);
    EXPECT_EQ(reader.message(), c.message);
    EXPECT_EQ(reader.read(views.data(), 1), 0u) << "the end is sticky";
    EXPECT_EQ(reader.status(), c.status);
  }
}

TEST(PcapMmapReader, FieldsInBothByteOrdersAndPrecisions) {
  const Bytes data = payload(60, 9);
  for (const File& base : {kLe, kBe, kLeNano, kBeNano}) {
    SCOPED_TRACE(std::to_string(base.magic) + (base.big_endian ? " big-endian" : " little"));
    File f = base;
    f.snaplen = 1000;
    f.records = {Rec(data, 999999, 1700000001).with_wirelen(1514)};
    const Bytes bytes = f.bytes();
    PcapMmapReader reader;
    ASSERT_EQ(reader.open(bytes), Header::kOk);
    EXPECT_EQ(reader.swapped(), base.big_endian);
    EXPECT_EQ(reader.nanosecond(), base.magic == kNano);
    EXPECT_EQ(reader.snaplen(), 1000u);
    EXPECT_EQ(reader.linktype(), 1);
    PacketView v;
    ASSERT_EQ(reader.read(&v, 1), 1u);
    EXPECT_EQ(v.caplen, 60u);
    EXPECT_EQ(v.wirelen, 1514u);
    EXPECT_EQ(v.ts_ns, 1700000001000000000ull + (base.magic == kNano ? 999999ull : 999999000ull));
    EXPECT_EQ(v.data, bytes.data() + 24 + 16) << "a view into the span, not a copy";
    EXPECT_EQ(Bytes(v.data, v.data + v.caplen), data);
    EXPECT_EQ(reader.offset(), bytes.size());
  }
}

TEST(PcapMmapReader, CaplenBeyondSnaplenIsCutAndTheRestSkipped) {
  File f = kLe;
  f.snaplen = 96;
  f.records = {Rec(payload(200)), Rec(payload(10, 50))};
  const Bytes bytes = f.bytes();
  PcapMmapReader reader;
  ASSERT_EQ(reader.open(bytes), Header::kOk);
  PacketView v[4];
  ASSERT_EQ(reader.read(v, 4), 2u);
  EXPECT_EQ(v[0].caplen, 96u);
  EXPECT_EQ(v[0].wirelen, 200u);
  EXPECT_EQ(v[1].caplen, 10u);
  EXPECT_EQ(Bytes(v[1].data, v[1].data + 10), payload(10, 50));
}

TEST(PcapMmapReader, LinkTypesMapLikeLibpcap) {
  const std::pair<uint32_t, uint16_t> types[] = {{0, 0},     {1, 1},     {12, 12},       {14, 14},
                                                 {101, 12},  {108, 108}, {113, 113},     {228, 228},
                                                 {229, 229}, {276, 276}, {0x10000001, 1}};
  for (const auto& [file_type, dlt] : types) {
    SCOPED_TRACE(file_type);
    File f = kLe;
    f.linktype = file_type;
    const Bytes bytes = f.bytes();
    PcapMmapReader reader;
    ASSERT_EQ(reader.open(bytes), Header::kOk);
    EXPECT_EQ(reader.linktype(), dlt);
  }
}

// ---------------------------------------------------------------------------------------------
// PcapFileSource mapped against PcapFileSource through libpcap.

using Got = test::CapturedPacket;

struct ReadResult {
  std::vector<Got> packets;
  std::vector<InputReport> reports;
  std::vector<uint32_t> batch_sizes;
  bool had_error = false;
  size_t mapped = 0;
};

ReadResult read_all(const std::vector<std::string>& paths, PcapReadMode mode, size_t pool = 2) {
  PcapFileSource source(paths, pool, mode);
  ReadResult r;
  while (PacketBatch* batch = source.receive()) {
    r.batch_sizes.push_back(batch->count);
    for (uint32_t i = 0; i < batch->count; ++i) {
      r.packets.push_back(Got::of(batch->packets[i]));
    }
    source.release(batch);
  }
  r.reports = source.reports();
  r.had_error = source.had_error();
  r.mapped = source.mapped_files();
  return r;
}

void expect_same(const ReadResult& mapped, const ReadResult& libpcap) {
  ASSERT_EQ(mapped.packets.size(), libpcap.packets.size());
  for (size_t i = 0; i < mapped.packets.size(); ++i)
    ASSERT_TRUE(mapped.packets[i] == libpcap.packets[i]) << "packet " << i;
  ASSERT_EQ(mapped.reports.size(), libpcap.reports.size());
  for (size_t i = 0; i < mapped.reports.size(); ++i) {
    SCOPED_TRACE("report " + std::to_string(i));
    EXPECT_EQ(mapped.reports[i].name, libpcap.reports[i].name);
    EXPECT_EQ(mapped.reports[i].packets, libpcap.reports[i].packets);
    EXPECT_EQ(mapped.reports[i].bytes, libpcap.reports[i].bytes);
    EXPECT_EQ(mapped.reports[i].complete, libpcap.reports[i].complete);
    EXPECT_EQ(mapped.reports[i].message, libpcap.reports[i].message);
  }
  EXPECT_EQ(mapped.batch_sizes, libpcap.batch_sizes) << "batches end at the same packets";
  EXPECT_EQ(mapped.had_error, libpcap.had_error);
  EXPECT_EQ(libpcap.mapped, 0u);
}

TEST(PcapMmapReader, SameReportsAndPacketsAsLibpcapOnEveryReaderCase) {
  test::TempDir dir;
  for (const auto& c : reader_cases()) {
    SCOPED_TRACE(c.name);
    const auto path = (dir.path() / (c.name + ".pcap")).string();
    test::write_bytes(path, c.file);
    const ReadResult mapped = read_all({path}, PcapReadMode::kMmapWhenPossible);
    const ReadResult libpcap = read_all({path}, PcapReadMode::kLibpcapOnly);
    expect_same(mapped, libpcap);
    EXPECT_EQ(mapped.mapped, c.header == Header::kOk ? 1u : 0u);
    EXPECT_EQ(mapped.packets.size(), c.packets);
  }
}

TEST(PcapMmapReader, SameAsLibpcapForEveryLinkTypeAndByteOrder) {
  using namespace test;
  const Bytes ip4 = ipv4(v4("192.0.2.1"), v4("198.51.100.2"), kProtoTcp, tcp(40000, 80));
  const Bytes ip6 = ipv6(v6("2001:db8::1"), v6("2001:db8::2"), kProtoUdp, udp(5353, 53));
  // A SocketCAN frame in a cooked header: libpcap rewrites its CAN ID in byte-swapped files.
  const Bytes can = {0x01, 0x02, 0x03, 0x04, 8, 0, 0, 0, 9, 9, 9, 9, 9, 9, 9, 9};
  const std::pair<uint32_t, Bytes> types[] = {{0, null_le(2, ip4)},
                                              {1, ethernet(kEthIpv4, ip4)},
                                              {12, ip4},
                                              {14, ip6},
                                              {101, ip6},
                                              {108, null_be(24, ip6)},
                                              {113, sll(kEthIpv4, ip4)},
                                              {113, sll(0x000C, can)},
                                              {228, ip4},
                                              {229, ip6},
                                              {276, sll2(kEthIpv6, ip6)},
                                              {276, sll2(0x000C, can)},
                                              {147, ethernet(kEthIpv4, ip4)}};
  test::TempDir dir;
  int k = 0;
  for (const auto& [linktype, frame] : types) {
    for (const File& base : {kLe, kBe, kLeNano, kBeNano}) {
      SCOPED_TRACE(std::to_string(linktype) + " " + std::to_string(k));
      File f = base;
      f.linktype = linktype;
      f.records = {Rec(frame, 123456, 1700000000), Rec(frame, 7, 1700000001).with_wirelen(1500)};
      const auto path = (dir.path() / (std::to_string(k++) + ".pcap")).string();
      test::write_bytes(path, f.bytes());
      const ReadResult mapped = read_all({path}, PcapReadMode::kMmapWhenPossible);
      expect_same(mapped, read_all({path}, PcapReadMode::kLibpcapOnly));
      EXPECT_EQ(mapped.packets.size(), 2u);
    }
  }
}

TEST(PcapMmapReader, SameAsLibpcapForTimestampsOutsideInt32) {
  // libpcap reads both timestamp fields as signed 32-bit; keep whatever it makes of them.
  test::TempDir dir;
  int k = 0;
  for (const File& base : {kLe, kBe, kLeNano, kBeNano}) {
    File f = base;
    f.records = {Rec(payload(4), 0xffffffff, 0xffffffff), Rec(payload(4), 999999999, 0x80000000),
                 Rec(payload(4), 1000000000, 0x7fffffff)};
    const auto path = (dir.path() / (std::to_string(k++) + ".pcap")).string();
    test::write_bytes(path, f.bytes());
    expect_same(read_all({path}, PcapReadMode::kMmapWhenPossible),
                read_all({path}, PcapReadMode::kLibpcapOnly));
  }
}

TEST(PcapMmapReader, SameAsLibpcapForAMixOfFilesInOneRun) {
  // Mapped, libpcap-read and refused files interleaved, with batches of 256 spanning files,
  // and one batch in the pool so that every batch is reused.
  test::TempDir dir;
  std::vector<Rec> many;
  for (uint32_t i = 0; i < 700; ++i)
    many.push_back(Rec(payload(40 + i % 50, static_cast<uint8_t>(i)), i, 1700000000 + i));
  File v23 = kLe;
  v23.minor = 3;
  std::vector<Rec> big;  // 9000-byte packets: batches end on the 1 MiB byte budget
  for (uint32_t i = 0; i < 200; ++i) big.push_back(Rec(payload(9000, static_cast<uint8_t>(i)), i));
  const std::vector<std::pair<std::string, Bytes>> files = {
      {"a_many_le.pcap", with(kLe, many).bytes()},
      {"a_then_big_be.pcap", with(kBe, big).bytes()},
      {"b_small_be_ns.pcap", with(kBeNano, {many.begin(), many.begin() + 3}).bytes()},
      {"c_version_2_3.pcap", with(v23, {many.begin(), many.begin() + 5}).bytes()},
      {"d_garbage.pcap", test::bytes_of("not a capture at all")},
      {"e_cut.pcap", with(kBe, {many.begin(), many.begin() + 300}, 7).bytes()},
      {"f_header_only.pcap", kLe.bytes()},
      {"g_zero.pcap", {}},
      {"h_many_again.pcap", with(kLeNano, many).bytes()},
  };
  for (const auto& [name, bytes] : files) test::write_bytes(dir.path() / name, bytes);
  for (size_t pool : {1, 3}) {
    SCOPED_TRACE(pool);
    const ReadResult mapped =
        read_all({dir.path().string()}, PcapReadMode::kMmapWhenPossible, pool);
    expect_same(mapped, read_all({dir.path().string()}, PcapReadMode::kLibpcapOnly, pool));
    EXPECT_EQ(mapped.packets.size(), 700u + 200 + 3 + 5 + 299 + 700);
    EXPECT_EQ(mapped.mapped, 6u);  // all but c, d and g
    EXPECT_TRUE(mapped.had_error);
  }
}

TEST(PcapMmapReader, SameAsLibpcapOnEverySharedCapture) {
  const auto manifest = test::shared_file("pcaps", "MANIFEST.md");
  if (manifest.empty()) GTEST_SKIP() << "no shared captures";
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::directory_iterator(manifest.parent_path()))
    if (entry.path().extension() != ".md") paths.push_back(entry.path().string());
  std::sort(paths.begin(), paths.end());
  size_t classic = 0;
  for (const auto& path : paths) {
    SCOPED_TRACE(path);
    const ReadResult mapped = read_all({path}, PcapReadMode::kMmapWhenPossible);
    expect_same(mapped, read_all({path}, PcapReadMode::kLibpcapOnly));
    EXPECT_FALSE(mapped.had_error);
    classic += mapped.mapped;
  }
  EXPECT_GT(classic, 0u);
}

// ---------------------------------------------------------------------------------------------
// Mapping lifetime.

bool is_mapped(const std::string& path) {
  std::ifstream maps("/proc/self/maps");
  const std::string canonical = std::filesystem::canonical(path).string();
  for (std::string line; std::getline(maps, line);)
    if (line.size() >= canonical.size() &&
        line.compare(line.size() - canonical.size(), canonical.size(), canonical) == 0)
      return true;
  return false;
}

TEST(PcapMmapReader, AFileStaysMappedWhileABatchPointsIntoIt) {
  test::TempDir dir;
  const auto first = (dir.path() / "1.pcap").string();
  const auto second = (dir.path() / "2.pcap").string();
  std::vector<Rec> recs;
  for (uint32_t i = 0; i < 300; ++i) recs.push_back(Rec(payload(64, static_cast<uint8_t>(i)), i));
  test::write_bytes(first, with(kLe, {recs.begin(), recs.begin() + 10}).bytes());
  test::write_bytes(second, with(kLe, recs).bytes());

  PcapFileSource source({first, second}, 4);
  PacketBatch* a = source.receive();  // 10 packets of the first file, 246 of the second
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(a->count, 256u);
  PacketBatch* b = source.receive();  // the last 54 of the second; both files now read
  ASSERT_NE(b, nullptr);
  ASSERT_EQ(b->count, 54u);
  EXPECT_EQ(source.receive(), nullptr);
  EXPECT_EQ(source.mapped_files(), 2u);
  EXPECT_TRUE(is_mapped(first));
  EXPECT_TRUE(is_mapped(second));
  source.release(a);
  EXPECT_FALSE(is_mapped(first)) << "no batch points into it any more";
  EXPECT_TRUE(is_mapped(second)) << "batch b still does";
  EXPECT_EQ(Bytes(b->packets[53].data, b->packets[53].data + 64),
            payload(64, static_cast<uint8_t>(299 & 0xff)));
  source.release(b);
  EXPECT_FALSE(is_mapped(second));
}

TEST(PcapMmapReader, LibpcapOnlyModeMapsNothing) {
  test::TempDir dir;
  const auto path = (dir.path() / "x.pcap").string();
  test::write_bytes(path, with(kLe, {Rec(payload(20))}).bytes());
  PcapFileSource source({path}, 1, PcapReadMode::kLibpcapOnly);
  PacketBatch* batch = source.receive();
  ASSERT_NE(batch, nullptr);
  EXPECT_FALSE(is_mapped(path));
  source.release(batch);
  EXPECT_EQ(source.mapped_files(), 0u);
}

}  // namespace
}  // namespace tripline
