// The traffic mix: background flows (DNS, TLS, HTTP, Modbus/TCP, DNP3, bulk TCP) from
// address ranges and names no indicator should use, injected flows that show each indicator,
// interleaved in time, and the ground truth computed from what each written packet shows.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench/trafficgen/indicators.hpp"
#include "bench/trafficgen/pcap_writer.hpp"
#include "bench/trafficgen/truth.hpp"

namespace tripline::trafficgen {

struct ScenarioOptions {
  uint64_t packets = 10000;  // exact, unless the injected flows alone need more
  uint64_t seed = 1;
  double ipv6_share = 0.1;  // of flows
  double vlan_share = 0.1;  // of flows; a flow is all tagged or all untagged
};

struct ScenarioResult {
  uint64_t flows = 0;
  uint64_t injected_flows = 0;
  std::vector<TruthRow> truth;
  std::vector<std::string> warnings;
};

// Writes the whole capture to pcap; throws std::runtime_error on I/O failure.
ScenarioResult run_scenario(const ScenarioOptions& options,
                            const std::vector<Indicator>& indicators, PcapWriter& pcap);

}  // namespace tripline::trafficgen
