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
        const uint32_t off = key_off_[s.entry];
        const uint32_t len = key_off_[s.entry + 1] - off;
        if (len == key.size() && std::char_traits<char>::compare(arena_.data() + off, key.data(),
                                                                 len) == 0) {
          const uint32_t ids_off = ids_off_[s.entry];
          return {ids_.data() + ids_off, ids_off_[s.entry + 1] - ids_off};
        }
      }
      i = (i + 1) & mask_;
    }
  }
  void prefetch(uint64_t hash) const { __builtin_prefetch(&slots_[hash & mask_]); }

  size_t size() const { return key_off_.empty() ? 0 : key_off_.size() - 1; }
  bool empty() const { return size() == 0; }
  size_t min_key_length() const { return min_len_; }
  size_t max_key_length() const { return max_len_; }
  size_t memory_bytes() const;

 private:
  struct Slot {
    uint32_t tag;    // high 32 bits of the key's hash
    uint32_t entry;  // index into key_off_/ids_off_, kEmpty when free
  };
  static constexpr uint32_t kEmpty = 0xffffffffu;

  void insert_slot(uint64_t hash, uint32_t entry);

  std::vector<Slot> slots_ = std::vector<Slot>(1, Slot{0, kEmpty});
  size_t mask_ = 0;
  std::vector<uint32_t> key_off_;  // entry e's key is arena_[key_off_[e], key_off_[e+1])
  std::vector<uint32_t> ids_off_;  // entry e's ids are ids_[ids_off_[e], ids_off_[e+1])
  std::vector<uint32_t> ids_;
  std::string arena_;
  size_t min_len_ = 0;
  size_t max_len_ = 0;
};

}  // namespace tripline
