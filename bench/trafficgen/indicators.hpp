// The --inject list (IPs, CIDRs, domains, URLs) and a plain reference matcher with the
// engine's semantics, used to compute the ground truth from what the packets show.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/ip_address.hpp"

namespace tripline::trafficgen {

enum class IocType : uint8_t { kIp, kCidr, kDomain, kUrl };
std::string_view ioc_type_name(IocType type);

struct Indicator {
  IocType type = IocType::kIp;
  std::string value;   // as written in the inject file, trimmed
  IpAddress ip;        // kIp: the address; kCidr: the address the flows use
  Cidr cidr;           // kCidr
  std::string host;    // kDomain: lower case, no trailing dot; kUrl: authority as written
  std::string target;  // kUrl: path(+query), starts with '/'
};

// Classifies one trimmed line (defanged forms accepted); on failure returns false and sets why.
bool classify_indicator(std::string_view text, Indicator& out, std::string& why);

struct InjectList {
  std::vector<Indicator> indicators;  // in file order, exact duplicates removed
  std::vector<std::string> warnings;  // "file:line: reason" for skipped lines
};

// Reads the files; throws std::runtime_error if one cannot be read.
InjectList load_inject_files(const std::vector<std::string>& paths);

// Host part of an HTTP Host header value or URL authority: port and brackets removed.
std::string_view strip_port(std::string_view authority);

// Reference matcher: exact maps, tried per prefix length / parent domain. Like the engine,
// only the most specific covering indicator hits (longest prefix, closest parent domain,
// exact URL before URL without query). Hits are indicator indices, appended to the vector.
class IndicatorIndex {
 public:
  explicit IndicatorIndex(const std::vector<Indicator>& indicators);

  void match_ip(const IpAddress& address, std::vector<uint32_t>& hits) const;
  // The name itself and every parent, case-insensitive, trailing dot ignored.
  void match_domain(std::string_view name, std::vector<uint32_t>& hits) const;
  // host (no port) + target; an indicator without query also matches any query.
  void match_url(std::string_view host, std::string_view target, std::vector<uint32_t>& hits) const;

  bool has_ip() const { return !prefixes_.empty(); }

 private:
  static std::string ip_key(const IpAddress& address, uint8_t prefix);

  std::vector<std::pair<uint8_t, uint8_t>> prefixes_;  // (family, prefix length) in use
  std::unordered_map<std::string, std::vector<uint32_t>> ips_;
  std::unordered_map<std::string, std::vector<uint32_t>> domains_;
  std::unordered_map<std::string, std::vector<uint32_t>> urls_;
};

}  // namespace tripline::trafficgen
