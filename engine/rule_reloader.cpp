#include "engine/rule_reloader.hpp"

#include <pthread.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string_view>

#include "engine/process_stats.hpp"
#include "matchers/hash.hpp"
#include "matchers/signature_engine.hpp"

namespace tripline {
namespace {

namespace fs = std::filesystem;

constexpr auto kTick = std::chrono::milliseconds(100);  // signal flag and graveyard latency

uint64_t mix(uint64_t h, std::string_view s) {
  return (h ^ hashing::word_hash(s.data(), s.size())) * hashing::kPrime;
}

uint64_t mix(uint64_t h, uint64_t v) {
  return mix(h, std::string_view(reinterpret_cast<const char*>(&v), sizeof v));
}

// Name, size and modification time of a file: an edit in place, a rename over it and a new
// or deleted file in a rules directory all change it.
uint64_t file_fingerprint(uint64_t h, const fs::directory_entry& entry) {
  std::error_code ec;
  h = mix(h, entry.path().string());
  h = mix(h, static_cast<uint64_t>(entry.file_size(ec)));
  h = mix(h, static_cast<uint64_t>(entry.last_write_time(ec).time_since_epoch().count()));
  return h;
}

}  // namespace

sigset_t reload_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGHUP);
  sigaddset(&signals, SIGUSR2);
  return signals;
}

void block_reload_signals() {
  sigset_t signals = reload_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

RuleReloader::RuleReloader(RuleVersions& versions, RuleLoadFn load, ReloadConfig config,
                           std::atomic<bool>* signal_flag)
    : versions_(versions),
      load_(std::move(load)),
      config_(std::move(config)),
      signal_flag_(signal_flag) {
  const RuleVersion& running = versions.latest();
  counters_.epoch = running.epoch;
  counters_.rules_loaded =
      running.rules->size() +
      (running.rules->signatures() != nullptr ? running.rules->signatures()->size() : 0);
  counters_.rules_failed = config_.initial_errors;
  if (config_.watch_interval_seconds > 0) loaded_fingerprint_ = watched_fingerprint();
  pending_fingerprint_ = loaded_fingerprint_;
  thread_ = std::thread([this] { run(); });
}

RuleReloader::~RuleReloader() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
  versions_.free_retired();
}

void RuleReloader::request() {
  {
    std::lock_guard lock(mutex_);
    requested_ = true;
  }
  wake_.notify_all();
}

ReloadCounters RuleReloader::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

bool RuleReloader::wait_for_attempts(uint64_t attempts, double timeout_seconds) const {
  std::unique_lock lock(mutex_);
  return wake_.wait_for(lock, std::chrono::duration<double>(timeout_seconds),
                        [&] { return counters_.reloads + counters_.failures >= attempts; });
}

uint64_t RuleReloader::watched_fingerprint() const {
  uint64_t h = 0xcbf29ce484222325ull;
  for (const std::string& path : config_.watch_paths) {
    std::error_code ec;
    const fs::directory_entry entry(path, ec);
    if (ec || !entry.exists(ec)) {
      h = mix(h, "missing:" + path);
      continue;
    }
    if (!entry.is_directory(ec)) {
      h = file_fingerprint(h, entry);
      continue;
    }
    for (auto it = fs::recursive_directory_iterator(path, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
      if (it->is_regular_file(ec)) h = file_fingerprint(h, *it);
  }
  return h;
}

void RuleReloader::run() {
  // The process blocks the reload signals before it starts any thread (block_reload_signals):
  // this thread alone takes them, while it waits here. (Delivered to a worker asleep in a
  // futex, a sanitizer would hold the handler until that worker woke up.)
  if (signal_flag_ != nullptr) {
    sigset_t signals = reload_signals();
    pthread_sigmask(SIG_UNBLOCK, &signals, nullptr);
  }
  auto next_watch = std::chrono::steady_clock::now();
  const auto interval = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(config_.watch_interval_seconds));
  for (;;) {
    const char* why = nullptr;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, kTick, [&] { return stop_ || requested_; });
      if (stop_) return;
      if (requested_) why = "requested";
      requested_ = false;
    }
    versions_.free_retired();
    if (signal_flag_ != nullptr && signal_flag_->exchange(false)) why = "signal";
    if (why == nullptr && config_.watch_interval_seconds > 0 &&
        std::chrono::steady_clock::now() >= next_watch) {
      next_watch = std::chrono::steady_clock::now() + interval;
      // A change is reloaded once it has held still for one interval (a file being written).
      const uint64_t now = watched_fingerprint();
      if (now != loaded_fingerprint_) {
        if (now == pending_fingerprint_) why = "rules path changed";
        pending_fingerprint_ = now;
      }
    }
    if (why != nullptr) reload(why);
  }
}

void RuleReloader::reload(const char* why) {
  if (config_.watch_interval_seconds > 0)
    loaded_fingerprint_ = pending_fingerprint_ = watched_fingerprint();
  if (!config_.quiet) std::fprintf(stderr, "tripline: reloading rules (%s)\n", why);
  reset_peak_rss();
  const auto started = std::chrono::steady_clock::now();
  RuleLoad load = load_();
  if (!load.rules) {
    std::fprintf(stderr, "tripline: rules reload failed: %s; still matching with rule set %u\n",
                 load.failure.c_str(), versions_.latest().epoch);
    std::lock_guard lock(mutex_);
    ++counters_.failures;
    wake_.notify_all();
    return;
  }
  const SignatureEngine* signatures = load.rules->signatures();
  const size_t loaded = load.rules->size() + (signatures != nullptr ? signatures->size() : 0);
  const RuleVersion& version = versions_.publish(std::move(load.rules));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const uint64_t peak = peak_rss_bytes();
  if (!config_.quiet)
    std::fprintf(stderr,
                 "tripline: rules reloaded: rule set %u, %zu rules, %zu errors, in %.3f s; "
                 "peak resident %.1f MB\n",
                 version.epoch, loaded, load.errors, seconds, peak / 1e6);
  std::lock_guard lock(mutex_);
  counters_.epoch = version.epoch;
  ++counters_.reloads;
  counters_.last_reload_ns = wall_clock_ns();
  counters_.last_seconds = seconds;
  counters_.last_peak_rss = peak;
  counters_.rules_loaded = loaded;
  counters_.rules_failed = load.errors;
  wake_.notify_all();
}

}  // namespace tripline
