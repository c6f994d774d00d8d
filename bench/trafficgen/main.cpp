// trafficgen: writes a deterministic synthetic capture (classic pcap) and the alerts the
// engine must raise on it (TSV ground truth) for the indicators given with --inject.
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "bench/trafficgen/indicators.hpp"
#include "bench/trafficgen/pcap_writer.hpp"
#include "bench/trafficgen/scenario.hpp"
#include "bench/trafficgen/truth.hpp"

namespace {

using namespace tripline::trafficgen;

constexpr const char* kUsage =
    "usage: trafficgen --out FILE.pcap --truth FILE.tsv [--packets N] [--seed S]\n"
    "                  [--inject FILE]... [--ipv6-share F] [--vlan-share F]\n"
    "  --packets N      packets to write (default 10000; more if the injected flows need it)\n"
    "  --seed S         random seed (default 1); same seed, same bytes\n"
    "  --inject FILE    indicators to show (IPs, CIDRs, domains, URLs; '#' comments)\n"
    "  --ipv6-share F   share of flows over IPv6, 0..1 (default 0.1)\n"
    "  --vlan-share F   share of flows 802.1Q-tagged, 0..1 (default 0.1)\n";

struct Cli {
  std::string out;
  std::string truth;
  std::vector<std::string> inject;
  ScenarioOptions scenario;
};

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr, "trafficgen: %s\n%s", message.c_str(), kUsage);
  std::exit(2);
}

uint64_t parse_count(std::string_view option, std::string_view text) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty())
    usage_error(std::string(option) + ": not a non-negative integer: '" + std::string(text) + "'");
  return v;
}

double parse_share(std::string_view option, const std::string& text) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(v >= 0.0 && v <= 1.0))
    usage_error(std::string(option) + ": expected a number in [0, 1]: '" + text + "'");
  return v;
}

Cli parse_cli(int argc, char** argv) {
  Cli cli;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    std::string value;
    const size_t eq = arg.find('=');
    std::string_view name = arg.substr(0, eq);
    if (eq != std::string_view::npos) {
      value = std::string(arg.substr(eq + 1));
    } else if (name.starts_with("--")) {
      if (i + 1 >= argc) usage_error(std::string(name) + " needs a value");
      value = argv[++i];
    } else {
      usage_error("unexpected argument '" + std::string(arg) + "'");
    }
    if (name == "--out") {
      cli.out = value;
    } else if (name == "--truth") {
      cli.truth = value;
    } else if (name == "--packets") {
      cli.scenario.packets = parse_count(name, value);
    } else if (name == "--seed") {
      cli.scenario.seed = parse_count(name, value);
    } else if (name == "--inject") {
      cli.inject.push_back(value);
    } else if (name == "--ipv6-share") {
      cli.scenario.ipv6_share = parse_share(name, value);
    } else if (name == "--vlan-share") {
      cli.scenario.vlan_share = parse_share(name, value);
    } else {
      usage_error("unknown option '" + std::string(name) + "'");
    }
  }
  if (cli.out.empty()) usage_error("--out is required");
  if (cli.truth.empty()) usage_error("--truth is required");
  return cli;
}

}  // namespace

int main(int argc, char** argv) {
  const Cli cli = parse_cli(argc, argv);
  try {
    const InjectList inject = load_inject_files(cli.inject);
    for (const std::string& w : inject.warnings)
      std::fprintf(stderr, "trafficgen: %s\n", w.c_str());
    PcapWriter pcap(cli.out);
    ScenarioResult result = run_scenario(cli.scenario, inject.indicators, pcap);
    pcap.close();
    for (const std::string& w : result.warnings)
      std::fprintf(stderr, "trafficgen: %s\n", w.c_str());
    write_truth(cli.truth, result.truth, inject.indicators);
    std::fprintf(stderr,
                 "trafficgen: %llu packets, %llu flows (%llu injected), %llu bytes, "
                 "%zu injected indicators, %zu truth rows, seed %llu\n",
                 static_cast<unsigned long long>(pcap.packets()),
                 static_cast<unsigned long long>(result.flows),
                 static_cast<unsigned long long>(result.injected_flows),
                 static_cast<unsigned long long>(pcap.frame_bytes()), inject.indicators.size(),
                 result.truth.size(), static_cast<unsigned long long>(cli.scenario.seed));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "trafficgen: %s\n", e.what());
    return 1;
  }
  return 0;
}
