// Reads pcap and pcapng files (one or many, or every file in a directory) through libpcap,
// with nanosecond timestamps, into a fixed pool of batches.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "capture/source.hpp"

namespace tripline {

class PcapFileSource final : public Source {
 public:
  // `paths`: files or directories (a directory contributes its regular files, sorted by name).
  // `pool_batches`: batches in flight at most; memory = pool_batches * (256 * snap bytes).
  explicit PcapFileSource(std::vector<std::string> paths, size_t pool_batches = 64);
  ~PcapFileSource() override;

  PacketBatch* receive() override;
  void release(PacketBatch* batch) override;
  std::vector<InputReport> reports() const override;

  // Expanded list of files, in reading order.
  const std::vector<std::string>& files() const;
  // True if any input failed to open or stopped with an error (not just a truncated record).
  bool had_error() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tripline
