// The run-time side of threshold.config: decides, per alert, whether it is written, with
// Suricata's limit / threshold / both and suppress semantics (docs/thresholds.md).
// Built once from a ThresholdConfig; decide() runs on the writer thread only, allocates
// nothing and keeps its trackers in a table of fixed size.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/ip_address.hpp"
#include "output/threshold_config.hpp"

namespace tripline {

// What the filter looks at in an alert.
struct AlertSubject {
  uint32_t gid = 1;
  uint32_t sid = 0;
  std::string_view rule_set;  // the indicator's or signature's rule-set (file) name
  IpAddress src, dst;
  uint64_t flow_id = 0;
  uint64_t ts_ns = 0;  // capture time: windows are in capture time, so replays repeat
};

enum class ThresholdVerdict : uint8_t { kWrite, kSuppressed, kThresholded };

struct ThresholdCounters {
  uint64_t suppressed = 0;   // dropped by a suppress line
  uint64_t thresholded = 0;  // dropped by a threshold / event_filter line
  uint64_t evictions = 0;    // live trackers pushed out of the full table
  uint64_t trackers = 0;     // trackers in use now
};

class ThresholdFilter {
 public:
  static constexpr size_t kDefaultTrackers = 65536;
  static constexpr size_t kWays = 8;  // trackers per set of the table

  // `trackers` is rounded up to a power of two, at least kWays.
  explicit ThresholdFilter(ThresholdConfig config, size_t trackers = kDefaultTrackers);
  ~ThresholdFilter();
  ThresholdFilter(const ThresholdFilter&) = delete;
  ThresholdFilter& operator=(const ThresholdFilter&) = delete;

  // Writer thread only.
  ThresholdVerdict decide(const AlertSubject& alert);

  // Any thread.
  ThresholdCounters counters() const;
  size_t capacity() const { return capacity_; }
  const ThresholdConfig& config() const { return config_; }

 private:
  struct Key;
  struct Tracker;
  using Index = std::vector<uint32_t>;  // rule indexes, in file order

  bool suppressed(const AlertSubject& alert) const;
  bool suppressed_by(const SuppressRule& rule, const AlertSubject& alert) const;
  const ThresholdRule* threshold_for(const AlertSubject& alert, uint32_t* index) const;
  bool admit(const ThresholdRule& rule, uint32_t index, const AlertSubject& alert);
  Tracker* find(const Key& key, uint64_t hash);
  Tracker* insert(const Key& key, uint64_t hash);

  static uint64_t signature_key(uint32_t gid, uint32_t sid) { return uint64_t{gid} << 32 | sid; }

  ThresholdConfig config_;
  // Suppress lines by scope.
  std::unordered_map<uint64_t, Index> suppress_by_sid_;
  std::map<std::string, Index, std::less<>> suppress_by_rule_set_;
  std::unordered_map<uint32_t, Index> suppress_by_gid_;
  Index suppress_all_;
  // Threshold lines by scope: one applies per alert (most specific scope first).
  std::unordered_map<uint64_t, uint32_t> threshold_by_sid_;             // the last line wins
  std::map<std::string, uint32_t, std::less<>> threshold_by_rule_set_;  // the last line wins
  std::unordered_map<uint32_t, uint32_t> threshold_by_gid_;             // the first line wins
  int64_t threshold_all_ = -1;                                          // the first line, or -1

  std::unique_ptr<Tracker[]> table_;
  size_t capacity_ = 0;
  size_t set_mask_ = 0;
  uint64_t clock_ns_ = 0;  // latest alert time seen: what "expired" is measured against
  std::atomic<uint64_t> suppressed_{0}, thresholded_{0}, evictions_{0}, trackers_{0};
};

}  // namespace tripline
