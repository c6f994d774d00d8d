// `tripline bench` output: a table for people, JSON for scripts (bench/plot.sh).
#include <string>

#include "engine/bench_runner.hpp"
#include "engine/json_line.hpp"

namespace tripline {
namespace {

double gbit(uint64_t bytes, double seconds) {
  return seconds > 0 ? 8.0 * static_cast<double>(bytes) / seconds / 1e9 : 0;
}
double mpps(uint64_t packets, double seconds) {
  return seconds > 0 ? static_cast<double>(packets) / seconds / 1e6 : 0;
}
double mb(size_t bytes) { return static_cast<double>(bytes) / 1e6; }

uint64_t total_cycles(const StageCycles& s) {
  uint64_t total = 0;
  for (const uint64_t c : s.cycles) total += c;
  return total;
}

void print_rules(std::FILE* out, const char* title, const std::vector<RuleProfileRow>& rows) {
  if (rows.empty()) return;
  std::fprintf(out, "  %s\n  %12s  %10s  %10s  %10s  %12s  %s\n", title, "gid:sid", "candidates",
               "checks", "matches", "kcycles", "msg");
  for (const RuleProfileRow& r : rows) {
    const std::string id = std::to_string(r.gid) + ":" + std::to_string(r.sid);
    std::fprintf(out, "  %12s  %10llu  %10llu  %10llu  %12.1f  %s\n", id.c_str(),
                 static_cast<unsigned long long>(r.cost.candidates),
                 static_cast<unsigned long long>(r.cost.checks),
                 static_cast<unsigned long long>(r.cost.matches),
                 static_cast<double>(r.cost.cycles) / 1e3, r.msg.c_str());
  }
}

void rule_rows(JsonLine& json, std::string_view key, const std::vector<RuleProfileRow>& rows) {
  json.begin_array(key);
  for (const RuleProfileRow& r : rows) {
    json.begin_object();
    json.number("gid", r.gid).number("sid", r.sid).string("msg", r.msg);
    json.number("candidates", r.cost.candidates).number("checks", r.cost.checks);
    json.number("matches", r.cost.matches).number("cycles", r.cost.cycles);
    json.end_object();
  }
  json.end_array();
}

}  // namespace

void print_bench_table(const BenchReport& report, std::FILE* out) {
  std::fprintf(out, "capture: %llu packets, %.1f MB, %.1f MB of TCP/UDP payload\n\n",
               static_cast<unsigned long long>(report.packets), mb(report.bytes),
               mb(report.payload_bytes));
  for (const BenchSetReport& set : report.sets) {
    std::fprintf(out,
                 "rule set %s: %zu indicators, %zu signatures%s; compile %.3f s; compiled "
                 "%.1f MB + Hyperscan %.1f MB; peak RSS %.0f MB\n",
                 set.name.c_str(), set.indicators, set.signatures,
                 set.rule_errors != 0 ? " (with errors: see tripline rules check)" : "",
                 set.compile_seconds, mb(set.compiled_bytes), mb(set.hyperscan_bytes),
                 mb(set.peak_rss_bytes));
    const double ceiling = gbit(report.payload_bytes, set.ceiling_seconds);
    if (set.ceiling_seconds > 0)
      std::fprintf(out, "  Hyperscan ceiling: %.2f Gbit/s of payload (%.3f s)\n", ceiling,
                   set.ceiling_seconds);
    std::fprintf(out, "  %7s  %9s  %10s  %12s  %9s  %14s  %8s\n", "workers", "seconds", "Mpkt/s",
                 "Mpkt/s/wkr", "Gbit/s", "payload Gbit/s", "alerts");
    for (const BenchRun& run : set.runs) {
      const double payload = gbit(report.payload_bytes, run.seconds);
      std::fprintf(out, "  %7u  %9.3f  %10.3f  %12.3f  %9.2f  %14.2f  %8llu", run.workers,
                   run.seconds, mpps(report.packets, run.seconds),
                   mpps(report.packets, run.seconds) / run.workers, gbit(report.bytes, run.seconds),
                   payload, static_cast<unsigned long long>(run.alerts));
      if (set.ceiling_seconds > 0)
        std::fprintf(out, "  (%.0f %% of ceiling)", 100 * payload / ceiling);
      std::fprintf(out, "\n");
    }
    if (const uint64_t total = total_cycles(set.stages); total != 0) {
      std::fprintf(out, "  time per stage (profiled replay):");
      for (size_t i = 1; i < kStageCount; ++i)
        std::fprintf(
            out, " %s %.1f%%", stage_name(static_cast<Stage>(i)).data(),
            100.0 * static_cast<double>(set.stages.cycles[i]) / static_cast<double>(total));
      std::fprintf(out, "\n");
    }
    print_rules(out, "costliest rules by check time:", set.by_time);
    print_rules(out, "rules by matches:", set.by_matches);
    std::fprintf(out, "\n");
  }
}

void print_bench_json(const BenchReport& report, std::FILE* out) {
  std::string line;
  JsonLine json(line);
  json.begin_object();
  json.begin_object("capture");
  json.number("packets", report.packets).number("bytes", report.bytes);
  json.number("payload_bytes", report.payload_bytes);
  json.end_object();
  json.begin_array("rule_sets");
  for (const BenchSetReport& set : report.sets) {
    json.begin_object();
    json.string("name", set.name);
    json.number("indicators", set.indicators).number("signatures", set.signatures);
    json.number("rule_errors", set.rule_errors);
    json.real("compile_seconds", set.compile_seconds);
    json.number("compiled_bytes", set.compiled_bytes)
        .number("hyperscan_bytes", set.hyperscan_bytes);
    json.number("peak_rss_bytes", set.peak_rss_bytes);
    if (set.ceiling_seconds > 0) {
      json.real("ceiling_seconds", set.ceiling_seconds);
      json.real("ceiling_payload_gbps", gbit(report.payload_bytes, set.ceiling_seconds));
    }
    json.begin_array("runs");
    for (const BenchRun& run : set.runs) {
      json.begin_object();
      json.number("workers", run.workers).real("seconds", run.seconds);
      json.real("packets_per_second", static_cast<double>(report.packets) / run.seconds);
      json.real("packets_per_second_per_worker",
                static_cast<double>(report.packets) / run.seconds / run.workers);
      json.real("gbps", gbit(report.bytes, run.seconds));
      json.real("payload_gbps", gbit(report.payload_bytes, run.seconds));
      if (set.ceiling_seconds > 0) json.real("ceiling_ratio", set.ceiling_seconds / run.seconds);
      json.number("alerts", run.alerts);
      json.end_object();
    }
    json.end_array();
    json.begin_object("stages");  // share of the profiled replay's cycles, reader included
    const uint64_t total = total_cycles(set.stages);
    for (size_t i = 1; i < kStageCount; ++i)
      json.real(stage_name(static_cast<Stage>(i)),
                total == 0
                    ? 0.0
                    : static_cast<double>(set.stages.cycles[i]) / static_cast<double>(total));
    json.end_object();
    rule_rows(json, "rules_by_time", set.by_time);
    rule_rows(json, "rules_by_matches", set.by_matches);
    json.end_object();
  }
  json.end_array();
  json.end_object();
  line += '\n';
  std::fputs(line.c_str(), out);
}

}  // namespace tripline
