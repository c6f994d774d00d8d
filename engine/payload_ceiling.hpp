// The ceiling of payload matching for one capture and one rule set: the rule set's Hyperscan
// databases scanned over the capture's payload bytes with nothing around them — TCP payload
// through the streaming database, one stream per flow direction, in capture order; UDP
// payload through the block database. `tripline bench` sets the engine's throughput next to
// it. Built off any timed path (it decodes every packet once, at construction).
#pragma once

#include <cstdint>
#include <vector>

#include "core/packet.hpp"
#include "matchers/signature_engine.hpp"

namespace tripline {

class PayloadCeiling {
 public:
  // `engine` may be nullptr to only count the payload bytes.
  PayloadCeiling(const std::vector<PacketView>& packets, const SignatureEngine* engine);

  // One pass over every payload byte; returns the seconds it took (0 without an engine).
  // `hits` counts what Hyperscan reported (so the scans cannot be optimised away).
  double scan(uint64_t* hits) const;

  uint64_t payload_bytes() const { return payload_bytes_; }
  uint64_t tcp_streams() const { return streams_; }

 private:
  struct Piece {
    const uint8_t* data;
    uint32_t length;
    uint32_t stream;  // kDatagram for UDP payload
  };
  static constexpr uint32_t kDatagram = 0xFFFFFFFFu;

  const SignatureEngine* engine_;
  std::vector<Piece> pieces_;
  uint32_t streams_ = 0;
  uint64_t payload_bytes_ = 0;
};

}  // namespace tripline
