// Alerts as they travel from workers to the writer: fixed-size values (no heap), and the
// bounded multi-producer queue between them.
#pragma once

#include <tbb/concurrent_queue.h>

#include <cstdint>
#include <cstring>
#include <string_view>

namespace tripline {

enum class AlertField : uint8_t { kIpSrc, kIpDst, kDnsQuery, kTlsSni, kHttpHost, kHttpUrl };
const char* alert_field_name(AlertField f);  // "ip.src", "dns.query", ...

struct Alert {
  static constexpr size_t kMaxMatched = 1024;

  uint64_t ts_ns = 0;
  uint64_t flow_id = 0;
  uint64_t pcap_cnt = 0;
  uint32_t indicator = 0;   // id in CompiledRules
  uint16_t input = 0;       // index of the capture input
  uint16_t worker = 0;
  uint8_t ip_version = 0;
  uint8_t proto = 0;
  uint8_t src[16] = {};
  uint8_t dst[16] = {};
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint8_t icmp_type = 0;
  uint8_t icmp_code = 0;
  bool has_ports = false;
  bool has_icmp = false;
  bool to_server = true;
  uint8_t app_proto = 0;    // AppProto
  AlertField field = AlertField::kIpSrc;
  uint16_t matched_length = 0;
  char matched[kMaxMatched];

  void set_matched(std::string_view text) {
    matched_length = static_cast<uint16_t>(text.size() < kMaxMatched ? text.size() : kMaxMatched);
    std::memcpy(matched, text.data(), matched_length);
  }
  std::string_view matched_text() const { return {matched, matched_length}; }
};

// Many workers push, one writer pops. Bounded: push() waits when full (offline replay loses
// nothing); try_push() fails instead (live capture counts the shed alerts).
class AlertQueue {
 public:
  explicit AlertQueue(size_t capacity) { queue_.set_capacity(static_cast<std::ptrdiff_t>(capacity)); }

  void push(const Alert& alert) { queue_.push(alert); }
  bool try_push(const Alert& alert) { return queue_.try_push(alert); }
  // Blocks for the next alert; false at the end marker that close() queued.
  bool pop(Alert& alert) {
    queue_.pop(alert);
    return alert.indicator != kEndMarker;
  }
  // Called once every producer has finished: the consumer sees all alerts, then the end.
  void close() {
    Alert end;
    end.indicator = kEndMarker;
    queue_.push(end);
  }

 private:
  static constexpr uint32_t kEndMarker = 0xFFFFFFFFu;
  tbb::concurrent_bounded_queue<Alert> queue_;
};

}  // namespace tripline
