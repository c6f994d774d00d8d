#include "output/alert_id.hpp"

#include "core/md5.hpp"

namespace tripline {

std::string alert_id(const AlertKey& key) {
  std::string text = "tripline-alert-v1|";
  text += key.sensor;
  text += '|';
  text += std::to_string(key.flow_id);
  text += '|';
  text += key.rule;
  text += '|';
  text += std::to_string(key.pcap_cnt);
  text += '|';
  text += std::to_string(key.ts_ns);
  const auto hex = md5_hex(text);
  return {hex.data(), hex.size()};
}

std::string stats_id(std::string_view sensor, uint64_t ts_ns) {
  return std::string(sensor) + "-stats-" + std::to_string(ts_ns);
}

}  // namespace tripline
