#include "tests/e2e/e2e_support.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "tests/test_support.hpp"

namespace tripline::test {

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

CommandResult run_command(const std::string& command) {
  static int counter = 0;
  const std::string err_path = std::string(TRIPLINE_BINARY_DIR) + "/e2e-stderr-" +
                               std::to_string(getpid()) + "-" + std::to_string(counter++);
  CommandResult result;
  std::FILE* pipe = popen((command + " 2>" + shell_quote(err_path)).c_str(), "r");
  if (pipe == nullptr) return result;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) result.out.append(buf, n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.err = read_file(err_path);
  std::remove(err_path.c_str());
  return result;
}

// The environment can point at other builds; by default, the ones built with the tests.
static std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : std::string(fallback);
}

std::string tripline_binary() { return env_or("TRIPLINE_BIN", TRIPLINE_BIN_PATH); }
std::string trafficgen_binary() { return env_or("TRIPLINE_TRAFFICGEN", TRIPLINE_TRAFFICGEN_PATH); }

bool have_program(const std::string& name) {
  return run_command("command -v " + shell_quote(name) + " >/dev/null").exit_code == 0;
}

std::string AlertRow::tsv() const {
  std::ostringstream o;
  o << pcap_cnt << '\t' << src_ip << '\t' << src_port << '\t' << dest_ip << '\t' << dest_port
    << '\t' << proto << '\t' << ioc_type << '\t' << ioc_value << '\t' << ioc_field << '\t'
    << ioc_matched;
  return o.str();
}

std::vector<AlertRow> read_alerts(const std::string& eve_text) {
  std::vector<AlertRow> rows;
  simdjson::dom::parser parser;
  std::istringstream in(eve_text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    simdjson::dom::element doc;
    const auto error = parser.parse(line).get(doc);
    EXPECT_FALSE(error) << "invalid JSON line: " << line;
    if (error) continue;
    std::string_view type;
    if (doc["event_type"].get(type) || type != "alert") continue;
    AlertRow r;
    std::string_view s;
    r.pcap_cnt = doc["pcap_cnt"].get_uint64().value_unsafe();
    r.flow_id = doc["flow_id"].get_uint64().value_unsafe();
    if (!doc["src_ip"].get(s)) r.src_ip = s;
    if (!doc["dest_ip"].get(s)) r.dest_ip = s;
    if (!doc["proto"].get(s)) r.proto = s;
    uint64_t port;
    if (!doc["src_port"].get(port)) r.src_port = port;
    if (!doc["dest_port"].get(port)) r.dest_port = port;
    const auto ioc = doc["ioc"];
    if (!ioc["type"].get(s)) r.ioc_type = s;
    if (!ioc["value"].get(s)) r.ioc_value = s;
    if (!ioc["field"].get(s)) r.ioc_field = s;
    if (!ioc["matched"].get(s)) r.ioc_matched = s;
    rows.push_back(std::move(r));
  }
  return rows;
}

std::vector<std::string> read_truth(const std::string& tsv_text) {
  std::vector<std::string> rows;
  std::istringstream in(tsv_text);
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (header) {
      header = false;
      continue;
    }
    if (!line.empty()) rows.push_back(line);
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

std::vector<std::string> sorted_tsv(const std::vector<AlertRow>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r.tsv());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace tripline::test
