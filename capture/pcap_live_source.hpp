// Live capture from a network interface through libpcap: BPF filter, snaplen, promiscuous
// mode, buffer size, immediate mode. Runs until stop() (e.g. from a signal handler).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "capture/source.hpp"

namespace tripline {

struct LiveCaptureOptions {
  std::string interface;
  std::string bpf;  // empty = every packet
  int snaplen = 262144;
  bool promiscuous = true;
  int buffer_bytes = 64 << 20;  // kernel ring; what absorbs bursts while workers are busy
  bool immediate = false;       // deliver packets as they arrive (lower latency, more wakeups)
  int poll_timeout_ms = 100;    // how often an idle capture checks stop()
};

class PcapLiveSource final : public Source {
 public:
  // Opens and activates the capture; nullptr with *error set on failure (no such interface,
  // no permission, bad filter).
  static std::unique_ptr<PcapLiveSource> open(const LiveCaptureOptions& options, std::string* error,
                                              size_t pool_batches = 64);
  ~PcapLiveSource() override;

  PacketBatch* receive() override;
  void release(PacketBatch* batch) override;
  std::vector<InputReport> reports() const override;
  CaptureCounters capture_counters() const override;
  void stop() override;
  // True if the capture ended because of an error (interface gone), not stop().
  bool had_error() const;

 private:
  struct Impl;
  explicit PcapLiveSource(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tripline
