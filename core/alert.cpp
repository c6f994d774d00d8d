#include "core/alert.hpp"

namespace tripline {

const char* alert_field_name(AlertField f) {
  switch (f) {
    case AlertField::kIpSrc: return "ip.src";
    case AlertField::kIpDst: return "ip.dst";
    case AlertField::kDnsQuery: return "dns.query";
    case AlertField::kTlsSni: return "tls.sni";
    case AlertField::kHttpHost: return "http.host";
    case AlertField::kHttpUrl: return "http.url";
  }
  return "unknown";
}

}  // namespace tripline
