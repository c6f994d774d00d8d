// Dir24Table: DIR-24-8 style IPv4 longest-prefix match, built from the flattened intervals of
// a PrefixIntervals<uint32_t> (same answers by construction): one read of a 2^24-entry table on
// the top 24 bits, plus one small node for the /24s that longer prefixes split.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "matchers/compiled_rules.hpp"

namespace tripline {

template <class Key>
class PrefixIntervals;

class Dir24Table {
 public:
  // A 32-bit entry (first level, or a node's slot):
  //   bit 31 clear: a leaf. Bit 30 clear: the only id of the longest prefix is ids_[bits 0..29]
  //     (0: no prefix covers the address; ids_[0] is a placeholder). Bit 30 set: the prefix has
  //     several ids, groups_[bits 0..29] holds their {offset, count} in ids_.
  //   bit 31 set: the /24 is split. Bit 30 clear: small_[bits 0..29]; set: dense_[bits 0..29].
  static constexpr uint32_t kNode = 1u << 31;
  static constexpr uint32_t kAlt = 1u << 30;  // multi-id leaf, or dense node
  static constexpr uint32_t kIndexMask = kAlt - 1;
  static constexpr unsigned kSmallSlots = 6;

  Dir24Table() = default;
  // Throws std::length_error if the ids or nodes do not fit the 30-bit fields.
  explicit Dir24Table(const PrefixIntervals<uint32_t>& intervals);

  IdSpan match(uint32_t address) const {
    uint32_t e = first_[address >> 8];
    if (e & kNode) e = node_leaf(e, static_cast<uint8_t>(address));
    if (e & kAlt) {
      const Group g = groups_[e & kIndexMask];
      return {ids_.data() + g.offset, g.count};
    }
    return {ids_.data() + e, e != 0};
  }

  bool built() const { return first_ != nullptr; }
  size_t small_node_count() const { return small_.size(); }
  size_t dense_node_count() const { return dense_.size(); }
  size_t memory_bytes() const;

 private:
  struct Group {
    uint32_t offset;
    uint32_t count;
  };
  // A /24 cut into at most kSmallSlots intervals. Slot 0 starts at the /24's first address,
  // slot i at low byte starts[i - 1]; unused slots repeat the last one, so the slot of low
  // byte b is the number of starts <= b (no branch, no loop-carried dependency).
  struct alignas(32) SmallNode {
    uint32_t leaves[kSmallSlots];
    uint8_t starts[kSmallSlots - 1];
  };
  // A /24 cut into more intervals: starts (low bytes, the first is 0) and leaves at
  // [offset, offset + count) of dense_starts_ / dense_leaves_, searched by bisection.
  struct DenseNode {
    uint32_t offset;
    uint32_t count;
  };
  struct FreeDeleter {
    void operator()(uint32_t* p) const;
  };

  uint32_t node_leaf(uint32_t e, uint8_t low) const {
    if (!(e & kAlt)) {
      const SmallNode& n = small_[e & kIndexMask];
      unsigned slot = 0;
      for (unsigned i = 0; i + 1 < kSmallSlots; ++i) slot += n.starts[i] <= low;
      return n.leaves[slot];
    }
    const DenseNode& d = dense_[e & kIndexMask];
    const uint8_t* base = dense_starts_.data() + d.offset;
    size_t len = d.count;
    while (len > 1) {
      const size_t half = len / 2;
      base = base[half] <= low ? base + half : base;
      len -= half;
    }
    return dense_leaves_[static_cast<size_t>(base - dense_starts_.data())];
  }

  std::unique_ptr<uint32_t[], FreeDeleter> first_;  // 2^24 entries, 2 MiB aligned (huge pages)
  std::vector<SmallNode> small_;
  std::vector<DenseNode> dense_;
  std::vector<uint8_t> dense_starts_;
  std::vector<uint32_t> dense_leaves_;
  std::vector<Group> groups_;  // prefixes with several ids
  std::vector<uint32_t> ids_;  // placeholder, then the ids of every prefix, grouped by prefix
};

}  // namespace tripline
