// StringTable: an immutable open-addressing hash map from byte strings to IdSpans, the common
// core of the domain and URL tables. Keys live in one arena, hashes are supplied by the caller
// (so a lookup can hash many candidate keys in one pass), lookups never allocate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "matchers/compiled_rules.hpp"

namespace tripline {

struct KeyedId {
  std::string_view key;
  uint32_t id;
};

class StringTable {
 public:
  using HashFn = uint64_t (*)(std::string_view);

  StringTable() = default;
  // Items with equal keys share one entry whose ids are listed in input order.
  StringTable(std::span<const KeyedId> items, HashFn hash);

  // `hash` must be hash(key) for the HashFn given at construction.
  IdSpan find(std::string_view key, uint64_t hash) const {
    size_t i = hash & mask_;
    const uint32_t tag = static_cast<uint32_t>(hash >> 32);
    for (;;) {
      const Slot s = slots_[i];
      if (s.entry == kEmpty) return {};
      if (s.tag == tag) {
        const Entry& e = entries_[s.entry];  // e and its successor share a cache line mostly
        const uint32_t len = (&e)[1].key - e.key;
        if (len == key.size() &&
            std::char_traits<char>::compare(arena_.data() + e.key, key.data(), len) == 0)
          return {ids_.data() + e.ids, (&e)[1].ids - e.ids};
      }
      i = (i + 1) & mask_;
    }
  }
  void prefetch(uint64_t hash) const { __builtin_prefetch(&slots_[hash & mask_]); }

  size_t size() const { return entries_.empty() ? 0 : entries_.size() - 1; }
  bool empty() const { return size() == 0; }
  size_t min_key_length() const { return min_len_; }
  size_t max_key_length() const { return max_len_; }
  size_t memory_bytes() const;

 private:
  struct Slot {
    uint32_t tag;    // high 32 bits of the key's hash
    uint32_t entry;  // index into entries_, kEmpty when free
  };
  // Entry e's key is arena_[entries_[e].key, entries_[e+1].key), its ids
  // ids_[entries_[e].ids, entries_[e+1].ids); a sentinel entry closes the last one.
  struct Entry {
    uint32_t key;
    uint32_t ids;
  };
  static constexpr uint32_t kEmpty = 0xffffffffu;

  void insert_slot(uint64_t hash, uint32_t entry);

  std::vector<Slot> slots_ = std::vector<Slot>(1, Slot{0, kEmpty});
  size_t mask_ = 0;
  std::vector<Entry> entries_;
  std::vector<uint32_t> ids_;
  std::string arena_;
  size_t min_len_ = 0;
  size_t max_len_ = 0;
};

}  // namespace tripline
