// Zero-copy packet views and the batches a Source hands out and takes back.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "core/decoded_packet.hpp"

namespace tripline {

// Link types (libpcap DLT values) the decoder understands.
enum class LinkType : uint16_t {
  kNull = 0,  // BSD loopback, host-order 4-byte family
  kEthernet = 1,
  kRaw = 12,     // raw IPv4/IPv6 (LINKTYPE_RAW 101 is mapped to this by libpcap)
  kRawAlt = 14,  // DLT_RAW on OpenBSD-derived captures
  kLoop = 108,   // OpenBSD loopback, network-order family
  kLinuxSll = 113,
  kRawIpv4 = 228,
  kRawIpv6 = 229,
  kLinuxSll2 = 276,
};

struct PacketView {
  const uint8_t* data = nullptr;
  uint32_t caplen = 0;   // bytes present at data
  uint32_t wirelen = 0;  // bytes on the wire
  uint64_t ts_ns = 0;    // capture time, nanoseconds since the Unix epoch
  uint64_t ordinal =
      0;  // 1-based position in its input (Suricata's pcap_cnt, tshark's frame.number)
  uint16_t linktype = 1;
  uint16_t input = 0;  // index of the input (file) it came from
};

// A batch of packets owned by the Source that filled it. Whoever consumes it
// returns it with Source::release(); the pipeline counts outstanding users.
struct PacketBatch {
  static constexpr size_t kCapacity = 256;
  static constexpr uint8_t kNoWorker = 0xFF;

  PacketView packets[kCapacity];
  DecodedPacket decoded[kCapacity];  // filled by whoever decodes (dispatcher or worker)
  uint8_t worker_of[kCapacity];      // filled by the dispatcher; kNoWorker = not dispatched
  uint32_t count = 0;
  // Capture time before this batch: the latest packet time of all earlier batches. Workers
  // expire idle flows against it, so expiry does not depend on which worker saw what.
  uint64_t clock_ns = 0;
  alignas(64) std::atomic<uint32_t> users{0};  // workers still holding it (own cache line)
};

}  // namespace tripline
