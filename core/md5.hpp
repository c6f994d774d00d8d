// MD5 (RFC 1321) for fingerprint hashes such as JA3, not for security: streaming,
// allocation-free, never throws.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tripline {

class Md5 {
 public:
  using Digest = std::array<uint8_t, 16>;

  void update(const void* data, size_t len);
  void update(std::string_view s) { update(s.data(), s.size()); }
  // Pads, returns the digest, and resets to the empty state.
  Digest finish();

 private:
  void block(const uint8_t* p);

  uint32_t state_[4] = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u};
  uint64_t total_ = 0;  // bytes hashed so far
  uint8_t buffer_[64] = {};
  size_t buffered_ = 0;
};

Md5::Digest md5(std::string_view data);
// Lower-case hex of a digest, 32 characters, no terminator.
std::array<char, 32> md5_hex(const Md5::Digest& digest);
std::array<char, 32> md5_hex(std::string_view data);

}  // namespace tripline
