#include "capture/memory_source.hpp"

#include <condition_variable>
#include <mutex>

#include "capture/pcap_file_source.hpp"

namespace tripline {

// Free batches. The reader, once it finds none, sleeps until a good share came back (not
// until the first one does): one wake-up per kRefill releases instead of one per release,
// which on a busy machine preempts a worker every time.
struct MemorySource::Pool {
  std::vector<std::unique_ptr<PacketBatch>> batches;
  std::mutex mutex;
  std::condition_variable refilled;
  std::vector<PacketBatch*> free;
  bool waiting = false;
  size_t refill = 1;  // free batches that wake a waiting reader
};

MemorySource::MemorySource(const std::vector<std::string>& paths, size_t pool_batches)
    : pool_(std::make_unique<Pool>()) {
  PcapFileSource file(paths);
  std::vector<size_t> offsets;
  while (PacketBatch* batch = file.receive()) {
    for (uint32_t i = 0; i < batch->count; ++i) {
      const PacketView& p = batch->packets[i];
      offsets.push_back(data_.size());
      data_.insert(data_.end(), p.data, p.data + p.caplen);
      views_.push_back(p);
      bytes_ += p.wirelen;
    }
    file.release(batch);
  }
  for (size_t i = 0; i < views_.size(); ++i) views_[i].data = data_.data() + offsets[i];
  reports_ = file.reports();
  for (size_t i = 0; i < std::max<size_t>(pool_batches, 1); ++i) {
    pool_->batches.push_back(std::make_unique<PacketBatch>());
    pool_->free.push_back(pool_->batches.back().get());
  }
  pool_->refill = std::max<size_t>(1, pool_->batches.size() / 8);
}

MemorySource::~MemorySource() = default;

PacketBatch* MemorySource::receive() {
  if (next_ >= views_.size()) return nullptr;
  PacketBatch* batch = nullptr;
  {
    std::unique_lock lock(pool_->mutex);
    if (pool_->free.empty()) {
      pool_->waiting = true;
      pool_->refilled.wait(lock, [&] { return pool_->free.size() >= pool_->refill; });
      pool_->waiting = false;
    }
    batch = pool_->free.back();
    pool_->free.pop_back();
  }
  batch->count = 0;
  while (batch->count < PacketBatch::kCapacity && next_ < views_.size())
    batch->packets[batch->count++] = views_[next_++];
  return batch;
}

void MemorySource::release(PacketBatch* batch) {
  std::lock_guard lock(pool_->mutex);
  pool_->free.push_back(batch);  // capacity: every batch, reserved by the pool's construction
  if (pool_->waiting && pool_->free.size() == pool_->refill) pool_->refilled.notify_one();
}

}  // namespace tripline
