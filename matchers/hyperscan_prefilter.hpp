// Hyperscan prefilter: one fast pattern per (rule, buffer kind), compiled into one immutable
// database per buffer kind (block mode, plus a streaming database for TCP payload). A hit makes
// the rule a candidate; confirming the whole rule is someone else's job.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/signature.hpp"

// Hyperscan's handle types, declared only: their definitions stay in the .cpp.
struct hs_database;
struct hs_scratch;
struct hs_stream;

namespace tripline {
namespace hs_cache {
struct CachedReject;
}

// A pattern Hyperscan rejected. The rule it came from is excluded from the prefilter.
// rule_index is kNoRule when a whole database failed (then sid is 0 and pattern empty).
struct PrefilterError {
  static constexpr uint32_t kNoRule = 0xffffffff;
  uint32_t rule_index = kNoRule;
  uint32_t sid = 0;
  SigBuffer buffer = SigBuffer::kPacket;
  std::string pattern;  // as given to Hyperscan
  std::string message;  // Hyperscan's message

  // "sid 7: dns.query: Hyperscan rejected 'a(?R)b': Unrecognised character after (? at index 1."
  std::string to_string() const;
};

struct PrefilterDatabaseStats {
  size_t patterns = 0;
  size_t bytes = 0;            // hs_database_size
  double compile_seconds = 0;  // from the cache: the time to load it
  bool from_cache = false;     // deserialized from the rules cache, not compiled
};

// How the prefilter is built. Default: compile every database, no cache.
struct PrefilterOptions {
  // Directory of the compiled-rules cache (created if missing); empty: no cache. An entry for
  // the same patterns, Hyperscan version and CPU is loaded instead of compiling; a missing,
  // stale or damaged one is (re)written after compiling. See matchers/README.md.
  std::string cache_dir;
};

// Called once per candidate rule (index into the signature vector) per scan (per stream in
// streaming mode: patterns are single-match).
using CandidateFn = void (*)(void* context, uint32_t rule_index);
// Streaming mode: a hit of rule_index's pattern ending at stream offset `end`.
using StreamHitFn = void (*)(void* context, uint32_t rule_index, uint64_t end);

// Per-worker Hyperscan scratch, cloned at start from the prefilter's prototype. Not shareable
// between threads; reused for every scan.
class PrefilterScratch {
 public:
  PrefilterScratch() = default;
  PrefilterScratch(PrefilterScratch&& other) noexcept;
  PrefilterScratch& operator=(PrefilterScratch&& other) noexcept;
  ~PrefilterScratch();

 private:
  friend class HyperscanPrefilter;
  hs_scratch* scratch_ = nullptr;
};

// State of one TCP stream direction. Owned by the worker that owns the flow; reused through
// reset_stream(), freed by close_stream() or the destructor.
// Must not outlive the HyperscanPrefilter that opened it.
class StreamHandle {
 public:
  StreamHandle() = default;
  StreamHandle(StreamHandle&& other) noexcept;
  StreamHandle& operator=(StreamHandle&& other) noexcept;
  ~StreamHandle();

  bool is_open() const { return stream_ != nullptr; }

 private:
  friend class HyperscanPrefilter;
  hs_stream* stream_ = nullptr;
};

class HyperscanPrefilter {
 public:
  // Builds every database. Never throws for a bad pattern: it is reported in errors() and its
  // rule excluded. Throws std::bad_alloc when Hyperscan cannot allocate scratch.
  // With options.cache_dir, a usable cache entry replaces compilation; problems with the cache
  // never fail construction, they are listed in cache_warnings().
  explicit HyperscanPrefilter(const std::vector<Signature>& signatures,
                              const PrefilterOptions& options = {});
  ~HyperscanPrefilter();
  HyperscanPrefilter(const HyperscanPrefilter&) = delete;
  HyperscanPrefilter& operator=(const HyperscanPrefilter&) = delete;

  // One per worker, at start (hs_clone_scratch). Throws std::bad_alloc on failure.
  PrefilterScratch make_scratch() const;

  // Block mode: reports each candidate rule once. Returns false on a Hyperscan error (bad
  // scratch, scratch in use, data over 4 GiB); an empty database is a successful no-op.
  template <class F>
  bool scan_block(SigBuffer buffer, std::string_view data, PrefilterScratch& scratch,
                  F&& on_candidate) const {
    return scan_block(buffer, data, scratch, &trampoline<F>, context_of(on_candidate));
  }
  bool scan_block(SigBuffer buffer, std::string_view data, PrefilterScratch& scratch,
                  CandidateFn on_candidate, void* context) const;

  // Streaming mode, SigBuffer::kPacket patterns, one stream per TCP direction. Unlike block
  // mode, every occurrence is reported, with the stream offset just past it (`end`): a hit
  // whose rule cannot be confirmed yet may be confirmable once more data arrived.
  // open_stream allocates stream_state_bytes() (Hyperscan's allocator); false when the handle
  // is already open, there is no streaming database, or allocation failed. reset_stream
  // reports end-anchored matches (when given a callback) and makes the handle ready for a new
  // stream without freeing it (for worker-owned pools). close_stream frees the state.
  size_t stream_state_bytes() const;
  bool has_stream_database() const { return stream_ != nullptr; }
  bool open_stream(StreamHandle& stream) const;
  template <class F>
  bool scan_stream(StreamHandle& stream, std::string_view data, PrefilterScratch& scratch,
                   F&& on_hit) const {
    return scan_stream(stream, data, scratch, &stream_trampoline<F>, context_of(on_hit));
  }
  bool scan_stream(StreamHandle& stream, std::string_view data, PrefilterScratch& scratch,
                   StreamHitFn on_hit, void* context) const;
  template <class F>
  bool reset_stream(StreamHandle& stream, PrefilterScratch& scratch, F&& on_hit) const {
    return reset_stream(stream, &scratch, &stream_trampoline<F>, context_of(on_hit));
  }
  // Without a callback: no end-of-stream matches are computed (a stream cut by a gap).
  bool reset_stream(StreamHandle& stream, PrefilterScratch* scratch, StreamHitFn on_hit,
                    void* context) const;
  bool close_stream(StreamHandle& stream) const;

  // Rules with no positive content or pcre in any buffer: candidates for every packet.
  const std::vector<uint32_t>& always_candidates() const { return always_candidates_; }
  const std::vector<PrefilterError>& errors() const { return errors_; }
  size_t excluded_rules() const { return excluded_rules_; }

  bool has_database(SigBuffer buffer) const { return block_[index(buffer)] != nullptr; }
  PrefilterDatabaseStats block_stats(SigBuffer buffer) const { return stats_[index(buffer)]; }
  PrefilterDatabaseStats stream_stats() const { return stream_stats_; }

  // Rules cache: true when the databases were loaded from it (every one, or none is).
  bool from_cache() const { return from_cache_; }
  // The entry's path ("" without a cache), and what went wrong with it: "rules cache: PATH:
  // checksum mismatch; compiling again", "rules cache: cannot write PATH: Permission denied;
  // the databases are not cached". Empty when the cache was used or filled without trouble.
  const std::string& cache_file() const { return cache_file_; }
  const std::vector<std::string>& cache_warnings() const { return cache_warnings_; }

 private:
  static size_t index(SigBuffer b) { return static_cast<size_t>(b); }
  // Serializes the compiled databases into cache_file_; a failure adds a cache warning.
  void store_in_cache(const std::array<uint64_t, 2>& key,
                      std::vector<hs_cache::CachedReject> rejects);

  template <class F>
  static void trampoline(void* context, uint32_t rule_index) {
    (*static_cast<std::remove_reference_t<F>*>(context))(rule_index);
  }
  template <class F>
  static void stream_trampoline(void* context, uint32_t rule_index, uint64_t end) {
    (*static_cast<std::remove_reference_t<F>*>(context))(rule_index, end);
  }
  template <class F>
  static void* context_of(F& f) {
    return const_cast<std::remove_const_t<F>*>(std::addressof(f));
  }

  std::array<hs_database*, kSigBufferCount> block_{};
  std::array<PrefilterDatabaseStats, kSigBufferCount> stats_{};
  hs_database* stream_ = nullptr;
  PrefilterDatabaseStats stream_stats_;
  hs_scratch* prototype_ = nullptr;
  std::vector<uint32_t> always_candidates_;
  std::vector<PrefilterError> errors_;
  size_t excluded_rules_ = 0;
  bool from_cache_ = false;
  std::string cache_file_;
  std::vector<std::string> cache_warnings_;
};

}  // namespace tripline
