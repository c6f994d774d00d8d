// A capture preloaded into memory and replayed zero-copy: for benchmarks and tests that must
// not measure the disk or libpcap. Can be rewound and replayed.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "capture/source.hpp"

namespace tripline {

class MemorySource final : public Source {
 public:
  // Reads every packet of `paths` (through PcapFileSource) into one buffer.
  explicit MemorySource(const std::vector<std::string>& paths, size_t pool_batches = 64);
  ~MemorySource() override;

  PacketBatch* receive() override;
  void release(PacketBatch* batch) override;
  std::vector<InputReport> reports() const override { return reports_; }

  void rewind() { next_ = 0; }
  size_t packet_count() const { return views_.size(); }
  uint64_t byte_count() const { return bytes_; }
  const std::vector<PacketView>& packets() const { return views_; }

 private:
  struct Pool;
  std::vector<uint8_t> data_;
  std::vector<PacketView> views_;
  std::vector<InputReport> reports_;
  uint64_t bytes_ = 0;
  size_t next_ = 0;
  std::unique_ptr<Pool> pool_;
};

}  // namespace tripline
