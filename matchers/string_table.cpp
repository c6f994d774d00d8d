#include "matchers/string_table.hpp"

#include <algorithm>
#include <stdexcept>

namespace tripline {
namespace {

// Power-of-two slot count keeping the load factor at or below 0.7.
size_t capacity_for(size_t entries) {
  size_t cap = 16;
  while (cap * 7 < entries * 10) cap *= 2;
  return cap;
}

}  // namespace

StringTable::StringTable(std::span<const KeyedId> items, HashFn hash) {
  if (items.size() >= kEmpty) throw std::length_error("StringTable: too many keys");
  // Pass 1: find or create each item's entry, sized for the worst case (all keys distinct).
  slots_.assign(capacity_for(items.size()), Slot{0, kEmpty});
  mask_ = slots_.size() - 1;
  std::vector<uint32_t> entry_of(items.size());
  std::vector<uint64_t> entry_hash;
  std::vector<uint32_t> key_off;  // entry starts in arena_ while building
  entry_hash.reserve(items.size());
  key_off.reserve(items.size() + 1);
  size_t key_bytes = 0;
  for (const KeyedId& item : items) key_bytes += item.key.size();
  arena_.reserve(key_bytes);
  min_len_ = items.empty() ? 0 : SIZE_MAX;
  // During pass 1 the last entry's key runs to the end of the arena.
  auto key_at = [this, &key_off](uint32_t e) {
    const size_t end = e + 1 < key_off.size() ? key_off[e + 1] : arena_.size();
    return std::string_view(arena_).substr(key_off[e], end - key_off[e]);
  };
  for (size_t n = 0; n < items.size(); ++n) {
    const std::string_view key = items[n].key;
    const uint64_t h = hash(key);
    size_t i = h & mask_;
    const uint32_t tag = static_cast<uint32_t>(h >> 32);
    for (;;) {
      const Slot s = slots_[i];
      if (s.entry == kEmpty) {
        const auto e = static_cast<uint32_t>(key_off.size());
        if (arena_.size() + key.size() >= kEmpty)
          throw std::length_error("StringTable: key arena over 4 GiB");
        key_off.push_back(static_cast<uint32_t>(arena_.size()));
        arena_.append(key);
        entry_hash.push_back(h);
        slots_[i] = Slot{tag, e};
        entry_of[n] = e;
        min_len_ = std::min(min_len_, key.size());
        max_len_ = std::max(max_len_, key.size());
        break;
      }
      if (s.tag == tag && key_at(s.entry) == key) {
        entry_of[n] = s.entry;
        break;
      }
      i = (i + 1) & mask_;
    }
  }
  const size_t entries = key_off.size();
  key_off.push_back(static_cast<uint32_t>(arena_.size()));
  arena_.shrink_to_fit();

  // Duplicates left the table oversized: re-insert the distinct keys into a smaller one.
  if (capacity_for(entries) < slots_.size()) {
    slots_.assign(capacity_for(entries), Slot{0, kEmpty});
    slots_.shrink_to_fit();
    mask_ = slots_.size() - 1;
    for (size_t e = 0; e < entries; ++e) insert_slot(entry_hash[e], static_cast<uint32_t>(e));
  }

  // Pass 2: counting sort of the ids by entry (stable: ids keep input order).
  std::vector<uint32_t> ids_off(entries + 1, 0);
  for (const uint32_t e : entry_of) ++ids_off[e + 1];
  for (size_t e = 0; e < entries; ++e) ids_off[e + 1] += ids_off[e];
  ids_.resize(items.size());
  std::vector<uint32_t> fill(ids_off.begin(), ids_off.end() - 1);
  for (size_t n = 0; n < items.size(); ++n) ids_[fill[entry_of[n]]++] = items[n].id;

  entries_.resize(entries + 1);
  for (size_t e = 0; e <= entries; ++e) entries_[e] = Entry{key_off[e], ids_off[e]};
}

void StringTable::insert_slot(uint64_t hash, uint32_t entry) {
  size_t i = hash & mask_;
  while (slots_[i].entry != kEmpty) i = (i + 1) & mask_;
  slots_[i] = Slot{static_cast<uint32_t>(hash >> 32), entry};
}

size_t StringTable::memory_bytes() const {
  return slots_.capacity() * sizeof(Slot) + entries_.capacity() * sizeof(Entry) +
         ids_.capacity() * sizeof(uint32_t) + arena_.capacity();
}

}  // namespace tripline
