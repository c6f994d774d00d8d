// Fuzzes the capture reader: the input is written to a file and read as a pcap/pcapng capture.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "capture/pcap_file_source.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/tripline-pcap-fuzz-" + std::to_string(getpid());
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  tripline::PcapFileSource source({path}, 2);
  uint64_t total = 0;
  while (tripline::PacketBatch* batch = source.receive()) {
    for (uint32_t i = 0; i < batch->count; ++i) total += batch->packets[i].caplen;
    source.release(batch);
  }
  (void)total;
  (void)source.reports();
  return 0;
}
