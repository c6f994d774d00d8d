#include "engine/bench_runner.hpp"

#include <algorithm>
#include <chrono>
#include <memory>

#include "capture/memory_source.hpp"
#include "core/loaders.hpp"
#include "engine/eve_writer.hpp"
#include "engine/payload_ceiling.hpp"
#include "engine/pipeline.hpp"
#include "engine/process_stats.hpp"
#include "matchers/compiled_rules.hpp"

namespace tripline {
namespace {

// The capture is in memory: batches are cheap, and a deep pool lets each worker run ahead of
// the other through a burst of heavy flows (flows stay on one worker) instead of waiting for
// it. With the default depth (16 per worker) 2 workers idled ~20 % of the time.
constexpr size_t kBatchesInFlight = 512;

size_t hyperscan_bytes(const SignatureEngine* engine) {
  if (engine == nullptr) return 0;
  const HyperscanPrefilter& hs = engine->prefilter();
  size_t total = hs.stream_stats().bytes;
  for (size_t b = 0; b < kSigBufferCount; ++b)
    total += hs.block_stats(static_cast<SigBuffer>(b)).bytes;
  return total;
}

std::vector<RuleProfileRow> costliest(const SignatureEngine& engine,
                                      const std::vector<RuleCost>& costs) {
  std::vector<RuleProfileRow> rows;
  for (uint32_t i = 0; i < costs.size() && i < engine.size(); ++i) {
    const Signature& sig = engine.signature(i);
    rows.push_back({sig.gid, sig.sid, sig.msg, costs[i]});
  }
  return rows;
}

template <class Before>
void rank(std::vector<RuleProfileRow>& rows, size_t keep, Before before) {
  std::stable_sort(rows.begin(), rows.end(), [&](const RuleProfileRow& a, const RuleProfileRow& b) {
    return before(a.cost, b.cost);
  });
  if (rows.size() > keep) rows.resize(keep);
}

void bench_set(const BenchOptions& options, const BenchRuleSet& set, MemorySource& capture,
               BenchSetReport& out) {
  out.name = set.name;
  auto rules = [&] {
    RuleSet rule_set;
    for (const std::string& path : set.paths) load_rules_path(path, rule_set);
    out.indicators = rule_set.indicators().size();
    out.signatures = rule_set.signatures().size();
    out.rule_errors = rule_set.error_count();
    const auto start = std::chrono::steady_clock::now();
    auto compiled = std::make_unique<CompiledRules>(rule_set);
    out.compile_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return compiled;
  }();
  out.compiled_bytes = rules->memory_bytes();
  out.hyperscan_bytes = hyperscan_bytes(rules->signatures());

  std::FILE* sink = std::fopen("/dev/null", "w");
  for (const unsigned workers : options.workers) {
    BenchRun run;
    run.workers = workers;
    run.seconds = 1e300;
    for (unsigned r = 0; r < std::max(1u, options.repeat); ++r) {
      capture.rewind();
      EveWriter writer(sink, *rules, {});
      PipelineConfig config;
      config.workers = workers;
      config.worker_queue_batches = kBatchesInFlight;  // the pool, not a queue, holds the reader
      config.worker = options.worker;
      config.worker.max_flows = std::max<size_t>(1, options.worker.max_flows / workers);
      const PipelineReport report = run_pipeline(capture, *rules, writer, config);
      run.seconds = std::min(run.seconds, report.seconds);
      run.alerts = report.alerts_written;
    }
    out.runs.push_back(run);
  }

  // One profiled replay: where the time goes, and which rules cost it.
  {
    capture.rewind();
    EveWriter writer(sink, *rules, {});
    PipelineConfig config;
    config.workers = options.workers.front();
    config.worker = options.worker;
    config.worker.max_flows = std::max<size_t>(1, options.worker.max_flows / config.workers);
    config.worker.profile_stages = true;
    config.worker.profile_rules = options.profile_rules != 0;
    const PipelineReport report = run_pipeline(capture, *rules, writer, config);
    out.stages = report.reader_stages;
    out.stages += report.total().stages;
    if (const SignatureEngine* engine = rules->signatures())
      out.by_time = out.by_matches = costliest(*engine, report.rule_costs);
    rank(out.by_time, options.profile_rules,
         [](const RuleCost& a, const RuleCost& b) { return a.cycles > b.cycles; });
    rank(out.by_matches, options.profile_rules,
         [](const RuleCost& a, const RuleCost& b) { return a.matches > b.matches; });
  }
  std::fclose(sink);

  if (const SignatureEngine* engine = rules->signatures();
      engine != nullptr && (engine->prefilter().has_stream_database() ||
                            engine->prefilter().has_database(SigBuffer::kPacket))) {
    const PayloadCeiling ceiling(capture.packets(), engine);
    out.ceiling_seconds = 1e300;
    for (unsigned r = 0; r < std::max(1u, options.repeat); ++r) {
      uint64_t hits = 0;
      out.ceiling_seconds = std::min(out.ceiling_seconds, ceiling.scan(&hits));
    }
  }
  out.peak_rss_bytes = peak_rss_bytes();
}

}  // namespace

bool run_bench(const BenchOptions& options, BenchReport& report, std::string* error) {
  MemorySource capture(options.captures, kBatchesInFlight);
  for (const InputReport& input : capture.reports())
    if (!input.complete && input.packets == 0) {
      *error = input.name + ": " + input.message;
      return false;
    }
  report.packets = capture.packet_count();
  report.bytes = capture.byte_count();
  for (const BenchRuleSet& set : options.sets) {
    report.sets.emplace_back();
    bench_set(options, set, capture, report.sets.back());
  }
  // Payload bytes of the capture (the ceiling's input), counted without any rule set.
  report.payload_bytes = PayloadCeiling(capture.packets(), nullptr).payload_bytes();
  return true;
}

}  // namespace tripline
