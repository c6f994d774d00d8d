#include "matchers/hyperscan_prefilter.hpp"

#include <hs.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <exception>
#include <new>
#include <utility>
#include <variant>

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

HyperscanPrefilter::HyperscanPrefilter(const std::vector<Signature>& signatures) {
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

  // Compile; a pattern rejected only by the full compile excludes its rule and starts over.
  for (;;) {
    uint32_t bad_rule = PrefilterError::kNoRule;
    std::string bad_pattern, message;
    SigBuffer bad_buffer = SigBuffer::kPacket;
    bool failed = false;
    for (size_t b = 0; b < kSigBufferCount && !failed; ++b) {
      block_[b] =
          compile(patterns[b], excluded, HS_MODE_BLOCK, stats_[b], bad_rule, bad_pattern, message);
      if (block_[b] == nullptr && !message.empty()) {
        failed = true;
        bad_buffer = static_cast<SigBuffer>(b);
      }
    }
    if (!failed) {
      stream_ = compile(stream_patterns, excluded, HS_MODE_STREAM, stream_stats_, bad_rule,
                        bad_pattern, message);
      failed = stream_ == nullptr && !message.empty();
    }
    if (!failed) break;
    reject(bad_rule, bad_buffer, std::move(bad_pattern), std::move(message));
    if (bad_rule == PrefilterError::kNoRule) {
      // Database-wide failure: drop that buffer's patterns and keep the others.
      for (const Pattern& p : patterns[index(bad_buffer)]) excluded[p.rule] = true;
      excluded_rules_ = static_cast<size_t>(std::count(excluded.begin(), excluded.end(), true));
    }
    for (hs_database_t*& db : block_) hs_free_database(std::exchange(db, nullptr));
    hs_free_database(std::exchange(stream_, nullptr));
  }

  for (hs_database_t* db : block_)
    if (db != nullptr && hs_alloc_scratch(db, &prototype_) != HS_SUCCESS) throw std::bad_alloc();
  if (stream_ != nullptr && hs_alloc_scratch(stream_, &prototype_) != HS_SUCCESS)
    throw std::bad_alloc();
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
