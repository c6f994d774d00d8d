// libFuzzer target: parse_threshold_config() on arbitrary bytes must not crash or hang; every
// diagnostic names a line, every loaded line is valid, and a ThresholdFilter built from the
// result decides a few alerts derived from the same bytes without crashing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "output/threshold_config.hpp"
#include "output/threshold_filter.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tripline;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  ThresholdConfig config;
  parse_threshold_config(text, "fuzz.config", config);
  for (const auto& d : config.diagnostics)
    if (d.line == 0 || d.message.empty()) std::abort();
  for (const auto& t : config.thresholds) {
    if (t.count == 0 || t.seconds == 0 || t.line == 0) std::abort();
    if (t.scope.gid == 0 && t.scope.sid != 0) std::abort();
  }
  for (const auto& s : config.suppressions)
    if ((s.track == SuppressTrack::kAll) != s.addresses.empty() || s.line == 0) std::abort();

  // A small table, so evictions happen too.
  ThresholdFilter filter(std::move(config), ThresholdFilter::kWays * 2);
  uint64_t decided = 0;
  for (size_t i = 0; i + 8 <= size && i < 64 * 8; i += 8) {
    AlertSubject alert;
    alert.gid = data[i] % 3;
    alert.sid = data[i + 1] % 4;
    alert.rule_set = text.substr(i + 2, 3);
    alert.src.family = data[i + 3] & 1 ? 6 : 4;
    alert.src.bytes[0] = data[i + 4];
    alert.dst.family = alert.src.family;
    alert.dst.bytes[15] = data[i + 5];
    alert.flow_id = data[i + 6];
    alert.ts_ns = uint64_t{data[i + 7]} * 1'000'000'000ull * (i + 1);
    filter.decide(alert);
    ++decided;
  }
  const ThresholdCounters c = filter.counters();
  if (c.suppressed + c.thresholded > decided || c.trackers > filter.capacity()) std::abort();
  return 0;
}
