#include "matchers/domain_table.hpp"

#include "matchers/ascii.hpp"
#include "matchers/hash.hpp"

namespace tripline {

DomainTable::DomainTable(std::span<const KeyedId> domains) : table_(domains, &DomainTable::hash) {}

uint64_t DomainTable::hash(std::string_view key) { return hashing::suffix_hash(key); }

IdSpan DomainTable::match(std::string_view name) const {
  if (table_.empty()) return {};
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  const size_t n = name.size();
  if (n == 0 || n > kMaxName) return {};

  // One right-to-left pass lower-cases the name and hashes every suffix that starts a label.
  // Candidates are recorded shortest first; at most one per label, so 128 is enough.
  char buf[kMaxName];
  uint32_t start[kMaxName / 2 + 2];
  uint64_t hashes[kMaxName / 2 + 2];
  size_t count = 0;
  const size_t min_len = table_.min_key_length();
  const size_t max_len = table_.max_key_length();
  uint64_t h = hashing::kSeed;
  for (size_t i = n; i-- > 0;) {
    const char c = ascii_lower(name[i]);
    buf[i] = c;
    if (c == '.') {
      const size_t len = n - i - 1;
      if (len >= min_len && len <= max_len) {
        start[count] = static_cast<uint32_t>(i + 1);
        hashes[count] = hashing::finish(h, len);
        table_.prefetch(hashes[count]);
        ++count;
      }
    }
    h = hashing::step(h, static_cast<unsigned char>(c));
  }
  if (n >= min_len && n <= max_len) {
    start[count] = 0;
    hashes[count] = hashing::finish(h, n);
    table_.prefetch(hashes[count]);
    ++count;
  }
  // Most specific (longest) first.
  for (size_t k = count; k-- > 0;) {
    const IdSpan ids = table_.find(std::string_view(buf + start[k], n - start[k]), hashes[k]);
    if (!ids.empty()) return ids;
  }
  return {};
}

}  // namespace tripline
