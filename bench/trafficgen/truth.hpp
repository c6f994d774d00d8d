// Ground truth: the alerts the engine must raise on the generated capture, one per
// (flow, indicator) on the first packet of the flow that shows the indicator.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bench/trafficgen/indicators.hpp"
#include "core/ip_address.hpp"

namespace tripline::trafficgen {

struct TruthRow {
  uint64_t pcap_cnt = 0;  // 1-based frame number
  IpAddress src;
  IpAddress dst;
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint8_t proto = 0;
  uint32_t indicator = 0;  // index in the inject list
  std::string_view field;  // ip.src, ip.dst, dns.query, tls.sni, http.host, http.url
  std::string matched;
};

constexpr std::string_view kTruthHeader =
    "pcap_cnt\tsrc_ip\tsrc_port\tdest_ip\tdest_port\tproto\tioc_type\tioc_value\tioc_field\t"
    "ioc_matched";

// Sorts rows by pcap_cnt then indicator value and writes the TSV; throws std::runtime_error.
void write_truth(const std::string& path, std::vector<TruthRow>& rows,
                 const std::vector<Indicator>& indicators);

}  // namespace tripline::trafficgen
