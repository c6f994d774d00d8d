// The disk spool: segment files "<16 hex digits>.seg" in one directory, each an 8-byte magic
// followed by records (see spool_format), plus "committed" (the acknowledged position) and
// "lock" (one process per spool).
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "output/crc32c.hpp"
#include "output/spool.hpp"

namespace tripline {
namespace {

namespace fs = std::filesystem;
using spool_format::kMagic;
using spool_format::kMaxRecord;

constexpr uint64_t kHeader = sizeof kMagic;

uint32_t get_le32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}
uint64_t get_le64(const uint8_t* p) { return get_le32(p) | uint64_t{get_le32(p + 4)} << 32; }
void put_le64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

bool write_all(int fd, const void* data, size_t size) {
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

bool pread_all(int fd, void* data, size_t size, uint64_t offset) {
  auto* p = static_cast<char*>(data);
  while (size > 0) {
    const ssize_t n = ::pread(fd, p, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return true;
}

bool read_whole(const fs::path& path, std::string& out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  out.clear();
  char buf[1 << 16];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return n == 0;
}

// Checks the record at `offset` of a segment's bytes: its total size, or 0 and `*reason`.
uint64_t check_record(std::string_view bytes, uint64_t offset, const char** reason) {
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data()) + offset;
  const uint64_t left = bytes.size() - offset;
  if (left < spool_format::kRecordHeader) {
    *reason = "truncated record header";
    return 0;
  }
  const uint32_t length = get_le32(p);
  if (length < 2 || length > kMaxRecord) {
    *reason = "impossible record length";
    return 0;
  }
  if (left < 8 + uint64_t{length}) {
    *reason = "truncated record";
    return 0;
  }
  const uint32_t id_length = uint32_t{p[8]} | uint32_t{p[9]} << 8;
  if (2 + id_length > length) {
    *reason = "impossible id length";
    return 0;
  }
  if (crc32c(p + 8, length, crc32c(p, 4)) != get_le32(p + 4)) {
    *reason = "checksum mismatch";
    return 0;
  }
  return 8 + uint64_t{length};
}

struct Segment {
  uint64_t seq = 0;
  uint64_t size = 0;
};

struct Position {
  uint64_t seq = 0;
  uint64_t offset = 0;
};

class DiskSpool final : public Spool {
 public:
  explicit DiskSpool(const SpoolConfig& config) : config_(config) {}
  ~DiskSpool() override {
    if (config_.fsync != FsyncPolicy::kNever) sync();
    for (int fd : {write_fd_, read_fd_, lock_fd_})
      if (fd >= 0) ::close(fd);
  }

  bool open(std::string* error);

  bool append(std::string_view id, std::string_view payload) override;
  bool read_next(SpoolRecord& record) override;
  void rewind() override {
    read_ = committed_;
    read_since_commit_ = 0;
  }
  void commit_read() override;
  void sync() override {
    if (write_fd_ >= 0 && unsynced_ > 0) ::fdatasync(write_fd_);
    unsynced_ = 0;
  }
  uint64_t pending() const override { return pending_; }
  bool durable() const override { return true; }

 private:
  fs::path path_of(uint64_t seq) const { return dir_ / spool_format::segment_name(seq); }
  bool scan(Segment& segment, std::string* error);
  bool start_segment(uint64_t seq, std::string* error);
  void read_committed();
  void write_committed();
  void warn(const std::string& what) {
    warnings_.push_back("spool " + dir_.string() + ": " + what);
  }
  Segment* find(uint64_t seq) {
    for (auto& s : segments_)
      if (s.seq == seq) return &s;
    return nullptr;
  }

  SpoolConfig config_;
  fs::path dir_;
  std::vector<Segment> segments_;  // ascending; the last is the one appended to
  int lock_fd_ = -1;
  int write_fd_ = -1;
  int read_fd_ = -1;
  uint64_t read_fd_seq_ = 0;
  Position committed_;
  Position read_;
  uint64_t total_bytes_ = 0;
  uint64_t pending_ = 0;
  uint64_t read_since_commit_ = 0;
  uint32_t unsynced_ = 0;
};

bool DiskSpool::open(std::string* error) {
  dir_ = config_.dir;
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) {
    *error = "cannot create spool directory " + dir_.string() + ": " + ec.message();
    return false;
  }
  lock_fd_ = ::open((dir_ / "lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) {
    *error = "cannot use spool directory " + dir_.string() + ": " + std::strerror(errno);
    return false;
  }
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    *error = "spool directory " + dir_.string() + " is in use by another process";
    return false;
  }

  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() != 20 || name.substr(16) != ".seg" || !entry.is_regular_file()) continue;
    if (name.find_first_not_of("0123456789abcdef") < 16) continue;
    segments_.push_back({std::stoull(name.substr(0, 16), nullptr, 16), 0});
  }
  if (ec) {
    *error = "cannot list spool directory " + dir_.string() + ": " + ec.message();
    return false;
  }
  std::sort(segments_.begin(), segments_.end(),
            [](const Segment& a, const Segment& b) { return a.seq < b.seq; });

  read_committed();
  // Segments before the committed one were fully acknowledged (a crash before their removal).
  while (!segments_.empty() && segments_.front().seq < committed_.seq) {
    fs::remove(path_of(segments_.front().seq), ec);
    segments_.erase(segments_.begin());
  }
  for (Segment& s : segments_)
    if (!scan(s, error)) return false;
  if (segments_.empty() && !start_segment(std::max<uint64_t>(committed_.seq, 1), error))
    return false;
  if (committed_.seq != segments_.front().seq) committed_ = {segments_.front().seq, kHeader};
  committed_.offset = std::clamp(committed_.offset, kHeader, segments_.front().size);

  const Segment& last = segments_.back();
  write_fd_ = ::open(path_of(last.seq).c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (write_fd_ < 0) {
    *error = "cannot open " + path_of(last.seq).string() + ": " + std::strerror(errno);
    return false;
  }
  total_bytes_ = 0;
  for (const Segment& s : segments_) total_bytes_ += s.size;
  counters_.recovered = pending_;
  read_ = committed_;
  return true;
}

// Validates every record of one segment, truncating at the first bad one, and counts the
// uncommitted records.
bool DiskSpool::scan(Segment& segment, std::string* error) {
  const fs::path path = path_of(segment.seq);
  std::string bytes;
  if (!read_whole(path, bytes)) {
    *error = "cannot read " + path.string() + ": " + std::strerror(errno);
    return false;
  }
  const std::string_view magic(kMagic, sizeof kMagic);
  if (bytes.size() < kHeader) {
    if (magic.substr(0, bytes.size()) != bytes) {
      *error = path.string() + " is not a tripline spool segment";
      return false;
    }
    // Torn while being created: write the header again.
    if (!bytes.empty()) {
      warn(path.filename().string() + ": torn segment header; rewritten");
      ++counters_.corrupt;
      counters_.truncated_bytes += bytes.size();
    }
    const int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    const bool ok = fd >= 0 && write_all(fd, kMagic, sizeof kMagic);
    if (fd >= 0) ::close(fd);
    if (!ok) {
      *error = "cannot write " + path.string() + ": " + std::strerror(errno);
      return false;
    }
    segment.size = kHeader;
    return true;
  }
  if (std::string_view(bytes).substr(0, kHeader) != magic) {
    *error = path.string() + " is not a tripline spool segment";
    return false;
  }
  const uint64_t from = segment.seq == committed_.seq ? committed_.offset : kHeader;
  uint64_t offset = kHeader;
  const char* reason = nullptr;
  while (offset < bytes.size()) {
    const uint64_t size = check_record(bytes, offset, &reason);
    if (size == 0) break;
    if (offset >= from) ++pending_;
    offset += size;
  }
  if (offset < bytes.size()) {
    const uint64_t dropped = bytes.size() - offset;
    warn(path.filename().string() + ": " + reason + " at offset " + std::to_string(offset) + "; " +
         std::to_string(dropped) + " bytes dropped");
    ++counters_.corrupt;
    counters_.truncated_bytes += dropped;
    std::error_code ec;
    fs::resize_file(path, offset, ec);
    if (ec) {
      *error = "cannot truncate " + path.string() + ": " + ec.message();
      return false;
    }
  }
  segment.size = offset;
  return true;
}

bool DiskSpool::start_segment(uint64_t seq, std::string* error) {
  const fs::path path = path_of(seq);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0 || !write_all(fd, kMagic, sizeof kMagic)) {
    *error = "cannot create " + path.string() + ": " + std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return false;
  }
  if (config_.fsync != FsyncPolicy::kNever) {
    ::fdatasync(fd);
    const int dir_fd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {
      ::fsync(dir_fd);
      ::close(dir_fd);
    }
  }
  if (write_fd_ >= 0) ::close(write_fd_);
  write_fd_ = fd;
  segments_.push_back({seq, kHeader});
  total_bytes_ += kHeader;
  return true;
}

bool DiskSpool::append(std::string_view id, std::string_view payload) {
  if (id.size() > 0xFFFF || 2 + id.size() + payload.size() > kMaxRecord) {
    ++counters_.dropped;
    return false;
  }
  const std::string record = spool_format::encode_record(id, payload);
  if (total_bytes_ + record.size() > config_.max_bytes) {
    ++counters_.dropped;
    return false;
  }
  if (segments_.back().size >= config_.segment_bytes) {
    sync();
    std::string error;
    if (!start_segment(segments_.back().seq + 1, &error)) {
      ++counters_.write_errors;
      return false;
    }
  }
  Segment& last = segments_.back();
  if (!write_all(write_fd_, record.data(), record.size())) {
    ++counters_.write_errors;
    if (::ftruncate(write_fd_, static_cast<off_t>(last.size)) != 0) {
      // The partial record stays; the next open truncates it as a torn tail.
    }
    return false;
  }
  last.size += record.size();
  total_bytes_ += record.size();
  ++pending_;
  ++counters_.appended;
  ++unsynced_;
  if (config_.fsync == FsyncPolicy::kAlways ||
      (config_.fsync == FsyncPolicy::kBatch && unsynced_ >= config_.fsync_every))
    sync();
  return true;
}

bool DiskSpool::read_next(SpoolRecord& record) {
  for (;;) {
    const Segment* segment = find(read_.seq);
    if (segment == nullptr) return false;
    if (read_.offset < segment->size) break;
    if (segment == &segments_.back()) return false;
    read_ = {(segment + 1)->seq, kHeader};
  }
  if (read_fd_ < 0 || read_fd_seq_ != read_.seq) {
    if (read_fd_ >= 0) ::close(read_fd_);
    read_fd_ = ::open(path_of(read_.seq).c_str(), O_RDONLY | O_CLOEXEC);
    read_fd_seq_ = read_.seq;
    if (read_fd_ < 0) return false;
  }
  const Segment& segment = *find(read_.seq);
  uint8_t header[8];
  std::string bytes;
  const char* reason = "unreadable record";
  if (pread_all(read_fd_, header, sizeof header, read_.offset)) {
    const uint64_t length = get_le32(header);
    if (length <= kMaxRecord && read_.offset + 8 + length <= segment.size) {
      bytes.resize(8 + length);
      if (pread_all(read_fd_, bytes.data(), bytes.size(), read_.offset) &&
          check_record(bytes, 0, &reason) != 0) {
        const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
        const size_t id_length = size_t{p[8]} | size_t{p[9]} << 8;
        record.id.assign(bytes, spool_format::kRecordHeader, id_length);
        record.payload.assign(bytes, spool_format::kRecordHeader + id_length);
        read_.offset += bytes.size();
        ++read_since_commit_;
        return true;
      }
    }
  }
  // Changed on disk since open (it was checked then): the rest of this segment is lost.
  warn(path_of(read_.seq).filename().string() + ": " + reason + " at offset " +
       std::to_string(read_.offset) + " while resending; rest of the segment skipped");
  ++counters_.corrupt;
  read_.offset = segment.size;
  return read_next(record);
}

void DiskSpool::commit_read() {
  committed_ = read_;
  pending_ -= std::min(pending_, read_since_commit_);
  counters_.committed += read_since_commit_;
  read_since_commit_ = 0;
  // Whole segments acknowledged: removed.
  while (segments_.size() > 1 &&
         (segments_.front().seq < committed_.seq || committed_.offset >= segments_.front().size)) {
    const Segment done = segments_.front();
    if (read_fd_ >= 0 && read_fd_seq_ == done.seq) {
      ::close(read_fd_);
      read_fd_ = -1;
    }
    std::error_code ec;
    fs::remove(path_of(done.seq), ec);
    total_bytes_ -= done.size;
    segments_.erase(segments_.begin());
    if (committed_.seq <= done.seq) committed_ = {segments_.front().seq, kHeader};
  }
  read_ = committed_;
  write_committed();
}

// "committed": u64 segment, u64 offset, u32 crc32c of the 16 bytes; replaced by rename.
void DiskSpool::read_committed() {
  std::string bytes;
  if (!read_whole(dir_ / "committed", bytes)) return;  // none yet: everything is pending
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  if (bytes.size() != 20 || crc32c(p, 16) != get_le32(p + 16)) {
    warn("unreadable commit position; every spooled record is resent");
    return;
  }
  committed_ = {get_le64(p), get_le64(p + 8)};
}

void DiskSpool::write_committed() {
  uint8_t bytes[20];
  put_le64(bytes, committed_.seq);
  put_le64(bytes + 8, committed_.offset);
  const uint32_t crc = crc32c(bytes, 16);
  for (int i = 0; i < 4; ++i) bytes[16 + i] = static_cast<uint8_t>(crc >> (8 * i));
  const fs::path tmp = dir_ / "committed.tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;  // the old position stays: those records are resent (and deduplicated)
  const bool ok = write_all(fd, bytes, sizeof bytes);
  if (ok && config_.fsync == FsyncPolicy::kAlways) ::fdatasync(fd);
  ::close(fd);
  std::error_code ec;
  if (ok) fs::rename(tmp, dir_ / "committed", ec);
}

}  // namespace

std::unique_ptr<Spool> open_disk_spool(const SpoolConfig& config, std::string* error) {
  auto spool = std::make_unique<DiskSpool>(config);
  if (!spool->open(error)) return nullptr;
  return spool;
}

}  // namespace tripline
