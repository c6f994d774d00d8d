#include "capture/pcap_file_source.hpp"

#include <pcap/pcap.h>
#include <tbb/concurrent_queue.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

namespace tripline {
namespace {

constexpr size_t kArenaBytes = 1u << 20;  // per batch; a packet never exceeds it (snaplen cap)

struct PooledBatch : PacketBatch {
  std::unique_ptr<uint8_t[]> arena = std::make_unique<uint8_t[]>(kArenaBytes);
};

std::vector<std::string> expand(const std::vector<std::string>& paths,
                                std::vector<InputReport>& errors) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> in_dir;
      for (const auto& entry : fs::recursive_directory_iterator(p, ec))
        if (entry.is_regular_file()) in_dir.push_back(entry.path().string());
      std::sort(in_dir.begin(), in_dir.end());
      if (in_dir.empty()) errors.push_back({p, 0, 0, false, p + ": no files in directory"});
      files.insert(files.end(), in_dir.begin(), in_dir.end());
    } else if (fs::exists(p, ec)) {
      files.push_back(p);
    } else {
      errors.push_back({p, 0, 0, false, p + ": no such file or directory"});
    }
  }
  return files;
}

}  // namespace

struct PcapFileSource::Impl {
  std::vector<std::string> files;
  std::vector<InputReport> reports;  // one per file opened or failed, in order
  std::vector<std::unique_ptr<PooledBatch>> pool;
  tbb::concurrent_bounded_queue<PacketBatch*> free_batches;
  bool had_error = false;

  size_t next_file = 0;
  pcap_t* handle = nullptr;
  InputReport* current = nullptr;
  uint16_t input_index = 0;
  uint16_t linktype = 0;

  // A packet read but not yet copied because the previous batch was full.
  const pcap_pkthdr* pending_header = nullptr;
  const u_char* pending_data = nullptr;

  ~Impl() {
    if (handle != nullptr) pcap_close(handle);
  }

  bool open_next() {
    while (next_file < files.size()) {
      const std::string& name = files[next_file];
      input_index = static_cast<uint16_t>(next_file);
      ++next_file;
      char errbuf[PCAP_ERRBUF_SIZE] = {};
      handle =
          pcap_open_offline_with_tstamp_precision(name.c_str(), PCAP_TSTAMP_PRECISION_NANO, errbuf);
      reports.push_back({name, 0, 0, true, ""});
      current = &reports.back();
      if (handle == nullptr) {
        current->complete = false;
        current->message = name + ": not a readable capture file: " + errbuf;
        had_error = true;
        continue;
      }
      linktype = static_cast<uint16_t>(pcap_datalink(handle));
      return true;
    }
    return false;
  }

  void close_current() {
    pcap_close(handle);
    handle = nullptr;
  }

  // Reads the next packet of the current file into header/data; false at the file's end.
  bool read_one(const pcap_pkthdr*& header, const u_char*& data) {
    const int rc = pcap_next_ex(handle, const_cast<pcap_pkthdr**>(&header), &data);
    if (rc == 1) return true;
    if (rc == PCAP_ERROR) {
      const std::string err = pcap_geterr(handle);
      current->complete = false;
      const uint64_t frame = current->packets + 1;
      if (err.find("truncated") != std::string::npos) {
        current->message = current->name + ": truncated record at frame " + std::to_string(frame) +
                           " (" + err + "); read " + std::to_string(current->packets) + " packets";
      } else {
        current->message = current->name + ": read error at frame " + std::to_string(frame) + ": " +
                           err + "; read " + std::to_string(current->packets) + " packets";
        had_error = true;
      }
    }
    return false;
  }

  // Copies one packet into the batch; false if the arena has no room for it.
  bool append(PooledBatch& batch, size_t& used, const pcap_pkthdr& header, const u_char* data) {
    const uint32_t caplen = std::min<uint32_t>(header.caplen, kArenaBytes);
    if (used + caplen > kArenaBytes) return false;
    std::memcpy(batch.arena.get() + used, data, caplen);
    PacketView& view = batch.packets[batch.count++];
    view.data = batch.arena.get() + used;
    view.caplen = caplen;
    view.wirelen = header.len;
    view.ts_ns = static_cast<uint64_t>(header.ts.tv_sec) * 1000000000ull +
                 static_cast<uint64_t>(header.ts.tv_usec);  // nanoseconds (precision NANO)
    view.ordinal = ++current->packets;
    view.linktype = linktype;
    view.input = input_index;
    current->bytes += header.len;
    used += caplen;
    return true;
  }

  PacketBatch* receive() {
    if (handle == nullptr && pending_header == nullptr && !open_next()) return nullptr;
    PacketBatch* raw = nullptr;
    free_batches.pop(raw);
    auto& batch = static_cast<PooledBatch&>(*raw);
    batch.count = 0;
    size_t used = 0;
    if (pending_header != nullptr) {
      append(batch, used, *pending_header, pending_data);
      pending_header = nullptr;
    }
    while (batch.count < PacketBatch::kCapacity) {
      if (handle == nullptr && !open_next()) break;
      const pcap_pkthdr* header = nullptr;
      const u_char* data = nullptr;
      if (!read_one(header, data)) {
        close_current();
        continue;
      }
      if (!append(batch, used, *header, data)) {
        pending_header = header;  // stays valid: no pcap call until the next receive()
        pending_data = data;
        break;
      }
    }
    if (batch.count == 0) {
      free_batches.push(raw);
      return nullptr;
    }
    return raw;
  }
};

PcapFileSource::PcapFileSource(std::vector<std::string> paths, size_t pool_batches)
    : impl_(std::make_unique<Impl>()) {
  std::vector<InputReport> missing;
  impl_->files = expand(paths, missing);
  impl_->reports.reserve(impl_->files.size() + missing.size());
  for (auto& m : missing) {
    impl_->reports.push_back(std::move(m));
    impl_->had_error = true;
  }
  for (size_t i = 0; i < std::max<size_t>(pool_batches, 1); ++i) {
    impl_->pool.push_back(std::make_unique<PooledBatch>());
    impl_->free_batches.push(impl_->pool.back().get());
  }
}

PcapFileSource::~PcapFileSource() = default;

PacketBatch* PcapFileSource::receive() { return impl_->receive(); }

void PcapFileSource::release(PacketBatch* batch) { impl_->free_batches.push(batch); }

std::vector<InputReport> PcapFileSource::reports() const { return impl_->reports; }

const std::vector<std::string>& PcapFileSource::files() const { return impl_->files; }

bool PcapFileSource::had_error() const { return impl_->had_error; }

}  // namespace tripline
