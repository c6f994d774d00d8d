// The spool: alerts kept while the broker cannot take them, resent oldest first. A disk spool
// (segment files of checksummed records, survives restarts) or a memory one (lost at exit).
// Single-threaded: only the sink thread uses a spool.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tripline {

enum class FsyncPolicy : uint8_t {
  kAlways,  // fdatasync after every record and every commit
  kBatch,   // every SpoolConfig::fsync_every records, at rotation and at sync()
  kNever,   // left to the kernel
};
// "always", "batch", "never"; false for anything else.
bool parse_fsync_policy(std::string_view text, FsyncPolicy* policy);

struct SpoolConfig {
  std::string dir;
  uint64_t max_bytes = 1ull << 30;       // every segment on disk; beyond it the newest is dropped
  uint64_t segment_bytes = 16ull << 20;  // a segment is closed once it reaches this size
  FsyncPolicy fsync = FsyncPolicy::kBatch;
  uint32_t fsync_every = 256;
};

struct SpoolCounters {
  uint64_t appended = 0;         // records written
  uint64_t dropped = 0;          // records refused: the spool was full (drop newest)
  uint64_t write_errors = 0;     // records refused: the write failed (disk full, I/O error)
  uint64_t recovered = 0;        // records found uncommitted at open
  uint64_t corrupt = 0;          // torn or corrupt tails found at open (each truncated)
  uint64_t truncated_bytes = 0;  // bytes those truncations removed
  uint64_t committed = 0;        // records acknowledged and removed
};

struct SpoolRecord {
  std::string id;
  std::string payload;
};

class Spool {
 public:
  virtual ~Spool() = default;

  // Appends one record; false when it is refused (full: counted as dropped; or a failed write).
  virtual bool append(std::string_view id, std::string_view payload) = 0;
  // The oldest uncommitted record not yet read since the last commit or rewind.
  virtual bool read_next(SpoolRecord& record) = 0;
  // Reading starts again at the oldest uncommitted record.
  virtual void rewind() = 0;
  // Every record read so far is acknowledged: it is removed for good.
  virtual void commit_read() = 0;
  // Makes every appended record durable now (whatever the policy).
  virtual void sync() = 0;

  virtual uint64_t pending() const = 0;  // records not committed
  virtual bool durable() const = 0;      // survives a restart
  const SpoolCounters& counters() const { return counters_; }
  // What open() found and repaired, one sentence each (torn tails, a bad commit file).
  const std::vector<std::string>& warnings() const { return warnings_; }

 protected:
  SpoolCounters counters_;
  std::vector<std::string> warnings_;
};

// Opens (creating it if needed) the spool in `config.dir`: scans every segment, truncates a torn
// or corrupt tail (reported in warnings() and counted) and positions reading at the oldest
// uncommitted record. nullptr and `*error` when the directory cannot be used.
std::unique_ptr<Spool> open_disk_spool(const SpoolConfig& config, std::string* error);

// The same contract in memory, bounded by `max_bytes` of ids and payloads.
std::unique_ptr<Spool> make_memory_spool(uint64_t max_bytes);

// The on-disk layout, for tests and the fuzzer.
namespace spool_format {
inline constexpr char kMagic[8] = {'T', 'R', 'P', 'S', 'P', 'L', '0', '1'};  // segment header
inline constexpr size_t kRecordHeader = 10;  // u32 length, u32 crc32c, u16 id length (LE)
inline constexpr uint32_t kMaxRecord = 16u << 20;
// One record as it is written: length = 2 + id + payload, crc over length's bytes and the rest.
std::string encode_record(std::string_view id, std::string_view payload);
// The segment file name for sequence number `seq`: 16 hex digits + ".seg".
std::string segment_name(uint64_t seq);
}  // namespace spool_format

}  // namespace tripline
