#include "matchers/compiled_rules.hpp"

#include <algorithm>

#include <string>

#include "matchers/ascii.hpp"
#include "matchers/domain_table.hpp"
#include "matchers/hash.hpp"
#include "matchers/ip_table.hpp"
#include "matchers/signature_engine.hpp"
#include "matchers/string_table.hpp"
#include "matchers/url_table.hpp"

namespace tripline {
namespace {

// Domain keys as the loader normalizes them; re-applied so a hand-built RuleSet matches too.
std::string_view normalized_domain(std::string_view text, std::string& scratch) {
  if (!text.empty() && text.back() == '.') text.remove_suffix(1);
  bool lower = true;
  for (const char c : text) lower &= ascii_lower(c) == c;
  if (lower) return text;
  scratch.assign(text);
  for (char& c : scratch) c = ascii_lower(c);
  return scratch;
}

uint64_t fingerprint_hash(std::string_view key) { return hashing::word_hash(key); }

size_t metas_bytes(const std::vector<IndicatorMeta>& metas) {
  size_t bytes = metas.capacity() * sizeof(IndicatorMeta);
  for (const IndicatorMeta& m : metas) {
    for (const std::string* s : {&m.source, &m.campaign, &m.tlp, &m.description, &m.rule_set})
      if (s->capacity() > 15) bytes += s->capacity() + 1;
    bytes += m.extra.capacity() * sizeof(m.extra[0]);
    for (const auto& [k, v] : m.extra) bytes += k.capacity() + v.capacity();
  }
  return bytes;
}

}  // namespace

CompiledRules::CompiledRules(const RuleSet& rules, const CompileOptions& options)
    : metas_(rules.metas()) {
  const std::vector<Indicator>& in = rules.indicators();
  size_t arena_bytes = 0;
  for (const Indicator& i : in) arena_bytes += i.value.size();
  value_arena_.reserve(arena_bytes);
  for (const Indicator& i : in) value_arena_.append(i.value);

  indicators_.reserve(in.size());
  std::vector<IpRule> ips;
  std::vector<KeyedId> domains;
  std::vector<KeyedId> urls;
  struct Fingerprint {
    bool client;  // ja3 (else ja3s)
    std::string key;
    uint32_t id;
  };
  std::vector<Fingerprint> fingerprints;
  std::vector<std::string> owned;  // domain keys that needed re-normalizing
  size_t at = 0;
  for (uint32_t id = 0; id < in.size(); ++id) {
    const Indicator& i = in[id];
    indicators_.push_back({i.type, i.port, i.meta, i.signature_id,
                           std::string_view(value_arena_).substr(at, i.value.size())});
    at += i.value.size();
    switch (i.type) {
      case IndicatorType::kIp:
        if (auto ip = parse_ip(i.normalized))
          ips.push_back({Cidr{*ip, static_cast<uint8_t>(ip->family == 4 ? 32 : 128)}, id});
        break;
      case IndicatorType::kCidr:
        if (auto cidr = parse_cidr(i.normalized)) ips.push_back({*cidr, id});
        break;
      case IndicatorType::kDomain: {
        std::string scratch;
        const std::string_view key = normalized_domain(i.normalized, scratch);
        if (key.data() == scratch.data()) {
          owned.push_back(std::move(scratch));
          domains.push_back({{}, id});  // key filled in below, once `owned` stops moving
        } else if (!key.empty()) {
          domains.push_back({key, id});
        }
        break;
      }
      case IndicatorType::kUrl:
        urls.push_back({i.normalized, id});
        break;
      case IndicatorType::kJa3:
      case IndicatorType::kJa3s: {
        // Hex digits in lower case, as the wire side computes them.
        std::string key(i.normalized);
        for (char& c : key) c = ascii_lower(c);
        fingerprints.push_back({i.type == IndicatorType::kJa3, std::move(key), id});
        break;
      }
    }
  }
  size_t next_owned = 0;
  for (KeyedId& d : domains)
    if (d.key.data() == nullptr) d.key = owned[next_owned++];
  std::vector<KeyedId> ja3, ja3s;  // views into `fingerprints`, which no longer changes
  for (const Fingerprint& f : fingerprints) (f.client ? ja3 : ja3s).push_back({f.key, f.id});

  ips_ = std::make_unique<IpTable>(ips);
  domains_ = std::make_unique<DomainTable>(domains);
  urls_ = std::make_unique<UrlTable>(urls);
  ja3_ = std::make_unique<StringTable>(ja3, &fingerprint_hash);
  group_same_indicators(rules);
  ja3s_ = std::make_unique<StringTable>(ja3s, &fingerprint_hash);
  if (!rules.signatures().empty())
    signatures_ = std::make_unique<SignatureEngine>(rules.signatures(),
                                                    PrefilterOptions{options.rules_cache_dir});
}

CompiledRules::~CompiledRules() = default;

IdSpan CompiledRules::match_ip(const IpAddress& ip) const { return ips_->match(ip); }

IdSpan CompiledRules::match_domain(std::string_view name) const { return domains_->match(name); }

IdSpan CompiledRules::match_url(std::string_view host, std::string_view target) const {
  return urls_->match(host, target);
}

IdSpan CompiledRules::match_ja3(std::string_view md5_hex) const {
  return ja3_->empty() ? IdSpan{} : ja3_->find(md5_hex, fingerprint_hash(md5_hex));
}

IdSpan CompiledRules::match_ja3s(std::string_view md5_hex) const {
  return ja3s_->empty() ? IdSpan{} : ja3s_->find(md5_hex, fingerprint_hash(md5_hex));
}

bool CompiledRules::has_ja3() const { return !ja3_->empty() || !ja3s_->empty(); }

bool CompiledRules::has_domains() const { return !domains_->empty(); }
bool CompiledRules::has_urls() const { return !urls_->empty(); }

void CompiledRules::group_same_indicators(const RuleSet& rules) {
  const std::vector<Indicator>& in = rules.indicators();
  // Sort ids by a hash of (type, port, normalized value); equal hashes are compared in full.
  std::vector<std::pair<uint64_t, uint32_t>> order(in.size());
  for (uint32_t id = 0; id < in.size(); ++id) {
    const Indicator& i = in[id];
    uint64_t h = 1469598103934665603ull ^ (uint64_t{static_cast<uint8_t>(i.type)} << 16 | i.port);
    for (const char c : i.normalized) h = (h ^ static_cast<uint8_t>(c)) * 1099511628211ull;
    order[id] = {h, id};
  }
  std::sort(order.begin(), order.end());
  auto same = [&in](uint32_t a, uint32_t b) {
    return in[a].type == in[b].type && in[a].port == in[b].port &&
           in[a].normalized == in[b].normalized;
  };
  std::vector<uint32_t> members;
  for (size_t at = 0; at < order.size();) {
    size_t end = at + 1;
    while (end < order.size() && order[end].first == order[at].first) ++end;
    if (end - at == 1) {  // the common case: listed once
      at = end;
      continue;
    }
    // Within one hash, group by full equality (collisions stay apart).
    std::vector<bool> taken(end - at, false);
    for (size_t k = at; k < end; ++k) {
      if (taken[k - at]) continue;
      members.clear();
      for (size_t m = k; m < end; ++m)
        if (!taken[m - at] && same(order[k].second, order[m].second)) {
          taken[m - at] = true;
          members.push_back(order[m].second);
        }
      if (members.size() < 2) continue;
      if (primary_.empty()) {
        primary_.resize(in.size());
        for (uint32_t id = 0; id < in.size(); ++id) primary_[id] = id;
        group_of_.assign(in.size(), {0, 0});
      }
      std::sort(members.begin(), members.end());
      const auto offset = static_cast<uint32_t>(group_ids_.size());
      for (const uint32_t id : members) {
        primary_[id] = members.front();
        group_of_[id] = {offset, static_cast<uint32_t>(members.size())};
        group_ids_.push_back(id);
      }
    }
    at = end;
  }
}

IdSpan CompiledRules::same_indicator(uint32_t id) const {
  if (group_of_.empty() || group_of_[id].second == 0) return {};
  return {group_ids_.data() + group_of_[id].first, group_of_[id].second};
}

size_t CompiledRules::memory_bytes() const {
  return sizeof(*this) + indicators_.capacity() * sizeof(CompiledIndicator) +
         value_arena_.capacity() + metas_bytes(metas_) + sizeof(IpTable) + ips_->memory_bytes() +
         sizeof(DomainTable) + domains_->memory_bytes() + sizeof(UrlTable) + urls_->memory_bytes() +
         2 * sizeof(StringTable) + ja3_->memory_bytes() + ja3s_->memory_bytes() +
         (primary_.capacity() + group_ids_.capacity()) * sizeof(uint32_t) +
         group_of_.capacity() * sizeof(group_of_[0]);
}

}  // namespace tripline
