// tripline command line: `scan` replays captures against indicator files; `rules check`
// validates indicator files. Exit codes are documented in docs/usage.md.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>

#include "capture/pcap_file_source.hpp"
#include "core/loaders.hpp"
#include "engine/eve_writer.hpp"
#include "engine/pipeline.hpp"
#include "matchers/compiled_rules.hpp"

namespace tripline {
namespace {

enum ExitCode : int {
  kExitOk = 0,
  kExitUsage = 1,    // bad command line, output not writable, internal error
  kExitRules = 2,    // rule-set diagnostics (rules check), or any with --strict
  kExitCapture = 3,  // a capture input missing, not a capture, or unreadable part-way
};

struct ScanOptions {
  std::vector<std::string> rules;
  std::vector<std::string> captures;
  unsigned workers = 0;
  std::string alerts = "-";
  std::string alert_mode = "flow";
  bool strict = false;
  bool quiet = false;
  size_t max_flows = 1u << 18;
  double flow_timeout = 0;  // seconds; 0 = per-protocol defaults
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

// Loads, reports and compiles the rule set; the RuleSet itself is freed on return.
std::unique_ptr<CompiledRules> load_rules(const ScanOptions& options, size_t* errors) {
  RuleSet rule_set;
  for (const auto& p : options.rules) load_rules_path(p, rule_set);
  *errors = report_rules(rule_set, false);
  if (*errors != 0 && options.strict) return nullptr;
  const auto compile_start = std::chrono::steady_clock::now();
  auto rules = std::make_unique<CompiledRules>(rule_set);
  if (!options.quiet)
    std::fprintf(
        stderr, "tripline: compiled %zu indicators in %.3f s (%.1f MB)\n", rules->size(),
        std::chrono::duration<double>(std::chrono::steady_clock::now() - compile_start).count(),
        rules->memory_bytes() / 1e6);
  return rules;
}

int scan(const ScanOptions& options) {
  size_t errors = 0;
  const std::unique_ptr<CompiledRules> compiled = load_rules(options, &errors);
  if (!compiled) {
    std::fprintf(stderr, "tripline: %zu rule errors and --strict: not scanning\n", errors);
    return kExitRules;
  }
  const CompiledRules& rules = *compiled;

  std::FILE* out = stdout;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(nullptr, &std::fclose);
  if (options.alerts != "-") {
    file.reset(std::fopen(options.alerts.c_str(), "w"));
    if (!file) {
      std::fprintf(stderr, "tripline: cannot write %s\n", options.alerts.c_str());
      return kExitUsage;
    }
    out = file.get();
  }
  static char out_buffer[1 << 16];
  std::setvbuf(out, out_buffer, _IOFBF, sizeof out_buffer);

  PcapFileSource source(options.captures);
  EveWriter writer(out, rules, source.files());

  PipelineConfig config;
  config.workers = options.workers;
  const unsigned workers = options.workers == 0 ? default_worker_count() : options.workers;
  config.worker.max_flows = std::max<size_t>(1, options.max_flows / workers);
  config.worker.alert_mode = options.alert_mode == "packet" ? AlertMode::kPacket : AlertMode::kFlow;
  if (options.flow_timeout > 0) {
    const auto ns = static_cast<uint64_t>(options.flow_timeout * 1e9);
    config.worker.timeouts = {ns, ns, ns};
  }

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

  const PipelineReport report = run_pipeline(source, rules, writer, config, progress);
  if (progress) std::fprintf(stderr, "\r\033[K");
  const auto wall = std::chrono::system_clock::now().time_since_epoch();
  writer.write_stats(
      report,
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(wall).count()));
  const bool written = writer.flush() && (!file || std::fclose(file.release()) == 0);
  const bool capture_error = source.had_error();
  if (!options.quiet) print_summary(report, capture_error);
  if (!written) {
    std::fprintf(stderr, "tripline: error: writing alerts to %s failed\n", options.alerts.c_str());
    return kExitUsage;
  }
  if (capture_error) return kExitCapture;
  return errors != 0 && options.strict ? kExitRules : kExitOk;
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
  scan_cmd->add_option("--rules", scan_options.rules, "Indicator file or directory (repeatable)")
      ->required()
      ->allow_extra_args(false);
  scan_cmd->add_option("--workers", scan_options.workers, "Worker threads (default: all cores)")
      ->check(CLI::Range(1, 254));
  scan_cmd->add_option("--alerts", scan_options.alerts, "EVE JSON output file, - for stdout")
      ->capture_default_str();
  scan_cmd
      ->add_option("--alert-mode", scan_options.alert_mode,
                   "flow: one alert per flow and indicator; packet: every packet")
      ->check(CLI::IsMember({"flow", "packet"}))
      ->capture_default_str();
  scan_cmd->add_flag("--strict", scan_options.strict, "Refuse to scan if any rule line failed");
  scan_cmd->add_flag("-q,--quiet", scan_options.quiet, "No summary on stderr");
  scan_cmd->add_option("--max-flows", scan_options.max_flows, "Flow table size, all workers")
      ->capture_default_str();
  scan_cmd
      ->add_option("--flow-timeout", scan_options.flow_timeout,
                   "Idle timeout in seconds for every protocol (default: TCP 600, UDP 300, "
                   "other 300)")
      ->check(CLI::Range(0.0, 1e9));
  scan_cmd->add_option("captures", scan_options.captures, "pcap/pcapng files or directories")
      ->required();

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
  try {
    if (*scan_cmd) return scan(scan_options);
    if (*check_cmd) return rules_check(check_paths, list_skipped);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tripline: %s\n", e.what());
    return kExitUsage;
  }
  return kExitUsage;
}
