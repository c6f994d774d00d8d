#include "output/spool.hpp"

#include <cstdio>
#include <deque>

#include "output/crc32c.hpp"

namespace tripline {

bool parse_fsync_policy(std::string_view text, FsyncPolicy* policy) {
  if (text == "always")
    *policy = FsyncPolicy::kAlways;
  else if (text == "batch")
    *policy = FsyncPolicy::kBatch;
  else if (text == "never")
    *policy = FsyncPolicy::kNever;
  else
    return false;
  return true;
}

namespace spool_format {

namespace {
void put_le(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
}
}  // namespace

std::string encode_record(std::string_view id, std::string_view payload) {
  const auto length = static_cast<uint32_t>(2 + id.size() + payload.size());
  std::string out;
  out.reserve(kRecordHeader + id.size() + payload.size());
  put_le(out, length, 4);
  put_le(out, 0, 4);  // crc, filled below
  put_le(out, id.size(), 2);
  out += id;
  out += payload;
  uint32_t crc = crc32c(out.data(), 4);
  crc = crc32c(out.data() + 8, out.size() - 8, crc);
  for (int i = 0; i < 4; ++i) out[4 + i] = static_cast<char>((crc >> (8 * i)) & 0xFF);
  return out;
}

std::string segment_name(uint64_t seq) {
  char name[32];
  std::snprintf(name, sizeof name, "%016llx.seg", static_cast<unsigned long long>(seq));
  return name;
}

}  // namespace spool_format

namespace {

class MemorySpool final : public Spool {
 public:
  explicit MemorySpool(uint64_t max_bytes) : max_bytes_(max_bytes) {}

  bool append(std::string_view id, std::string_view payload) override {
    const uint64_t size = id.size() + payload.size();
    if (bytes_ + size > max_bytes_) {
      ++counters_.dropped;
      return false;
    }
    records_.push_back({std::string(id), std::string(payload)});
    bytes_ += size;
    ++counters_.appended;
    return true;
  }
  bool read_next(SpoolRecord& record) override {
    if (read_ == records_.size()) return false;
    record = records_[read_++];
    return true;
  }
  void rewind() override { read_ = 0; }
  void commit_read() override {
    for (; read_ > 0; --read_) {
      bytes_ -= records_.front().id.size() + records_.front().payload.size();
      records_.pop_front();
      ++counters_.committed;
    }
  }
  void sync() override {}
  uint64_t pending() const override { return records_.size(); }
  bool durable() const override { return false; }

 private:
  uint64_t max_bytes_;
  uint64_t bytes_ = 0;
  std::deque<SpoolRecord> records_;
  size_t read_ = 0;
};

}  // namespace

std::unique_ptr<Spool> make_memory_spool(uint64_t max_bytes) {
  return std::make_unique<MemorySpool>(max_bytes);
}

}  // namespace tripline
