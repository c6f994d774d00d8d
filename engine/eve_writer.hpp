// Suricata EVE JSON output: one "alert" line per alert, and a final "stats" line, to a file
// and to an optional EventSink (NATS JetStream) with a stable id per line.
// Runs on the writer thread only; reuses one line buffer.
#pragma once

#include <atomic>
#include <cstdio>
#include <string>
#include <vector>

#include "core/alert.hpp"
#include "engine/rule_versions.hpp"
#include "matchers/compiled_rules.hpp"
#include "output/threshold_filter.hpp"

namespace tripline {

struct PipelineReport;

class EventSink;
class SightingLog;
class JsonLine;

struct EveOptions {
  std::string host;           // EVE "host" (the sensor name); left out when empty
  EventSink* sink = nullptr;  // also gets every line, with its stable message id
  // Thresholds and suppression (threshold.config): an alert it refuses is not written.
  ThresholdFilter* thresholds = nullptr;
  // Counts every alert of an indicator with a STIX id, before thresholds (a suppressed alert
  // was still a sighting): output/sightings.hpp.
  SightingLog* sightings = nullptr;
};

class EveWriter {
 public:
  // `inputs`: capture file names, indexed by Alert::input (written as pcap_filename).
  EveWriter(std::FILE* out, const CompiledRules& rules, std::vector<std::string> inputs,
            EveOptions options = {});
  // Hot reload: each alert is written with the rules of the version that raised it
  // (Alert::epoch); the workers' epoch markers let old versions go (RuleVersions).
  EveWriter(std::FILE* out, RuleVersions& versions, std::vector<std::string> inputs,
            EveOptions options = {});

  // Writes the alert unless the threshold filter refuses it (or it is an epoch marker); true
  // when written.
  bool write_alert(const Alert& alert);
  // Writes every alert of `alerts` until it is closed, flushing whenever it runs dry, so a
  // live capture's alerts reach the file within moments. Runs on the writer thread.
  void drain(AlertQueue& alerts);
  // A stats event; `ts_ns` is the time it describes (wall clock). Includes the threshold
  // filter's counters.
  void write_stats(const PipelineReport& report, uint64_t ts_ns);
  // The same line, for threads other than the writer's (one fwrite per line keeps lines
  // whole when several threads write to one FILE).
  static std::string stats_line(const PipelineReport& report, uint64_t ts_ns,
                                std::string_view host = {},
                                const ThresholdCounters& thresholds = {});
  // The threshold filter's counters so far (zero without one); any thread.
  ThresholdCounters threshold_counters() const;
  // Flushes; false if any write so far failed (disk full, closed pipe).
  bool flush();

  // SIGHUP (logrotate): once `*requested` is set, the next call of reopen_if_requested() -- made
  // by drain() before each alert and by anyone else, e.g. the stats monitor -- reopens `path`
  // for appending on the same FILE (glibc locks it, so other threads' writes stay whole).
  void reopen_on(std::atomic<bool>* requested, std::string path);
  // False if the reopen failed (the old file is then closed: later writes fail and are reported).
  bool reopen_if_requested();

  uint64_t alerts_written() const { return alerts_written_; }

  // Suricata's timestamp form, in UTC: "2026-01-01T00:00:00.000000+0000".
  static std::string format_timestamp(uint64_t ts_ns);

 private:
  void indicator_objects(JsonLine& json, const Alert& a) const;  // "alert" and "ioc"
  void signature_objects(JsonLine& json, const Alert& a) const;

  // Points rules_ at the alert's rule set; false for an epoch marker (handled here).
  bool use_rules_of(const Alert& a);
  std::string alert_id(const Alert& a) const;
  std::string_view stix_id(const Alert& a) const;  // the indicator's STIX id, or empty
  AlertSubject threshold_subject(const Alert& a) const;

  static constexpr uint32_t kNoEpoch = 0xFFFFFFFFu;
  std::FILE* out_;
  const CompiledRules* rules_;
  RuleVersions* versions_ = nullptr;
  uint32_t rules_epoch_ = kNoEpoch;
  std::vector<std::string> inputs_;
  EveOptions options_;
  std::atomic<bool>* reopen_requested_ = nullptr;
  std::string path_;
  std::string line_;
  uint64_t alerts_written_ = 0;
};

}  // namespace tripline
