#include "capture/memory_source.hpp"

#include <tbb/concurrent_queue.h>

#include "capture/pcap_file_source.hpp"

namespace tripline {

struct MemorySource::Pool {
  std::vector<std::unique_ptr<PacketBatch>> batches;
  tbb::concurrent_bounded_queue<PacketBatch*> free;
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
    pool_->free.push(pool_->batches.back().get());
  }
}

MemorySource::~MemorySource() = default;

PacketBatch* MemorySource::receive() {
  if (next_ >= views_.size()) return nullptr;
  PacketBatch* batch = nullptr;
  pool_->free.pop(batch);
  batch->count = 0;
  while (batch->count < PacketBatch::kCapacity && next_ < views_.size())
    batch->packets[batch->count++] = views_[next_++];
  return batch;
}

void MemorySource::release(PacketBatch* batch) { pool_->free.push(batch); }

}  // namespace tripline
