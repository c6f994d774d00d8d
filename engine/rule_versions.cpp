#include "engine/rule_versions.hpp"

#include <malloc.h>

#include <algorithm>
#include <string>
#include <unordered_map>

#include "core/alert.hpp"
#include "engine/worker.hpp"
#include "matchers/hash.hpp"
#include "matchers/signature_engine.hpp"

namespace tripline {
namespace {

uint64_t indicator_key(const CompiledIndicator& i) {
  const uint64_t kind = uint64_t{static_cast<uint8_t>(i.type)} << 16 | i.port;
  return hashing::word_hash(i.value.data(), i.value.size()) ^ (kind * hashing::kPrime);
}

bool same_indicator(const CompiledIndicator& a, const CompiledIndicator& b) {
  return a.type == b.type && a.port == b.port && a.value == b.value;
}

std::string signature_key(const Signature& s) {
  return std::to_string(s.gid) + ':' + std::to_string(s.sid) + ':' + s.rule_set;
}

}  // namespace

uint32_t RuleIdMap::translate(uint32_t id) const {
  if ((id & Alert::kSignatureBit) != 0) {
    const uint32_t rule = id & ~Alert::kSignatureBit;
    if (rule >= signatures.size() || signatures[rule] == kNone) return kNone;
    return Alert::kSignatureBit | signatures[rule];
  }
  return id < indicators.size() ? indicators[id] : kNone;
}

RuleIdMap map_rule_ids(const CompiledRules& from, const CompiledRules& to) {
  RuleIdMap map;
  // Indicators: the new set's primaries sorted by key, then one binary search per old id.
  std::vector<std::pair<uint64_t, uint32_t>> keyed;
  keyed.reserve(to.size());
  for (uint32_t id = 0; id < to.size(); ++id)
    if (to.primary(id) == id) keyed.emplace_back(indicator_key(to.indicator(id)), id);
  std::sort(keyed.begin(), keyed.end());
  map.indicators.assign(from.size(), RuleIdMap::kNone);
  for (uint32_t id = 0; id < from.size(); ++id) {
    const CompiledIndicator& old = from.indicator(id);
    const uint64_t key = indicator_key(old);
    auto it = std::lower_bound(keyed.begin(), keyed.end(), std::make_pair(key, uint32_t{0}));
    for (; it != keyed.end() && it->first == key; ++it)
      if (same_indicator(old, to.indicator(it->second))) {
        map.indicators[id] = it->second;
        break;
      }
  }
  const SignatureEngine* old_signatures = from.signatures();
  const SignatureEngine* new_signatures = to.signatures();
  if (old_signatures == nullptr) return map;
  map.signatures.assign(old_signatures->size(), RuleIdMap::kNone);
  if (new_signatures == nullptr) return map;
  std::unordered_map<std::string, uint32_t> by_key;
  for (uint32_t i = 0; i < new_signatures->size(); ++i)
    by_key.emplace(signature_key(new_signatures->signature(i)), i);
  for (uint32_t i = 0; i < old_signatures->size(); ++i)
    if (const auto it = by_key.find(signature_key(old_signatures->signature(i)));
        it != by_key.end())
      map.signatures[i] = it->second;
  return map;
}

RuleVersion::~RuleVersion() = default;

RuleVersions::RuleVersions(std::shared_ptr<const CompiledRules> initial) {
  auto first = std::make_unique<RuleVersion>();
  first->rules = std::move(initial);
  latest_.store(first.get());
  versions_.push_back(std::move(first));
}

RuleVersions::~RuleVersions() = default;

const RuleVersion& RuleVersions::latest() const { return *latest_.load(std::memory_order_acquire); }

void RuleVersions::attach_workers(unsigned workers, uint32_t epoch, PrepareFn prepare,
                                  std::function<void()> wake) {
  {
    std::lock_guard lock(mutex_);
    worker_epochs_.assign(workers, epoch);
    prepare_ = std::move(prepare);
  }
  std::lock_guard lock(wake_mutex_);
  wake_ = std::move(wake);
}

const RuleVersion& RuleVersions::publish(std::shared_ptr<const CompiledRules> rules) {
  RuleVersion* previous = latest_.load(std::memory_order_acquire);
  auto version = std::make_unique<RuleVersion>();
  version->epoch = previous->epoch + 1;
  version->from_previous = map_rule_ids(*previous->rules, *rules);
  version->rules = std::move(rules);
  PrepareFn prepare;
  {
    std::lock_guard lock(mutex_);
    prepare = prepare_;
  }
  if (prepare) version->prepared = prepare(*version->rules);
  RuleVersion* published = version.get();
  {
    std::lock_guard lock(mutex_);
    versions_.push_back(std::move(version));
  }
  latest_.store(published, std::memory_order_release);
  previous->next.store(published, std::memory_order_release);  // workers follow from here
  std::lock_guard lock(wake_mutex_);
  if (wake_) wake_();
  return *published;
}

const CompiledRules& RuleVersions::rules(uint32_t epoch) const {
  std::lock_guard lock(mutex_);
  for (const auto& v : versions_)
    if (v->epoch == epoch) return *v->rules;
  // An alert of a freed version would be a bug in the markers' order: fail loudly.
  std::abort();
}

bool RuleVersions::worker_moved(uint16_t worker, uint32_t epoch) {
  std::lock_guard lock(mutex_);
  if (worker >= worker_epochs_.size()) return false;
  worker_epochs_[worker] = epoch;
  const uint32_t oldest_in_use = *std::min_element(worker_epochs_.begin(), worker_epochs_.end());
  bool retired = false;
  // The newest version stays whatever the workers say: it is the one new workers start with.
  while (versions_.size() > 1 && versions_.front()->epoch < oldest_in_use) {
    retired_.push_back(std::move(versions_.front()));
    versions_.erase(versions_.begin());
    retired = true;
  }
  return retired;
}

void RuleVersions::free_retired() {
  std::vector<std::unique_ptr<RuleVersion>> retired;
  {
    std::lock_guard lock(mutex_);
    retired.swap(retired_);
  }
  if (retired.empty()) return;
  retired.clear();
  malloc_trim(0);  // give a freed rule set's pages back: the next reload needs them again
}

size_t RuleVersions::live_versions() const {
  std::lock_guard lock(mutex_);
  return versions_.size();
}

}  // namespace tripline
