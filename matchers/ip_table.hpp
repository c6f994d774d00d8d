// IpTable: longest-prefix match over IPv4 and IPv6 prefixes (exact addresses are /32, /128).
// The prefixes are flattened at compile time into sorted disjoint address intervals, each
// labelled with the longest prefix covering it; a lookup is a 65536-way index on the top 16
// bits followed by a branchless binary search inside that bucket. Large IPv4 sets are then
// turned into a DIR-24-8 table (matchers/dir24_table.hpp) that answers in one or two reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "core/ip_address.hpp"
#include "matchers/compiled_rules.hpp"
#include "matchers/dir24_table.hpp"

namespace tripline {

struct IpRule {
  Cidr cidr;  // network with host bits cleared
  uint32_t id;
};

// Interval map for one address family; Key is uint32_t (IPv4) or unsigned __int128 (IPv6).
template <class Key>
class PrefixIntervals {
 public:
  static constexpr unsigned kBits = sizeof(Key) * 8;
  static constexpr unsigned kIndexBits = 16;
  static constexpr uint32_t kNone = 0xffffffffu;

  struct Prefix {
    Key network;
    uint8_t length;
    uint32_t id;
  };

  PrefixIntervals() = default;
  explicit PrefixIntervals(std::vector<Prefix> prefixes);

  IdSpan match(Key address) const {
    if (starts_.empty()) return {};
    const auto bucket = static_cast<uint32_t>(address >> (kBits - kIndexBits));
    const uint32_t lo = index_[bucket];
    const uint32_t hi = index_[bucket + 1];
    // Last interval in [lo, hi] whose start <= address; starts_[lo] <= address holds.
    const Key* base = starts_.data() + lo;
    size_t len = hi - lo + 1;
    while (len > 1) {
      const size_t half = len / 2;
      base = base[half] <= address ? base + half : base;
      len -= half;
    }
    const Ids ids = values_[static_cast<size_t>(base - starts_.data())];
    return {ids_.data() + ids.offset, ids.count};
  }

  // The ids of the longest prefix covering an interval, stored inline so a lookup reads one
  // value after the search (count 0: no prefix covers it).
  struct Ids {
    uint32_t offset;
    uint32_t count;
    bool operator==(const Ids&) const = default;
  };

  size_t prefix_count() const { return prefix_count_; }
  size_t interval_count() const { return starts_.size(); }
  size_t memory_bytes() const {
    return starts_.capacity() * sizeof(Key) + values_.capacity() * sizeof(Ids) +
           index_.capacity() * sizeof(uint32_t) + ids_.capacity() * sizeof(uint32_t);
  }
  // The flattened form (what Dir24Table is built from).
  std::span<const Key> starts() const { return starts_; }
  std::span<const Ids> values() const { return values_; }
  std::span<const uint32_t> ids() const { return ids_; }

 private:
  std::vector<Key> starts_;      // interval i covers [starts_[i], starts_[i+1]); starts_[0] == 0
  std::vector<Ids> values_;      // ids of interval i
  std::vector<uint32_t> index_;  // index_[b]: interval holding address b << (kBits - 16)
  std::vector<uint32_t> ids_;    // ids of every prefix, grouped by prefix
  size_t prefix_count_ = 0;
};

class IpTable {
 public:
  // IPv4 sets with at least this many distinct prefixes use the DIR-24-8 table (64 MiB fixed,
  // plus 32 bytes per /24 that longer prefixes split); smaller ones keep the interval table.
  // Measured crossover: see matchers/README.md and docs/performance.md.
  static constexpr size_t kDir24MinPrefixes = 250000;

  IpTable() = default;
  explicit IpTable(std::span<const IpRule> rules, size_t dir24_min_prefixes = kDir24MinPrefixes);

  IdSpan match(const IpAddress& ip) const {
    if (ip.family == 4) {
      const uint32_t key = ip.v4_host_order();
      return v4_dir24_.built() ? v4_dir24_.match(key) : v4_.match(key);
    }
    if (ip.family == 6) {
      uint64_t hi, lo;
      std::memcpy(&hi, ip.bytes, 8);
      std::memcpy(&lo, ip.bytes + 8, 8);
      const auto key =
          (static_cast<unsigned __int128>(__builtin_bswap64(hi)) << 64) | __builtin_bswap64(lo);
      return v6_.match(key);
    }
    return {};
  }

  // The IPv4 interval table is emptied once the DIR-24-8 table is built from it.
  const PrefixIntervals<uint32_t>& v4() const { return v4_; }
  const Dir24Table& v4_dir24() const { return v4_dir24_; }
  const PrefixIntervals<unsigned __int128>& v6() const { return v6_; }
  size_t v4_prefix_count() const { return v4_prefix_count_; }
  bool empty() const { return v4_prefix_count_ == 0 && v6_.prefix_count() == 0; }
  size_t memory_bytes() const {
    return v4_.memory_bytes() + v4_dir24_.memory_bytes() + v6_.memory_bytes();
  }

 private:
  PrefixIntervals<uint32_t> v4_;
  Dir24Table v4_dir24_;
  PrefixIntervals<unsigned __int128> v6_;
  size_t v4_prefix_count_ = 0;
};

}  // namespace tripline
