// The disk spool's recovery on any segment bytes: open() never crashes, keeps only records
// whose checksum holds, and leaves a segment that reopens without a warning.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "output/spool.hpp"

namespace {

const std::filesystem::path& fuzz_dir() {
  static const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("spool_fuzzer." + std::to_string(getpid()));
  return dir;
}

// Removes the spool directory when an input is done (libFuzzer may _Exit: no atexit).
struct Cleanup {
  ~Cleanup() {
    std::error_code ec;
    std::filesystem::remove_all(fuzz_dir(), ec);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tripline;
  namespace fs = std::filesystem;
  const fs::path& dir = fuzz_dir();
  const Cleanup cleanup;
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / spool_format::segment_name(1), std::ios::binary)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  SpoolConfig config;
  config.dir = dir.string();
  config.fsync = FsyncPolicy::kNever;
  std::string error;
  uint64_t records = 0;
  if (auto spool = open_disk_spool(config, &error)) {
    SpoolRecord record;
    while (spool->read_next(record)) ++records;
    if (records != spool->pending()) std::abort();
    spool->append("id", "payload");
  } else {
    return 0;  // not a segment: refused, nothing else to check
  }
  auto again = open_disk_spool(config, &error);
  if (!again || !again->warnings().empty() || again->pending() != records + 1) std::abort();
  return 0;
}
