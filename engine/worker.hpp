// A worker owns a share of the flows (chosen by a symmetric hash) and everything about them:
// defragmentation, flow table, TCP stream positions, app-layer fields, alert dedup. It matches
// each packet against the shared CompiledRules and pushes alerts. Single-threaded; nothing on
// its path allocates, locks or logs after construction.
#pragma once

#include <cstdint>
#include <vector>

#include "core/alert.hpp"
#include "core/app/app_layer.hpp"
#include "core/decode.hpp"
#include "core/defrag.hpp"
#include "core/flow_table.hpp"
#include "core/packet.hpp"
#include "core/stage_clock.hpp"
#include "engine/rule_versions.hpp"
#include "engine/stream_inspector.hpp"
#include "matchers/compiled_rules.hpp"
#include "matchers/signature_engine.hpp"

namespace tripline {

enum class AlertMode : uint8_t {
  kFlow,    // one alert per (flow, indicator), on the first packet that shows it
  kPacket,  // an alert on every packet that shows an indicator
};

struct WorkerConfig {
  size_t max_flows = 65536;
  FlowTimeouts timeouts;
  size_t stream_buffers = 256;
  StreamInspectorConfig stream_inspect;
  Defragmenter::Config defrag;
  AlertMode alert_mode = AlertMode::kFlow;
  bool lossless = true;  // wait when the alert queue is full (offline); false: count and shed
  bool profile_stages = false;  // tripline bench: cycles per stage (WorkerStats::stages)
  bool profile_rules = false;   // tripline bench --profile-rules: Worker::rule_costs()
};

struct WorkerStats {
  uint64_t packets = 0;
  uint64_t bytes = 0;
  uint64_t alerts = 0;
  uint64_t alerts_shed = 0;     // queue full in lossy mode
  uint64_t dedup_overflow = 0;  // flows with more distinct indicators than Flow::kMaxAlerted
  uint64_t signature_candidates_dropped = 0;  // prefilter candidates beyond one check
  uint64_t expired_matches = 0;  // matches of indicators past their valid_until: no alert
  DecodeCounters decode;         // reassembled datagrams that failed to decode, and
                                 // packets decoded by the worker itself (no dispatcher)
  DefragCounters defrag;
  FlowCounters flows;
  AppCounters app;
  ReassemblyCounters tcp;
  StreamInspectCounters stream;
  StageCycles stages;  // zero unless WorkerConfig::profile_stages
  WorkerStats& operator+=(const WorkerStats& o);
};

// Everything a worker derives from one rule set. Built by the worker for its first rules,
// and for a reloaded set by the reloader thread (RuleVersions::attach_workers), so a worker
// only takes it over.
struct WorkerRules {
  const CompiledRules* rules = nullptr;
  std::unique_ptr<SignatureScratch> scratch;   // nullptr: no signatures
  std::unique_ptr<StreamInspector> inspector;  // nullptr: no payload rules
  std::vector<RuleCost> costs;                 // per signature, when profile_rules
  static std::unique_ptr<WorkerRules> build(const CompiledRules& rules, const WorkerConfig& config);
  // For RuleVersions::attach_workers: builds it for each of `workers` workers.
  static RuleVersions::PrepareFn preparer(unsigned workers, const WorkerConfig& config);
};

class alignas(64) Worker {
 public:
  Worker(uint16_t index, const CompiledRules& rules, AlertQueue& alerts,
         const WorkerConfig& config);
  ~Worker();

  // Hot reload: `current` is the version whose rules the worker was built with; sync_rules()
  // then moves to every version published after it.
  void follow(const RuleVersion& current);
  // At a batch boundary: adopts the newer rule sets, if any -- carries open TCP streams over
  // (StreamInspector::take_over) and translates every flow's alerted ids, so nothing alerts
  // twice or is missed across the swap -- then tells the writer with an epoch marker.
  // True when the rules changed.
  bool sync_rules();

  // Processes a packet already decoded into `decoded`.
  void process(const PacketView& packet, const DecodedPacket& decoded);
  // Starts loading the flow-table slot of a packet processed a few packets later.
  void prefetch_flow(const DecodedPacket& decoded) const {
    if (decoded.outcome == DecodeOutcome::kDecoded && !decoded.is_fragment)
      flows_.prefetch(decoded);
  }
  // Expires idle flows; call at batch boundaries with the latest capture time.
  void expire(uint64_t now_ns) {
    StageScope stage(clock_, Stage::kFlow);
    flows_.expire(now_ns);
  }
  // End of the run: streams still open end here (their end-anchored rules are checked).
  void finish();

  WorkerStats stats() const;
  uint16_t index() const { return index_; }
  // Per signature (index as in SignatureEngine), when WorkerConfig::profile_rules.
  const std::vector<RuleCost>& rule_costs() const { return bound_->costs; }

 private:
  void match_ips(const PacketView& packet, const DecodedPacket& p, Flow& flow, bool to_server);
  void match_fields(const PacketView& packet, const DecodedPacket& p, Flow& flow, bool to_server);
  void match_signatures(const PacketView& packet, const DecodedPacket& p, Flow& flow,
                        bool to_server);
  void run_signatures(const PacketView& packet, const DecodedPacket& p, Flow& flow, bool to_server,
                      bool header_rules);
  void emit(const PacketView& packet, const DecodedPacket& p, Flow& flow, bool to_server,
            uint32_t indicator, AlertField field, std::string_view matched, uint8_t sig_buffer = 0);
  void adopt(const RuleVersion& version);
  void bind(std::unique_ptr<WorkerRules> rules);
  static void release_flow(Flow& flow, void* self);
  // PayloadSink callbacks: reassembled TCP bytes and stream ends, for stream inspection.
  static void on_payload(void* self, Flow& flow, bool to_server, const uint8_t* bytes,
                         uint32_t length, bool gap_before);
  static void on_payload_end(void* self, Flow& flow, bool to_server);
  void end_stream(Flow& flow, bool to_server);
  // The header fields of one direction of a TCP flow, for stream checks and their alerts.
  SignatureContext& stream_context(const Flow& flow, bool to_server);
  void emit_stream_matches(Flow& flow, bool to_server);

  uint16_t index_;
  const CompiledRules* rules_;
  const RuleVersion* version_ = nullptr;  // when following reloads
  uint32_t epoch_ = 0;
  AlertQueue& alerts_;
  WorkerConfig config_;
  Defragmenter defrag_;
  AppLayer app_;
  FlowTable flows_;
  DecodedPacket reassembled_;
  AppFields fields_;
  std::unique_ptr<WorkerRules> bound_;           // what the pointers below point into
  const SignatureEngine* signatures_ = nullptr;  // nullptr: no signatures loaded
  SignatureScratch* signature_scratch_ = nullptr;
  SignatureContext signature_ctx_;
  StreamInspector* stream_inspector_ = nullptr;  // nullptr: no payload rules
  SignatureContext stream_ctx_;
  StreamMatches stream_matches_;
  const PacketView* packet_ = nullptr;  // the packet being processed, if any
  PacketView stream_view_;              // the origin of a stream alert
  DecodedPacket stream_packet_;
  char host_lower_[256];  // the http.host buffer of the request being checked
  Alert alert_;           // scratch, reused for every alert
  WorkerStats stats_;
  StageClock clock_;
};

}  // namespace tripline
