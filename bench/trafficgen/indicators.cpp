#include "bench/trafficgen/indicators.hpp"

#include <algorithm>
#include <fstream>
#include <stdexcept>
#include <unordered_set>

#include "core/loaders.hpp"

namespace tripline::trafficgen {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

bool valid_domain(std::string_view name, std::string& why) {
  if (name.empty()) {
    why = "empty domain";
    return false;
  }
  // DNS name limits, with room for the "www." the generator prepends.
  if (name.size() > 249) {
    why = "domain longer than 249 characters";
    return false;
  }
  size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) {
        why = "empty label in domain";
        return false;
      }
      label = 0;
      continue;
    }
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) {
      why = std::string("character '") + c + "' not allowed in a domain";
      return false;
    }
    if (++label > 63) {
      why = "domain label longer than 63 characters";
      return false;
    }
  }
  if (label == 0) {
    why = "empty label in domain";
    return false;
  }
  return true;
}

}  // namespace

std::string_view ioc_type_name(IocType type) {
  switch (type) {
    case IocType::kIp:
      return "ip";
    case IocType::kCidr:
      return "cidr";
    case IocType::kDomain:
      return "domain";
    case IocType::kUrl:
      return "url";
  }
  return "?";
}

std::string_view strip_port(std::string_view authority) {
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close != std::string_view::npos) return authority.substr(1, close - 1);
  }
  const size_t colon = authority.find(':');
  if (colon != std::string_view::npos && authority.find(':', colon + 1) == std::string_view::npos)
    return authority.substr(0, colon);
  return authority;
}

bool classify_indicator(std::string_view written, Indicator& out, std::string& why) {
  out = Indicator{};
  out.value = std::string(written);
  // Defanged feed text ("evil[.]example", "hxxp://...") is shown refanged, as the engine
  // loads it; the truth keeps the value as written.
  const std::string refanged = refang(written);
  const std::string_view text = refanged;
  if (auto ip = parse_ip(text)) {
    out.type = IocType::kIp;
    out.ip = *ip;
    return true;
  }
  if (text.find("://") == std::string_view::npos && text.find('/') != std::string_view::npos) {
    if (auto cidr = parse_cidr(text, true)) {
      out.type = IocType::kCidr;
      out.cidr = *cidr;
      return true;
    }
  }
  const size_t scheme = text.find("://");
  const bool url = scheme != std::string_view::npos || text.find('/') != std::string_view::npos;
  if (!url) {
    std::string_view name = text;
    if (name.size() > 1 && name.back() == '.') name.remove_suffix(1);
    if (!valid_domain(name, why)) return false;
    out.type = IocType::kDomain;
    out.host = lower(name);
    return true;
  }
  std::string_view rest = scheme == std::string_view::npos ? text : text.substr(scheme + 3);
  rest = rest.substr(0, rest.find('#'));  // a fragment never goes on the wire
  const size_t slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos)
    authority.remove_prefix(at + 1);
  std::string target;
  if (slash == std::string_view::npos || rest[slash] == '?') target.push_back('/');
  if (slash != std::string_view::npos) target.append(rest.substr(slash));
  std::string host_error;
  const std::string_view host = strip_port(authority);
  if (host.empty() || (!parse_ip(host) && !valid_domain(host, host_error))) {
    why = "URL without a usable host" + (host_error.empty() ? "" : ": " + host_error);
    return false;
  }
  if (target.find_first_of(" \t\r\n") != std::string::npos) {
    why = "whitespace in URL";
    return false;
  }
  out.type = IocType::kUrl;
  out.host = std::string(authority);
  out.target = std::move(target);
  return true;
}

InjectList load_inject_files(const std::vector<std::string>& paths) {
  InjectList list;
  std::unordered_set<std::string> seen;
  for (const std::string& path : paths) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read inject file " + path);
    std::string line;
    size_t number = 0;
    while (std::getline(in, line)) {
      ++number;
      const std::string_view text = trim(line);
      if (text.empty() || text.front() == '#') continue;
      Indicator indicator;
      std::string why;
      if (!classify_indicator(text, indicator, why)) {
        list.warnings.push_back(path + ":" + std::to_string(number) + ": skipped '" +
                                std::string(text) + "': " + why);
        continue;
      }
      if (!seen.insert(indicator.value).second) continue;
      list.indicators.push_back(std::move(indicator));
    }
  }
  return list;
}

std::string IndicatorIndex::ip_key(const IpAddress& address, uint8_t prefix) {
  std::string key(18, '\0');
  key[0] = static_cast<char>(address.family);
  key[1] = static_cast<char>(prefix);
  for (unsigned bit = 0; bit < prefix; bit += 8) {
    const unsigned keep = std::min(8u, prefix - bit);
    key[2 + bit / 8] = static_cast<char>(address.bytes[bit / 8] & (0xff00u >> keep));
  }
  return key;
}

IndicatorIndex::IndicatorIndex(const std::vector<Indicator>& indicators) {
  for (uint32_t i = 0; i < indicators.size(); ++i) {
    const Indicator& ind = indicators[i];
    switch (ind.type) {
      case IocType::kIp:
      case IocType::kCidr: {
        const IpAddress& a = ind.type == IocType::kIp ? ind.ip : ind.cidr.network;
        const uint8_t prefix =
            ind.type == IocType::kIp ? (a.family == 4 ? 32 : 128) : ind.cidr.prefix;
        ips_[ip_key(a, prefix)].push_back(i);
        const std::pair<uint8_t, uint8_t> p{a.family, prefix};
        if (std::find(prefixes_.begin(), prefixes_.end(), p) == prefixes_.end())
          prefixes_.push_back(p);
        break;
      }
      case IocType::kDomain:
        domains_[ind.host].push_back(i);
        break;
      case IocType::kUrl:
        urls_[lower(strip_port(ind.host)) + ind.target].push_back(i);
        break;
    }
  }
  // Longest prefix first: the engine reports the most specific covering indicator.
  std::sort(prefixes_.begin(), prefixes_.end(),
            [](const auto& a, const auto& b) { return a.second > b.second; });
}

void IndicatorIndex::match_ip(const IpAddress& address, std::vector<uint32_t>& hits) const {
  for (const auto& [family, prefix] : prefixes_) {
    if (family != address.family) continue;
    if (auto it = ips_.find(ip_key(address, prefix)); it != ips_.end()) {
      hits.insert(hits.end(), it->second.begin(), it->second.end());
      return;
    }
  }
}

void IndicatorIndex::match_domain(std::string_view name, std::vector<uint32_t>& hits) const {
  if (domains_.empty()) return;
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  std::string key = lower(name);
  std::string_view rest = key;
  while (!rest.empty()) {
    if (auto it = domains_.find(std::string(rest)); it != domains_.end()) {
      hits.insert(hits.end(), it->second.begin(), it->second.end());
      return;  // the most specific domain only
    }
    const size_t dot = rest.find('.');
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
}

void IndicatorIndex::match_url(std::string_view host, std::string_view target,
                               std::vector<uint32_t>& hits) const {
  if (urls_.empty()) return;
  const std::string h = lower(host);
  if (auto it = urls_.find(h + std::string(target)); it != urls_.end()) {
    hits.insert(hits.end(), it->second.begin(), it->second.end());
    return;  // exact host+path+query wins over host+path
  }
  const size_t query = target.find('?');
  if (query != std::string_view::npos) {
    if (auto it = urls_.find(h + std::string(target.substr(0, query))); it != urls_.end())
      hits.insert(hits.end(), it->second.begin(), it->second.end());
  }
}

}  // namespace tripline::trafficgen
