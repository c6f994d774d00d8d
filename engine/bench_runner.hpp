// `tripline bench`: what a rule set costs on a given capture. The capture is loaded into
// memory once; each rule set is compiled (timed), then the capture is replayed through the
// full pipeline (reader, workers, alert writer to /dev/null) `repeat` times for each worker
// count, and the payload ceiling (engine/payload_ceiling.hpp) is measured on the same bytes.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "engine/worker.hpp"

namespace tripline {

struct BenchRuleSet {
  std::string name;                // shown in reports; the paths joined when not given
  std::vector<std::string> paths;  // rule files or directories
};

struct BenchOptions {
  std::vector<BenchRuleSet> sets;
  std::vector<std::string> captures;
  std::vector<unsigned> workers{1};
  unsigned repeat = 3;
  size_t profile_rules = 0;  // list this many costliest signatures
  WorkerConfig worker;
};

struct BenchRun {
  unsigned workers = 0;
  double seconds = 0;  // best of the repeats
  uint64_t alerts = 0;
};

// One signature in the rule profile (RuleCost with its identity).
struct RuleProfileRow {
  uint32_t gid = 1, sid = 0;
  std::string msg;
  RuleCost cost;
};

struct BenchSetReport {
  std::string name;
  size_t indicators = 0, signatures = 0, rule_errors = 0;
  double compile_seconds = 0;
  size_t compiled_bytes = 0;   // tables and metas (CompiledRules::memory_bytes)
  size_t hyperscan_bytes = 0;  // every Hyperscan database
  size_t peak_rss_bytes = 0;   // the process's high-water mark after this set's runs
  double ceiling_seconds = 0;  // 0: no payload rules
  std::vector<BenchRun> runs;
  // From one more replay with profiling on (first worker count): cycles per stage over the
  // reader and every worker, and the costliest signatures by check time and by matches.
  StageCycles stages;
  std::vector<RuleProfileRow> by_time, by_matches;
};

struct BenchReport {
  uint64_t packets = 0, bytes = 0, payload_bytes = 0;
  std::vector<BenchSetReport> sets;
};

// False with *error set when a capture cannot be read.
bool run_bench(const BenchOptions& options, BenchReport& report, std::string* error);

void print_bench_table(const BenchReport& report, std::FILE* out);
void print_bench_json(const BenchReport& report, std::FILE* out);

}  // namespace tripline
