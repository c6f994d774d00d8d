#include "engine/bench_command.hpp"

#include <cstdio>

namespace tripline {

CLI::App* add_bench_command(CLI::App& app, BenchCommandOptions& o) {
  CLI::App* cmd =
      app.add_subcommand("bench", "Measure what rule sets cost on a capture (preloaded in memory)");
  cmd->add_option("--rules", o.rules, "Indicator file or directory (repeatable): one rule set");
  cmd->add_option("--compare", o.compare, "Two rule sets (files or directories), side by side")
      ->expected(2);
  cmd->add_option("--workers", o.workers, "Worker counts to run, e.g. 1,2")
      ->delimiter(',')
      ->check(CLI::Range(1u, 254u))
      ->capture_default_str();
  cmd->add_option("--repeat", o.repeat, "Replays per worker count (the best is reported)")
      ->check(CLI::Range(1u, 1000u))
      ->capture_default_str();
  cmd->add_flag("--json", o.json, "One JSON object on stdout instead of the table");
  cmd->add_option("--profile-rules", o.profile_rules,
                  "List the N costliest signatures by check time and by matches");
  cmd->add_option("--max-flows", o.max_flows, "Flow table size, all workers")
      ->capture_default_str();
  cmd->add_option("captures", o.captures, "pcap/pcapng files or directories")->required();
  cmd->callback([&o] {
    if (o.rules.empty() == o.compare.empty())
      throw CLI::ValidationError("bench", "give either --rules or --compare SET_A SET_B");
  });
  return cmd;
}

int run_bench_command(const BenchCommandOptions& o) {
  BenchOptions options;
  if (!o.compare.empty()) {
    for (const std::string& path : o.compare) options.sets.push_back({path, {path}});
  } else {
    std::string name;
    for (const std::string& path : o.rules) name += (name.empty() ? "" : "+") + path;
    options.sets.push_back({name, o.rules});
  }
  options.captures = o.captures;
  options.workers = o.workers;
  options.repeat = o.repeat;
  options.profile_rules = o.profile_rules;
  options.worker.max_flows = o.max_flows;
  BenchReport report;
  std::string error;
  if (!run_bench(options, report, &error)) {
    std::fprintf(stderr, "tripline: error: %s\n", error.c_str());
    return 3;
  }
  if (o.json)
    print_bench_json(report, stdout);
  else
    print_bench_table(report, stdout);
  return 0;
}

}  // namespace tripline
