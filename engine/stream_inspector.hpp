// Payload rules on reassembled TCP streams. Each direction that carries data gets a slot from
// a fixed per-worker pool: a Hyperscan stream (patterns spanning segments still hit) and a
// window holding the stream's last `window` bytes. A hit makes its rule a candidate; the whole
// rule is confirmed on the window plus the new bytes, with absolute positions (offset, depth,
// startswith, `^`) counted from the stream's start and end anchors (endswith, `$`) only at the
// stream's end. A candidate whose rule can need more data (several payload matches, endswith,
// pcre) is retried on later deliveries while its hit is still inside the window.
//
// Exactness: a rule match is found when its whole span (first byte any of its matches needs
// to the last) fits in `window` bytes, no data was lost inside it, and fewer than kRecent
// retryable rules hit within one window. Suricata's raw stream inspection has the same kind
// of bound (its inspection chunks). Single-threaded, owned by a Worker; allocates only at
// construction.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "core/flow_table.hpp"
#include "engine/rule_versions.hpp"
#include "matchers/signature_engine.hpp"

namespace tripline {

struct StreamInspectorConfig {
  uint32_t slots = 4096;   // directions inspected at once per worker
  uint32_t window = 2048;  // bytes of each direction kept for confirmation
};

struct StreamInspectCounters {
  uint64_t streams = 0;          // directions that got a slot
  uint64_t bytes = 0;            // bytes scanned
  uint64_t slots_exhausted = 0;  // directions not inspected: every slot in use
  uint64_t gaps = 0;             // streams restarted after lost data
  uint64_t checks = 0;           // whole-rule checks on a window
  uint64_t retries_dropped = 0;  // retryable hits forgotten: more than kRecent in one window
  uint64_t matches_dropped = 0;  // confirmed rules beyond StreamMatches::kMax in one delivery
  uint64_t scan_errors = 0;      // Hyperscan errors (the stream is then restarted)
  StreamInspectCounters& operator+=(const StreamInspectCounters& o);
};

// Rules confirmed by one call, each with the stream bytes around its hit.
struct StreamMatches {
  static constexpr uint32_t kMax = 32;
  uint32_t rules[kMax];
  std::string_view context[kMax];  // up to Alert::kMaxMatched bytes ending at the hit
  uint32_t count = 0;
};

class StreamInspector {
 public:
  static constexpr uint32_t kRecent = 16;          // retryable hits remembered per direction
  static constexpr uint32_t kMaxDelivery = 65536;  // longer runs are inspected in pieces

  // `scratch` is the worker's (shared with its other signature checks; not used concurrently).
  StreamInspector(const SignatureEngine& engine, SignatureScratch& scratch,
                  const StreamInspectorConfig& config);
  ~StreamInspector();
  StreamInspector(const StreamInspector&) = delete;
  StreamInspector& operator=(const StreamInspector&) = delete;

  // Bytes continuing direction `to_server` of `flow`. `ctx` carries the header fields of that
  // direction; its payload fields are set here. Rules already alerted on the flow are skipped
  // when `dedup`. Confirmed rules are appended to `out` (views valid until the next call).
  void data(Flow& flow, bool to_server, const uint8_t* bytes, uint32_t length, bool gap_before,
            bool dedup, SignatureContext& ctx, StreamMatches& out);
  // The direction's stream ended: end-anchored matches are confirmed, the slot is freed.
  void end(Flow& flow, bool to_server, bool dedup, SignatureContext& ctx, StreamMatches& out);
  // Directions still holding a slot (for ending them when a run finishes).
  template <class F>
  void for_each_open(F&& f) const {
    for (const Slot& slot : slots_)
      if (slot.flow != nullptr) f(*slot.flow, slot.to_server);
  }

  // Hot reload: takes over the open directions of `old`, built with the
  // same configuration for the previous rule set; the flows' inspect_slot stay valid. Each
  // direction's window is scanned again by this inspector's Hyperscan stream, reporting
  // nothing (those bytes were inspected under the old rules), so a match that spans the
  // reload is found; pending retries carry over through `rules` (old -> new ids).
  void take_over(StreamInspector& old, const RuleIdMap& rules);

  const StreamInspectCounters& counters() const { return counters_; }

 private:
  struct Recent {
    uint32_t rule;
    uint64_t end;  // stream offset just past the hit
  };
  struct Slot {
    StreamHandle hs;
    Flow* flow = nullptr;  // nullptr: free
    bool to_server = true;
    bool after_gap = false;  // absolute positions unknown
    uint64_t offset = 0;     // stream offset of the next byte
    uint64_t hs_origin = 0;  // stream offset where the Hyperscan stream (re)started
    uint32_t held = 0;       // bytes in the window ring (<= window)
    uint32_t recent_count = 0;
    Recent recent[kRecent];
  };

  Slot* acquire(Flow& flow, bool to_server);
  void restart(Slot& slot);  // the Hyperscan stream, after a gap or a scan error
  void inspect_piece(Slot& slot, uint32_t index, const uint8_t* bytes, uint32_t length, bool dedup,
                     const Flow& flow, SignatureContext& ctx, StreamMatches& out);
  void remember(Slot& slot, uint32_t rule, uint64_t end);
  // Adds a candidate for this call (or widens its first/last hit).
  void add_candidate(uint32_t rule, uint64_t end);
  // Earlier hits of rules that may hold now that more bytes arrived (or the stream ended),
  // while still in the window: offered again; the others are forgotten.
  void offer_recent(Slot& slot, bool dedup, const Flow& flow);
  // Confirms the scratch's candidates on window = ring + `bytes`; window_start is its offset.
  void confirm(Slot& slot, uint32_t index, const uint8_t* bytes, uint32_t length, bool complete,
               bool dedup, const Flow& flow, SignatureContext& ctx, StreamMatches& out);
  // The window: the ring's bytes, oldest first, then `bytes`, contiguous in assembled_.
  std::string_view assemble(const Slot& slot, uint32_t index, const uint8_t* bytes,
                            uint32_t length);
  void append_to_ring(Slot& slot, uint32_t index, const uint8_t* bytes, uint32_t length);
  uint8_t* ring(uint32_t index) { return rings_.get() + size_t{index} * window_; }

  const SignatureEngine& engine_;
  const HyperscanPrefilter& prefilter_;
  SignatureScratch& scratch_;
  uint32_t window_;
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_;
  std::unique_ptr<uint8_t[]> rings_;
  std::unique_ptr<uint8_t[]> assembled_;  // window + one piece, contiguous, for confirmation
  // Per candidate of the current call: the first and last stream offsets just past its hits.
  uint64_t hit_firsts_[SignatureScratch::kMaxCandidates];
  uint64_t hit_ends_[SignatureScratch::kMaxCandidates];
  StreamInspectCounters counters_;
};

}  // namespace tripline
