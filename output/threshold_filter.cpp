#include "output/threshold_filter.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <type_traits>

namespace tripline {

// What one tracker counts for: a threshold line, the signature (0:0 for a rule-set scope,
// whose alerts share one count) and the tracked address(es) or flow.
struct ThresholdFilter::Key {
  uint32_t rule = 0;  // index into ThresholdConfig::thresholds
  uint32_t gid = 0;
  uint32_t sid = 0;
  uint32_t family = 0;  // 4, 6; 0 for by_rule; kFlow for by_flow
  uint8_t a[16] = {};
  uint8_t b[16] = {};

  static constexpr uint32_t kFlow = 255;
  bool operator==(const Key& o) const { return std::memcmp(this, &o, sizeof *this) == 0; }
};

struct alignas(64) ThresholdFilter::Tracker {
  Key key;
  uint64_t first_ns = 0;  // start of the current window
  uint32_t count = 0;     // matches in the window (Suricata's current_count)
  uint32_t used = 0;
};

namespace {

static_assert(std::has_unique_object_representations_v<IpAddress>);

uint64_t hash_bytes(const void* data, size_t size) {
  uint64_t words[8] = {};
  std::memcpy(words, data, size);
  uint64_t h = 0x9e3779b97f4a7c15ull;
  for (size_t i = 0; i < (size + 7) / 8; ++i) {
    h ^= words[i];
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 31;
  }
  return h;
}

bool in_cidr(const Cidr& cidr, const IpAddress& ip) {
  if (cidr.network.family != ip.family) return false;
  const unsigned whole = cidr.prefix / 8;
  if (std::memcmp(cidr.network.bytes, ip.bytes, whole) != 0) return false;
  const unsigned bits = cidr.prefix % 8;
  if (bits == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xff << (8 - bits));
  return (cidr.network.bytes[whole] & mask) == (ip.bytes[whole] & mask);
}

bool in_any(const std::vector<Cidr>& cidrs, const IpAddress& ip) {
  for (const Cidr& c : cidrs)
    if (in_cidr(c, ip)) return true;
  return false;
}

void bump(std::atomic<uint64_t>& counter) {  // one writer: no read-modify-write needed
  counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

constexpr uint64_t kNsPerSecond = 1'000'000'000ull;

}  // namespace

ThresholdFilter::ThresholdFilter(ThresholdConfig config, size_t trackers)
    : config_(std::move(config)) {
  for (uint32_t i = 0; i < config_.suppressions.size(); ++i) {
    const ThresholdScope& s = config_.suppressions[i].scope;
    if (s.by_rule_set())
      suppress_by_rule_set_[s.rule_set].push_back(i);
    else if (s.sid != 0)
      suppress_by_sid_[signature_key(s.gid, s.sid)].push_back(i);
    else if (s.gid != 0)
      suppress_by_gid_[s.gid].push_back(i);
    else
      suppress_all_.push_back(i);
  }
  for (uint32_t i = 0; i < config_.thresholds.size(); ++i) {
    const ThresholdScope& s = config_.thresholds[i].scope;
    if (s.by_rule_set())
      threshold_by_rule_set_[s.rule_set] = i;
    else if (s.sid != 0)
      threshold_by_sid_[signature_key(s.gid, s.sid)] = i;
    else if (s.gid != 0)
      threshold_by_gid_.emplace(s.gid, i);
    else if (threshold_all_ < 0)
      threshold_all_ = i;
  }
  capacity_ = std::bit_ceil(std::max(trackers, kWays));
  set_mask_ = capacity_ / kWays - 1;
  table_ = std::make_unique<Tracker[]>(capacity_);
}

ThresholdFilter::~ThresholdFilter() = default;

ThresholdCounters ThresholdFilter::counters() const {
  ThresholdCounters c;
  c.suppressed = suppressed_.load(std::memory_order_relaxed);
  c.thresholded = thresholded_.load(std::memory_order_relaxed);
  c.evictions = evictions_.load(std::memory_order_relaxed);
  c.trackers = trackers_.load(std::memory_order_relaxed);
  return c;
}

ThresholdVerdict ThresholdFilter::decide(const AlertSubject& alert) {
  if (alert.ts_ns > clock_ns_) clock_ns_ = alert.ts_ns;
  if (suppressed(alert)) {
    bump(suppressed_);
    return ThresholdVerdict::kSuppressed;
  }
  uint32_t index = 0;
  const ThresholdRule* rule = threshold_for(alert, &index);
  if (rule == nullptr || admit(*rule, index, alert)) return ThresholdVerdict::kWrite;
  bump(thresholded_);
  return ThresholdVerdict::kThresholded;
}

bool ThresholdFilter::suppressed_by(const SuppressRule& rule, const AlertSubject& alert) const {
  switch (rule.track) {
    case SuppressTrack::kAll:
      return true;
    case SuppressTrack::kBySrc:
      return in_any(rule.addresses, alert.src);
    case SuppressTrack::kByDst:
      return in_any(rule.addresses, alert.dst);
    case SuppressTrack::kByEither:
      return in_any(rule.addresses, alert.src) || in_any(rule.addresses, alert.dst);
  }
  return false;
}

bool ThresholdFilter::suppressed(const AlertSubject& alert) const {
  const auto any_of = [&](const Index& index) {
    for (uint32_t i : index)
      if (suppressed_by(config_.suppressions[i], alert)) return true;
    return false;
  };
  if (const auto it = suppress_by_sid_.find(signature_key(alert.gid, alert.sid));
      it != suppress_by_sid_.end() && any_of(it->second))
    return true;
  if (!alert.rule_set.empty())
    if (const auto it = suppress_by_rule_set_.find(alert.rule_set);
        it != suppress_by_rule_set_.end() && any_of(it->second))
      return true;
  if (const auto it = suppress_by_gid_.find(alert.gid);
      it != suppress_by_gid_.end() && any_of(it->second))
    return true;
  return any_of(suppress_all_);
}

// Suricata: a line for the signature replaces any other; gen_id G / 0 lines apply to
// signatures without one, the first such line winning. tripline puts rule-set lines between.
const ThresholdRule* ThresholdFilter::threshold_for(const AlertSubject& alert,
                                                    uint32_t* index) const {
  int64_t found = -1;
  if (const auto it = threshold_by_sid_.find(signature_key(alert.gid, alert.sid));
      it != threshold_by_sid_.end()) {
    found = it->second;
  } else if (const auto rs = alert.rule_set.empty() ? threshold_by_rule_set_.end()
                                                    : threshold_by_rule_set_.find(alert.rule_set);
             rs != threshold_by_rule_set_.end()) {
    found = rs->second;
  } else {
    if (const auto g = threshold_by_gid_.find(alert.gid); g != threshold_by_gid_.end())
      found = g->second;
    if (threshold_all_ >= 0 && (found < 0 || threshold_all_ < found)) found = threshold_all_;
  }
  if (found < 0) return nullptr;
  *index = static_cast<uint32_t>(found);
  return &config_.thresholds[*index];
}

ThresholdFilter::Tracker* ThresholdFilter::find(const Key& key, uint64_t hash) {
  Tracker* set = &table_[(hash & set_mask_) * kWays];
  for (size_t w = 0; w < kWays; ++w)
    if (set[w].used && set[w].key == key) return &set[w];
  return nullptr;
}

// A free way; else the way whose window ended first (its next alert would start a new window
// anyway); else the live way whose window ends first, counted as an eviction.
ThresholdFilter::Tracker* ThresholdFilter::insert(const Key& key, uint64_t hash) {
  Tracker* set = &table_[(hash & set_mask_) * kWays];
  Tracker* victim = nullptr;
  uint64_t victim_end = std::numeric_limits<uint64_t>::max();
  for (size_t w = 0; w < kWays; ++w) {
    Tracker& t = set[w];
    if (!t.used) {
      victim = &t;
      bump(trackers_);
      break;
    }
    const uint64_t end =
        t.first_ns + uint64_t{config_.thresholds[t.key.rule].seconds} * kNsPerSecond;
    if (end < victim_end) {
      victim = &t;
      victim_end = end;
    }
  }
  if (victim->used && victim_end >= clock_ns_) bump(evictions_);
  victim->key = key;
  victim->used = 1;
  victim->count = 0;
  return victim;
}

// Suricata's ThresholdHandlePacket(): a window starts at a tracker's first match and holds the
// matches up to `seconds` later (inclusive); a later match starts a new window.
bool ThresholdFilter::admit(const ThresholdRule& rule, uint32_t index, const AlertSubject& alert) {
  Key key;
  key.rule = index;
  if (!rule.scope.by_rule_set()) {
    key.gid = alert.gid;
    key.sid = alert.sid;
  }
  switch (rule.track) {
    case ThresholdTrack::kBySrc:
      key.family = alert.src.family;
      std::memcpy(key.a, alert.src.bytes, 16);
      break;
    case ThresholdTrack::kByDst:
      key.family = alert.dst.family;
      std::memcpy(key.a, alert.dst.bytes, 16);
      break;
    case ThresholdTrack::kByRule:
      break;
    case ThresholdTrack::kByBoth: {  // either direction between two hosts: one pair
      const bool ordered = alert.src < alert.dst;
      const IpAddress& low = ordered ? alert.src : alert.dst;
      const IpAddress& high = ordered ? alert.dst : alert.src;
      key.family = low.family;
      std::memcpy(key.a, low.bytes, 16);
      std::memcpy(key.b, high.bytes, 16);
      break;
    }
    case ThresholdTrack::kByFlow:
      key.family = Key::kFlow;
      std::memcpy(key.a, &alert.flow_id, sizeof alert.flow_id);
      break;
  }
  const uint64_t hash = hash_bytes(&key, sizeof key);
  Tracker* t = find(key, hash);
  const bool within =
      t != nullptr && alert.ts_ns <= t->first_ns + uint64_t{rule.seconds} * kNsPerSecond;
  const auto restart = [&] {
    if (t == nullptr) t = insert(key, hash);
    t->first_ns = alert.ts_ns;
    t->count = 1;
  };
  const auto count_one = [&] {
    if (t->count != std::numeric_limits<uint32_t>::max()) ++t->count;
  };

  switch (rule.type) {
    case ThresholdType::kLimit:  // the first `count` matches of each window
      if (within) {
        count_one();
        return t->count <= rule.count;
      }
      restart();
      return true;
    case ThresholdType::kThreshold:  // every `count`-th match within a window
      if (within) {
        ++t->count;
        if (t->count < rule.count) return false;
        t->count = 0;
        return true;
      }
      if (t == nullptr && rule.count == 1) return true;
      restart();
      return false;
    case ThresholdType::kBoth:  // the `count`-th match of each window, once
      if (within) {
        count_one();
        return t->count == rule.count;
      }
      restart();
      return rule.count == 1;
  }
  return true;
}

}  // namespace tripline
