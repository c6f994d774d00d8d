// tripline command line: `scan` replays captures against indicator files; `rules check`
// validates indicator files. Exit codes are documented in docs/usage.md.
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <utility>

#include "capture/pcap_file_source.hpp"
#include "capture/pcap_live_source.hpp"
#include "core/loaders.hpp"
#include "engine/bench_command.hpp"
#include "engine/eve_writer.hpp"
#include "engine/pipeline.hpp"
#include "engine/process_stats.hpp"
#include "engine/rule_reloader.hpp"
#include "matchers/compiled_rules.hpp"
#include "matchers/signature_engine.hpp"
#include "output/alert_id.hpp"
#include "output/sightings.hpp"
#include "output/threshold_filter.hpp"
#ifdef TRIPLINE_HAVE_NATS
#include "output/nats_sink.hpp"
#endif
#ifdef TRIPLINE_HAVE_DPDK
#include "engine/dpdk/dpdk_run.hpp"
#endif

namespace tripline {
namespace {

enum ExitCode : int {
  kExitOk = 0,
  kExitUsage = 1,    // bad command line, output not writable, internal error
  kExitRules = 2,    // rule-set diagnostics (rules check), or any with --strict
  kExitCapture = 3,  // a capture input missing, not a capture, or unreadable part-way
};

// The shared alert queue (NATS JetStream) and its spool: see docs/alert-queue.md.
struct QueueOptions {
  std::string url;
  std::string subject;  // default tripline.alerts.<sensor>
  std::string stream;
  bool create_stream = false;
  std::string token, user, password, creds, nkey, tls_ca, tls_cert, tls_key;
  std::string spool;  // directory; empty: in memory (lost at exit)
  uint64_t spool_max_bytes = 1ull << 30;
  std::string spool_fsync = "batch";
};

struct CommonOptions {
  std::string sensor;  // EVE "host"; default the host name
  QueueOptions queue;
  std::vector<std::string> rules;
  std::string rules_cache;     // compiled Hyperscan databases; empty: no cache
  double watch_rules = 0;      // seconds between looks at the --rules paths; 0: not watched
  std::string threshold_file;  // threshold.config; empty: every alert is written
  std::string sightings;       // STIX 2.1 sightings bundle to write; empty: none
  unsigned workers = 0;
  std::string alerts = "-";
  std::string alert_mode = "flow";
  bool strict = false;
  bool quiet = false;
  size_t max_flows = 1u << 18;
  double flow_timeout = 0;       // seconds; 0 = per-protocol defaults
  StreamInspectorConfig stream;  // TCP payload inspection, per worker
};

struct ScanOptions : CommonOptions {
  std::vector<std::string> captures;
  bool no_mmap = false;  // every file through libpcap
};

struct RunOptions : CommonOptions {
  std::string interface;
  std::string bpf;
  int snaplen = 262144;
  bool no_promiscuous = false;
  unsigned buffer_mib = 64;
  bool immediate = false;
  double stats_interval = 10;
  bool dpdk = false;
  uint16_t queues = 1;
  double idle_exit = 0;
  std::vector<std::string> eal_args;
};

std::string type_counts(const std::map<std::string, size_t>& counts) {
  std::string out;
  for (const auto& [type, n] : counts) {
    if (!out.empty()) out += ", ";
    out += type + " " + std::to_string(n);
  }
  return out;
}

// Prints every diagnostic, then per-file and total counts. Returns the error count.
size_t report_rules(const RuleSet& rules, bool list_skipped) {
  for (const auto& d : rules.diagnostics()) std::fprintf(stderr, "%s\n", d.to_string().c_str());
  if (list_skipped)
    for (const auto& s : rules.skipped())
      std::fprintf(stderr, "%s:%u: skipped %s indicator '%s' (not visible on the wire)\n",
                   s.file.c_str(), s.line, s.kind.c_str(), s.value.c_str());

  std::map<std::string, std::map<std::string, size_t>> per_file;
  std::map<std::string, size_t> totals;
  for (const auto& i : rules.indicators()) {
    ++per_file[rules.meta_of(i).rule_set][std::string(to_string(i.type))];
    ++totals[std::string(to_string(i.type))];
  }
  std::map<std::string, size_t> skipped;
  for (const auto& s : rules.skipped()) ++skipped[s.kind];
  for (const auto& [file, counts] : per_file)
    std::fprintf(stderr, "  %s: %s\n", file.c_str(), type_counts(counts).c_str());
  for (const auto& [file, stats] : rules.rule_file_stats()) {
    const std::string reasons =
        stats.skipped.empty() ? std::string() : " (" + type_counts(stats.skipped) + ")";
    std::fprintf(stderr, "  %s: %zu rules loaded, %zu skipped%s\n", file.c_str(), stats.loaded,
                 stats.skipped_total(), reasons.c_str());
  }
  const std::string types = totals.empty() ? std::string() : " (" + type_counts(totals) + ")";
  const std::string skipped_kinds =
      skipped.empty() ? std::string() : " (" + type_counts(skipped) + ")";
  std::fprintf(stderr, "rules: %zu indicators%s; %zu skipped%s%s; %zu errors\n",
               rules.indicators().size(), types.c_str(), rules.skipped().size(),
               skipped_kinds.c_str(),
               !list_skipped && !rules.skipped().empty() ? ", listed with --list-skipped" : "",
               rules.error_count());
  return rules.error_count();
}

int rules_check(const std::vector<std::string>& paths, bool list_skipped) {
  RuleSet rules;
  for (const auto& p : paths) load_rules_path(p, rules);
  return report_rules(rules, list_skipped) == 0 ? kExitOk : kExitRules;
}

void print_summary(const PipelineReport& report, bool capture_error) {
  const WorkerStats total = report.total();
  uint64_t invalid = 0;
  for (uint64_t e : report.decode.errors) invalid += e;
  for (uint64_t e : total.decode.errors) invalid += e;
  const double secs = report.seconds > 0 ? report.seconds : 1e-9;
  std::fprintf(stderr,
               "tripline: %llu packets (%.1f MB) in %.3f s, %.0f packets/s, %.1f Mbit/s, "
               "%u workers; %llu flows; %llu decode errors; %llu alerts\n",
               static_cast<unsigned long long>(report.packets), report.bytes / 1e6, secs,
               report.packets / secs, report.bytes * 8 / secs / 1e6, report.workers,
               static_cast<unsigned long long>(total.flows.created),
               static_cast<unsigned long long>(invalid),
               static_cast<unsigned long long>(report.alerts_written));
  for (const auto& in : report.inputs) {
    if (in.message.empty()) continue;
    std::fprintf(stderr, "tripline: %s: %s\n", in.complete || !capture_error ? "warning" : "error",
                 in.message.c_str());
  }
}

// `--rules NAME=PATH` names a rule set (NAME: letters, digits, '.', '_', '-'); an argument
// that exists as a path is a path even if it has a '='.
std::pair<std::string, std::string> named_rules(const std::string& arg) {
  const size_t eq = arg.find('=');
  if (eq == 0 || eq == std::string::npos || std::filesystem::exists(arg)) return {"", arg};
  for (size_t i = 0; i < eq; ++i) {
    const char c = arg[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-')
      return {"", arg};
  }
  return {arg.substr(0, eq), arg.substr(eq + 1)};
}

// Loads, reports and compiles the rule set; the RuleSet itself is freed on return. A reload
// also fails when a rules path could not be read whole (missing, unreadable, not parsable):
// running on without a feed that was loaded before would drop it silently.
RuleLoad load_rules(const CommonOptions& options, bool reloading) {
  RuleSet rule_set;
  for (const auto& arg : options.rules) {
    const auto [name, path] = named_rules(arg);
    rule_set.set_rule_set_name(name);
    load_rules_path(path, rule_set);
  }
  rule_set.set_rule_set_name({});
  RuleLoad load;
  load.errors = report_rules(rule_set, false);
  if (load.errors != 0 && options.strict) {
    load.failure = std::to_string(load.errors) + " rule errors and --strict";
    return load;
  }
  if (reloading)
    for (const Diagnostic& d : rule_set.diagnostics())
      if (d.line == 0 && d.severity == Severity::kError) {
        load.failure = d.to_string();
        return load;
      }
  const auto compile_start = std::chrono::steady_clock::now();
  auto rules = std::make_shared<CompiledRules>(rule_set, CompileOptions{options.rules_cache});
  const char* cached = "";
  if (const SignatureEngine* engine = rules->signatures()) {
    for (const std::string& w : engine->prefilter().cache_warnings())
      std::fprintf(stderr, "tripline: warning: %s\n", w.c_str());
    if (engine->prefilter().from_cache()) cached = " (Hyperscan databases from cache)";
    const std::vector<std::string> problems = engine->errors();
    for (const std::string& problem : problems)
      std::fprintf(stderr, "tripline: warning: rule not matched: %s\n", problem.c_str());
    if (!problems.empty() && options.strict) {
      load.failure = std::to_string(problems.size()) + " rules not matched and --strict";
      return load;
    }
  }
  if (!options.quiet)
    std::fprintf(
        stderr, "tripline: compiled %zu indicators in %.3f s (%.1f MB)%s\n", rules->size(),
        std::chrono::duration<double>(std::chrono::steady_clock::now() - compile_start).count(),
        rules->memory_bytes() / 1e6, cached);
  load.rules = std::move(rules);
  return load;
}

// SIGHUP and SIGUSR2 (Suricata's reload signal) ask for a reload; --watch-rules watches the
// --rules paths. Started for every scan and run: an idle reloader wakes ten times a second.
std::atomic<bool> g_reload_requested{false};

void on_reload_signal(int) { g_reload_requested.store(true); }

void install_reload_handlers() {
  struct sigaction reload {};
  reload.sa_handler = &on_reload_signal;
  sigemptyset(&reload.sa_mask);
  reload.sa_flags = SA_RESTART;
  sigaction(SIGHUP, &reload, nullptr);
  sigaction(SIGUSR2, &reload, nullptr);
}

std::unique_ptr<RuleReloader> start_reloader(const CommonOptions& options, RuleVersions& versions,
                                             size_t initial_errors) {
  ReloadConfig config;
  for (const auto& arg : options.rules) config.watch_paths.push_back(named_rules(arg).second);
  config.watch_interval_seconds = options.watch_rules;
  config.quiet = options.quiet;
  config.initial_errors = initial_errors;
  return std::make_unique<RuleReloader>(
      versions, [&options] { return load_rules(options, true); }, std::move(config),
      &g_reload_requested);
}

// Warns about lines naming a signature or rule set that is not loaded (as Suricata warns
// about an unknown sid): such a line never applies.
void check_threshold_scopes(const ThresholdConfig& config, const CompiledRules& rules) {
  std::map<uint64_t, bool> signatures;  // gid << 32 | sid named by a line -> loaded
  std::map<std::string, bool, std::less<>> rule_sets;
  const auto want = [&](const ThresholdScope& scope) {
    if (scope.by_rule_set())
      rule_sets[scope.rule_set];
    else if (scope.sid != 0)
      signatures[uint64_t{scope.gid} << 32 | scope.sid];
  };
  for (const ThresholdRule& t : config.thresholds) want(t.scope);
  for (const SuppressRule& s : config.suppressions) want(s.scope);
  const auto seen = [&](uint32_t gid, uint32_t sid, std::string_view rule_set) {
    if (const auto it = signatures.find(uint64_t{gid} << 32 | sid); it != signatures.end())
      it->second = true;
    if (const auto it = rule_sets.find(rule_set); it != rule_sets.end()) it->second = true;
  };
  for (uint32_t i = 0; i < rules.size(); ++i) {
    const CompiledIndicator& indicator = rules.indicator(i);
    seen(1, indicator.signature_id, rules.meta(indicator.meta).rule_set);
  }
  if (const SignatureEngine* engine = rules.signatures())
    for (uint32_t i = 0; i < engine->size(); ++i) {
      const Signature& s = engine->signature(i);
      seen(s.gid, s.sid,
           !s.rule_set.empty() ? std::string_view(s.rule_set)
                               : std::string_view(s.file).substr(s.file.find_last_of('/') + 1));
    }
  const auto check = [&](const ThresholdScope& scope, const std::string& file, uint32_t line) {
    if (scope.by_rule_set() && !rule_sets.find(scope.rule_set)->second)
      std::fprintf(stderr, "%s:%u: warning: no rule set '%s' is loaded\n", file.c_str(), line,
                   scope.rule_set.c_str());
    if (!scope.by_rule_set() && scope.sid != 0 &&
        !signatures.find(uint64_t{scope.gid} << 32 | scope.sid)->second)
      std::fprintf(stderr, "%s:%u: warning: no rule gen_id %u, sig_id %u is loaded\n", file.c_str(),
                   line, scope.gid, scope.sid);
  };
  for (const ThresholdRule& t : config.thresholds) check(t.scope, t.file, t.line);
  for (const SuppressRule& s : config.suppressions) check(s.scope, s.file, s.line);
}

// Loads --threshold-file and prints its diagnostics and counts. False when it had errors and
// --strict is set; `*filter` stays null without a file.
bool load_thresholds(const CommonOptions& options, const CompiledRules& rules,
                     std::unique_ptr<ThresholdFilter>* filter) {
  if (options.threshold_file.empty()) return true;
  ThresholdConfig config;
  load_threshold_file(options.threshold_file, config);
  for (const auto& d : config.diagnostics) std::fprintf(stderr, "%s\n", d.to_string().c_str());
  check_threshold_scopes(config, rules);
  std::fprintf(stderr, "thresholds: %zu thresholds, %zu suppressions; %zu errors\n",
               config.thresholds.size(), config.suppressions.size(), config.error_count());
  if (config.error_count() != 0 && options.strict) {
    std::fprintf(stderr, "tripline: %zu threshold errors and --strict: not starting\n",
                 config.error_count());
    return false;
  }
  *filter = std::make_unique<ThresholdFilter>(std::move(config));
  return true;
}

// The alerts output: stdout or a file, fully buffered.
class AlertOutput {
 public:
  bool open(const std::string& path) {
    if (path != "-") {
      file_ = std::fopen(path.c_str(), "w");
      if (file_ == nullptr) return false;
    }
    // libc owns the buffer: it must outlive this object if the stream is flushed at exit().
    std::setvbuf(stream(), nullptr, _IOFBF, 1 << 16);
    return true;
  }
  std::FILE* stream() const { return file_ != nullptr ? file_ : stdout; }
  // Flushes and closes; false if any write failed.
  bool finish() {
    bool ok = std::fflush(stream()) == 0 && !std::ferror(stream());
    if (file_ != nullptr) ok = std::fclose(std::exchange(file_, nullptr)) == 0 && ok;
    return ok;
  }
  ~AlertOutput() {
    if (file_ != nullptr) std::fclose(file_);
  }

 private:
  std::FILE* file_ = nullptr;
};

PipelineConfig pipeline_config(const CommonOptions& options) {
  PipelineConfig config;
  config.workers = options.workers;
  const unsigned workers = options.workers == 0 ? default_worker_count() : options.workers;
  config.worker.max_flows = std::max<size_t>(1, options.max_flows / workers);
  config.worker.alert_mode = options.alert_mode == "packet" ? AlertMode::kPacket : AlertMode::kFlow;
  config.worker.stream_inspect = options.stream;
  if (options.flow_timeout > 0) {
    const auto ns = static_cast<uint64_t>(options.flow_timeout * 1e9);
    config.worker.timeouts = {ns, ns, ns};
  }
  return config;
}

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "tripline";
  return name;
}

#ifdef TRIPLINE_HAVE_NATS
using QueueSink = NatsSink;

// Connects to NATS (checking or creating the stream) with the spool behind it; nullptr after
// printing the reason.
std::unique_ptr<NatsSink> start_queue(const CommonOptions& options, bool lossless) {
  const QueueOptions& q = options.queue;
  std::string error;
  std::unique_ptr<Spool> spool;
  if (!q.spool.empty()) {
    SpoolConfig config;
    config.dir = q.spool;
    config.max_bytes = q.spool_max_bytes;
    config.segment_bytes = std::clamp<uint64_t>(q.spool_max_bytes / 8, 4096, 64ull << 20);
    parse_fsync_policy(q.spool_fsync, &config.fsync);
    spool = open_disk_spool(config, &error);
    if (!spool) {
      std::fprintf(stderr, "tripline: error: spool: %s\n", error.c_str());
      return nullptr;
    }
    for (const std::string& w : spool->warnings())
      std::fprintf(stderr, "tripline: warning: %s\n", w.c_str());
  } else {
    spool = make_memory_spool(q.spool_max_bytes);
  }
  NatsConfig config;
  config.url = q.url;
  config.subject = q.subject.empty() ? "tripline.alerts." + options.sensor : q.subject;
  config.stream = q.stream;
  config.create_stream = q.create_stream;
  config.token = q.token;
  config.user = q.user;
  config.password = q.password;
  config.creds_file = q.creds;
  config.nkey_file = q.nkey;
  config.tls_ca = q.tls_ca;
  config.tls_cert = q.tls_cert;
  config.tls_key = q.tls_key;
  config.client_name = "tripline " + options.sensor;
  config.lossless = lossless;
  config.start_offline = spool->durable();  // a restart keeps what it holds
  if (!options.quiet)
    config.log = [](const std::string& line) {
      std::fprintf(stderr, "tripline: %s\n", line.c_str());
    };
  std::unique_ptr<NatsSink> sink = NatsSink::start(config, std::move(spool), &error);
  if (!sink) std::fprintf(stderr, "tripline: error: NATS: %s\n", error.c_str());
  return sink;
}

// Delivers or spools what is left; false when lines were lost.
bool finish_queue(const CommonOptions& options, NatsSink& sink) {
  const bool kept = sink.close();
  const NatsCounters c = sink.counters();
  if (!options.quiet || !kept)
    std::fprintf(
        stderr,
        "tripline: nats: %llu published (%llu already in the stream), %llu spooled, "
        "%llu resent from the spool, %llu left in the spool, %llu shed, %llu dropped "
        "(spool full)\n",
        static_cast<unsigned long long>(c.published), static_cast<unsigned long long>(c.duplicates),
        static_cast<unsigned long long>(c.spooled), static_cast<unsigned long long>(c.resent),
        static_cast<unsigned long long>(c.left_in_spool), static_cast<unsigned long long>(c.shed),
        static_cast<unsigned long long>(c.spool_dropped));
  if (!kept)
    std::fprintf(stderr, "tripline: error: lines lost on the way to NATS%s\n",
                 options.queue.spool.empty() ? " (no --spool to keep them)" : "");
  return kept;
}
#else
struct QueueSink : EventSink {
  void publish(std::string_view, std::string_view) override {}
};
std::unique_ptr<QueueSink> start_queue(const CommonOptions&, bool) { return nullptr; }
bool finish_queue(const CommonOptions&, QueueSink&) { return true; }
#endif

// The sightings bundle (--sightings); false after reporting a failure.
bool write_sightings(const CommonOptions& options, const SightingLog* sightings) {
  if (sightings == nullptr || sightings->write(options.sightings, wall_clock_ns())) return true;
  std::fprintf(stderr, "tripline: error: cannot write sightings to %s\n",
               options.sightings.c_str());
  return false;
}

std::unique_ptr<SightingLog> make_sightings(const CommonOptions& options) {
  return options.sightings.empty() ? nullptr : std::make_unique<SightingLog>(options.sensor);
}

int finish_run(const CommonOptions& options, const PipelineReport& report, EveWriter& writer,
               AlertOutput& output, bool capture_error, QueueSink* queue,
               const SightingLog* sightings) {
  writer.write_stats(report, wall_clock_ns());
  if (!write_sightings(options, sightings)) return kExitUsage;
  if (sightings != nullptr && !options.quiet)
    std::fprintf(stderr, "tripline: sightings: %zu indicators seen, written to %s\n",
                 sightings->indicators(), options.sightings.c_str());
  const bool written = output.finish();
  if (!options.quiet) print_summary(report, capture_error);
  if (!options.quiet && !options.threshold_file.empty()) {
    const ThresholdCounters t = writer.threshold_counters();
    std::fprintf(stderr,
                 "tripline: thresholds: %llu suppressed, %llu thresholded, %llu evictions\n",
                 static_cast<unsigned long long>(t.suppressed),
                 static_cast<unsigned long long>(t.thresholded),
                 static_cast<unsigned long long>(t.evictions));
  }
  const bool queued = queue == nullptr || finish_queue(options, *queue);
  if (!written) {
    std::fprintf(stderr, "tripline: error: writing alerts to %s failed\n", options.alerts.c_str());
    return kExitUsage;
  }
  if (!queued) return kExitUsage;
  if (capture_error) return kExitCapture;
  return kExitOk;
}

int scan(const ScanOptions& options) {
  block_reload_signals();  // before any thread: only the reloader's takes them
  RuleLoad loaded = load_rules(options, false);
  if (!loaded.rules) {
    std::fprintf(stderr, "tripline: %s: not scanning\n", loaded.failure.c_str());
    return kExitRules;
  }
  std::unique_ptr<ThresholdFilter> thresholds;
  if (!load_thresholds(options, *loaded.rules, &thresholds)) return kExitRules;
  AlertOutput output;
  if (!output.open(options.alerts)) {
    std::fprintf(stderr, "tripline: cannot write %s\n", options.alerts.c_str());
    return kExitUsage;
  }
  std::unique_ptr<QueueSink> queue;
  if (!options.queue.url.empty() && !(queue = start_queue(options, /*lossless=*/true)))
    return kExitUsage;
  PcapFileSource source(
      options.captures, 64,
      options.no_mmap ? PcapReadMode::kLibpcapOnly : PcapReadMode::kMmapWhenPossible);
  const std::unique_ptr<SightingLog> sightings = make_sightings(options);
  RuleVersions versions(std::move(loaded.rules));  // freed once a reload replaced it
  EveWriter writer(output.stream(), versions, source.files(),
                   {options.sensor, queue.get(), thresholds.get(), sightings.get()});
  install_reload_handlers();
  const std::unique_ptr<RuleReloader> reloader = start_reloader(options, versions, loaded.errors);

  ProgressFn progress;
  if (isatty(STDERR_FILENO) && !options.quiet) {
    auto last = std::make_shared<std::chrono::steady_clock::time_point>();
    progress = [last](uint64_t packets, uint64_t bytes) {
      const auto now = std::chrono::steady_clock::now();
      if (now - *last < std::chrono::milliseconds(500)) return;
      *last = now;
      std::fprintf(stderr, "\rtripline: %llu packets, %.1f MB read",
                   static_cast<unsigned long long>(packets), bytes / 1e6);
    };
  }
  PipelineReport report =
      run_pipeline(source, versions, writer, pipeline_config(options), progress);
  if (progress) std::fprintf(stderr, "\r\033[K");
  report.reload = reloader->counters();
  return finish_run(options, report, writer, output, source.had_error(), queue.get(),
                    sightings.get());
}

// ---- live capture -----------------------------------------------------------------------

// Signal handlers can only reach process-wide state: the one thing they do is ask the
// running capture to stop (an atomic store and pcap_breakloop, both async-signal-safe).
std::atomic<bool> g_stop_requested{false};
std::atomic<Source*> g_live_source{nullptr};
std::atomic<bool> g_reopen_requested{false};  // SIGHUP: reopen the EVE file (logrotate)

// SIGHUP: reopen the EVE file and reload the rules; SIGUSR2: reload only.
void on_hangup_signal(int) {
  g_reopen_requested.store(true);
  g_reload_requested.store(true);
}

void on_stop_signal(int) {
  g_stop_requested.store(true);
  if (Source* source = g_live_source.load()) source->stop();
}

void install_stop_handlers() {
  install_reload_handlers();  // SIGUSR2; SIGHUP is replaced below (it also reopens the EVE file)
  struct sigaction action {};
  action.sa_handler = &on_stop_signal;
  sigemptyset(&action.sa_mask);
  // Restart interrupted writes; a second signal (the handler is reset) stops at once.
  action.sa_flags = SA_RESTART | SA_RESETHAND;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  struct sigaction hangup {};
  hangup.sa_handler = &on_hangup_signal;
  sigemptyset(&hangup.sa_mask);
  hangup.sa_flags = SA_RESTART;
  sigaction(SIGHUP, &hangup, nullptr);
  // A reader of our output that goes away (`| jq` after Ctrl-C) must not kill the drain:
  // the failed write is reported at exit instead.
  signal(SIGPIPE, SIG_IGN);
}

// The periodic human summary: totals, rate since the previous line, drops by cause.
class LiveSummary {
 public:
  explicit LiveSummary(std::string interface) : interface_(std::move(interface)) {}
  void print(const PipelineReport& r) {
    const WorkerStats total = r.total();
    const double dt = r.seconds - last_seconds_;
    const double mbps = dt > 0 ? (r.bytes - last_bytes_) * 8 / dt / 1e6 : 0;
    last_seconds_ = r.seconds;
    last_bytes_ = r.bytes;
    std::string per_worker;
    for (size_t i = 0; i < r.per_worker.size(); ++i)
      per_worker += " w" + std::to_string(i) + "=" + std::to_string(r.per_worker[i].packets) + "/" +
                    std::to_string(r.per_worker[i].alerts);
    std::fprintf(stderr,
                 "tripline: %s: %llu packets, %.1f Mbit/s; drops: kernel %llu, interface %llu, "
                 "no buffer %llu, alerts shed %llu; %llu alerts; packets/alerts per worker:%s\n",
                 interface_.c_str(), static_cast<unsigned long long>(r.packets), mbps,
                 static_cast<unsigned long long>(r.capture.kernel_dropped),
                 static_cast<unsigned long long>(r.capture.interface_dropped),
                 static_cast<unsigned long long>(r.capture.no_buffer),
                 static_cast<unsigned long long>(total.alerts_shed),
                 static_cast<unsigned long long>(total.alerts), per_worker.c_str());
  }

 private:
  std::string interface_;
  double last_seconds_ = 0;
  uint64_t last_bytes_ = 0;
};

int run_live(const RunOptions& options) {
  block_reload_signals();  // before any thread: only the reloader's takes them
  RuleLoad loaded = load_rules(options, false);
  if (!loaded.rules) {
    std::fprintf(stderr, "tripline: %s: not capturing\n", loaded.failure.c_str());
    return kExitRules;
  }
  std::unique_ptr<ThresholdFilter> thresholds;
  if (!load_thresholds(options, *loaded.rules, &thresholds)) return kExitRules;
  AlertOutput output;
  if (!output.open(options.alerts)) {
    std::fprintf(stderr, "tripline: cannot write %s\n", options.alerts.c_str());
    return kExitUsage;
  }
  std::unique_ptr<QueueSink> queue;
  if (!options.queue.url.empty() && !(queue = start_queue(options, /*lossless=*/false)))
    return kExitUsage;
  const std::unique_ptr<SightingLog> sightings = make_sightings(options);
  const EveOptions eve_options{options.sensor, queue.get(), thresholds.get(), sightings.get()};
  // Periodic stats from the monitor thread: one fwrite keeps the line whole.
  RuleVersions versions(std::move(loaded.rules));  // freed once a reload replaced it
  std::unique_ptr<RuleReloader> reloader;          // started with the capture, below
  const auto emit_stats = [&](EveWriter& writer, const PipelineReport& so_far) {
    writer.reopen_if_requested();
    const uint64_t now = wall_clock_ns();
    PipelineReport report = so_far;
    report.reload = reloader->counters();
    const std::string line =
        EveWriter::stats_line(report, now, options.sensor, writer.threshold_counters());
    std::fwrite(line.data(), 1, line.size(), output.stream());
    std::fflush(output.stream());
    write_sightings(options, sightings.get());
    if (queue) queue->publish(stats_id(options.sensor, now), line);
  };
  PipelineConfig config = pipeline_config(options);
  config.worker.lossless = false;  // live: a full alert queue sheds (counted), never stalls
  install_stop_handlers();
  reloader = start_reloader(options, versions, loaded.errors);

#ifdef TRIPLINE_HAVE_DPDK
  if (options.dpdk) {
    // pcap_cnt counts per queue; pcap_filename is left out (there is no file).
    EveWriter writer(output.stream(), versions, {}, eve_options);
    if (options.alerts != "-") writer.reopen_on(&g_reopen_requested, options.alerts);
    DpdkRunOptions dpdk;
    dpdk.eal_args = options.eal_args;
    dpdk.queues_per_port = options.queues;
    dpdk.idle_exit_seconds = options.idle_exit;
    dpdk.worker = config.worker;
    if (options.queues != 0)  // one worker per queue: the flow table is shared out per queue
      dpdk.worker.max_flows = std::max<size_t>(1, options.max_flows / options.queues);
    LiveSummary dpdk_summary("dpdk");
    dpdk.stats_interval_seconds = options.stats_interval;
    dpdk.on_stats = [&](const PipelineReport& so_far) {
      emit_stats(writer, so_far);
      if (!options.quiet) dpdk_summary.print(so_far);
    };
    if (!options.quiet) std::fprintf(stderr, "tripline: starting DPDK\n");
    DpdkReport report = run_dpdk(dpdk, versions, writer, g_stop_requested);
    if (!report.error.empty()) {
      std::fprintf(stderr, "tripline: error: DPDK: %s\n", report.error.c_str());
      return kExitCapture;
    }
    report.pipeline.reload = reloader->counters();
    return finish_run(options, report.pipeline, writer, output, false, queue.get(),
                      sightings.get());
  }
#endif

  LiveCaptureOptions live;
  live.interface = options.interface;
  live.bpf = options.bpf;
  live.snaplen = options.snaplen;
  live.promiscuous = !options.no_promiscuous;
  live.buffer_bytes = static_cast<int>(
      std::min<uint64_t>(uint64_t{options.buffer_mib} << 20, std::numeric_limits<int>::max()));
  live.immediate = options.immediate;
  std::string error;
  std::unique_ptr<PcapLiveSource> source = PcapLiveSource::open(live, &error);
  if (!source) {
    std::fprintf(stderr, "tripline: error: %s\n", error.c_str());
    return kExitCapture;
  }
  EveWriter writer(output.stream(), versions, {options.interface}, eve_options);
  if (options.alerts != "-") writer.reopen_on(&g_reopen_requested, options.alerts);
  LiveSummary summary(options.interface);
  config.stats_interval_seconds = options.stats_interval;
  config.on_stats = [&](const PipelineReport& so_far) {
    emit_stats(writer, so_far);
    if (!options.quiet) summary.print(so_far);
  };
  g_live_source.store(source.get());
  if (g_stop_requested.load()) source->stop();  // a signal that came before the store
  if (!options.quiet)
    std::fprintf(stderr, "tripline: capturing on %s\n", options.interface.c_str());
  PipelineReport report = run_pipeline(*source, versions, writer, config);
  g_live_source.store(nullptr);
  report.reload = reloader->counters();
  return finish_run(options, report, writer, output, source->had_error(), queue.get(),
                    sightings.get());
}

}  // namespace
}  // namespace tripline

namespace tripline {
namespace {

// Options shared by `scan` and `run`.
void add_common_options(CLI::App* cmd, CommonOptions& o) {
  cmd->add_option("--rules", o.rules,
                  "Indicator file or directory (repeatable); NAME=PATH names the rule set")
      ->required()
      ->allow_extra_args(false);
  cmd->add_option("--rules-cache", o.rules_cache,
                  "Directory caching the compiled Hyperscan databases: unchanged rules load "
                  "them instead of compiling (default: no cache)")
      ->allow_extra_args(false);
  cmd->add_option("--watch-rules", o.watch_rules,
                  "Look at the --rules paths every SECONDS and reload the rules when they "
                  "changed (SIGHUP and SIGUSR2 reload too; default: not watched)")
      ->check(CLI::Range(0.0, 86400.0));
  cmd->add_option("--workers", o.workers, "Worker threads (default: all cores)")
      ->check(CLI::Range(1, 254));
  cmd->add_option("--alerts", o.alerts, "EVE JSON output file, - for stdout")
      ->capture_default_str();
  cmd->add_option("--alert-mode", o.alert_mode,
                  "flow: one alert per flow and indicator; packet: every packet")
      ->check(CLI::IsMember({"flow", "packet"}))
      ->capture_default_str();
  cmd->add_option("--sightings", o.sightings,
                  "Write STIX 2.1 Sightings of indicators that came with a STIX id to FILE (a "
                  "bundle, rewritten at exit and with every periodic stats event)");
  cmd->add_option("--threshold-file", o.threshold_file,
                  "Suricata threshold.config: thresholds and suppressions applied before alerts "
                  "are written (docs/thresholds.md)")
      ->allow_extra_args(false);
  cmd->add_flag("--strict", o.strict, "Refuse to start if any rule or threshold line failed");
  cmd->add_flag("-q,--quiet", o.quiet, "No summary on stderr");
  cmd->add_option("--max-flows", o.max_flows, "Flow table size, all workers")
      ->capture_default_str();
  cmd->add_option("--flow-timeout", o.flow_timeout,
                  "Idle timeout in seconds for every protocol (default: TCP 600, UDP 300, "
                  "other 300)")
      ->check(CLI::Range(0.0, 1e9));
  cmd->add_option("--stream-slots", o.stream.slots,
                  "TCP directions inspected for payload rules at once, per worker")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1u << 24));
  cmd->add_option("--stream-window", o.stream.window,
                  "Bytes of each TCP direction kept to confirm payload rules (their longest "
                  "span)")
      ->capture_default_str()
      ->check(CLI::Range(64u, 1u << 20));
  cmd->add_option("--sensor", o.sensor, "Sensor name, EVE \"host\" (default: the host name)");
#ifdef TRIPLINE_HAVE_NATS
  QueueOptions& q = o.queue;
  const char* group = "Alert queue (NATS JetStream, docs/alert-queue.md)";
  cmd->add_option("--nats", q.url,
                  "NATS server URL(s), comma-separated; alerts and stats are "
                  "also published there")
      ->group(group);
  cmd->add_option("--nats-subject", q.subject, "Subject (default: tripline.alerts.<sensor>)")
      ->group(group);
  cmd->add_option("--nats-stream", q.stream, "Stream that must take the subject")->group(group);
  cmd->add_flag("--nats-create-stream", q.create_stream,
                "Create the stream if none takes the subject (2 min duplicate window)")
      ->group(group);
  cmd->add_option("--nats-token", q.token, "Token authentication")->group(group);
  cmd->add_option("--nats-user", q.user, "User name")->group(group);
  cmd->add_option("--nats-password", q.password, "Password")->group(group);
  cmd->add_option("--nats-creds", q.creds, "Credentials file (JWT and nkey seed)")
      ->check(CLI::ExistingFile)
      ->group(group);
  cmd->add_option("--nats-nkey", q.nkey, "User nkey file (seed and public key)")
      ->check(CLI::ExistingFile)
      ->group(group);
  cmd->add_option("--nats-tls-ca", q.tls_ca, "TLS: CA certificates file")
      ->check(CLI::ExistingFile)
      ->group(group);
  cmd->add_option("--nats-tls-cert", q.tls_cert, "TLS: client certificate file")
      ->check(CLI::ExistingFile)
      ->group(group);
  cmd->add_option("--nats-tls-key", q.tls_key, "TLS: client key file")
      ->check(CLI::ExistingFile)
      ->group(group);
  cmd->add_option("--spool", q.spool,
                  "Directory keeping what NATS has not acknowledged, across restarts "
                  "(default: memory, lost at exit)")
      ->group(group);
  cmd->add_option("--spool-max-bytes", q.spool_max_bytes,
                  "Spool size limit; beyond it the newest lines are dropped, counted")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str()
      ->group(group);
  cmd->add_option("--spool-fsync", q.spool_fsync, "always, batch (every 256 records) or never")
      ->check(CLI::IsMember({"always", "batch", "never"}))
      ->capture_default_str()
      ->group(group);
#endif
}

}  // namespace
}  // namespace tripline

int main(int argc, char** argv) {
  using namespace tripline;
  CLI::App app{"tripline: match network traffic against threat-intelligence indicators"};
  app.set_version_flag("--version", std::string("tripline ") + TRIPLINE_VERSION);
  app.require_subcommand(1);

  ScanOptions scan_options;
  CLI::App* scan_cmd = app.add_subcommand("scan", "Replay captures against indicator files");
  add_common_options(scan_cmd, scan_options);
  scan_cmd->add_option("captures", scan_options.captures, "pcap/pcapng files or directories")
      ->required();
  scan_cmd->add_flag("--no-mmap", scan_options.no_mmap,
                     "Read every capture through libpcap instead of mapping classic pcap files "
                     "(for files another program may truncate while tripline reads them)");

  RunOptions run_options;
  CLI::App* run_cmd = app.add_subcommand(
      "run", "Capture live from an interface (libpcap) or DPDK ports until SIGINT/SIGTERM");
  add_common_options(run_cmd, run_options);
  auto* interface = run_cmd->add_option("-i,--interface", run_options.interface,
                                        "Network interface to capture on (libpcap)");
  run_cmd->add_option("--bpf", run_options.bpf, "BPF capture filter");
  run_cmd->add_option("--snaplen", run_options.snaplen, "Bytes captured per packet")
      ->check(CLI::Range(64, 262144))
      ->capture_default_str();
  run_cmd->add_flag("--no-promiscuous", run_options.no_promiscuous,
                    "Do not put the interface in promiscuous mode");
  run_cmd->add_option("--buffer-size", run_options.buffer_mib, "Kernel capture buffer, MiB")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  run_cmd->add_flag("--immediate", run_options.immediate,
                    "Deliver packets as they arrive (lower latency, more CPU)");
  run_cmd
      ->add_option("--stats-interval", run_options.stats_interval,
                   "Seconds between EVE stats events and stderr summaries (0: only at exit)")
      ->check(CLI::Range(0.0, 86400.0))
      ->capture_default_str();
#ifdef TRIPLINE_HAVE_DPDK
  auto* dpdk = run_cmd->add_flag("--dpdk", run_options.dpdk,
                                 "Capture from DPDK ports (EAL arguments after --)");
  run_cmd
      ->add_option("--queues", run_options.queues,
                   "DPDK RX queues per port, one worker each (0: every queue the port has)")
      ->check(CLI::Range(0, 64))
      ->capture_default_str();
  run_cmd
      ->add_option("--idle-exit", run_options.idle_exit,
                   "DPDK: stop after this many seconds without a packet (0: never)")
      ->check(CLI::Range(0.0, 86400.0));
  run_cmd->add_option("eal", run_options.eal_args, "DPDK EAL arguments (after --)");
  interface->excludes(dpdk);
#endif
  run_cmd->callback([&] {
    if (run_options.interface.empty() && !run_options.dpdk)
      throw CLI::RequiredError("--interface (or --dpdk)");
  });
  (void)interface;

  BenchCommandOptions bench_options;
  CLI::App* bench_cmd = add_bench_command(app, bench_options);

  CLI::App* rules_cmd = app.add_subcommand("rules", "Work with indicator files");
  rules_cmd->require_subcommand(1);
  std::vector<std::string> check_paths;
  bool list_skipped = false;
  CLI::App* check_cmd = rules_cmd->add_subcommand("check", "Load indicator files and report");
  check_cmd->add_option("paths", check_paths, "Files or directories")->required();
  check_cmd->add_flag("--list-skipped", list_skipped, "List every skipped indicator");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  for (CommonOptions* o :
       {static_cast<CommonOptions*>(&scan_options), static_cast<CommonOptions*>(&run_options)}) {
    if (o->sensor.empty()) o->sensor = host_name();
    if (o->queue.url.empty() && (!o->queue.spool.empty() || o->queue.create_stream)) {
      std::fprintf(stderr, "tripline: --spool and --nats-create-stream need --nats\n");
      return kExitUsage;
    }
  }
  try {
    if (*scan_cmd) return scan(scan_options);
    if (*run_cmd) return run_live(run_options);
    if (*check_cmd) return rules_check(check_paths, list_skipped);
    if (*bench_cmd) return run_bench_command(bench_options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tripline: %s\n", e.what());
    return kExitUsage;
  }
  return kExitUsage;
}
