// The rule sets a running engine has matched with, for hot reload: each reload publishes a new
// RuleVersion; workers move to it at a batch boundary; the alert writer resolves each alert
// against the version that raised it (Alert::epoch); a version is freed once every worker has
// moved past it and the writer has written its last alert (the workers' epoch markers tell).
//
//   reloader thread            worker i (batch boundary)          writer thread
//   compile, map ids,   ─────▶ sees version->next, adopts it, ─▶  marker (i, epoch): once all
//   prepare per-worker  next   translates its flows, pushes       workers passed an epoch, its
//   state, publish()           Alert::kEpochMarker                version goes to the graveyard
//                                                                 (freed by the reloader thread)
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "matchers/compiled_rules.hpp"

namespace tripline {

// Old id -> new id (kNone: not in the new set) for indicator ids and signature indexes, so a
// flow that alerted before a reload does not alert again on the same indicator after it.
// Indicators are the same when type, value and port are; signatures when gid, sid and rule set
// are (a new revision of a rule is the same rule, as in Suricata).
struct RuleIdMap {
  static constexpr uint32_t kNone = 0xFFFFFFFFu;
  std::vector<uint32_t> indicators;
  std::vector<uint32_t> signatures;
  // `id` as used in Alert::indicator and Flow::alerted (signature bit included).
  uint32_t translate(uint32_t id) const;
};
RuleIdMap map_rule_ids(const CompiledRules& from, const CompiledRules& to);

// Whatever one worker builds from a rule set (signature scratch, stream inspector): built by
// the reloader thread so the worker only takes it over.
struct WorkerRules;

struct RuleVersion {
  uint32_t epoch = 0;
  std::shared_ptr<const CompiledRules> rules;
  RuleIdMap from_previous;  // ids of epoch - 1 -> ids of this one
  // [worker]: each worker takes (moves out) its own entry when it adopts this version.
  mutable std::vector<std::unique_ptr<WorkerRules>> prepared;
  std::atomic<const RuleVersion*> next{nullptr};  // set once, when a newer one is published

  ~RuleVersion();
};

// Hot reload as reported in EVE stats (detect.engines, as Suricata's) and at exit.
struct ReloadCounters {
  uint32_t epoch = 0;           // the newest rule set (0: the one loaded at start)
  uint64_t reloads = 0;         // successful
  uint64_t failures = 0;        // the running rules were kept
  uint64_t last_reload_ns = 0;  // wall clock of the last successful reload (0: none)
  double last_seconds = 0;      // its load + compile + prepare time
  uint64_t last_peak_rss = 0;   // the process's peak resident bytes during it
  size_t rules_loaded = 0;      // indicators + signatures of the newest set
  size_t rules_failed = 0;      // lines reported and skipped when it was loaded
};

class RuleVersions {
 public:
  // Builds each worker's state for a new version, on the publishing thread.
  using PrepareFn = std::function<std::vector<std::unique_ptr<WorkerRules>>(const CompiledRules&)>;

  explicit RuleVersions(std::shared_ptr<const CompiledRules> initial);
  ~RuleVersions();
  RuleVersions(const RuleVersions&) = delete;
  RuleVersions& operator=(const RuleVersions&) = delete;

  const RuleVersion& latest() const;

  // The pipeline, once its workers are built on the version of `epoch` and before they start:
  // how many follow the versions, how to prepare their state, and how to wake them after a
  // publish (idle workers would otherwise keep the old set until their next packets).
  void attach_workers(unsigned workers, uint32_t epoch, PrepareFn prepare,
                      std::function<void()> wake = {});

  // Reloader: maps ids from the latest version, prepares the workers' state, links it in.
  const RuleVersion& publish(std::shared_ptr<const CompiledRules> rules);

  // Writer: the rules of an epoch still in use.
  const CompiledRules& rules(uint32_t epoch) const;
  // Writer, on a worker's epoch marker. Versions no worker can raise alerts with any more go
  // to the graveyard; true when some did.
  bool worker_moved(uint16_t worker, uint32_t epoch);
  // Reloader: frees the graveyard (a large rule set takes a while to free: not on the writer).
  void free_retired();

  size_t live_versions() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<RuleVersion>> versions_;  // oldest first, all still in use
  std::vector<std::unique_ptr<RuleVersion>> retired_;
  std::atomic<RuleVersion*> latest_;
  std::vector<uint32_t> worker_epochs_;
  PrepareFn prepare_;
  std::mutex wake_mutex_;  // held while waking: detaching waits for a wake-up under way
  std::function<void()> wake_;
};

}  // namespace tripline
