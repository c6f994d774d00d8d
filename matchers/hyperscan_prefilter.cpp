#include "matchers/hyperscan_prefilter.hpp"

#include <hs.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <new>
#include <utility>
#include <variant>

#include "matchers/hyperscan_cache.hpp"

namespace tripline {
namespace {

struct Pattern {
  std::string expression;
  unsigned flags = 0;
  uint32_t rule = 0;
};

// Hyperscan regex syntax for a literal: alphanumerics as is, every other byte as \xHH.
std::string escape_literal(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 4);
  for (const char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      out.push_back(ch);
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

// The fast pattern of `sig` in `buffer`: the content marked fast_pattern, else the longest
// (first on ties), among non-negated, non-empty contents. Without one, a pcre: the first
// non-negated, non-relative pcre, or a non-negated pcre that is the buffer's first match
// (relative to nothing). Returns false when the buffer offers nothing positive.
bool select_pattern(const Signature& sig, SigBuffer buffer, Pattern& out) {
  const ContentMatch* best = nullptr;
  for (const SigMatch& m : sig.matches) {
    if (m.buffer != buffer) continue;
    const auto* c = std::get_if<ContentMatch>(&m.m);
    if (c == nullptr || c->negated || c->bytes.empty()) continue;
    if (c->fast_pattern) {
      best = c;
      break;
    }
    if (best == nullptr || c->bytes.size() > best->bytes.size()) best = c;
  }
  if (best != nullptr) {
    out.expression = escape_literal(best->bytes);
    out.flags = HS_FLAG_SINGLEMATCH | (best->nocase ? HS_FLAG_CASELESS : 0u);
    return true;
  }
  const PcreMatch* pcre = nullptr;
  bool first_in_buffer = true;
  for (const SigMatch& m : sig.matches) {
    if (m.buffer != buffer) continue;
    const auto* p = std::get_if<PcreMatch>(&m.m);
    if (p != nullptr && !p->negated && (!p->relative || first_in_buffer)) {
      pcre = p;
      break;
    }
    first_in_buffer = false;
  }
  if (pcre == nullptr) return false;
  out.expression.clear();
  out.flags = HS_FLAG_SINGLEMATCH | HS_FLAG_PREFILTER | HS_FLAG_ALLOWEMPTY;
  for (const char f : pcre->flags) {
    if (f == 'i') out.flags |= HS_FLAG_CASELESS;
    if (f == 's') out.flags |= HS_FLAG_DOTALL;
    if (f == 'm') out.flags |= HS_FLAG_MULTILINE;
    if (f == 'x' && out.expression.empty()) out.expression = "(?x)";
  }
  out.expression += pcre->pattern;
  return true;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Compiles the patterns of not-excluded rules. On a pattern error returns the offending rule
// in `bad_rule` and Hyperscan's message; on a database-wide error bad_rule is kNoRule.
hs_database_t* compile(const std::vector<Pattern>& patterns, const std::vector<bool>& excluded,
                       unsigned mode, PrefilterDatabaseStats& stats, uint32_t& bad_rule,
                       std::string& bad_pattern, std::string& message) {
  std::vector<const char*> expressions;
  std::vector<unsigned> flags, ids;
  for (const Pattern& p : patterns) {
    if (excluded[p.rule]) continue;
    expressions.push_back(p.expression.c_str());
    flags.push_back(p.flags);
    ids.push_back(p.rule);
  }
  stats = {};
  if (expressions.empty()) return nullptr;
  const auto start = std::chrono::steady_clock::now();
  hs_database_t* db = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile_multi(expressions.data(), flags.data(), ids.data(),
                       static_cast<unsigned>(expressions.size()), mode, nullptr, &db,
                       &error) != HS_SUCCESS) {
    const int at = error != nullptr ? error->expression : -1;
    bad_rule = at >= 0 ? ids[static_cast<size_t>(at)] : PrefilterError::kNoRule;
    bad_pattern = at >= 0 ? expressions[static_cast<size_t>(at)] : "";
    message = error != nullptr && error->message != nullptr ? error->message : "compile failed";
    hs_free_compile_error(error);
    return nullptr;
  }
  stats.compile_seconds = seconds_since(start);
  stats.patterns = expressions.size();
  size_t bytes = 0;
  if (hs_database_size(db, &bytes) == HS_SUCCESS) stats.bytes = bytes;
  return db;
}

// Per scan: the caller's callback, and an exception it threw (stopped here, rethrown after
// Hyperscan returns, so nothing unwinds through Hyperscan's frames).
struct MatchContext {
  CandidateFn fn;
  void* user;
  std::exception_ptr error;
};

int on_match(unsigned id, unsigned long long /*from*/, unsigned long long /*to*/,
             unsigned /*flags*/, void* context) noexcept {
  auto* m = static_cast<MatchContext*>(context);
  try {
    m->fn(m->user, id);
  } catch (...) {
    m->error = std::current_exception();
    return 1;  // stop scanning
  }
  return 0;
}

struct StreamContext {
  StreamHitFn fn;
  void* user;
  std::exception_ptr error;
};

int on_stream_match(unsigned id, unsigned long long /*from*/, unsigned long long to,
                    unsigned /*flags*/, void* context) noexcept {
  auto* m = static_cast<StreamContext*>(context);
  try {
    m->fn(m->user, id, to);
  } catch (...) {
    m->error = std::current_exception();
    return 1;  // stop scanning
  }
  return 0;
}

bool finish(hs_error_t rc, const std::exception_ptr& error) {
  if (error) std::rethrow_exception(error);
  return rc == HS_SUCCESS;
}

}  // namespace

std::string PrefilterError::to_string() const {
  std::string out = rule_index == kNoRule ? std::string("database") : "sid " + std::to_string(sid);
  out += ": ";
  out += tripline::to_string(buffer);
  out += ": Hyperscan rejected ";
  out += rule_index == kNoRule ? std::string("the database") : "'" + pattern + "'";
  out += ": " + message;
  return out;
}

PrefilterScratch::PrefilterScratch(PrefilterScratch&& other) noexcept
    : scratch_(std::exchange(other.scratch_, nullptr)) {}

PrefilterScratch& PrefilterScratch::operator=(PrefilterScratch&& other) noexcept {
  if (this != &other) {
    hs_free_scratch(scratch_);
    scratch_ = std::exchange(other.scratch_, nullptr);
  }
  return *this;
}

PrefilterScratch::~PrefilterScratch() { hs_free_scratch(scratch_); }

StreamHandle::StreamHandle(StreamHandle&& other) noexcept
    : stream_(std::exchange(other.stream_, nullptr)) {}

StreamHandle& StreamHandle::operator=(StreamHandle&& other) noexcept {
  if (this != &other) {
    if (stream_ != nullptr) hs_close_stream(stream_, nullptr, nullptr, nullptr);
    stream_ = std::exchange(other.stream_, nullptr);
  }
  return *this;
}

StreamHandle::~StreamHandle() {
  if (stream_ != nullptr) hs_close_stream(stream_, nullptr, nullptr, nullptr);
}

HyperscanPrefilter::HyperscanPrefilter(const std::vector<Signature>& signatures,
                                       const PrefilterOptions& options) {
  std::array<std::vector<Pattern>, kSigBufferCount> patterns;
  std::vector<bool> excluded(signatures.size(), false);
  auto reject = [&](uint32_t rule, SigBuffer buffer, std::string pattern, std::string message) {
    errors_.push_back({rule, rule == PrefilterError::kNoRule ? 0 : signatures[rule].sid, buffer,
                       std::move(pattern), std::move(message)});
    if (rule != PrefilterError::kNoRule && !excluded[rule]) {
      excluded[rule] = true;
      ++excluded_rules_;
    }
  };

  // Select, and check each pcre alone so one bad pcre costs one cheap parse, not a recompile.
  // Redone on a cache hit: it is cheap, and it reproduces these errors exactly.
  for (uint32_t rule = 0; rule < signatures.size(); ++rule) {
    bool any = false;
    for (size_t b = 0; b < kSigBufferCount; ++b) {
      Pattern p;
      p.rule = rule;
      if (!select_pattern(signatures[rule], static_cast<SigBuffer>(b), p)) continue;
      any = true;
      if ((p.flags & HS_FLAG_PREFILTER) != 0) {
        hs_expr_info_t* info = nullptr;
        hs_compile_error_t* error = nullptr;
        if (hs_expression_info(p.expression.c_str(), p.flags, &info, &error) != HS_SUCCESS) {
          reject(rule, static_cast<SigBuffer>(b), p.expression,
                 error != nullptr && error->message != nullptr ? error->message : "invalid");
          hs_free_compile_error(error);
          continue;
        }
        std::free(info);
      }
      patterns[b].push_back(std::move(p));
    }
    if (!any) always_candidates_.push_back(rule);
  }

  // The streaming database reports every occurrence (see scan_stream).
  std::vector<Pattern> stream_patterns = patterns[index(SigBuffer::kPacket)];
  for (Pattern& p : stream_patterns) p.flags &= ~static_cast<unsigned>(HS_FLAG_SINGLEMATCH);

  // Database slots: one per buffer (block mode), then the stream database.
  constexpr size_t kStreamSlot = kSigBufferCount;
  const auto slot_patterns = [&](size_t slot) -> const std::vector<Pattern>& {
    return slot == kStreamSlot ? stream_patterns : patterns[slot];
  };
  // A pattern rejected by the full compile excludes its rule; a database-wide failure drops
  // every pattern of that database (for the stream database: the payload patterns).
  const auto reject_compiled = [&](uint32_t rule, size_t slot, std::string pattern,
                                   std::string message) {
    const SigBuffer buffer =
        slot == kStreamSlot ? SigBuffer::kPacket : static_cast<SigBuffer>(slot);
    reject(rule, buffer, std::move(pattern), std::move(message));
    if (rule == PrefilterError::kNoRule) {
      for (const Pattern& p : slot_patterns(slot)) excluded[p.rule] = true;
      excluded_rules_ = static_cast<size_t>(std::count(excluded.begin(), excluded.end(), true));
    }
  };
  const auto live_patterns = [&](size_t slot) {
    size_t n = 0;
    for (const Pattern& p : slot_patterns(slot)) n += excluded[p.rule] ? 0 : 1;
    return n;
  };

  // The cache key: exactly what hs_compile_multi is given first, per database and mode.
  std::array<uint64_t, 2> key{};
  if (!options.cache_dir.empty()) {
    hs_cache::KeyHasher hasher;
    hasher.add(kStreamSlot + 1);
    for (size_t slot = 0; slot <= kStreamSlot; ++slot) {
      hasher.add(slot == kStreamSlot ? HS_MODE_STREAM : HS_MODE_BLOCK);
      hasher.add(live_patterns(slot));
      for (const Pattern& p : slot_patterns(slot)) {
        if (excluded[p.rule]) continue;
        hasher.add(p.rule);
        hasher.add(p.flags);
        hasher.add(p.expression);
      }
    }
    key = hasher.finish();
    cache_file_ = (std::filesystem::path(options.cache_dir) / hs_cache::file_name(key)).string();
  }

  // A usable entry: every database deserialized, the compile-time rejects applied as the
  // compile loop below would have.
  const auto load_cached = [&]() -> bool {
    std::string bytes, reason;
    bool missing = false;
    const auto start = std::chrono::steady_clock::now();
    if (!hs_cache::read_file(cache_file_, bytes, missing, reason)) {
      if (!missing)
        cache_warnings_.push_back("rules cache: " + cache_file_ + ": cannot read: " + reason +
                                  "; compiling again");
      return false;
    }
    hs_cache::Entry entry;
    std::vector<hs_database_t*> dbs;
    const std::string library = hs_cache::library_version();
    const std::string platform = hs_cache::platform_name();
    bool ok = hs_cache::decode(bytes, kStreamSlot + 1, entry, reason);
    if (ok && entry.key != key) {
      ok = false;
      reason = "stale: built from other rules";
    } else if (ok && entry.library != library) {
      ok = false;
      reason = "stale: built by Hyperscan " + entry.library + ", this is " + library;
    } else if (ok && entry.platform != platform) {
      ok = false;
      reason = "stale: built for CPU (" + entry.platform + "), this CPU is (" + platform + ")";
    }
    for (size_t i = 0; ok && i < entry.rejects.size(); ++i) {
      const uint32_t rule = entry.rejects[i].rule;
      if (rule != PrefilterError::kNoRule && rule >= signatures.size()) {
        ok = false;
        reason = "malformed: reject " + std::to_string(i) + " names rule " + std::to_string(rule);
      }
    }
    if (ok) ok = hs_cache::deserialize(entry, kStreamSlot, dbs, reason);
    // Apply the rejects on a copy of the state, kept only if the databases fit the rules.
    const std::vector<bool> excluded_before = excluded;
    const size_t errors_before = errors_.size(), excluded_rules_before = excluded_rules_;
    if (ok) {
      for (hs_cache::CachedReject& r : entry.rejects)
        reject_compiled(r.rule, r.buffer, std::move(r.pattern), std::move(r.message));
      for (size_t slot = 0; ok && slot <= kStreamSlot; ++slot) {
        if ((dbs[slot] != nullptr) != (live_patterns(slot) != 0)) {
          ok = false;
          reason = "malformed: database " + std::to_string(slot) + " does not fit the rules";
        }
      }
      if (!ok) {
        excluded = excluded_before;
        errors_.resize(errors_before);
        excluded_rules_ = excluded_rules_before;
        hs_cache::free_databases(dbs);
      }
    }
    if (!ok) {
      cache_warnings_.push_back("rules cache: " + cache_file_ + ": " + reason +
                                "; compiling again");
      return false;
    }
    const double seconds = seconds_since(start);
    for (size_t slot = 0; slot <= kStreamSlot; ++slot) {
      PrefilterDatabaseStats& stats = slot == kStreamSlot ? stream_stats_ : stats_[slot];
      stats = {};
      (slot == kStreamSlot ? stream_ : block_[slot]) = dbs[slot];
      if (dbs[slot] == nullptr) continue;
      stats.patterns = live_patterns(slot);
      if (hs_database_size(dbs[slot], &stats.bytes) != HS_SUCCESS) stats.bytes = 0;
      stats.compile_seconds = seconds;
      stats.from_cache = true;
    }
    return true;
  };

  from_cache_ = !cache_file_.empty() && load_cached();
  if (!from_cache_) {
    // Compile; a pattern rejected only by the full compile excludes its rule and starts over.
    std::vector<hs_cache::CachedReject> compile_rejects;
    for (;;) {
      uint32_t bad_rule = PrefilterError::kNoRule;
      std::string bad_pattern, message;
      size_t bad_slot = 0;
      bool failed = false;
      for (size_t b = 0; b < kSigBufferCount && !failed; ++b) {
        block_[b] = compile(patterns[b], excluded, HS_MODE_BLOCK, stats_[b], bad_rule, bad_pattern,
                            message);
        if (block_[b] == nullptr && !message.empty()) {
          failed = true;
          bad_slot = b;
        }
      }
      if (!failed) {
        stream_ = compile(stream_patterns, excluded, HS_MODE_STREAM, stream_stats_, bad_rule,
                          bad_pattern, message);
        failed = stream_ == nullptr && !message.empty();
        bad_slot = kStreamSlot;
      }
      if (!failed) break;
      compile_rejects.push_back({bad_rule, static_cast<uint32_t>(bad_slot), bad_pattern, message});
      reject_compiled(bad_rule, bad_slot, std::move(bad_pattern), std::move(message));
      for (hs_database_t*& db : block_) hs_free_database(std::exchange(db, nullptr));
      hs_free_database(std::exchange(stream_, nullptr));
    }
    if (!cache_file_.empty()) store_in_cache(key, std::move(compile_rejects));
  }

  for (hs_database_t* db : block_)
    if (db != nullptr && hs_alloc_scratch(db, &prototype_) != HS_SUCCESS) throw std::bad_alloc();
  if (stream_ != nullptr && hs_alloc_scratch(stream_, &prototype_) != HS_SUCCESS)
    throw std::bad_alloc();
}

void HyperscanPrefilter::store_in_cache(const std::array<uint64_t, 2>& key,
                                        std::vector<hs_cache::CachedReject> rejects) {
  hs_cache::Entry entry;
  entry.key = key;
  entry.library = hs_cache::library_version();
  entry.platform = hs_cache::platform_name();
  entry.rejects = std::move(rejects);
  std::vector<const hs_database_t*> dbs(block_.begin(), block_.end());
  dbs.push_back(stream_);
  for (const hs_database_t* db : dbs) {
    std::string& blob = entry.databases.emplace_back();
    if (db == nullptr) continue;
    char* bytes = nullptr;
    size_t length = 0;
    if (hs_serialize_database(db, &bytes, &length) != HS_SUCCESS) {
      cache_warnings_.push_back("rules cache: cannot write " + cache_file_ +
                                ": Hyperscan cannot serialize a database; the databases are "
                                "not cached");
      return;
    }
    blob.assign(bytes, length);
    std::free(bytes);
  }
  const std::filesystem::path path(cache_file_);
  std::string reason;
  if (!hs_cache::write_file_atomically(path.parent_path().string(), path.filename().string(),
                                       hs_cache::encode(entry), reason))
    cache_warnings_.push_back("rules cache: cannot write " + cache_file_ + ": " + reason +
                              "; the databases are not cached");
}

HyperscanPrefilter::~HyperscanPrefilter() {
  for (hs_database_t* db : block_) hs_free_database(db);
  hs_free_database(stream_);
  hs_free_scratch(prototype_);
}

PrefilterScratch HyperscanPrefilter::make_scratch() const {
  PrefilterScratch scratch;
  if (prototype_ != nullptr && hs_clone_scratch(prototype_, &scratch.scratch_) != HS_SUCCESS)
    throw std::bad_alloc();
  return scratch;
}

bool HyperscanPrefilter::scan_block(SigBuffer buffer, std::string_view data,
                                    PrefilterScratch& scratch, CandidateFn on_candidate,
                                    void* context) const {
  const hs_database_t* db = block_[index(buffer)];
  if (db == nullptr) return true;
  if (data.size() > UINT_MAX) return false;
  MatchContext m{on_candidate, context, nullptr};
  const hs_error_t rc = hs_scan(db, data.data(), static_cast<unsigned>(data.size()), 0,
                                scratch.scratch_, &on_match, &m);
  return finish(rc, m.error);
}

size_t HyperscanPrefilter::stream_state_bytes() const {
  size_t bytes = 0;
  if (stream_ == nullptr || hs_stream_size(stream_, &bytes) != HS_SUCCESS) return 0;
  return bytes;
}

bool HyperscanPrefilter::open_stream(StreamHandle& stream) const {
  if (stream_ == nullptr || stream.stream_ != nullptr) return false;
  return hs_open_stream(stream_, 0, &stream.stream_) == HS_SUCCESS;
}

bool HyperscanPrefilter::scan_stream(StreamHandle& stream, std::string_view data,
                                     PrefilterScratch& scratch, StreamHitFn on_hit,
                                     void* context) const {
  if (stream.stream_ == nullptr || data.size() > UINT_MAX) return false;
  StreamContext m{on_hit, context, nullptr};
  const hs_error_t rc =
      hs_scan_stream(stream.stream_, data.data(), static_cast<unsigned>(data.size()), 0,
                     scratch.scratch_, &on_stream_match, &m);
  return finish(rc, m.error);
}

bool HyperscanPrefilter::reset_stream(StreamHandle& stream, PrefilterScratch* scratch,
                                      StreamHitFn on_hit, void* context) const {
  if (stream.stream_ == nullptr) return false;
  if (scratch == nullptr || on_hit == nullptr)
    return hs_reset_stream(stream.stream_, 0, nullptr, nullptr, nullptr) == HS_SUCCESS;
  StreamContext m{on_hit, context, nullptr};
  const hs_error_t rc = hs_reset_stream(stream.stream_, 0, scratch->scratch_, &on_stream_match, &m);
  return finish(rc, m.error);
}

bool HyperscanPrefilter::close_stream(StreamHandle& stream) const {
  if (stream.stream_ == nullptr) return false;
  return hs_close_stream(std::exchange(stream.stream_, nullptr), nullptr, nullptr, nullptr) ==
         HS_SUCCESS;
}

}  // namespace tripline
