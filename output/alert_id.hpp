// Stable message ids: the same event of the same replay gets the same id on every run, so a
// JetStream stream's duplicate window absorbs re-sends.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tripline {

struct AlertKey {
  std::string_view sensor;
  uint64_t flow_id = 0;
  std::string_view rule;  // what matched: "ioc:<type>:<value>" or "sig:<gid>:<sid>"
  uint64_t pcap_cnt = 0;
  uint64_t ts_ns = 0;
};

// 32 lowercase hex digits: MD5 of the key's fields (not a security property: a fixed-size,
// well-spread id).
std::string alert_id(const AlertKey& key);

// A stats event: "<sensor>-stats-<ts_ns>".
std::string stats_id(std::string_view sensor, uint64_t ts_ns);

}  // namespace tripline
