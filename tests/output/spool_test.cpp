// The spool: records come back in order across reopen; acknowledged ones go; torn and corrupt
// tails are reported, counted and truncated; the size bound drops the newest.
#include "output/spool.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "output/crc32c.hpp"
#include "tests/test_support.hpp"

namespace tripline::test {
namespace {

namespace fs = std::filesystem;

SpoolConfig config_for(const fs::path& dir) {
  SpoolConfig config;
  config.dir = dir.string();
  config.fsync = FsyncPolicy::kNever;
  return config;
}

std::unique_ptr<Spool> open_or_fail(const SpoolConfig& config) {
  std::string error;
  auto spool = open_disk_spool(config, &error);
  EXPECT_NE(spool, nullptr) << error;
  return spool;
}

std::vector<std::string> read_ids(Spool& spool) {
  std::vector<std::string> ids;
  SpoolRecord r;
  while (spool.read_next(r)) ids.push_back(r.id + "=" + r.payload);
  return ids;
}

std::string bytes_of(const fs::path& p) { return read_file(p); }
void write_bytes(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
}
std::string magic() { return std::string(spool_format::kMagic, sizeof spool_format::kMagic); }

TEST(Crc32c, KnownVector) {
  EXPECT_EQ(crc32c("123456789", 9), 0xE3069283u);
  EXPECT_EQ(crc32c("", 0), 0u);
}

TEST(FsyncPolicy, Parses) {
  FsyncPolicy p = FsyncPolicy::kNever;
  EXPECT_TRUE(parse_fsync_policy("always", &p));
  EXPECT_EQ(p, FsyncPolicy::kAlways);
  EXPECT_TRUE(parse_fsync_policy("batch", &p));
  EXPECT_EQ(p, FsyncPolicy::kBatch);
  EXPECT_FALSE(parse_fsync_policy("sometimes", &p));
}

TEST(DiskSpool, RecordsComeBackInOrderAcrossReopen) {
  TempDir dir;
  for (FsyncPolicy policy : {FsyncPolicy::kAlways, FsyncPolicy::kBatch, FsyncPolicy::kNever}) {
    const fs::path d = dir.path() / std::to_string(static_cast<int>(policy));
    SpoolConfig config = config_for(d);
    config.fsync = policy;
    config.fsync_every = 2;
    {
      auto spool = open_or_fail(config);
      ASSERT_TRUE(spool);
      EXPECT_TRUE(spool->append("a", "1"));
      EXPECT_TRUE(spool->append("b", "22"));
      EXPECT_TRUE(spool->append("c", ""));
      EXPECT_EQ(spool->pending(), 3u);
    }
    auto spool = open_or_fail(config);
    ASSERT_TRUE(spool);
    EXPECT_EQ(spool->pending(), 3u);
    EXPECT_EQ(spool->counters().recovered, 3u);
    EXPECT_TRUE(spool->warnings().empty());
    EXPECT_EQ(read_ids(*spool), (std::vector<std::string>{"a=1", "b=22", "c="}));
  }
}

TEST(DiskSpool, CommittedRecordsAreGoneAndRewindReadsTheRestAgain) {
  TempDir dir;
  SpoolConfig config = config_for(dir.path());
  config.segment_bytes = 64;  // a few records per segment: commits delete whole segments
  {
    auto spool = open_or_fail(config);
    for (int i = 0; i < 20; ++i)
      ASSERT_TRUE(spool->append("id" + std::to_string(i), std::string(10, 'x')));
    SpoolRecord r;
    for (int i = 0; i < 12; ++i) ASSERT_TRUE(spool->read_next(r));
    EXPECT_EQ(r.id, "id11");
    spool->commit_read();
    EXPECT_EQ(spool->pending(), 8u);
    ASSERT_TRUE(spool->read_next(r));
    ASSERT_TRUE(spool->read_next(r));
    spool->rewind();  // not acknowledged: read again
    ASSERT_TRUE(spool->read_next(r));
    EXPECT_EQ(r.id, "id12");
  }
  size_t segments = 0;
  for (const auto& e : fs::directory_iterator(dir.path()))
    segments += e.path().extension() == ".seg";
  EXPECT_LT(segments, 8u);  // 20 records of 24 bytes in 64-byte segments: early ones deleted
  auto spool = open_or_fail(config);
  EXPECT_EQ(spool->pending(), 8u);
  const auto ids = read_ids(*spool);
  ASSERT_EQ(ids.size(), 8u);
  EXPECT_EQ(ids.front(), "id12=xxxxxxxxxx");
  EXPECT_EQ(ids.back(), "id19=xxxxxxxxxx");
  SpoolRecord r;
  spool->commit_read();
  EXPECT_EQ(spool->pending(), 0u);
  EXPECT_FALSE(spool->read_next(r));
}

TEST(DiskSpool, FullSpoolDropsTheNewestAndCountsIt) {
  TempDir dir;
  SpoolConfig config = config_for(dir.path());
  const size_t record = spool_format::encode_record("id", "payload").size();
  config.max_bytes = sizeof spool_format::kMagic + 3 * record;
  auto spool = open_or_fail(config);
  EXPECT_TRUE(spool->append("id", "payload"));
  EXPECT_TRUE(spool->append("id", "payload"));
  EXPECT_TRUE(spool->append("id", "payload"));
  EXPECT_FALSE(spool->append("id", "payload"));
  EXPECT_EQ(spool->counters().dropped, 1u);
  EXPECT_EQ(spool->pending(), 3u);
}

// Bad input on disk: what open() reports, how many good records survive, the bytes it drops.
struct BadSegmentCase {
  const char* name;
  std::string (*damage)(const std::string& good);  // the segment's bytes, two good records
  size_t records_left;
  const char* warning;  // empty: none
  uint64_t truncated;
};

const std::string kFirst = spool_format::encode_record("first", "alert one");
const std::string kSecond = spool_format::encode_record("second", "alert two");

const BadSegmentCase kBadSegments[] = {
    {"intact", [](const std::string& g) { return g; }, 2, "", 0},
    {"torn tail (half a record)",
     [](const std::string& g) { return g + kSecond.substr(0, kSecond.size() / 2); }, 2,
     "0000000000000001.seg: truncated record at offset 57; 12 bytes dropped", 12},
    {"torn record header", [](const std::string& g) { return g + kSecond.substr(0, 5); }, 2,
     "0000000000000001.seg: truncated record header at offset 57; 5 bytes dropped", 5},
    {"checksum mismatch in the last record",
     [](const std::string& g) {
       std::string b = g;
       b[b.size() - 1] ^= 0x20;
       return b;
     },
     1, "0000000000000001.seg: checksum mismatch at offset 32; 25 bytes dropped", 25},
    {"impossible length",
     [](const std::string& g) { return g + std::string("\xff\xff\xff\x7f\0\0\0\0\0\0", 10); }, 2,
     "0000000000000001.seg: impossible record length at offset 57; 10 bytes dropped", 10},
    {"impossible id length",
     [](const std::string& g) {
       std::string r = spool_format::encode_record("x", "");
       r[8] = 9;  // id longer than the record
       return g + r;
     },
     2, "0000000000000001.seg: impossible id length at offset 57; 11 bytes dropped", 11},
    {"torn segment header", [](const std::string&) { return magic().substr(0, 3); }, 0,
     "0000000000000001.seg: torn segment header; rewritten", 3},
};

TEST(DiskSpool, BadSegmentsAreReportedCountedAndTruncated) {
  for (const auto& c : kBadSegments) {
    SCOPED_TRACE(c.name);
    TempDir dir;
    const fs::path segment = dir.path() / spool_format::segment_name(1);
    write_bytes(segment, c.damage(magic() + kFirst + kSecond));
    auto spool = open_or_fail(config_for(dir.path()));
    ASSERT_TRUE(spool);
    EXPECT_EQ(spool->pending(), c.records_left);
    EXPECT_EQ(spool->counters().truncated_bytes, c.truncated);
    if (*c.warning == '\0') {
      EXPECT_TRUE(spool->warnings().empty());
    } else {
      ASSERT_EQ(spool->warnings().size(), 1u);
      EXPECT_EQ(spool->warnings()[0], "spool " + dir.path().string() + ": " + c.warning);
      EXPECT_EQ(spool->counters().corrupt, 1u);
    }
    // Appending after the repair gives a clean segment: everything reads back after reopen.
    EXPECT_TRUE(spool->append("third", "alert three"));
    spool.reset();
    auto again = open_or_fail(config_for(dir.path()));
    EXPECT_TRUE(again->warnings().empty());
    EXPECT_EQ(again->pending(), c.records_left + 1);
    EXPECT_EQ(read_ids(*again).back(), "third=alert three");
  }
}

TEST(DiskSpool, AGarbageSegmentIsRefusedNotOverwritten) {
  TempDir dir;
  const fs::path segment = dir.path() / spool_format::segment_name(7);
  write_bytes(segment, "this is somebody's file, not a spool segment\n");
  std::string error;
  EXPECT_EQ(open_disk_spool(config_for(dir.path()), &error), nullptr);
  EXPECT_EQ(error, segment.string() + " is not a tripline spool segment");
  EXPECT_EQ(bytes_of(segment), "this is somebody's file, not a spool segment\n");
}

TEST(DiskSpool, OtherFilesInTheDirectoryAreIgnored) {
  TempDir dir;
  write_bytes(dir.path() / "README", "notes");
  write_bytes(dir.path() / "12.seg", "not 16 hex digits");
  auto spool = open_or_fail(config_for(dir.path()));
  EXPECT_EQ(spool->pending(), 0u);
  EXPECT_TRUE(spool->warnings().empty());
}

TEST(DiskSpool, AnUnreadableCommitPositionResendsEverything) {
  TempDir dir;
  {
    auto spool = open_or_fail(config_for(dir.path()));
    spool->append("a", "1");
    spool->append("b", "2");
    SpoolRecord r;
    spool->read_next(r);
    spool->commit_read();
  }
  write_bytes(dir.path() / "committed", "garbage");
  auto spool = open_or_fail(config_for(dir.path()));
  ASSERT_EQ(spool->warnings().size(), 1u);
  EXPECT_EQ(spool->warnings()[0], "spool " + dir.path().string() +
                                      ": unreadable commit position; every spooled record is "
                                      "resent");
  EXPECT_EQ(read_ids(*spool), (std::vector<std::string>{"a=1", "b=2"}));
}

TEST(DiskSpool, OneProcessPerDirectory) {
  TempDir dir;
  auto first = open_or_fail(config_for(dir.path()));
  std::string error;
  EXPECT_EQ(open_disk_spool(config_for(dir.path()), &error), nullptr);
  EXPECT_EQ(error, "spool directory " + dir.path().string() + " is in use by another process");
}

TEST(MemorySpool, SameContractBoundedAndNotDurable) {
  auto spool = make_memory_spool(10);
  EXPECT_FALSE(spool->durable());
  EXPECT_TRUE(spool->append("a", "1234"));
  EXPECT_TRUE(spool->append("b", "1234"));
  EXPECT_FALSE(spool->append("c", "1234"));
  EXPECT_EQ(spool->counters().dropped, 1u);
  SpoolRecord r;
  ASSERT_TRUE(spool->read_next(r));
  EXPECT_EQ(r.id, "a");
  spool->rewind();
  ASSERT_TRUE(spool->read_next(r));
  spool->commit_read();
  EXPECT_EQ(spool->pending(), 1u);
  ASSERT_TRUE(spool->read_next(r));
  EXPECT_EQ(r.id, "b");
}

}  // namespace
}  // namespace tripline::test
