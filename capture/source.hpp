// Source: where packets come from. One shape for every capture kind (pcap file,
// libpcap live, DPDK): receive a batch of zero-copy views, give it back with release().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/packet.hpp"

namespace tripline {

// What a source reports about how far it got.
struct InputReport {
  std::string name;      // file name or interface
  uint64_t packets = 0;  // packets delivered from this input
  uint64_t bytes = 0;
  bool complete = true;  // false when reading stopped early (truncation, error)
  std::string message;   // warning or error text when not complete, or when truncated
};

class Source {
 public:
  virtual ~Source() = default;

  // Next batch, or nullptr at the end of input. Blocks while every batch is in use.
  // One virtual call per batch, never per packet.
  virtual PacketBatch* receive() = 0;
  // Hands a batch back once every packet in it has been processed. Thread-safe.
  virtual void release(PacketBatch* batch) = 0;

  virtual std::vector<InputReport> reports() const = 0;
};

}  // namespace tripline
