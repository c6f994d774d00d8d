#include "engine/pipeline.hpp"

#include <tbb/concurrent_queue.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "engine/eve_writer.hpp"
#include "engine/stats_board.hpp"

namespace tripline {

WorkerStats PipelineReport::total() const {
  WorkerStats t;
  for (const auto& w : per_worker) t += w;
  return t;
}

unsigned default_worker_count() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

PipelineReport run_pipeline(Source& source, const CompiledRules& rules, EveWriter& writer,
                            const PipelineConfig& config, const ProgressFn& progress) {
  RuleVersions fixed(std::shared_ptr<const CompiledRules>(&rules, [](const CompiledRules*) {}));
  return run_pipeline(source, fixed, writer, config, progress);
}

PipelineReport run_pipeline(Source& source, RuleVersions& versions, EveWriter& writer,
                            const PipelineConfig& config, const ProgressFn& progress) {
  const unsigned n = config.workers == 0 ? default_worker_count() : config.workers;
  const unsigned worker_count = n > PacketBatch::kNoWorker ? PacketBatch::kNoWorker : n;

  AlertQueue alerts(config.alert_queue_capacity);
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<std::unique_ptr<tbb::concurrent_bounded_queue<PacketBatch*>>> queues;
  const RuleVersion& start = versions.latest();
  for (unsigned i = 0; i < worker_count; ++i) {
    workers.push_back(
        std::make_unique<Worker>(static_cast<uint16_t>(i), *start.rules, alerts, config.worker));
    workers.back()->follow(start);
    queues.push_back(std::make_unique<tbb::concurrent_bounded_queue<PacketBatch*>>());
    queues.back()->set_capacity(static_cast<std::ptrdiff_t>(config.worker_queue_batches));
  }
  // From here a reload prepares each worker's state on the reloader thread, and this (never a
  // real batch) wakes a worker waiting on an idle input, so it moves to the new rules and the
  // old ones can go; a full queue needs no wake-up. (A reload published since `start` is
  // taken all the same: workers build what was not prepared for them.)
  PacketBatch wake_batch;
  versions.attach_workers(worker_count, start.epoch,
                          WorkerRules::preparer(worker_count, config.worker), [&] {
                            for (auto& q : queues) q->try_push(&wake_batch);
                          });

  // Timed from here: building the workers (flow tables, stream pools) is set-up, not work.
  const auto started = std::chrono::steady_clock::now();
  StatsBoard board(worker_count);
  uint64_t written = 0;
  std::thread writer_thread([&] {
    writer.drain(alerts);
    written = writer.alerts_written();
  });

  std::vector<std::thread> threads;
  for (unsigned i = 0; i < worker_count; ++i) {
    threads.emplace_back([&, i] {
      Worker& worker = *workers[i];
      auto& queue = *queues[i];
      for (;;) {
        PacketBatch* batch = nullptr;
        queue.pop(batch);
        if (batch == &wake_batch) {
          worker.sync_rules();
          continue;
        }
        if (batch == nullptr) {
          worker.finish();
          if (config.on_stats) board.publish_worker(i, worker.stats());
          return;
        }
        worker.sync_rules();  // a reload takes effect here, between two batches
        worker.expire(batch->clock_ns);
        for (uint32_t k = 0; k < batch->count; ++k) {
          // Its flow-table slot is loading while the packets before it are processed.
          if (k + 4 < batch->count && batch->worker_of[k + 4] == i)
            worker.prefetch_flow(batch->decoded[k + 4]);
          if (batch->worker_of[k] == i) worker.process(batch->packets[k], batch->decoded[k]);
        }
        if (batch->users.fetch_sub(1, std::memory_order_acq_rel) == 1) source.release(batch);
        if (config.on_stats) board.publish_worker(i, worker.stats());
      }
    });
  }

  std::mutex monitor_mutex;
  std::condition_variable monitor_wake;
  bool monitor_done = false;
  std::thread monitor;
  if (config.on_stats && config.stats_interval_seconds > 0) {
    monitor = std::thread([&] {
      const auto interval = std::chrono::duration<double>(config.stats_interval_seconds);
      std::unique_lock lock(monitor_mutex);
      while (!monitor_wake.wait_for(lock, interval, [&] { return monitor_done; })) {
        PipelineReport so_far = board.snapshot();
        so_far.capture = source.capture_counters();
        so_far.inputs = source.reports();
        so_far.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        config.on_stats(so_far);
      }
    });
  }

  PipelineReport report;
  report.workers = worker_count;
  StageClock reader_clock;  // decode cost, when profiling
  if (config.worker.profile_stages) reader_clock.enable();
  std::vector<uint8_t> used(worker_count);
  uint64_t clock = 0;  // latest capture time read so far
  while (PacketBatch* batch = source.receive()) {
    std::fill(used.begin(), used.end(), 0);
    batch->clock_ns = clock;
    for (uint32_t k = 0; k < batch->count; ++k) {
      if (k + 4 < batch->count) __builtin_prefetch(batch->packets[k + 4].data);
      const PacketView& packet = batch->packets[k];
      DecodedPacket& decoded = batch->decoded[k];
      reader_clock.enter(Stage::kDecode);
      decode_packet(packet, decoded);
      reader_clock.enter(Stage::kIdle);
      report.decode.count(decoded);
      ++report.packets;
      report.bytes += packet.wirelen;
      if (packet.ts_ns > clock) clock = packet.ts_ns;
      // Undecodable and non-IP packets still count as received by a worker (worker 0).
      const unsigned w =
          decoded.outcome == DecodeOutcome::kDecoded ? dispatch_hash(decoded) % worker_count : 0;
      batch->worker_of[k] = static_cast<uint8_t>(w);
      used[w] = 1;
    }
    uint32_t users = 0;
    for (uint8_t u : used) users += u;
    batch->users.store(users, std::memory_order_release);
    for (unsigned i = 0; i < worker_count; ++i)
      if (used[i]) queues[i]->push(batch);
    if (progress) progress(report.packets, report.bytes);
    if (config.on_stats) board.publish_reader(report.packets, report.bytes, report.decode);
  }
  for (auto& q : queues) q->push(nullptr);
  for (auto& t : threads) t.join();
  alerts.close();
  writer_thread.join();
  versions.attach_workers(0, 0, {});  // later reloads prepare nothing for these workers
  if (monitor.joinable()) {
    {
      std::lock_guard lock(monitor_mutex);
      monitor_done = true;
    }
    monitor_wake.notify_all();
    monitor.join();
  }

  for (const auto& w : workers) {
    report.per_worker.push_back(w->stats());
    const std::vector<RuleCost>& costs = w->rule_costs();
    if (report.rule_costs.size() < costs.size()) report.rule_costs.resize(costs.size());
    for (size_t i = 0; i < costs.size(); ++i) report.rule_costs[i] += costs[i];
  }
  report.reader_stages = reader_clock.totals();
  report.alerts_written = written;
  report.inputs = source.reports();
  report.capture = source.capture_counters();
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

}  // namespace tripline
