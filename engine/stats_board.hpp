// Where the reader and the workers publish their counters once per batch, so another thread
// can report them while a live capture runs (periodic EVE stats). One uncontended lock per
// batch and per publisher; nothing per packet.
#pragma once

#include <mutex>
#include <vector>

#include "engine/pipeline.hpp"

namespace tripline {

class StatsBoard {
 public:
  explicit StatsBoard(size_t workers) : workers_(workers), slots_(workers) {}

  void publish_worker(size_t index, const WorkerStats& stats) {
    std::lock_guard lock(slots_[index].mutex);
    slots_[index].stats = stats;
  }
  void publish_reader(uint64_t packets, uint64_t bytes, const DecodeCounters& decode) {
    std::lock_guard lock(reader_mutex_);
    packets_ = packets;
    bytes_ = bytes;
    decode_ = decode;
  }
  // A consistent-enough report (each publisher's counters are consistent on their own).
  PipelineReport snapshot() {
    PipelineReport r;
    r.workers = static_cast<unsigned>(workers_);
    {
      std::lock_guard lock(reader_mutex_);
      r.packets = packets_;
      r.bytes = bytes_;
      r.decode = decode_;
    }
    for (auto& slot : slots_) {
      std::lock_guard lock(slot.mutex);
      r.per_worker.push_back(slot.stats);
    }
    return r;
  }

 private:
  struct alignas(64) Slot {
    std::mutex mutex;
    WorkerStats stats;
  };
  size_t workers_;
  std::vector<Slot> slots_;
  std::mutex reader_mutex_;
  uint64_t packets_ = 0, bytes_ = 0;
  DecodeCounters decode_;
};

}  // namespace tripline
