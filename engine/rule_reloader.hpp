// Hot reload of the rule set: a thread that, when asked (SIGHUP or SIGUSR2 through a flag, a
// change under the watched rules paths, or request()), loads and compiles the rules again off
// the packet path and publishes them to RuleVersions; workers swap at their next batch. A
// failed reload keeps the running rules and says why. Retired versions are freed here too.
#pragma once

#include <signal.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/rule_versions.hpp"

namespace tripline {

// What one load produced: the rules, or why there are none (the reload then fails).
struct RuleLoad {
  std::shared_ptr<const CompiledRules> rules;
  size_t errors = 0;    // bad lines reported and skipped (the rest loaded)
  std::string failure;  // set when `rules` is null
};
using RuleLoadFn = std::function<RuleLoad()>;

struct ReloadConfig {
  std::vector<std::string> watch_paths;  // the --rules paths (files or directories)
  double watch_interval_seconds = 0;     // > 0: look for changes that often
  bool quiet = false;                    // no line for a successful reload
  size_t initial_errors = 0;             // lines skipped when the running set was loaded
};

class RuleReloader {
 public:
  // `signal_flag`, when given, is set by a signal handler; the thread clears it and reloads.
  RuleReloader(RuleVersions& versions, RuleLoadFn load, ReloadConfig config,
               std::atomic<bool>* signal_flag = nullptr);
  // Stops the thread; a reload under way finishes first.
  ~RuleReloader();
  RuleReloader(const RuleReloader&) = delete;
  RuleReloader& operator=(const RuleReloader&) = delete;

  // Asks for a reload (any thread); it starts within the thread's next wake-up.
  void request();
  ReloadCounters counters() const;
  // Tests: waits until `attempts` reloads (successful or failed) have ended.
  bool wait_for_attempts(uint64_t attempts, double timeout_seconds) const;

 private:
  void run();
  void reload(const char* why);
  uint64_t watched_fingerprint() const;

  RuleVersions& versions_;
  RuleLoadFn load_;
  ReloadConfig config_;
  std::atomic<bool>* signal_flag_;
  mutable std::mutex mutex_;
  mutable std::condition_variable wake_;
  bool stop_ = false;
  bool requested_ = false;
  ReloadCounters counters_;
  uint64_t loaded_fingerprint_ = 0;   // the watched paths as of the last reload (or start)
  uint64_t pending_fingerprint_ = 0;  // a change seen once: reloaded when seen again unchanged
  std::thread thread_;
};

// SIGHUP and SIGUSR2. Blocked by the calling thread (call it before starting any other, so
// every thread inherits the mask); the reloader thread unblocks them and takes them alone.
sigset_t reload_signals();
void block_reload_signals();

}  // namespace tripline
