// The RSS key DPDK ports are configured with is symmetric: the NIC's Toeplitz hash (computed
// here in software with DPDK's own rte_softrss) is the same for both directions of a flow,
// so both reach the same RX queue and its worker.
#include <gtest/gtest.h>
#include <rte_thash.h>

#include <random>

#include "capture/dpdk/dpdk_ports.hpp"

namespace tripline {
namespace {

uint32_t hash_v4(const uint8_t* key, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport) {
  uint32_t tuple[3] = {src, dst, (uint32_t{sport} << 16) | dport};
  return rte_softrss(tuple, 3, key);
}

uint32_t hash_v6(const uint8_t* key, const uint32_t (&src)[4], const uint32_t (&dst)[4],
                 uint16_t sport, uint16_t dport) {
  uint32_t tuple[9];
  for (int i = 0; i < 4; ++i) tuple[i] = src[i], tuple[4 + i] = dst[i];
  tuple[8] = (uint32_t{sport} << 16) | dport;
  return rte_softrss(tuple, 9, key);
}

TEST(SymmetricRss, BothDirectionsOfAFlowHashAlike) {
  const auto key = symmetric_rss_key();
  std::mt19937 rng(3);
  for (int i = 0; i < 10000; ++i) {
    const uint32_t a = rng(), b = rng();
    const uint16_t p = static_cast<uint16_t>(rng()), q = static_cast<uint16_t>(rng());
    ASSERT_EQ(hash_v4(key.data(), a, b, p, q), hash_v4(key.data(), b, a, q, p));
    uint32_t x[4], y[4];
    for (auto& w : x) w = rng();
    for (auto& w : y) w = rng();
    ASSERT_EQ(hash_v6(key.data(), x, y, p, q), hash_v6(key.data(), y, x, q, p));
  }
}

TEST(SymmetricRss, TheTestCanFailWithAnOrdinaryKey) {
  // The Microsoft/Intel default key is not symmetric: most flows would split.
  static const uint8_t kDefault[40] = {0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
                                       0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
                                       0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
                                       0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa};
  int same = 0;
  std::mt19937 rng(4);
  for (int i = 0; i < 1000; ++i) {
    const uint32_t a = rng(), b = rng();
    const uint16_t p = static_cast<uint16_t>(rng()), q = static_cast<uint16_t>(rng());
    same += hash_v4(kDefault, a, b, p, q) == hash_v4(kDefault, b, a, q, p);
  }
  EXPECT_LT(same, 10);
}

}  // namespace
}  // namespace tripline
