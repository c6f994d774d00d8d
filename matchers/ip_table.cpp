#include "matchers/ip_table.hpp"

#include <algorithm>
#include <stdexcept>

namespace tripline {
namespace {

template <class Key>
Key host_mask(unsigned length) {
  constexpr unsigned bits = sizeof(Key) * 8;
  return length == 0 ? ~Key{0} : length >= bits ? Key{0} : (Key{1} << (bits - length)) - 1;
}

}  // namespace

template <class Key>
PrefixIntervals<Key>::PrefixIntervals(std::vector<Prefix> prefixes) {
  if (prefixes.empty()) return;
  if (prefixes.size() >= kNone) throw std::length_error("PrefixIntervals: too many prefixes");
  // Wider prefixes before narrower ones at the same start, so nesting is a stack; equal
  // prefixes become adjacent and form one group whose ids stay in input (id) order.
  std::sort(prefixes.begin(), prefixes.end(), [](const Prefix& a, const Prefix& b) {
    if (a.network != b.network) return a.network < b.network;
    if (a.length != b.length) return a.length < b.length;
    return a.id < b.id;
  });

  struct Group {
    Key first;
    Key last;
    Ids ids;
  };
  std::vector<Group> groups;
  ids_.reserve(prefixes.size());
  for (size_t i = 0; i < prefixes.size(); ++i) {
    const Prefix& p = prefixes[i];
    if (i == 0 || p.network != prefixes[i - 1].network || p.length != prefixes[i - 1].length) {
      const Key mask = host_mask<Key>(std::min<unsigned>(p.length, kBits));
      groups.push_back({static_cast<Key>(p.network & ~mask), static_cast<Key>(p.network | mask),
                        Ids{static_cast<uint32_t>(ids_.size()), 0}});
    }
    ids_.push_back(p.id);
    ++groups.back().ids.count;
  }
  prefix_count_ = groups.size();
  std::vector<Prefix>().swap(prefixes);

  // Sweep: an open-prefix stack; every push or pop starts a new interval. An interval that
  // starts where the previous one did replaces it; equal neighbours merge.
  starts_.reserve(2 * groups.size() + 1);
  values_.reserve(2 * groups.size() + 1);
  starts_.push_back(0);
  values_.push_back(Ids{0, 0});
  auto emit = [&](Key start, uint32_t group) {
    const Ids ids = group == kNone ? Ids{0, 0} : groups[group].ids;
    if (starts_.back() == start) {
      values_.back() = ids;
      if (values_.size() > 1 && values_[values_.size() - 2] == ids) {
        starts_.pop_back();
        values_.pop_back();
      }
    } else if (values_.back() != ids) {
      starts_.push_back(start);
      values_.push_back(ids);
    }
  };
  std::vector<uint32_t> open;
  auto close_before = [&](const Key* next_start) {
    while (!open.empty() && (next_start == nullptr || groups[open.back()].last < *next_start)) {
      const Key last = groups[open.back()].last;
      open.pop_back();
      if (last == ~Key{0}) continue;  // runs to the end of the address space
      emit(last + 1, open.empty() ? kNone : open.back());
    }
  };
  for (uint32_t g = 0; g < groups.size(); ++g) {
    close_before(&groups[g].first);
    emit(groups[g].first, g);
    open.push_back(g);
  }
  close_before(nullptr);
  starts_.shrink_to_fit();
  values_.shrink_to_fit();

  // index_[b] = interval containing the first address of bucket b; index_[2^16] = last.
  constexpr size_t kBuckets = size_t{1} << kIndexBits;
  index_.resize(kBuckets + 1);
  size_t j = 0;
  for (size_t b = 0; b < kBuckets; ++b) {
    const Key first = static_cast<Key>(Key{static_cast<uint32_t>(b)} << (kBits - kIndexBits));
    while (j + 1 < starts_.size() && starts_[j + 1] <= first) ++j;
    index_[b] = static_cast<uint32_t>(j);
  }
  index_[kBuckets] = static_cast<uint32_t>(starts_.size() - 1);
}

template class PrefixIntervals<uint32_t>;
template class PrefixIntervals<unsigned __int128>;

IpTable::IpTable(std::span<const IpRule> rules, size_t dir24_min_prefixes) {
  std::vector<PrefixIntervals<uint32_t>::Prefix> v4;
  std::vector<PrefixIntervals<unsigned __int128>::Prefix> v6;
  for (const IpRule& r : rules) {
    const IpAddress& a = r.cidr.network;
    if (a.family == 4) {
      v4.push_back({a.v4_host_order(), std::min<uint8_t>(r.cidr.prefix, 32), r.id});
    } else if (a.family == 6) {
      v6.push_back({a.v6_host_order(), std::min<uint8_t>(r.cidr.prefix, 128), r.id});
    }
  }
  v4_ = PrefixIntervals<uint32_t>(std::move(v4));
  v4_prefix_count_ = v4_.prefix_count();
  if (v4_prefix_count_ > 0 && v4_prefix_count_ >= dir24_min_prefixes) {
    try {
      v4_dir24_ = Dir24Table(v4_);
      v4_ = {};
    } catch (const std::length_error&) {  // over 2^30 ids or nodes: keep the intervals
    }
  }
  v6_ = PrefixIntervals<unsigned __int128>(std::move(v6));
}

}  // namespace tripline
