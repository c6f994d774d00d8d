// Seeded random numbers with our own distribution math: the same seed gives the same
// stream on every standard library (std:: distributions are implementation-defined).
#pragma once

#include <bit>
#include <cstdint>
#include <random>

namespace tripline::trafficgen {

inline uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}

  uint64_t next() { return engine_(); }

  // Uniform in [0, n), n > 0 (Lemire's multiply-and-reject).
  uint64_t below(uint64_t n) {
    unsigned __int128 m = static_cast<unsigned __int128>(next()) * n;
    uint64_t low = static_cast<uint64_t>(m);
    if (low < n) {
      const uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<unsigned __int128>(next()) * n;
        low = static_cast<uint64_t>(m);
      }
    }
    return static_cast<uint64_t>(m >> 64);
  }

  // Uniform in [lo, hi].
  uint64_t between(uint64_t lo, uint64_t hi) { return lo + below(hi - lo + 1); }

  // True with probability p (53-bit resolution).
  bool chance(double p) { return static_cast<double>(next() >> 11) * 0x1.0p-53 < p; }

  // Roughly log-uniform in [lo, hi], lo >= 1: many small values, a few large ones,
  // like real flow sizes. Integer-only so it is exact everywhere.
  uint64_t log_between(uint64_t lo, uint64_t hi) {
    const int lo_bits = std::bit_width(lo);
    const int hi_bits = std::bit_width(hi);
    const int bits =
        lo_bits + static_cast<int>(below(static_cast<uint64_t>(hi_bits - lo_bits + 1)));
    uint64_t a = uint64_t{1} << (bits - 1);
    uint64_t b = bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
    if (a < lo) a = lo;
    if (b > hi) b = hi;
    return between(a, b);
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace tripline::trafficgen
