// The parse-time model of a Suricata/Snort rule from the indicator-style subset that tripline
// matches: header, meta options, flow direction, and content/pcre matches per buffer, in rule
// order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/ip_address.hpp"

namespace tripline {

enum class SigAction : uint8_t {
  kAlert,
  kPass,
  kDrop,
  kReject,
  kRejectSrc,
  kRejectDst,
  kRejectBoth
};

// Transport protocols, and the application protocols tripline parses ("ssl" is kTls, "http1"
// is kHttp). An application protocol implies its transport (dns: udp or tcp; tls, http: tcp).
enum class SigProto : uint8_t { kIp, kTcp, kUdp, kIcmp, kDns, kTls, kHttp };

// For TCP payload matches: Suricata's "tcp-pkt" looks at each packet's payload alone,
// "tcp-stream" only at the reassembled stream, plain "tcp" at both.
enum class TcpScope : uint8_t { kAny, kPacket, kStream };

// Where a match looks. kPacket is the packet payload (datagrams) or the reassembled stream (TCP);
// the others are the application fields tripline extracts.
enum class SigBuffer : uint8_t {
  kPacket,
  kDnsQuery,
  kTlsSni,
  kHttpHost,
  kHttpUri,
  kHttpMethod,
  kHttpUserAgent,
  kJa3Hash,
};

inline constexpr size_t kSigBufferCount = static_cast<size_t>(SigBuffer::kJa3Hash) + 1;

// Suricata's name of a buffer ("payload" for kPacket).
constexpr std::string_view to_string(SigBuffer buffer) {
  switch (buffer) {
    case SigBuffer::kPacket:
      return "payload";
    case SigBuffer::kDnsQuery:
      return "dns.query";
    case SigBuffer::kTlsSni:
      return "tls.sni";
    case SigBuffer::kHttpHost:
      return "http.host";
    case SigBuffer::kHttpUri:
      return "http.uri";
    case SigBuffer::kHttpMethod:
      return "http.method";
    case SigBuffer::kHttpUserAgent:
      return "http.user_agent";
    case SigBuffer::kJa3Hash:
      return "ja3.hash";
  }
  return "unknown";
}

// An address expression resolved to the exact set of addresses it denotes, as disjoint CIDRs
// (IPv4 first, then IPv6, each in address order). Negation and nested variables are resolved.
struct AddressSet {
  std::string text;  // as written in the rule, e.g. "![$HOME_NET,10.0.0.1]"
  bool any = true;   // every IPv4 and IPv6 address (cidrs is then {0.0.0.0/0, ::/0})
  std::vector<Cidr> cidrs;
};

struct PortRange {
  uint16_t first = 0;
  uint16_t last = 65535;  // inclusive
  bool operator==(const PortRange&) const = default;
};

// A port expression resolved to disjoint, sorted ranges.
struct PortSet {
  std::string text;  // as written, e.g. "[80:90,!85]"
  bool any = true;
  std::vector<PortRange> ranges;

  bool contains(uint16_t port) const {
    for (const PortRange& r : ranges)
      if (port >= r.first && port <= r.last) return true;
    return false;
  }
};

struct ContentMatch {
  std::string bytes;  // hex and escapes decoded
  bool nocase = false;
  bool negated = false;
  bool startswith = false;
  bool endswith = false;
  bool fast_pattern = false;
  std::optional<int> offset, depth;     // absolute, from the start of the buffer
  std::optional<int> distance, within;  // relative to the end of the previous match in the buffer

  bool relative() const { return distance.has_value() || within.has_value(); }
};

struct PcreMatch {
  std::string pattern;    // between the slashes, as written (escapes kept for the regex engine)
  std::string flags;      // only flags Hyperscan honours, in the order written: 'i', 's', 'm', 'x'
  bool relative = false;  // /R: starts at the end of the previous match in the buffer
  bool negated = false;
};

struct SigMatch {
  SigBuffer buffer = SigBuffer::kPacket;
  std::variant<ContentMatch, PcreMatch> m;
};

struct FlowOptions {
  bool to_server = false;  // "to_server" or "from_client"
  bool to_client = false;  // "to_client" or "from_server"
  bool established = false;
  bool operator==(const FlowOptions&) const = default;
};

struct Reference {
  std::string type;  // "url", "cve", ...
  std::string value;
  bool operator==(const Reference&) const = default;
};

struct Signature {
  SigAction action = SigAction::kAlert;
  SigProto proto = SigProto::kIp;
  TcpScope tcp_scope = TcpScope::kAny;  // kPacket for "tcp-pkt", kStream for "tcp-stream"
  AddressSet src;
  PortSet src_ports;
  bool bidirectional = false;  // "<>"
  AddressSet dst;
  PortSet dst_ports;

  std::string msg;
  uint32_t sid = 0;
  uint32_t rev = 1;
  uint32_t gid = 1;
  std::string classtype;
  int priority = 0;  // 1..255; 0 when the rule does not say (the classtype's then applies)
  std::vector<std::pair<std::string, std::string>> metadata;  // "key value" pairs in order
  std::vector<Reference> references;
  std::string target;  // "src_ip", "dest_ip" or empty
  FlowOptions flow;

  // Content and pcre matches in rule order; relative modifiers refer to the previous match in
  // the same buffer. A rule matches when every one of them holds.
  std::vector<SigMatch> matches;

  std::string rule_set;     // named rule set (--rules NAME=PATH); empty: the file's name
  int64_t valid_until = 0;  // Unix seconds after which it no longer alerts (STIX); 0: none
  std::string file;         // rule file as given to the loader
  uint32_t line = 0;        // first line of the rule
};

}  // namespace tripline
