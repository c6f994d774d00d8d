// Capture file reading: PcapFileSource memory-mapped (zero-copy) against libpcap (copied into
// the batch arenas), over the same classic pcap, page cache warm and cold (only this file's
// pages dropped). Each packet's first and 64th byte are read, as the decoder would.
// The capture: TRIPLINE_BENCH_PCAP if set, else one made by trafficgen (500k packets).
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "capture/pcap_file_source.hpp"

namespace tripline {
namespace {

const std::string& capture_path() {
  static const std::string path = [] {
    if (const char* p = std::getenv("TRIPLINE_BENCH_PCAP")) return std::string(p);
    const std::string out = "/tmp/tripline-bench-500k.pcap";
    if (!std::filesystem::exists(out)) {
      const std::string cmd = std::string(TRIPLINE_TRAFFICGEN_PATH) + " --out " + out +
                              " --truth /dev/null --packets 500000 --seed 1 2>/dev/null";
      if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "trafficgen failed\n");
    }
    return out;
  }();
  return path;
}

void drop_from_page_cache(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY);
  if (fd < 0) return;
  fdatasync(fd);
  posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  close(fd);
}

void read_capture(benchmark::State& state, PcapReadMode mode, bool cold) {
  const std::string& path = capture_path();
  std::error_code ec;
  const auto file_bytes = std::filesystem::file_size(path, ec);
  if (ec) {
    state.SkipWithError(("no capture at " + path).c_str());
    return;
  }
  uint64_t packets = 0;
  for (auto _ : state) {
    if (cold) {
      state.PauseTiming();
      drop_from_page_cache(path);
      state.ResumeTiming();
    }
    PcapFileSource source({path}, 64, mode);
    uint64_t touched = 0;
    packets = 0;
    while (PacketBatch* batch = source.receive()) {
      for (uint32_t i = 0; i < batch->count; ++i) {
        const PacketView& v = batch->packets[i];
        if (v.caplen > 0) touched += v.data[0] + v.data[std::min<uint32_t>(v.caplen, 64) - 1];
      }
      packets += batch->count;
      source.release(batch);
    }
    benchmark::DoNotOptimize(touched);
    if (source.had_error()) {
      state.SkipWithError("capture read with an error");
      return;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * packets));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * file_bytes));
  state.counters["packets"] = static_cast<double>(packets);
}

void BM_ReadMmap(benchmark::State& s) { read_capture(s, PcapReadMode::kMmapWhenPossible, false); }
void BM_ReadLibpcap(benchmark::State& s) { read_capture(s, PcapReadMode::kLibpcapOnly, false); }
void BM_ReadMmapCold(benchmark::State& s) {
  read_capture(s, PcapReadMode::kMmapWhenPossible, true);
}
void BM_ReadLibpcapCold(benchmark::State& s) { read_capture(s, PcapReadMode::kLibpcapOnly, true); }

BENCHMARK(BM_ReadMmap)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ReadLibpcap)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ReadMmapCold)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ReadLibpcapCold)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace tripline

BENCHMARK_MAIN();
