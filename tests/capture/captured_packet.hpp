// A packet as a capture source handed it out, copied so it outlives the batch: what the
// capture tests compare.
#pragma once

#include <cstdint>

#include "core/packet.hpp"
#include "tests/packet_builder.hpp"

namespace tripline::test {

struct CapturedPacket {
  uint64_t ordinal;
  uint16_t input;
  uint64_t ts_ns;
  uint32_t caplen;
  uint32_t wirelen;
  uint16_t linktype;
  Bytes data;
  bool operator==(const CapturedPacket&) const = default;

  static CapturedPacket of(const PacketView& v) {
    return {v.ordinal,
            v.input,
            v.ts_ns,
            v.caplen,
            v.wirelen,
            v.linktype,
            Bytes(v.data, v.data + v.caplen)};
  }
};

}  // namespace tripline::test
