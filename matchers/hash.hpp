// Hash functions for the string tables: a byte-wise hash that runs right to left, so one pass
// over a domain name yields the hash of every parent suffix, and a word-wise hash for URLs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace tripline::hashing {

inline constexpr uint64_t kSeed = 0x9e3779b97f4a7c15ull;
inline constexpr uint64_t kPrime = 0x100000001b3ull;  // FNV-1a 64-bit prime

// Final avalanche (MurmurHash3 fmix64) so that the low bits (slot index) and the high bits
// (tag) of the result both depend on every input byte.
inline uint64_t finish(uint64_t h, size_t length) {
  h ^= static_cast<uint64_t>(length) * 0xc2b2ae3d27d4eb4full;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

// One step of the right-to-left byte hash. The state after consuming bytes [i, n) (from n-1
// down to i) is the un-finished hash of the suffix starting at i.
inline uint64_t step(uint64_t h, unsigned char c) { return (h ^ c) * kPrime; }

// Hash of `key` as the right-to-left byte hash; equals what a suffix walk computes.
inline uint64_t suffix_hash(std::string_view key) {
  uint64_t h = kSeed;
  for (size_t i = key.size(); i-- > 0;) h = step(h, static_cast<unsigned char>(key[i]));
  return finish(h, key.size());
}

// Word-at-a-time hash for longer keys (URLs).
inline uint64_t word_hash(const char* p, size_t n) {
  constexpr uint64_t k1 = 0x87c37b91114253d5ull;
  constexpr uint64_t k2 = 0x4cf5ad432745937full;
  uint64_t h = kSeed;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    w *= k1;
    w = (w << 31) | (w >> 33);
    h ^= w * k2;
    h = ((h << 27) | (h >> 37)) * 5 + 0x52dce729;
  }
  uint64_t tail = 0;
  if (i < n) {
    std::memcpy(&tail, p + i, n - i);
    tail *= k1;
    tail = (tail << 31) | (tail >> 33);
    h ^= tail * k2;
  }
  return finish(h, n);
}
inline uint64_t word_hash(std::string_view key) { return word_hash(key.data(), key.size()); }

}  // namespace tripline::hashing
