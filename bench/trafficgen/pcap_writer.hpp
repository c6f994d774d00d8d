// Classic pcap file output (magic a1b2c3d4, microsecond timestamps, LINKTYPE_ETHERNET),
// written little-endian byte by byte so the file is the same on every host.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace tripline::trafficgen {

class PcapWriter {
 public:
  // Creates path and writes the global header; throws std::runtime_error on failure.
  explicit PcapWriter(const std::string& path);
  ~PcapWriter();
  PcapWriter(const PcapWriter&) = delete;
  PcapWriter& operator=(const PcapWriter&) = delete;

  void write(uint64_t ts_us, const uint8_t* frame, uint32_t length);
  // Flushes and closes; throws std::runtime_error if any write failed.
  void close();

  uint64_t packets() const { return packets_; }
  uint64_t frame_bytes() const { return frame_bytes_; }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  uint64_t packets_ = 0;
  uint64_t frame_bytes_ = 0;
};

}  // namespace tripline::trafficgen
