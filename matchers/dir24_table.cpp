#include "matchers/dir24_table.hpp"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <new>
#include <stdexcept>

#include "core/huge_pages.hpp"
#include "matchers/ip_table.hpp"

namespace tripline {
namespace {

constexpr size_t kFirstEntries = size_t{1} << 24;
constexpr size_t kFirstBytes = kFirstEntries * sizeof(uint32_t);  // 64 MiB

}  // namespace

void Dir24Table::FreeDeleter::operator()(uint32_t* p) const { std::free(p); }

Dir24Table::Dir24Table(const PrefixIntervals<uint32_t>& intervals) {
  using Ids = PrefixIntervals<uint32_t>::Ids;
  const std::span<const uint32_t> starts = intervals.starts();
  const std::span<const Ids> values = intervals.values();
  const std::span<const uint32_t> ids = intervals.ids();
  if (ids.size() + 1 > kIndexMask) throw std::length_error("Dir24Table: too many ids");

  // A /24 is split iff an interval starts strictly inside it; count them first so that every
  // vector is allocated once at its final size.
  size_t small_count = 0, dense_count = 0, dense_slots = 0;
  for (size_t i = 1; i < starts.size();) {
    if ((starts[i] & 0xff) == 0) {
      ++i;
      continue;
    }
    const uint32_t block = starts[i] >> 8;
    size_t k = 1;  // the interval holding the block's first address
    for (; i < starts.size() && starts[i] >> 8 == block; ++i) k += (starts[i] & 0xff) != 0;
    if (k <= kSmallSlots) {
      ++small_count;
    } else {
      ++dense_count;
      dense_slots += k;
    }
  }
  if (small_count > kIndexMask || dense_count > kIndexMask) {
    throw std::length_error("Dir24Table: too many nodes");
  }
  small_.reserve(small_count);
  dense_.reserve(dense_count);
  dense_starts_.reserve(dense_slots);
  dense_leaves_.reserve(dense_slots);

  ids_.reserve(ids.size() + 1);
  ids_.push_back(0);
  ids_.insert(ids_.end(), ids.begin(), ids.end());
  // Leaf of an interval label; a prefix with several ids gets one group (found by offset).
  std::vector<uint32_t> group_at(ids.size(), std::numeric_limits<uint32_t>::max());
  auto leaf = [&](const Ids& v) -> uint32_t {
    if (v.count == 0) return 0;
    if (v.count == 1) return v.offset + 1;
    uint32_t& g = group_at[v.offset];
    if (g == std::numeric_limits<uint32_t>::max()) {
      g = static_cast<uint32_t>(groups_.size());
      groups_.push_back({v.offset + 1, v.count});
    }
    return kAlt | g;
  };

  // 64 MiB on transparent huge pages: random lookups miss the TLB 512 times less often.
  void* memory = allocate_huge_pages(kFirstBytes);
  first_.reset(static_cast<uint32_t*>(memory));
  uint32_t* first = first_.get();
  if (starts.empty()) {
    std::fill(first, first + kFirstEntries, 0u);
    return;
  }

  size_t j = 0;  // interval holding the current block's first address
  for (size_t block = 0; block < kFirstEntries;) {
    const uint64_t base = uint64_t{block} << 8;
    while (j + 1 < starts.size() && starts[j + 1] <= base) ++j;
    const uint64_t next = j + 1 < starts.size() ? starts[j + 1] : uint64_t{1} << 32;
    if (next >= base + 256) {  // interval j covers this block and maybe more
      const size_t end = static_cast<size_t>(next >> 8);
      std::fill(first + block, first + end, leaf(values[j]));
      block = end;
      continue;
    }
    size_t last = j + 1;  // one past the last interval starting inside the block
    while (last < starts.size() && starts[last] < base + 256) ++last;
    const size_t k = last - j;
    if (k <= kSmallSlots) {
      SmallNode node{};
      for (size_t s = 0; s < kSmallSlots; ++s) {
        const size_t i = j + std::min(s, k - 1);
        node.leaves[s] = leaf(values[i]);
        if (s > 0) node.starts[s - 1] = static_cast<uint8_t>(starts[i] & 0xff);
      }
      first[block] = kNode | static_cast<uint32_t>(small_.size());
      small_.push_back(node);
    } else {
      first[block] = kNode | kAlt | static_cast<uint32_t>(dense_.size());
      dense_.push_back({static_cast<uint32_t>(dense_starts_.size()), static_cast<uint32_t>(k)});
      for (size_t i = j; i < last; ++i) {
        dense_starts_.push_back(i == j ? 0 : static_cast<uint8_t>(starts[i] & 0xff));
        dense_leaves_.push_back(leaf(values[i]));
      }
    }
    ++block;
  }
  groups_.shrink_to_fit();
}

size_t Dir24Table::memory_bytes() const {
  return (first_ ? kFirstBytes : 0) + small_.capacity() * sizeof(SmallNode) +
         dense_.capacity() * sizeof(DenseNode) + dense_starts_.capacity() +
         dense_leaves_.capacity() * sizeof(uint32_t) + groups_.capacity() * sizeof(Group) +
         ids_.capacity() * sizeof(uint32_t);
}

}  // namespace tripline
