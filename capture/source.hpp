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

// What a live capture's kernel or driver reports (zero for files).
struct CaptureCounters {
  uint64_t received = 0;           // packets the capture mechanism saw (libpcap ps_recv)
  uint64_t kernel_dropped = 0;     // no room in the capture buffer (ps_drop; DPDK imissed)
  uint64_t interface_dropped = 0;  // dropped by the interface or driver (ps_ifdrop; ierrors)
  uint64_t no_buffer = 0;          // no packet buffer to receive into (DPDK rx_nombuf)
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
  // Thread-safe; live sources refresh it from the reader thread about once a second.
  virtual CaptureCounters capture_counters() const { return {}; }
  // Makes receive() return nullptr soon (live sources); async-signal-safe.
  virtual void stop() {}
};

}  // namespace tripline
