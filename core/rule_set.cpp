#include "core/rule_set.hpp"

namespace tripline {

std::string_view to_string(IndicatorType type) {
  switch (type) {
    case IndicatorType::kIp:
      return "ip";
    case IndicatorType::kCidr:
      return "cidr";
    case IndicatorType::kDomain:
      return "domain";
    case IndicatorType::kUrl:
      return "url";
    case IndicatorType::kJa3:
      return "ja3";
    case IndicatorType::kJa3s:
      return "ja3s";
  }
  return "unknown";
}

void RuleSet::add(Indicator indicator, const IndicatorMeta& meta) {
  if (!rule_set_name_.empty() && meta.rule_set != rule_set_name_) {
    IndicatorMeta named = meta;
    named.rule_set = rule_set_name_;
    indicator.meta = intern(named);
  } else {
    indicator.meta = intern(meta);
  }
  indicator.signature_id = kFirstSignatureId + static_cast<uint32_t>(indicators_.size());
  indicators_.push_back(std::move(indicator));
}

size_t RuleSet::error_count() const {
  size_t n = 0;
  for (const auto& d : diagnostics_) n += d.severity == Severity::kError;
  return n;
}

bool RuleSet::add_signature(Signature signature, bool count) {
  const uint64_t key = uint64_t{signature.gid} << 32 | signature.sid;
  if (!signature_keys_.insert(key).second) return false;
  if (count) ++rule_files_[signature.file].loaded;
  if (!rule_set_name_.empty()) signature.rule_set = rule_set_name_;
  signatures_.push_back(std::move(signature));
  return true;
}

uint32_t RuleSet::intern(const IndicatorMeta& meta) {
  std::string key;
  key.reserve(meta.source.size() + meta.campaign.size() + meta.description.size() + 32);
  for (const std::string* part :
       {&meta.source, &meta.campaign, &meta.tlp, &meta.description, &meta.rule_set, &meta.id}) {
    key += *part;
    key += '\x1f';
  }
  key += std::to_string(meta.confidence);
  key += '\x1f';
  key += std::to_string(meta.valid_until);
  for (const auto& [k, v] : meta.extra) {
    key += '\x1f';
    key += k;
    key += '=';
    key += v;
  }
  auto [it, inserted] =
      meta_index_.try_emplace(std::move(key), static_cast<uint32_t>(metas_.size()));
  if (inserted) metas_.push_back(meta);
  return it->second;
}

}  // namespace tripline
