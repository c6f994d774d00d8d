#include "engine/dpdk/dpdk_run.hpp"

#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <memory>
#include <string>
#include <thread>

#include "capture/dpdk/dpdk_ports.hpp"
#include "engine/eve_writer.hpp"
#include "engine/stats_board.hpp"

namespace tripline {
namespace {

constexpr auto kControlPeriod = std::chrono::milliseconds(10);

uint64_t clock_ns(clockid_t id) {
  timespec ts;
  clock_gettime(id, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// What one polling thread shares with the control loop, on its own cache line.
struct alignas(64) QueueState {
  std::atomic<uint64_t> last_rx_ns{0};  // CLOCK_MONOTONIC_COARSE of the last non-empty burst
  DecodeCounters decode;                // written by the polling thread, read after join
};

// Run to completion on one RX queue: burst → decode → match → expire → free, until the
// queue is stopped. The concrete (final) source class is called directly: no virtual call.
void poll_queue(DpdkQueueSource& queue, Worker& worker, QueueState& state, StatsBoard* board,
                size_t index) {
  const bool registered = DpdkPorts::register_thread();
  uint64_t published = 0;
  while (PacketBatch* batch = queue.receive()) {
    const uint32_t n = batch->count;
    if (n == 0) {
      // Idle: flows still time out (the coarse clock costs a few ns, no system call).
      worker.sync_rules();
      worker.expire(clock_ns(CLOCK_REALTIME_COARSE));
      cpu_relax();
      continue;
    }
    state.last_rx_ns.store(clock_ns(CLOCK_MONOTONIC_COARSE), std::memory_order_relaxed);
    worker.sync_rules();  // a reload takes effect here, between two bursts
    for (uint32_t k = 0; k < n; ++k) {
      if (k + 4 < n) __builtin_prefetch(batch->packets[k + 4].data);
      const PacketView& packet = batch->packets[k];
      DecodedPacket& decoded = batch->decoded[k];
      decode_packet(packet, decoded);
      state.decode.count(decoded);
      worker.process(packet, decoded);
    }
    worker.expire(batch->clock_ns);
    queue.release(batch);
    if (board != nullptr) {  // for periodic stats: at most every 100 ms, one lock
      const uint64_t now = clock_ns(CLOCK_MONOTONIC_COARSE);
      if (now - published >= 100'000'000) {
        WorkerStats stats = worker.stats();
        stats.decode += state.decode;
        board->publish_worker(index, stats);
        published = now;
      }
    }
  }
  worker.finish();
  if (registered) DpdkPorts::unregister_thread();
}

// The ports' counters, summed, in the shape every capture reports.
CaptureCounters port_counters(const DpdkPorts& ports) {
  CaptureCounters total;
  for (const auto& c : ports.stats()) {
    total.received += c.ipackets;
    total.kernel_dropped += c.imissed;  // the NIC's RX ring was full
    total.interface_dropped += c.ierrors;
    total.no_buffer += c.rx_nombuf;
  }
  return total;
}

}  // namespace

DpdkReport run_dpdk(const DpdkRunOptions& options, RuleVersions& versions, EveWriter& writer,
                    const std::atomic<bool>& stop) {
  const auto started = std::chrono::steady_clock::now();
  DpdkReport report;

  DpdkPortsConfig port_config;
  port_config.eal_args = options.eal_args;
  port_config.ports = options.ports;
  port_config.queues_per_port = options.queues_per_port;
  port_config.burst = options.burst;
  port_config.mbufs_per_queue = options.mbufs_per_queue;
  port_config.rx_descriptors = options.rx_descriptors;
  std::unique_ptr<DpdkPorts> ports = DpdkPorts::open(port_config, &report.error);
  if (!ports) return report;
  const auto& queues = ports->queues();
  const size_t n = queues.size();

  // Live capture never waits on the alert queue: a full queue sheds (counted per worker).
  WorkerConfig worker_config = options.worker;
  worker_config.lossless = false;
  AlertQueue alerts(options.alert_queue_capacity);
  const RuleVersion& start = versions.latest();
  std::vector<std::unique_ptr<Worker>> workers;
  for (size_t i = 0; i < n; ++i) {
    workers.push_back(
        std::make_unique<Worker>(static_cast<uint16_t>(i), *start.rules, alerts, worker_config));
    workers.back()->follow(start);
  }
  // Polling workers look for a new rule set on every burst, empty ones included: no wake-up.
  versions.attach_workers(static_cast<unsigned>(n), start.epoch,
                          WorkerRules::preparer(static_cast<unsigned>(n), worker_config));
  const auto states = std::make_unique<QueueState[]>(n);
  StatsBoard board(n);
  const uint64_t start_mono = clock_ns(CLOCK_MONOTONIC_COARSE);
  for (size_t i = 0; i < n; ++i) states[i].last_rx_ns.store(start_mono);

  std::thread writer_thread([&] { writer.drain(alerts); });

  std::vector<std::thread> threads;
  for (size_t i = 0; i < n; ++i) {
    threads.emplace_back(poll_queue, std::ref(*queues[i]), std::ref(*workers[i]),
                         std::ref(states[i]), options.on_stats ? &board : nullptr, i);
    const std::string name = "tripline-rx" + std::to_string(i);
    pthread_setname_np(threads.back().native_handle(), name.substr(0, 15).c_str());
  }

  // Control loop: stop flag, idle timeout, periodic stats. It never touches packets.
  const auto idle_ns = static_cast<uint64_t>(options.idle_exit_seconds * 1e9);
  const auto stats_ns = static_cast<uint64_t>(options.stats_interval_seconds * 1e9);
  uint64_t last_stats = start_mono;
  while (!stop.load(std::memory_order_relaxed)) {
    std::this_thread::sleep_for(kControlPeriod);
    const uint64_t now = clock_ns(CLOCK_MONOTONIC_COARSE);
    if (options.on_stats && stats_ns > 0 && now - last_stats >= stats_ns) {
      last_stats = now;
      PipelineReport so_far = board.snapshot();
      for (const auto& w : so_far.per_worker) {
        so_far.packets += w.packets;
        so_far.bytes += w.bytes;
      }
      so_far.capture = port_counters(*ports);
      so_far.seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      options.on_stats(so_far);
    }
    if (idle_ns > 0) {
      uint64_t latest = 0;
      for (size_t i = 0; i < n; ++i)
        latest = std::max(latest, states[i].last_rx_ns.load(std::memory_order_relaxed));
      if (now > latest && now - latest >= idle_ns) break;
    }
  }

  // Every burst already received is processed before its thread returns.
  for (const auto& q : queues) q->stop();
  for (auto& t : threads) t.join();
  alerts.close();
  writer_thread.join();
  versions.attach_workers(0, 0, {});

  for (const auto& c : ports->stats()) {
    DpdkPortStats s;
    s.port = c.port;
    s.ipackets = c.ipackets;
    s.ibytes = c.ibytes;
    s.imissed = c.imissed;
    s.ierrors = c.ierrors;
    s.rx_nombuf = c.rx_nombuf;
    report.ports.push_back(s);
  }
  report.pipeline.capture = port_counters(*ports);
  PipelineReport& pipeline = report.pipeline;
  pipeline.workers = static_cast<unsigned>(n);
  for (size_t i = 0; i < n; ++i) {
    WorkerStats s = workers[i]->stats();
    s.decode += states[i].decode;
    pipeline.packets += s.packets;
    pipeline.bytes += s.bytes;
    pipeline.per_worker.push_back(s);
    for (auto& in : queues[i]->reports()) pipeline.inputs.push_back(std::move(in));
  }
  pipeline.alerts_written = writer.alerts_written();
  ports.reset();  // stops and closes the ports, cleans up the EAL
  pipeline.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

}  // namespace tripline
