#include "bench/trafficgen/scenario.hpp"

#include <algorithm>
#include <cstring>
#include <memory>
#include <queue>
#include <unordered_map>

#include "bench/trafficgen/flow.hpp"
#include "bench/trafficgen/packet_builder.hpp"
#include "bench/trafficgen/protocols.hpp"
#include "bench/trafficgen/random.hpp"

namespace tripline::trafficgen {
namespace {

constexpr uint64_t kEpochUs = 1767225600ull * 1000000;  // 2026-01-01T00:00:00Z
constexpr size_t kConcurrentFlows = 32;
constexpr uint16_t kBulkPort = 7443;  // no Wireshark dissector claims it
constexpr uint16_t kVlans[] = {10, 20, 30, 100, 200, 1001};

enum class FlowKind : uint8_t { kDns, kTls, kHttp, kModbus, kDnp3, kBulk };

// What one flow is for; materialize() turns it into packets, the same way every time.
struct FlowPlan {
  FlowKind kind = FlowKind::kDns;
  uint64_t seed = 0;
  IpAddress client;          // family 0: from the background pool
  IpAddress server;          // family 0: from the background pool
  uint16_t server_port = 0;  // 0: the protocol's usual port
  std::string name;          // DNS name, SNI or Host header; empty: a background name
  std::string target;        // HTTP request target; empty: a background path
  uint8_t repeat = 1;        // DNS questions / HTTP requests that show name
  bool query_only = false;   // DNS query without answer (fills the last packet)
  bool background = true;
};

uint16_t default_port(FlowKind kind) {
  switch (kind) {
    case FlowKind::kDns:
      return 53;
    case FlowKind::kTls:
      return 443;
    case FlowKind::kHttp:
      return 80;
    case FlowKind::kModbus:
      return 502;
    case FlowKind::kDnp3:
      return 20000;
    case FlowKind::kBulk:
      return kBulkPort;
  }
  return 0;
}

uint64_t hash_ip(const IpAddress& a, uint64_t seed) {
  uint64_t lo, hi;
  std::memcpy(&lo, a.bytes, 8);
  std::memcpy(&hi, a.bytes + 8, 8);
  return splitmix64(splitmix64(seed ^ lo ^ a.family) ^ hi);
}

struct IpHash {
  size_t operator()(const IpAddress& a) const { return hash_ip(a, 0); }
};

IpAddress make_ip(int family, const uint8_t* prefix, size_t prefix_bytes, Rng& rng) {
  IpAddress a;
  a.family = static_cast<uint8_t>(family);
  const size_t n = family == 4 ? 4 : 16;
  for (size_t i = 0; i < n; i += 8) {
    const uint64_t r = rng.next();
    std::memcpy(a.bytes + i, &r, std::min<size_t>(8, n - i));
  }
  std::memcpy(a.bytes, prefix, prefix_bytes);
  a.bytes[n - 1] = static_cast<uint8_t>(1 + a.bytes[n - 1] % 254);  // never .0 or .255
  return a;
}

// Background addresses: clients 10.0.0.0/8 and fd00::/8, servers 198.18.0.0/15 and
// 2001:db8:ffff::/48. Client popularity is skewed: a few busy hosts, many quiet ones.
class AddressPools {
 public:
  AddressPools(uint64_t seed, uint64_t packets) {
    Rng rng(splitmix64(seed ^ 0x504f4f4c53ull));
    const size_t clients = std::clamp<uint64_t>(packets / 50, 256, 65536);
    static constexpr uint8_t kTen[] = {10};
    static constexpr uint8_t kFd[] = {0xfd};
    static constexpr uint8_t kDoc[] = {0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff};
    for (size_t i = 0; i < clients; ++i) clients4_.push_back(make_ip(4, kTen, 1, rng));
    for (size_t i = 0; i < clients / 4; ++i) clients6_.push_back(make_ip(6, kFd, 1, rng));
    for (size_t i = 0; i < 2048; ++i) {
      IpAddress a = make_ip(4, kTen, 0, rng);
      a.bytes[0] = 198;
      a.bytes[1] = static_cast<uint8_t>(18 + (a.bytes[1] & 1));
      servers4_.push_back(a);
    }
    for (size_t i = 0; i < 512; ++i) servers6_.push_back(make_ip(6, kDoc, 6, rng));
    resolvers4_ = {*parse_ip("198.18.53.1"), *parse_ip("198.18.53.2")};
    resolvers6_ = {*parse_ip("2001:db8:ffff::53"), *parse_ip("2001:db8:ffff::54")};
  }

  const IpAddress& client(int family, Rng& rng) const {
    const auto& pool = family == 6 ? clients6_ : clients4_;
    return pool[rng.log_between(1, pool.size()) - 1];
  }
  const IpAddress& server(int family, Rng& rng) const {
    const auto& pool = family == 6 ? servers6_ : servers4_;
    return pool[rng.log_between(1, pool.size()) - 1];
  }
  const IpAddress& resolver(int family, Rng& rng) const {
    const auto& pool = family == 6 ? resolvers6_ : resolvers4_;
    return pool[rng.below(pool.size())];
  }

 private:
  std::vector<IpAddress> clients4_, clients6_, servers4_, servers6_, resolvers4_, resolvers6_;
};

// Ephemeral ports counted up per client address, so no two flows share a 5-tuple
// (until one address opens more than 64512 flows).
class PortAllocator {
 public:
  explicit PortAllocator(uint64_t seed) : seed_(seed) {}
  uint16_t next(const IpAddress& client) {
    auto [it, inserted] = next_.try_emplace(client, 0);
    if (inserted) it->second = static_cast<uint16_t>(49152 + hash_ip(client, seed_) % 16000);
    const uint16_t port = it->second;
    it->second = port == 65535 ? 1024 : static_cast<uint16_t>(port + 1);
    return port;
  }

 private:
  uint64_t seed_;
  std::unordered_map<IpAddress, uint16_t, IpHash> next_;
};

std::string background_name(Rng& rng) {
  static constexpr const char* kPatterns[] = {"host", "api.host", "cdn", "www.site", "mail"};
  std::string name = kPatterns[rng.below(std::size(kPatterns))];
  name += std::to_string(rng.log_between(1, 60000));
  name += ".bg.test";
  return name;
}

std::string background_target(Rng& rng) {
  const uint64_t k = rng.log_between(1, 100000);
  switch (rng.below(6)) {
    case 0:
      return "/";
    case 1:
      return "/index.html";
    case 2:
      return "/static/app." + std::to_string(k) + ".js";
    case 3:
      return "/api/v1/items?id=" + std::to_string(k);
    case 4:
      return "/images/" + std::to_string(k) + ".png";
    default:
      return "/news/" + std::to_string(k) + "/article.html";
  }
}

struct MaterializeContext {
  const ScenarioOptions& options;
  const AddressPools& pools;
  PortAllocator* ports;  // nullptr: only counting packets
  uint64_t max_bulk_bytes;
};

// Opaque bulk bytes can look like the start of a protocol that Wireshark guesses from
// content (Thrift, for one) and then reports as broken. Segment-leading bytes in 0x40..0x7f
// look like none of them.
void avoid_heuristics(Bytes& message, int family) {
  const size_t mss = family == 6 ? 1440 : 1460;
  for (size_t i = 0; i < message.size(); i += mss)
    message[i] = static_cast<uint8_t>(0x40 | (message[i] & 0x3f));
}

void materialize(const FlowPlan& plan, const MaterializeContext& ctx, Flow& flow) {
  Rng rng(plan.seed);
  flow.clear();
  FlowEndpoints& ep = flow.endpoints;
  const int family = plan.client.family                   ? plan.client.family
                     : plan.server.family                 ? plan.server.family
                     : rng.chance(ctx.options.ipv6_share) ? 6
                                                          : 4;
  ep.vlan = rng.chance(ctx.options.vlan_share) ? kVlans[rng.below(std::size(kVlans))] : 0;
  ep.proto = plan.kind == FlowKind::kDns ? kProtoUdp : kProtoTcp;
  ep.client = plan.client.family ? plan.client : ctx.pools.client(family, rng);
  ep.server = plan.server.family            ? plan.server
              : plan.kind == FlowKind::kDns ? ctx.pools.resolver(family, rng)
                                            : ctx.pools.server(family, rng);
  ep.server_port = plan.server_port != 0 ? plan.server_port : default_port(plan.kind);
  ep.client_port = ctx.ports != nullptr ? ctx.ports->next(ep.client) : 0;
  const uint64_t mac = hash_ip(ep.client, 0x4d4143);
  ep.client_mac[0] = 0x02;
  std::memcpy(ep.client_mac + 1, &mac, 5);
  static constexpr uint8_t kRouterMac[6] = {0x00, 0x1b, 0x21, 0x3c, 0x9a, 0x01};
  std::memcpy(ep.server_mac, kRouterMac, 6);
  ep.client_ttl = rng.chance(0.3) ? 128 : 64;
  ep.server_ttl = static_cast<uint8_t>(64 - rng.between(2, 14));
  const auto rtt = static_cast<uint32_t>(rng.log_between(200, 60000));

  FlowBuilder b(flow, rng, rtt);
  Bytes msg;
  const std::string name = plan.name.empty() ? background_name(rng) : plan.name;
  const uint64_t max_bulk = ctx.max_bulk_bytes;
  switch (plan.kind) {
    case FlowKind::kDns: {
      const uint16_t qtype = rng.chance(0.3) ? kDnsTypeAaaa : kDnsTypeA;
      for (int i = 0; i < plan.repeat; ++i) {
        const auto id = static_cast<uint16_t>(rng.next());
        msg.clear();
        dns_query(msg, id, name, qtype);
        uint32_t at = b.send(true, msg, i == 0 ? 0 : rng.between(1000, 500000));
        b.show(AppField::Kind::kDnsQuery, at, name);
        if (plan.query_only) break;
        const IpAddress answer = ctx.pools.server(qtype == kDnsTypeAaaa ? 6 : 4, rng);
        msg.clear();
        dns_response(msg, id, name, qtype, answer.bytes);
        at = b.send(false, msg, rtt + rng.between(50, 30000));
        b.show(AppField::Kind::kDnsQuery, at, name);
      }
      break;
    }
    case FlowKind::kTls: {
      b.open();
      msg.clear();
      tls_client_hello(msg, name, rng);
      const uint32_t at = b.send(true, msg, rng.between(100, 3000));
      b.show(AppField::Kind::kTlsSni, at, name);
      msg.clear();
      tls_server_hello(msg, rng.between(2400, 6000), rng);
      b.send(false, msg, rtt + rng.between(200, 5000));
      msg.clear();
      tls_client_finished(msg, rng);
      b.send(true, msg, rng.between(100, 2000));
      const uint64_t exchanges = plan.background ? rng.log_between(1, 6) : 1;
      for (uint64_t i = 0; i < exchanges; ++i) {
        msg.clear();
        tls_app_data(msg, rng.between(100, 900), rng);
        b.send(true, msg, i == 0 ? rng.between(10, 500) : rng.between(1000, 3000000));
        msg.clear();
        tls_app_data(msg, rng.log_between(100, std::min<uint64_t>(max_bulk, 120000)), rng);
        b.send(false, msg, rtt + rng.between(200, 40000));
      }
      b.close(rng.chance(0.6));
      break;
    }
    case FlowKind::kHttp: {
      b.open();
      const uint64_t requests = plan.background ? rng.between(1, 3) : plan.repeat;
      for (uint64_t i = 0; i < requests; ++i) {
        const std::string target = plan.target.empty() ? background_target(rng) : plan.target;
        msg.clear();
        http_request(msg, name, target, rng);
        const uint32_t at =
            b.send(true, msg, i == 0 ? rng.between(50, 2000) : rng.between(1000, 2000000));
        b.show(AppField::Kind::kHttpRequest, at, name, target);
        msg.clear();
        http_response(msg, rng.log_between(100, std::min<uint64_t>(max_bulk, 120000)), true, rng);
        b.send(false, msg, rtt + rng.between(200, 50000));
      }
      b.close(rng.chance(0.5));
      break;
    }
    case FlowKind::kModbus: {
      b.open();
      const uint64_t polls = plan.background ? rng.between(3, 12) : rng.between(2, 5);
      const auto unit = static_cast<uint8_t>(rng.between(1, 247));
      auto transaction = static_cast<uint16_t>(rng.next());
      for (uint64_t i = 0; i < polls; ++i, ++transaction) {
        const auto count = static_cast<uint16_t>(rng.between(1, 60));
        msg.clear();
        modbus_request(msg, transaction, unit, static_cast<uint16_t>(rng.below(10000)), count);
        b.send(true, msg, i == 0 ? rng.between(100, 5000) : rng.between(100000, 1000000));
        msg.clear();
        modbus_response(msg, transaction, unit, count, rng);
        b.send(false, msg, rtt + rng.between(500, 8000));
      }
      b.close(true);
      break;
    }
    case FlowKind::kDnp3: {
      b.open();
      const uint64_t polls = plan.background ? rng.between(2, 10) : 2;
      const auto master = static_cast<uint16_t>(rng.between(1, 10));
      const auto outstation = static_cast<uint16_t>(rng.between(10, 1000));
      auto sequence = static_cast<uint8_t>(rng.below(16));
      for (uint64_t i = 0; i < polls; ++i, ++sequence) {
        msg.clear();
        dnp3_request(msg, master, outstation, sequence);
        b.send(true, msg, i == 0 ? rng.between(100, 5000) : rng.between(200000, 2000000));
        msg.clear();
        dnp3_response(msg, master, outstation, sequence, rng);
        b.send(false, msg, rtt + rng.between(1000, 20000));
      }
      b.close(true);
      break;
    }
    case FlowKind::kBulk: {
      b.open();
      const bool upload = rng.chance(0.25);
      const uint64_t size = rng.log_between(4000, max_bulk);
      msg.clear();
      random_bytes(msg, rng.between(40, 400), rng);
      avoid_heuristics(msg, family);
      b.send(true, msg, rng.between(100, 3000));
      msg.clear();
      random_bytes(msg, size, rng);
      avoid_heuristics(msg, family);
      b.send(!upload, msg, upload ? rng.between(50, 500) : rtt + rng.between(200, 20000));
      if (upload) {
        msg.clear();
        random_bytes(msg, rng.between(16, 64), rng);
        b.send(false, msg, rtt + rng.between(200, 5000));
      }
      b.close(rng.chance(0.5));
      break;
    }
  }
  std::stable_sort(flow.fields.begin(), flow.fields.end(),
                   [](const AppField& x, const AppField& y) { return x.packet < y.packet; });
}

FlowKind pick_background_kind(Rng& rng) {
  const uint64_t r = rng.below(100);
  if (r < 35) return FlowKind::kDns;
  if (r < 60) return FlowKind::kTls;
  if (r < 75) return FlowKind::kHttp;
  if (r < 83) return FlowKind::kModbus;
  if (r < 88) return FlowKind::kDnp3;
  return FlowKind::kBulk;
}

// A deterministic address inside the CIDR, never its network address (nor the IPv4
// all-ones broadcast) unless the prefix leaves no choice.
IpAddress pick_in_cidr(const Cidr& cidr, Rng& rng) {
  IpAddress a = cidr.network;
  const unsigned bits = a.family == 4 ? 32 : 128;
  const unsigned host_bits = bits - cidr.prefix;
  if (host_bits == 0) return a;
  uint64_t offset = 1;
  if (host_bits >= 2) {
    const uint64_t range = host_bits >= 62 ? (uint64_t{1} << 62) : (uint64_t{1} << host_bits);
    offset = 1 + rng.below(range - 2);
  }
  const size_t n = bits / 8;
  for (size_t i = 0; i < 8 && offset != 0; ++i, offset >>= 8)
    a.bytes[n - 1 - i] |= static_cast<uint8_t>(offset);
  return a;
}

bool overlaps(const Cidr& a, const Cidr& b) {
  if (a.network.family != b.network.family) return false;
  const Cidr& wide = a.prefix <= b.prefix ? a : b;
  const Cidr& narrow = a.prefix <= b.prefix ? b : a;
  for (unsigned bit = 0; bit < wide.prefix; ++bit) {
    const uint8_t mask = static_cast<uint8_t>(0x80u >> (bit % 8));
    if ((wide.network.bytes[bit / 8] & mask) != (narrow.network.bytes[bit / 8] & mask))
      return false;
  }
  return true;
}

std::vector<std::string> background_overlaps(const std::vector<Indicator>& indicators) {
  static const Cidr kBackground[] = {*parse_cidr("10.0.0.0/8"), *parse_cidr("198.18.0.0/15"),
                                     *parse_cidr("fd00::/8"), *parse_cidr("2001:db8:ffff::/48")};
  std::vector<std::string> warnings;
  for (const Indicator& ind : indicators) {
    bool hit = false;
    if (ind.type == IocType::kIp || ind.type == IocType::kCidr) {
      const Cidr c = ind.type == IocType::kIp
                         ? Cidr{ind.ip, static_cast<uint8_t>(ind.ip.family == 4 ? 32 : 128)}
                         : ind.cidr;
      for (const Cidr& bg : kBackground) hit |= overlaps(c, bg);
    } else if (ind.type == IocType::kDomain) {
      const std::string& h = ind.host;
      hit = h == "test" || h == "bg.test" ||
            (h.size() > 8 && h.compare(h.size() - 8, 8, ".bg.test") == 0);
    }
    if (hit)
      warnings.push_back("indicator '" + ind.value +
                         "' overlaps the background ranges: background flows will match it "
                         "(the truth includes those alerts)");
  }
  return warnings;
}

std::vector<FlowPlan> injected_plans(const ScenarioOptions& options,
                                     const std::vector<Indicator>& indicators) {
  std::vector<FlowPlan> plans;
  size_t domains = 0;
  size_t urls = 0;
  for (size_t i = 0; i < indicators.size(); ++i) {
    const Indicator& ind = indicators[i];
    Rng rng(splitmix64(splitmix64(options.seed ^ 0x494e4a454354ull) ^ i));
    auto add = [&](FlowKind kind) -> FlowPlan& {
      FlowPlan& p = plans.emplace_back();
      p.kind = kind;
      p.background = false;
      return p;
    };
    switch (ind.type) {
      case IocType::kIp:
      case IocType::kCidr: {
        const IpAddress address = ind.type == IocType::kIp ? ind.ip : pick_in_cidr(ind.cidr, rng);
        add(rng.chance(0.5) ? FlowKind::kModbus : FlowKind::kBulk).server = address;
        add(rng.chance(0.5) ? FlowKind::kDns : FlowKind::kHttp).client = address;
        break;
      }
      case IocType::kDomain: {
        FlowPlan& dns = add(FlowKind::kDns);
        dns.name = ind.host;
        dns.repeat = domains % 2 == 0 ? 2 : 1;  // every other domain: shown twice, one alert
        add(FlowKind::kDns).name = "www." + ind.host;
        add(FlowKind::kTls).name = ind.host;
        FlowPlan& http = add(FlowKind::kHttp);
        http.name = ind.host + ":8080";
        http.server_port = 8080;
        ++domains;
        break;
      }
      case IocType::kUrl: {
        FlowPlan& http = add(FlowKind::kHttp);
        http.name = ind.host;
        http.target = ind.target;
        http.repeat = urls % 2 == 0 ? 2 : 1;  // every other URL: two requests, one alert
        if (ind.target.find('?') == std::string::npos) {
          FlowPlan& query = add(FlowKind::kHttp);
          query.name = ind.host;
          query.target = ind.target + "?x=1";
        }
        ++urls;
        break;
      }
    }
  }
  const uint64_t base = splitmix64(options.seed ^ 0x4a4e4a5345454453ull);
  for (size_t i = 0; i < plans.size(); ++i) plans[i].seed = splitmix64(base ^ i);
  return plans;
}

class Generator {
 public:
  Generator(const ScenarioOptions& options, const std::vector<Indicator>& indicators,
            PcapWriter& pcap)
      : options_(options),
        indicators_(indicators),
        index_(indicators),
        pcap_(pcap),
        pools_(options.seed, options.packets),
        ports_(options.seed),
        schedule_rng_(splitmix64(options.seed ^ 0x5343484544ull)),
        background_seed_(splitmix64(options.seed ^ 0x4247ull)),
        context_{options, pools_, &ports_,
                 std::clamp<uint64_t>(options.packets * 1460 / 40, 16384, 1u << 20)} {}

  ScenarioResult run() {
    result_.warnings = background_overlaps(indicators_);
    injected_ = injected_plans(options_, indicators_);
    // Shuffle so one indicator's flows spread through the capture.
    for (size_t i = injected_.size(); i > 1; --i)
      std::swap(injected_[i - 1], injected_[schedule_rng_.below(i)]);
    uint64_t injected_packets = 0;
    {
      Flow scratch;
      MaterializeContext counting = context_;
      counting.ports = nullptr;
      for (const FlowPlan& plan : injected_) {
        materialize(plan, counting, scratch);
        injected_packets += scratch.packets.size();
      }
    }
    const uint64_t total = std::max(options_.packets, injected_packets);
    background_budget_ = total - injected_packets;
    for (size_t i = 0; i < injected_.size(); ++i)
      slots_.push_back((i + 1) * total / (injected_.size() + 1));

    while (true) {
      start_due_flows();
      if (heap_.empty()) {
        if (next_injected_ < injected_.size()) {
          start(injected_[next_injected_++]);
          continue;
        }
        break;
      }
      const HeapEntry top = heap_.top();
      heap_.pop();
      Active& a = active_[top.slot];
      emit(a, top.time);
      if (++a.next_packet < a.flow->packets.size()) {
        heap_.push({top.time + a.flow->packets[a.next_packet].gap_us, top.order, top.slot});
      } else {
        free_slots_.push_back(top.slot);
      }
    }
    return std::move(result_);
  }

 private:
  struct Active {
    std::unique_ptr<Flow> flow = std::make_unique<Flow>();
    size_t next_packet = 0;
    size_t next_field = 0;
    std::vector<uint32_t> alerted;  // indicators already reported on this flow
  };
  struct HeapEntry {
    uint64_t time;
    uint64_t order;  // start order: breaks ties deterministically
    size_t slot;
    bool operator>(const HeapEntry& o) const {
      return time != o.time ? time > o.time : order > o.order;
    }
  };

  void start_due_flows() {
    while (true) {
      const bool background_left = background_committed_ < background_budget_;
      if (next_injected_ < injected_.size() &&
          (pcap_.packets() >= slots_[next_injected_] ||
           (!background_left && heap_.size() < kConcurrentFlows))) {
        start(injected_[next_injected_++]);
        continue;
      }
      if (background_left && heap_.size() < kConcurrentFlows) {
        start_background();
        continue;
      }
      return;
    }
  }

  void start_background() {
    const uint64_t remaining = background_budget_ - background_committed_;
    for (int attempt = 0; attempt < 3; ++attempt) {
      FlowPlan plan;
      plan.seed = splitmix64(background_seed_ ^ background_serial_++);
      Rng kind_rng(splitmix64(plan.seed ^ 0x4b494e44ull));
      plan.kind = pick_background_kind(kind_rng);
      if (start(plan, remaining)) return;
    }
    // Near the end of the budget: a short DNS exchange fills it exactly.
    FlowPlan plan;
    plan.seed = splitmix64(background_seed_ ^ background_serial_++);
    plan.query_only = remaining == 1;
    start(plan);
  }

  // Plans and schedules a flow unless it has more than limit packets.
  bool start(const FlowPlan& plan, uint64_t limit = UINT64_MAX) {
    size_t slot;
    if (!free_slots_.empty()) {
      slot = free_slots_.back();
      free_slots_.pop_back();
    } else {
      slot = active_.size();
      active_.emplace_back();
    }
    Active& a = active_[slot];
    materialize(plan, context_, *a.flow);
    if (a.flow->packets.size() > limit) {
      free_slots_.push_back(slot);  // the ports it took stay used: harmless
      return false;
    }
    a.next_packet = 0;
    a.next_field = 0;
    a.alerted.clear();
    const uint64_t time = now_ + schedule_rng_.between(0, 3000) + a.flow->packets[0].gap_us;
    heap_.push({time, order_++, slot});
    ++result_.flows;
    if (plan.background) {
      background_committed_ += a.flow->packets.size();
    } else {
      ++result_.injected_flows;
    }
    return true;
  }

  void emit(Active& a, uint64_t time) {
    now_ = time;
    const Flow& f = *a.flow;
    const PacketPlan& p = f.packets[a.next_packet];
    SegmentFields seg;
    seg.from_client = p.from_client;
    seg.tcp_flags = p.tcp_flags;
    seg.seq = p.seq;
    seg.ack = p.ack;
    seg.window = p.window;
    seg.ip_id = p.ip_id;
    seg.mss_option = (p.tcp_flags & kTcpSyn) != 0;
    const size_t length = build_frame(f.endpoints, seg, f.payload.data() + p.payload_offset,
                                      p.payload_length, frame_);
    pcap_.write(kEpochUs + time, frame_, static_cast<uint32_t>(length));
    const uint64_t pcap_cnt = pcap_.packets();
    const FlowEndpoints& ep = f.endpoints;
    const IpAddress& src = p.from_client ? ep.client : ep.server;
    const IpAddress& dst = p.from_client ? ep.server : ep.client;

    if (a.next_packet == 0 && index_.has_ip()) {
      hits_.clear();
      index_.match_ip(src, hits_);
      for (uint32_t i : hits_) record(a, pcap_cnt, p, i, "ip.src", to_string(src));
      hits_.clear();
      index_.match_ip(dst, hits_);
      for (uint32_t i : hits_) record(a, pcap_cnt, p, i, "ip.dst", to_string(dst));
    }
    for (; a.next_field < f.fields.size() && f.fields[a.next_field].packet == a.next_packet;
         ++a.next_field) {
      const AppField& field = f.fields[a.next_field];
      hits_.clear();
      switch (field.kind) {
        case AppField::Kind::kDnsQuery:
          index_.match_domain(field.name, hits_);
          for (uint32_t i : hits_) record(a, pcap_cnt, p, i, "dns.query", field.name);
          break;
        case AppField::Kind::kTlsSni:
          index_.match_domain(field.name, hits_);
          for (uint32_t i : hits_) record(a, pcap_cnt, p, i, "tls.sni", field.name);
          break;
        case AppField::Kind::kHttpRequest: {
          const std::string host(strip_port(field.name));
          index_.match_domain(host, hits_);
          for (uint32_t i : hits_) record(a, pcap_cnt, p, i, "http.host", host);
          hits_.clear();
          index_.match_url(host, field.target, hits_);
          for (uint32_t i : hits_) record(a, pcap_cnt, p, i, "http.url", host + field.target);
          break;
        }
      }
    }
  }

  void record(Active& a, uint64_t pcap_cnt, const PacketPlan& p, uint32_t indicator,
              std::string_view field, std::string matched) {
    if (std::find(a.alerted.begin(), a.alerted.end(), indicator) != a.alerted.end()) return;
    a.alerted.push_back(indicator);
    const FlowEndpoints& ep = a.flow->endpoints;
    TruthRow row;
    row.pcap_cnt = pcap_cnt;
    row.src = p.from_client ? ep.client : ep.server;
    row.dst = p.from_client ? ep.server : ep.client;
    row.src_port = p.from_client ? ep.client_port : ep.server_port;
    row.dst_port = p.from_client ? ep.server_port : ep.client_port;
    row.proto = ep.proto;
    row.indicator = indicator;
    row.field = field;
    row.matched = std::move(matched);
    result_.truth.push_back(std::move(row));
  }

  const ScenarioOptions& options_;
  const std::vector<Indicator>& indicators_;
  IndicatorIndex index_;
  PcapWriter& pcap_;
  AddressPools pools_;
  PortAllocator ports_;
  Rng schedule_rng_;
  uint64_t background_seed_;
  MaterializeContext context_;

  std::vector<FlowPlan> injected_;
  std::vector<uint64_t> slots_;  // packet count at which each injected flow starts
  size_t next_injected_ = 0;
  uint64_t background_budget_ = 0;
  uint64_t background_committed_ = 0;
  uint64_t background_serial_ = 0;

  std::vector<Active> active_;
  std::vector<size_t> free_slots_;
  std::priority_queue<HeapEntry, std::vector<HeapEntry>, std::greater<>> heap_;
  uint64_t now_ = 0;
  uint64_t order_ = 0;

  std::vector<uint32_t> hits_;
  uint8_t frame_[kMaxFrame];
  ScenarioResult result_;
};

}  // namespace

ScenarioResult run_scenario(const ScenarioOptions& options,
                            const std::vector<Indicator>& indicators, PcapWriter& pcap) {
  auto generator = std::make_unique<Generator>(options, indicators, pcap);
  return generator->run();
}

}  // namespace tripline::trafficgen
