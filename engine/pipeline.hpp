// The multi-core pipeline: one reader thread decodes each batch and hands it to the workers
// by a symmetric flow hash; N worker threads match; one writer thread drains the alert queue.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "capture/source.hpp"
#include "engine/worker.hpp"

namespace tripline {

class EveWriter;

struct PipelineReport;

// Called from a monitor thread every PipelineConfig::stats_interval_seconds with the
// counters so far (live captures: periodic EVE stats and the stderr summary).
using StatsFn = std::function<void(const PipelineReport& so_far)>;

struct PipelineConfig {
  unsigned workers = 0;  // 0 = every core
  WorkerConfig worker;
  size_t alert_queue_capacity = 8192;
  size_t worker_queue_batches = 16;   // batches queued per worker before the reader waits
  double stats_interval_seconds = 0;  // > 0: call on_stats that often
  StatsFn on_stats;
};

struct PipelineReport {
  unsigned workers = 0;
  uint64_t packets = 0;
  uint64_t bytes = 0;
  uint64_t alerts_written = 0;
  double seconds = 0;
  DecodeCounters decode;    // counted by the reader while dispatching
  CaptureCounters capture;  // what a live source's kernel or driver reported
  std::vector<WorkerStats> per_worker;
  std::vector<InputReport> inputs;
  StageCycles reader_stages;         // decode, when WorkerConfig::profile_stages
  std::vector<RuleCost> rule_costs;  // summed over workers, when WorkerConfig::profile_rules
  ReloadCounters reload;             // filled in by the caller that reloads (RuleReloader)
  WorkerStats total() const;
};

// Called on the reader thread after each batch with the packets and bytes read so far.
using ProgressFn = std::function<void(uint64_t packets, uint64_t bytes)>;

// Runs until the source is exhausted, then drains every worker and the alert queue.
PipelineReport run_pipeline(Source& source, const CompiledRules& rules, EveWriter& writer,
                            const PipelineConfig& config, const ProgressFn& progress = {});
// The same with hot reload: workers start on versions.latest() and move to each version
// published while they run (between two batches); `writer` must resolve alerts through the
// same `versions`.
PipelineReport run_pipeline(Source& source, RuleVersions& versions, EveWriter& writer,
                            const PipelineConfig& config, const ProgressFn& progress = {});

unsigned default_worker_count();

}  // namespace tripline
