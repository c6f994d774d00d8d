// Alerts as they travel from workers to the writer: fixed-size values (no heap), and the
// bounded multi-producer queue between them.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace tripline {

enum class AlertField : uint8_t {
  kIpSrc,
  kIpDst,
  kDnsQuery,
  kTlsSni,
  kHttpHost,
  kHttpUrl,
  kJa3Hash,
  kJa3sHash,
};
const char* alert_field_name(AlertField f);  // "ip.src", "dns.query", ...

struct Alert {
  static constexpr size_t kMaxMatched = 1024;
  // Alert::indicator with this bit set is a signature (rule index in the low bits), not an
  // indicator id; the two share the flow's dedup list.
  static constexpr uint32_t kSignatureBit = 0x80000000u;
  // Not an alert: worker `worker` now matches with the rules of `epoch` and raises no more
  // alerts of older ones (hot reload; the writer frees a rule set once no alert can need it).
  static constexpr uint32_t kEpochMarker = 0xFFFFFFFFu;

  uint64_t ts_ns = 0;
  uint64_t flow_id = 0;
  uint64_t pcap_cnt = 0;
  uint32_t indicator = 0;  // id in CompiledRules
  uint32_t epoch = 0;      // the rule set that raised it (RuleVersions; 0 = the first)
  uint16_t input = 0;      // index of the capture input
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
  uint8_t app_proto = 0;  // AppProto
  AlertField field = AlertField::kIpSrc;
  uint8_t sig_buffer = 0;  // SigBuffer, for signature alerts
  bool has_ja3 = false;    // the flow's TLS fingerprints, for the EVE "tls" object
  bool has_ja3s = false;
  char ja3[32];
  char ja3s[32];
  uint16_t matched_length = 0;
  char matched[kMaxMatched];

  void set_matched(std::string_view text) {
    matched_length = static_cast<uint16_t>(text.size() < kMaxMatched ? text.size() : kMaxMatched);
    if (matched_length != 0) std::memcpy(matched, text.data(), matched_length);
  }
  std::string_view matched_text() const { return {matched, matched_length}; }
  bool is_epoch_marker() const { return indicator == kEpochMarker; }
};

// Many workers push, one writer pops. A fixed ring of slots allocated at construction
// (a bounded ring with per-slot sequence numbers; multi-producer, single-consumer), so pushing an
// alert never allocates or locks. push() waits when full (offline replay loses nothing); try_push()
// fails instead (live capture counts the shed alerts).
// Waking the writer costs a system call and a context switch, so a push does not wake it: the
// writer, once it finds the queue empty, sleeps on a futex for at most kWriterNap and looks
// again; a producer wakes it only every quarter of the capacity (a burst never waits for the
// nap to end) and close() wakes it at once. Alerts reach the writer within kWriterNap.
// Producers waiting on a full queue use C++20 atomic wait/notify.
class AlertQueue {
 public:
  static constexpr long kWriterNapNs = 1'000'000;

  explicit AlertQueue(size_t capacity);
  ~AlertQueue();
  AlertQueue(const AlertQueue&) = delete;
  AlertQueue& operator=(const AlertQueue&) = delete;

  void push(const Alert& alert);
  bool try_push(const Alert& alert);
  // Blocks for the next alert; false once close() was called and everything before it popped.
  bool pop(Alert& alert);
  // The next alert if one is ready; false when the queue is empty (or only the end is left).
  bool try_pop(Alert& alert);
  // Called once every producer has finished.
  void close();

 private:
  struct Slot;
  bool take(Alert& alert);  // the slot at the head, end marker included

  Slot* slots_;
  size_t mask_;
  uint32_t wake_mask_;  // a push whose count has these bits clear wakes the writer
  alignas(64) std::atomic<size_t> enqueue_pos_{0};
  alignas(64) size_t dequeue_pos_ = 0;
  alignas(64) std::atomic<uint32_t> published_{0};  // bumped per push: the writer's futex word
  alignas(64) std::atomic<uint32_t> consumed_{0};   // bumped per pop: wakes waiting producers
  std::atomic<bool> closed_{false};
};

}  // namespace tripline
