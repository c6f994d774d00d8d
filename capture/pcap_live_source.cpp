#include "capture/pcap_live_source.hpp"

#include <pcap/pcap.h>
#include <tbb/concurrent_queue.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <ctime>

namespace tripline {
namespace {

constexpr size_t kArenaBytes = 2u << 20;  // > one snaplen (256 KiB) plus a full batch of MTU frames

struct PooledBatch : PacketBatch {
  std::unique_ptr<uint8_t[]> arena = std::make_unique<uint8_t[]>(kArenaBytes);
};

}  // namespace

struct PcapLiveSource::Impl {
  LiveCaptureOptions options;
  pcap_t* handle = nullptr;
  int linktype = 0;
  size_t snapshot = 0;  // the snaplen libpcap actually uses
  std::atomic<bool> failed{false};
  std::string error;  // written by the reader thread before `failed` is set
  std::vector<std::unique_ptr<PooledBatch>> pool;
  tbb::concurrent_bounded_queue<PacketBatch*> free_batches;
  std::atomic<bool> stopping{false};

  // Written by the reader thread only; read by anyone.
  std::atomic<uint64_t> packets{0}, bytes{0};
  std::atomic<uint64_t> recv{0}, drop{0}, ifdrop{0};
  std::chrono::steady_clock::time_point last_stats{};

  // Filled by the pcap_dispatch callback.
  PooledBatch* filling = nullptr;
  size_t used = 0;

  ~Impl() {
    if (handle != nullptr) pcap_close(handle);
  }

  static void on_packet(u_char* user, const pcap_pkthdr* header, const u_char* data) {
    auto* self = reinterpret_cast<Impl*>(user);
    PooledBatch& batch = *self->filling;
    // The dispatch is stopped (below) before the arena could overflow, so nothing is lost.
    const uint32_t caplen = std::min<uint32_t>(header->caplen, kArenaBytes);
    std::memcpy(batch.arena.get() + self->used, data, caplen);
    PacketView& view = batch.packets[batch.count++];
    view.data = batch.arena.get() + self->used;
    view.caplen = caplen;
    view.wirelen = header->len;
    view.ts_ns = static_cast<uint64_t>(header->ts.tv_sec) * 1000000000ull +
                 static_cast<uint64_t>(header->ts.tv_usec);  // nanosecond precision
    view.ordinal = self->packets.fetch_add(1, std::memory_order_relaxed) + 1;
    view.linktype = static_cast<uint16_t>(self->linktype);
    view.input = 0;
    self->bytes.fetch_add(header->len, std::memory_order_relaxed);
    self->used += caplen;
    if (self->used + self->snapshot > kArenaBytes)
      pcap_breakloop(self->handle);  // the next packet might not fit: hand this batch on
  }

  void refresh_stats() {
    pcap_stat st{};
    if (pcap_stats(handle, &st) == 0) {
      recv.store(st.ps_recv, std::memory_order_relaxed);
      drop.store(st.ps_drop, std::memory_order_relaxed);
      ifdrop.store(st.ps_ifdrop, std::memory_order_relaxed);
    }
    last_stats = std::chrono::steady_clock::now();
  }
};

std::unique_ptr<PcapLiveSource> PcapLiveSource::open(const LiveCaptureOptions& options,
                                                     std::string* error, size_t pool_batches) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_create(options.interface.c_str(), errbuf);
  if (p == nullptr) {
    *error = options.interface + ": " + errbuf;
    return nullptr;
  }
  impl->handle = p;
  pcap_set_snaplen(p, options.snaplen);
  pcap_set_promisc(p, options.promiscuous ? 1 : 0);
  pcap_set_buffer_size(p, options.buffer_bytes);
  pcap_set_timeout(p, options.poll_timeout_ms);
  pcap_set_immediate_mode(p, options.immediate ? 1 : 0);
  pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);  // checked after activation
  const int rc = pcap_activate(p);
  if (rc < 0) {
    *error = options.interface + ": " + pcap_statustostr(rc) + ": " + pcap_geterr(p);
    return nullptr;
  }
  if (pcap_get_tstamp_precision(p) != PCAP_TSTAMP_PRECISION_NANO) {
    *error = options.interface + ": nanosecond timestamps not available";
    return nullptr;
  }
  if (!options.bpf.empty()) {
    bpf_program program{};
    if (pcap_compile(p, &program, options.bpf.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
      *error = "bad BPF filter '" + options.bpf + "': " + pcap_geterr(p);
      return nullptr;
    }
    const int set = pcap_setfilter(p, &program);
    pcap_freecode(&program);
    if (set != 0) {
      *error = "cannot set BPF filter: " + std::string(pcap_geterr(p));
      return nullptr;
    }
  }
  impl->linktype = pcap_datalink(p);
  impl->snapshot = static_cast<size_t>(pcap_snapshot(p));
  if (impl->snapshot == 0 || impl->snapshot > kArenaBytes / 2) impl->snapshot = kArenaBytes / 2;
  for (size_t i = 0; i < std::max<size_t>(pool_batches, 1); ++i) {
    impl->pool.push_back(std::make_unique<PooledBatch>());
    impl->free_batches.push(impl->pool.back().get());
  }
  impl->refresh_stats();
  return std::unique_ptr<PcapLiveSource>(new PcapLiveSource(std::move(impl)));
}

PcapLiveSource::PcapLiveSource(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PcapLiveSource::~PcapLiveSource() = default;

PacketBatch* PcapLiveSource::receive() {
  Impl& s = *impl_;
  PacketBatch* raw = nullptr;
  s.free_batches.pop(raw);
  auto* batch = static_cast<PooledBatch*>(raw);
  batch->count = 0;
  s.filling = batch;
  s.used = 0;
  // Until something arrives or stop() is called; pcap_dispatch returns at least every
  // poll_timeout_ms, and at once after pcap_breakloop().
  while (batch->count == 0 && !s.stopping.load(std::memory_order_acquire) &&
         !s.failed.load(std::memory_order_relaxed)) {
    const int room = static_cast<int>(PacketBatch::kCapacity - batch->count);
    const int n = pcap_dispatch(s.handle, room, &Impl::on_packet, reinterpret_cast<u_char*>(&s));
    if (n == PCAP_ERROR) {  // the interface went away: end of capture, reported as an error
      s.error = s.options.interface + ": capture failed: " + pcap_geterr(s.handle);
      s.failed.store(true, std::memory_order_release);
    }
    if (std::chrono::steady_clock::now() - s.last_stats > std::chrono::seconds(1))
      s.refresh_stats();
  }
  // Stopping: take what the kernel already holds (non-blocking) before ending.
  if (batch->count == 0 && s.stopping.load(std::memory_order_acquire) &&
      !s.failed.load(std::memory_order_relaxed)) {
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_setnonblock(s.handle, 1, errbuf);
    const int room = static_cast<int>(PacketBatch::kCapacity);
    pcap_dispatch(s.handle, room, &Impl::on_packet, reinterpret_cast<u_char*>(&s));
  }
  // Keep what is in the batch even when stopping: every packet received is processed.
  if (batch->count == 0) {
    s.refresh_stats();
    s.free_batches.push(raw);
    return nullptr;
  }
  return raw;
}

void PcapLiveSource::release(PacketBatch* batch) { impl_->free_batches.push(batch); }

std::vector<InputReport> PcapLiveSource::reports() const {
  const Impl& s = *impl_;
  InputReport r;
  r.name = s.options.interface;
  r.packets = s.packets.load(std::memory_order_relaxed);
  r.bytes = s.bytes.load(std::memory_order_relaxed);
  r.complete = !s.failed.load(std::memory_order_acquire);
  if (!r.complete) r.message = s.error;
  return {r};
}

CaptureCounters PcapLiveSource::capture_counters() const {
  const Impl& s = *impl_;
  return {s.recv.load(std::memory_order_relaxed), s.drop.load(std::memory_order_relaxed),
          s.ifdrop.load(std::memory_order_relaxed)};
}

bool PcapLiveSource::had_error() const { return impl_->failed.load(std::memory_order_acquire); }

void PcapLiveSource::stop() {
  impl_->stopping.store(true, std::memory_order_release);
  pcap_breakloop(impl_->handle);
}

}  // namespace tripline
