// End-to-end helpers: run the built binaries, read EVE JSON alerts, compare alert sets.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace tripline::test {

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs `command` through /bin/sh, capturing stdout and stderr.
CommandResult run_command(const std::string& command);

// Paths of the built programs (from the environment CTest sets); empty if unknown.
std::string tripline_binary();
std::string trafficgen_binary();
bool have_program(const std::string& name);  // on PATH

// One alert, reduced to the fields the tests compare (the truth TSV's columns + flow_id).
struct AlertRow {
  uint64_t pcap_cnt = 0;
  std::string src_ip, dest_ip, proto;
  uint64_t src_port = 0, dest_port = 0;
  std::string ioc_type, ioc_value, ioc_field, ioc_matched;
  uint64_t flow_id = 0;
  std::string tsv() const;  // the truth file's form (no flow_id)
  bool operator<(const AlertRow& o) const { return tsv() < o.tsv(); }
};

// Parses every "alert" line of an EVE JSON file; fails the calling test on invalid JSON.
std::vector<AlertRow> read_alerts(const std::string& eve_text);
// Reads a generator truth TSV (header skipped), sorted.
std::vector<std::string> read_truth(const std::string& tsv_text);
std::vector<std::string> sorted_tsv(const std::vector<AlertRow>& rows);

std::string shell_quote(const std::string& s);

}  // namespace tripline::test
