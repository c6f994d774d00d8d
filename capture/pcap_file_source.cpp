#include "capture/pcap_file_source.hpp"

#include <fcntl.h>
#include <pcap/pcap.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <tbb/concurrent_queue.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>

#include "capture/pcap_mmap_reader.hpp"

namespace tripline {
namespace {

constexpr size_t kArenaBytes = 1u << 20;  // per batch; a packet never exceeds it (snaplen cap)
// How far ahead of the reader a mapped file is asked for (MADV_WILLNEED), renewed when the
// reader has used half of it; the kernel's sequential read-ahead does the rest.
constexpr size_t kWillNeedBytes = 32u << 20;
// Pages this far behind the reader leave the process (MADV_DONTNEED: they stay in the page
// cache, and a batch still pointing there faults them back in), so that resident memory stays
// bounded however large the file; the batches in flight hold at most 64 MiB of packets.
constexpr size_t kDropBehindBytes = 64u << 20;

// A file mapped read-only. Whoever drops the last reference unmaps it: the reader holds one
// while it reads the file, and every batch one while it holds packets pointing into it.
struct Mapping {
  std::atomic<uint32_t> refs{0};
  uint8_t* base = nullptr;
  size_t size = 0;
};

void unref(Mapping& mapping) {
  if (mapping.refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    if (mapping.base != nullptr) munmap(mapping.base, mapping.size);
    mapping.base = nullptr;
  }
}

struct PooledBatch : PacketBatch {
  // Packets read through libpcap are copied here (libpcap reuses its buffer); mapped packets
  // are not, so the arena is left untouched (not zeroed) until a libpcap file needs it.
  std::unique_ptr<uint8_t[]> arena = std::make_unique_for_overwrite<uint8_t[]>(kArenaBytes);
  // Files whose mappings this batch's packets point into, in reading order.
  uint32_t held[PacketBatch::kCapacity];
  uint32_t held_count = 0;
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
  PcapReadMode mode = PcapReadMode::kMmapWhenPossible;
  std::vector<std::string> files;
  std::vector<InputReport> reports;  // one per file opened or failed, in order
  std::vector<std::unique_ptr<PooledBatch>> pool;
  tbb::concurrent_bounded_queue<PacketBatch*> free_batches;
  std::unique_ptr<Mapping[]> mappings;  // one per file, whether or not it gets mapped
  bool had_error = false;
  size_t mapped_count = 0;

  size_t next_file = 0;
  InputReport* current = nullptr;
  uint16_t input_index = 0;

  // The current file when it is read through libpcap.
  pcap_t* handle = nullptr;
  uint16_t linktype = 0;
  // A packet read but not yet copied because the previous batch was full.
  const pcap_pkthdr* pending_header = nullptr;
  const u_char* pending_data = nullptr;

  // The current file when it is mapped.
  Mapping* mapped = nullptr;
  uint32_t mapped_index = 0;
  PcapMmapReader reader;
  size_t advised_to = 0;  // MADV_WILLNEED asked up to this offset
  size_t dropped_to = 0;  // MADV_DONTNEED done up to this offset

  ~Impl() {
    if (handle != nullptr) pcap_close(handle);
    for (size_t i = 0; mappings != nullptr && i < files.size(); ++i)
      if (mappings[i].base != nullptr) munmap(mappings[i].base, mappings[i].size);
  }

  bool file_open() const { return handle != nullptr || mapped != nullptr; }

  bool open_next() {
    while (next_file < files.size()) {
      const std::string& name = files[next_file];
      input_index = static_cast<uint16_t>(next_file);
      ++next_file;
      reports.push_back({name, 0, 0, true, ""});
      current = &reports.back();
      if (mode == PcapReadMode::kMmapWhenPossible) {
        const MapResult mapped_now = try_map(next_file - 1);
        if (mapped_now == MapResult::kMapped) return true;
        if (mapped_now == MapResult::kRefused) continue;
      }
      char errbuf[PCAP_ERRBUF_SIZE] = {};
      handle =
          pcap_open_offline_with_tstamp_precision(name.c_str(), PCAP_TSTAMP_PRECISION_NANO, errbuf);
      if (handle == nullptr) {
        refuse(errbuf);
        continue;
      }
      linktype = static_cast<uint16_t>(pcap_datalink(handle));
      return true;
    }
    return false;
  }

  void refuse(const std::string& why) {
    current->complete = false;
    current->message = current->name + ": not a readable capture file: " + why;
    had_error = true;
  }

  // Stops reading the current file at a bad record; `err` is libpcap's text (or the same
  // text from the mapped reader). A truncated record is a warning, anything else an error.
  void stop_file(const std::string& err, bool truncated) {
    current->complete = false;
    const uint64_t frame = current->packets + 1;
    if (truncated) {
      current->message = current->name + ": truncated record at frame " + std::to_string(frame) +
                         " (" + err + "); read " + std::to_string(current->packets) + " packets";
    } else {
      current->message = current->name + ": read error at frame " + std::to_string(frame) + ": " +
                         err + "; read " + std::to_string(current->packets) + " packets";
      had_error = true;
    }
  }

  enum class MapResult { kMapped, kNotMapped, kRefused };

  // Maps a classic pcap file. kNotMapped leaves the file to libpcap (pcapng, not a regular
  // file, mmap failed...); kRefused means the header is broken in a way libpcap refuses too,
  // and the report says so in libpcap's words.
  MapResult try_map(size_t index) {
    const int fd = ::open(files[index].c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return MapResult::kNotMapped;  // libpcap will say why
    struct stat st {};
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      return MapResult::kNotMapped;
    }
    const size_t size = static_cast<size_t>(st.st_size);
    uint8_t* base = nullptr;
    if (size > 0) {
      void* addr = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
      if (addr == MAP_FAILED) {
        ::close(fd);
        return MapResult::kNotMapped;
      }
      base = static_cast<uint8_t*>(addr);
    }
    ::close(fd);
    const PcapMmapReader::Header header = reader.open({base, size});
    if (header != PcapMmapReader::Header::kOk) {
      if (base != nullptr) munmap(base, size);
      if (header == PcapMmapReader::Header::kNotClassic) return MapResult::kNotMapped;
      refuse(reader.message());
      return MapResult::kRefused;
    }
    Mapping& mapping = mappings[index];
    mapping.base = base;
    mapping.size = size;
    mapping.refs.store(1, std::memory_order_relaxed);  // the reader's
    madvise(base, size, MADV_SEQUENTIAL);
    mapped = &mapping;
    mapped_index = static_cast<uint32_t>(index);
    advised_to = 0;
    dropped_to = 0;
    advise();
    ++mapped_count;
    return MapResult::kMapped;
  }

  // Read-ahead in front of the reader, and pages far behind it out of the process.
  void advise() {
    const size_t at = reader.offset();
    static const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    if (advised_to < mapped->size && at + kWillNeedBytes / 2 >= advised_to) {
      const size_t from = std::max(advised_to, at) & ~(page - 1);
      const size_t to = std::min(mapped->size, at + kWillNeedBytes);
      madvise(mapped->base + from, to - from, MADV_WILLNEED);
      advised_to = to;
    }
    if (at >= dropped_to + 2 * kDropBehindBytes) {
      const size_t to = (at - kDropBehindBytes) & ~(page - 1);
      madvise(mapped->base + dropped_to, to - dropped_to, MADV_DONTNEED);
      dropped_to = to;
    }
  }

  void close_current() {
    if (handle != nullptr) {
      pcap_close(handle);
      handle = nullptr;
    }
    if (mapped != nullptr) {
      unref(*mapped);
      mapped = nullptr;
    }
  }

  // Reads the next packet of the current file into header/data; false at the file's end.
  bool read_one(const pcap_pkthdr*& header, const u_char*& data) {
    const int rc = pcap_next_ex(handle, const_cast<pcap_pkthdr**>(&header), &data);
    if (rc == 1) return true;
    if (rc == PCAP_ERROR) {
      const std::string err = pcap_geterr(handle);
      stop_file(err, err.find("truncated") != std::string::npos);
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

  // Fills the rest of the batch from the mapped file, zero-copy, ending it where the libpcap
  // path would (256 packets or 1 MiB of packet bytes, `used`), so that batches are the same
  // either way. Closes the file at its end or at a bad record. False when the batch is full.
  bool read_mapped(PooledBatch& batch, size_t& used) {
    const uint32_t room = PacketBatch::kCapacity - batch.count;
    PacketView* views = batch.packets + batch.count;
    const uint32_t n = reader.read(views, room, kArenaBytes - used);
    if (n > 0) {
      if (batch.held_count == 0 || batch.held[batch.held_count - 1] != mapped_index) {
        batch.held[batch.held_count++] = mapped_index;
        mapped->refs.fetch_add(1, std::memory_order_relaxed);
      }
      uint64_t bytes = 0;
      uint64_t ordinal = current->packets;
      for (uint32_t i = 0; i < n; ++i) {
        views[i].ordinal = ++ordinal;
        views[i].input = input_index;
        bytes += views[i].wirelen;
        used += views[i].caplen;
      }
      current->packets = ordinal;
      current->bytes += bytes;
      batch.count += n;
      advise();
    }
    switch (reader.status()) {
      case PcapMmapReader::Status::kOk:
        return n < room;  // stopped short only for the byte budget
      case PcapMmapReader::Status::kTruncated:
        stop_file(reader.message(), true);
        break;
      case PcapMmapReader::Status::kInvalid:
        stop_file(reader.message(), false);
        break;
      case PcapMmapReader::Status::kEnd:
        break;
    }
    close_current();
    return false;
  }

  PacketBatch* receive() {
    if (!file_open() && pending_header == nullptr && !open_next()) return nullptr;
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
      if (!file_open() && !open_next()) break;
      if (mapped != nullptr) {
        if (read_mapped(batch, used)) break;
        continue;
      }
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

  void release(PacketBatch* raw) {
    auto& batch = static_cast<PooledBatch&>(*raw);
    for (uint32_t i = 0; i < batch.held_count; ++i) unref(mappings[batch.held[i]]);
    batch.held_count = 0;
    free_batches.push(raw);
  }
};

PcapFileSource::PcapFileSource(std::vector<std::string> paths, size_t pool_batches,
                               PcapReadMode mode)
    : impl_(std::make_unique<Impl>()) {
  impl_->mode = mode;
  std::vector<InputReport> missing;
  impl_->files = expand(paths, missing);
  impl_->mappings = std::make_unique<Mapping[]>(impl_->files.size());
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

void PcapFileSource::release(PacketBatch* batch) { impl_->release(batch); }

std::vector<InputReport> PcapFileSource::reports() const { return impl_->reports; }

const std::vector<std::string>& PcapFileSource::files() const { return impl_->files; }

bool PcapFileSource::had_error() const { return impl_->had_error; }

size_t PcapFileSource::mapped_files() const { return impl_->mapped_count; }

}  // namespace tripline
