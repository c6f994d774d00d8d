// IPv4 and IPv6 fragment reassembly with bounded memory and capture-time timeouts.
// One instance per worker (not thread-safe); all buffers are allocated at construction.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/decode.hpp"

namespace tripline {

struct DefragCounters {
  uint64_t fragments = 0;
  uint64_t reassembled = 0;
  uint64_t timeouts = 0;    // datagrams dropped incomplete after the timeout
  uint64_t evicted = 0;     // incomplete datagrams dropped because all slots were busy
  uint64_t overlaps = 0;    // fragments overlapping data already held (first copy wins)
  uint64_t too_large = 0;   // datagram beyond 65535 bytes
  uint64_t misaligned = 0;  // non-last fragment whose length is not a multiple of 8
  DefragCounters& operator+=(const DefragCounters& o);
};

class Defragmenter {
 public:
  struct Config {
    size_t max_datagrams = 64;             // concurrent datagrams in reassembly
    uint64_t timeout_ns = 60'000'000'000;  // Suricata's and Linux's default: 60 s
  };

  explicit Defragmenter(Config config);
  ~Defragmenter();

  // Adds the fragment in `fragment` (decoded, is_fragment set), seen at `ts_ns`. When it
  // completes a datagram, returns the whole datagram (IP header included, fragmentation
  // fields cleared) in *out_length bytes; valid until the next call. Otherwise nullptr.
  const uint8_t* add(const DecodedPacket& fragment, uint64_t ts_ns, uint32_t* out_length);

  const DefragCounters& counters() const { return counters_; }

 private:
  struct Slot;
  Slot* find_or_claim(const DecodedPacket& fragment, uint64_t ts_ns);

  Config config_;
  std::vector<std::unique_ptr<Slot>> slots_;
  DefragCounters counters_;
};

}  // namespace tripline
