// Reads pcap and pcapng files (one or many, or every file in a directory), with nanosecond
// timestamps, into a fixed pool of batches: classic pcap memory-mapped and zero-copy,
// everything else through libpcap.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "capture/source.hpp"

namespace tripline {

enum class PcapReadMode : uint8_t {
  kMmapWhenPossible,  // classic pcap files mapped (pcap_mmap_reader.hpp), the rest via libpcap
  kLibpcapOnly,       // every file through libpcap, copied into the batch arenas
};

class PcapFileSource final : public Source {
 public:
  // `paths`: files or directories (a directory contributes its regular files, sorted by name).
  // `pool_batches`: batches in flight at most; memory = pool_batches * 1 MiB of arena, plus
  // the mapped files (page cache, read-only).
  explicit PcapFileSource(std::vector<std::string> paths, size_t pool_batches = 64,
                          PcapReadMode mode = PcapReadMode::kMmapWhenPossible);
  ~PcapFileSource() override;

  PacketBatch* receive() override;
  void release(PacketBatch* batch) override;
  std::vector<InputReport> reports() const override;

  // Expanded list of files, in reading order.
  const std::vector<std::string>& files() const;
  // True if any input failed to open or stopped with an error (not just a truncated record).
  bool had_error() const;
  // How many files were read memory-mapped so far (the rest went through libpcap).
  size_t mapped_files() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tripline
