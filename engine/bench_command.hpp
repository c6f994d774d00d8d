// The `tripline bench` subcommand: its options and its run (engine/bench_runner.hpp).
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "engine/bench_runner.hpp"

namespace tripline {

struct BenchCommandOptions {
  std::vector<std::string> rules;    // one rule set
  std::vector<std::string> compare;  // two rule sets, side by side
  std::vector<std::string> captures;
  std::vector<unsigned> workers{1};
  unsigned repeat = 3;
  bool json = false;
  size_t profile_rules = 0;
  size_t max_flows = 1u << 18;
};

CLI::App* add_bench_command(CLI::App& app, BenchCommandOptions& options);
// Exit code: 0, or 3 when a capture could not be read (usage errors are CLI11's: 1).
int run_bench_command(const BenchCommandOptions& options);

}  // namespace tripline
