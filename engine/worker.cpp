#include "engine/worker.hpp"

#include <cstring>

namespace tripline {
namespace {

// "host:8080" -> "host"; "[2001:db8::1]:80" -> "2001:db8::1"; a bare IPv6 literal is kept.
std::string_view strip_port(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    const size_t close = host.find(']');
    return close == std::string_view::npos ? host : host.substr(1, close - 1);
  }
  const size_t colon = host.find(':');
  if (colon != std::string_view::npos && host.find(':', colon + 1) == std::string_view::npos)
    return host.substr(0, colon);
  return host;
}

// What the URL looked like on the wire, scheme-less: "host/path?query".
std::string_view url_seen(std::string_view host, std::string_view target, char* buf, size_t cap) {
  if (target.substr(0, 7) == "http://")
    target.remove_prefix(7);
  else if (target.substr(0, 8) == "https://")
    target.remove_prefix(8);
  else if (!target.empty() && target.front() == '/') {
    host = strip_port(host);
    const size_t n = std::min(host.size(), cap);
    if (n != 0) std::memcpy(buf, host.data(), n);
    const size_t m = std::min(target.size(), cap - n);
    if (m != 0) std::memcpy(buf + n, target.data(), m);
    return {buf, n + m};
  }
  return target;
}

// The flow keeps JA3 hashes as 16 bytes; fields and alerts carry 32 lower-case hex digits.
bool hex_to_md5(std::string_view hex, uint8_t* out) {
  auto nibble = [](char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
  };
  for (size_t i = 0; i < 16; ++i) {
    const int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

void md5_to_hex(const uint8_t* md5, char* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < 16; ++i) {
    out[2 * i] = kHex[md5[i] >> 4];
    out[2 * i + 1] = kHex[md5[i] & 15];
  }
}

// Reassembled TCP payload goes to the stream inspector only when some rule looks at it.
PayloadSink payload_sink(const CompiledRules& rules, void* worker,
                         void (*data)(void*, Flow&, bool, const uint8_t*, uint32_t, bool),
                         void (*end)(void*, Flow&, bool)) {
  const SignatureEngine* signatures = rules.signatures();
  if (signatures == nullptr || !signatures->prefilter().has_stream_database()) return {};
  return {data, end, worker};
}

}  // namespace

WorkerStats& WorkerStats::operator+=(const WorkerStats& o) {
  packets += o.packets;
  bytes += o.bytes;
  alerts += o.alerts;
  alerts_shed += o.alerts_shed;
  dedup_overflow += o.dedup_overflow;
  signature_candidates_dropped += o.signature_candidates_dropped;
  expired_matches += o.expired_matches;
  decode += o.decode;
  defrag += o.defrag;
  flows += o.flows;
  app += o.app;
  tcp += o.tcp;
  stream += o.stream;
  stages += o.stages;
  return *this;
}

std::unique_ptr<WorkerRules> WorkerRules::build(const CompiledRules& rules,
                                                const WorkerConfig& config) {
  auto built = std::make_unique<WorkerRules>();
  built->rules = &rules;
  const SignatureEngine* signatures = rules.signatures();
  if (signatures == nullptr) return built;
  built->scratch = signatures->make_scratch();
  if (signatures->prefilter().has_stream_database())
    built->inspector =
        std::make_unique<StreamInspector>(*signatures, *built->scratch, config.stream_inspect);
  if (config.profile_rules) {
    built->costs.resize(signatures->size());
    built->scratch->costs = built->costs.data();
  }
  return built;
}

RuleVersions::PrepareFn WorkerRules::preparer(unsigned workers, const WorkerConfig& config) {
  return [workers, config](const CompiledRules& rules) {
    std::vector<std::unique_ptr<WorkerRules>> prepared;
    for (unsigned i = 0; i < workers; ++i) prepared.push_back(build(rules, config));
    return prepared;
  };
}

Worker::Worker(uint16_t index, const CompiledRules& rules, AlertQueue& alerts,
               const WorkerConfig& config)
    : index_(index),
      rules_(&rules),
      alerts_(alerts),
      config_(config),
      defrag_(config.defrag),
      app_(config.stream_buffers,
           payload_sink(rules, this, &Worker::on_payload, &Worker::on_payload_end)),
      flows_(config.max_flows, config.timeouts, &Worker::release_flow, this) {
  if (config.profile_stages) clock_.enable();
  bind(WorkerRules::build(rules, config));
}

Worker::~Worker() = default;

void Worker::bind(std::unique_ptr<WorkerRules> rules) {
  bound_ = std::move(rules);
  rules_ = bound_->rules;
  signatures_ = rules_->signatures();
  signature_scratch_ = bound_->scratch.get();
  stream_inspector_ = bound_->inspector.get();
  if (signature_scratch_ != nullptr) signature_scratch_->clock = &clock_;
}

void Worker::follow(const RuleVersion& current) {
  version_ = &current;
  epoch_ = current.epoch;
}

bool Worker::sync_rules() {
  if (version_ == nullptr) return false;
  const RuleVersion* next = version_->next.load(std::memory_order_acquire);
  if (next == nullptr) return false;
  for (; next != nullptr; next = next->next.load(std::memory_order_acquire)) {
    adopt(*next);
    version_ = next;
    epoch_ = next->epoch;
  }
  // Every alert of the older sets is queued before this: the writer may free them after it.
  Alert& marker = alert_;
  marker.indicator = Alert::kEpochMarker;
  marker.worker = index_;
  marker.epoch = epoch_;
  alerts_.push(marker);
  return true;
}

void Worker::adopt(const RuleVersion& version) {
  std::unique_ptr<WorkerRules> next;
  if (index_ < version.prepared.size()) next = std::move(version.prepared[index_]);
  if (!next) next = WorkerRules::build(*version.rules, config_);
  StageScope stage(clock_, Stage::kFlow);
  // Open TCP streams carry over; without payload rules now, they are no longer inspected.
  if (stream_inspector_ != nullptr) {
    stats_.stream += stream_inspector_->counters();
    if (next->inspector)
      next->inspector->take_over(*stream_inspector_, version.from_previous);
    else
      stream_inspector_->for_each_open([](Flow& flow, bool to_server) {
        flow.streams[to_server ? 0 : 1].inspect_slot = TcpStream::kNoBuffer;
      });
  }
  if (signature_scratch_ != nullptr)
    stats_.signature_candidates_dropped += signature_scratch_->candidates_dropped;
  // Payload rules where there were none: open connections were not reassembled for them
  // (no stream offsets to count positions from), so only new connections are inspected.
  const bool payload_starts = stream_inspector_ == nullptr && next->inspector != nullptr;
  // Indicators that already alerted on a flow keep it from alerting again under their new ids.
  flows_.for_each([&](Flow& flow) {
    if (payload_starts && flow.key.proto == kProtoTcp)
      flow.streams[0].inspect_ended = flow.streams[1].inspect_ended = true;
    uint8_t kept = 0;
    for (uint8_t i = 0; i < flow.alerted_count; ++i) {
      const uint32_t id = version.from_previous.translate(flow.alerted[i]);
      if (id != RuleIdMap::kNone) flow.alerted[kept++] = id;
    }
    flow.alerted_count = kept;
    flow.ips_stale = true;  // looked up again on the flow's next packet
  });
  app_.set_payload_sink(
      payload_sink(*version.rules, this, &Worker::on_payload, &Worker::on_payload_end));
  bind(std::move(next));  // the old set's scratch and streams are freed here
}

void Worker::release_flow(Flow& flow, void* self) {
  auto* worker = static_cast<Worker*>(self);
  // A flow leaving by timeout, eviction or port reuse ends its streams.
  if (worker->stream_inspector_) {
    worker->packet_ = nullptr;  // the alerts' origin is the flow, not the packet at hand
    worker->end_stream(flow, true);
    worker->end_stream(flow, false);
  }
  worker->app_.release(flow);
}

void Worker::finish() {
  if (!stream_inspector_) return;
  StageScope stage(clock_, Stage::kFlow);
  packet_ = nullptr;
  stream_inspector_->for_each_open([this](Flow& flow, bool to_server) {
    flow.streams[to_server ? 0 : 1].inspect_ended = true;
    end_stream(flow, to_server);
  });
}

void Worker::on_payload(void* self, Flow& flow, bool to_server, const uint8_t* bytes,
                        uint32_t length, bool gap_before) {
  auto* worker = static_cast<Worker*>(self);
  worker->stream_matches_.count = 0;
  worker->stream_inspector_->data(flow, to_server, bytes, length, gap_before,
                                  worker->config_.alert_mode == AlertMode::kFlow,
                                  worker->stream_context(flow, to_server), worker->stream_matches_);
  worker->emit_stream_matches(flow, to_server);
}

void Worker::on_payload_end(void* self, Flow& flow, bool to_server) {
  static_cast<Worker*>(self)->end_stream(flow, to_server);
}

void Worker::end_stream(Flow& flow, bool to_server) {
  if (flow.streams[to_server ? 0 : 1].inspect_slot == TcpStream::kNoBuffer) return;
  stream_matches_.count = 0;
  stream_inspector_->end(flow, to_server, config_.alert_mode == AlertMode::kFlow,
                         stream_context(flow, to_server), stream_matches_);
  emit_stream_matches(flow, to_server);
}

SignatureContext& Worker::stream_context(const Flow& flow, bool to_server) {
  const FlowKey& key = flow.key;
  // The sender of this direction: the client for to_server.
  const bool sender_is_lo = flow.initiator_is_lo == to_server;
  DecodedPacket& p = stream_packet_;
  p.ip_version = key.ip_version;
  p.ip_proto = key.proto;
  std::memcpy(p.src, sender_is_lo ? key.addr_lo : key.addr_hi, 16);
  std::memcpy(p.dst, sender_is_lo ? key.addr_hi : key.addr_lo, 16);
  p.src_port = sender_is_lo ? key.port_lo : key.port_hi;
  p.dst_port = sender_is_lo ? key.port_hi : key.port_lo;
  p.has_l4 = true;

  SignatureContext& ctx = stream_ctx_;
  ctx.transport = Transport::kTcp;
  ctx.app = static_cast<AppProto>(flow.app_proto);
  ctx.src = p.ip_version == 4 ? IpAddress::v4(p.src) : IpAddress::v6(p.src);
  ctx.dst = p.ip_version == 4 ? IpAddress::v4(p.dst) : IpAddress::v6(p.dst);
  ctx.src_port = p.src_port;
  ctx.dst_port = p.dst_port;
  ctx.direction = to_server ? FlowDirection::kToServer : FlowDirection::kToClient;
  ctx.established = flow.streams[0].seq_known && flow.streams[1].seq_known;
  return ctx;
}

void Worker::emit_stream_matches(Flow& flow, bool to_server) {
  const StreamMatches& m = stream_matches_;
  if (m.count == 0) return;
  // Timed like the packet that completed the match; at a flow's end, like its last packet.
  stream_view_ = PacketView{};
  stream_view_.ts_ns = packet_ != nullptr ? packet_->ts_ns : flow.last_ts;
  stream_view_.ordinal = packet_ != nullptr ? packet_->ordinal : 0;
  stream_view_.input = packet_ != nullptr ? packet_->input : 0;
  for (uint32_t i = 0; i < m.count; ++i)
    emit(stream_view_, stream_packet_, flow, to_server, Alert::kSignatureBit | m.rules[i],
         AlertField::kIpSrc, m.context[i], static_cast<uint8_t>(SigBuffer::kPacket));
}

WorkerStats Worker::stats() const {
  WorkerStats s = stats_;
  s.defrag = defrag_.counters();
  s.flows = flows_.counters();
  s.app = app_.counters();
  s.tcp = app_.reassembly();
  if (stream_inspector_) s.stream += stream_inspector_->counters();
  s.stages = clock_.totals();
  if (signature_scratch_) s.signature_candidates_dropped += signature_scratch_->candidates_dropped;
  return s;
}

void Worker::process(const PacketView& packet, const DecodedPacket& decoded) {
  StageScope stage(clock_, Stage::kFlow);
  ++stats_.packets;
  stats_.bytes += packet.wirelen;
  if (decoded.outcome != DecodeOutcome::kDecoded) return;

  const DecodedPacket* p = &decoded;
  if (decoded.is_fragment) {
    uint32_t length = 0;
    const uint8_t* datagram = defrag_.add(decoded, packet.ts_ns, &length);
    if (datagram == nullptr) return;
    decode_ip(datagram, length, reassembled_);
    stats_.decode.count(reassembled_);
    if (reassembled_.outcome != DecodeOutcome::kDecoded || reassembled_.is_fragment) return;
    p = &reassembled_;
  }

  bool is_new = false;
  bool to_server = true;
  Flow& flow = flows_.lookup(*p, packet.ts_ns, &is_new, &to_server);
  ++flow.packets;
  flow.bytes += packet.wirelen;

  // The app layer runs first, so every alert of this packet carries the flow's app_proto.
  // Reassembled TCP payload reaches the stream inspector from inside it (on_payload).
  fields_.count = 0;
  packet_ = &packet;
  {
    StageScope reassembly(clock_, Stage::kReassembly);
    app_.inspect(flow, to_server, *p, fields_);
  }
  // An address cannot change within a flow: look it up once (again after a rule reload),
  // unless every packet alerts.
  if (is_new || flow.ips_stale || config_.alert_mode == AlertMode::kPacket) {
    flow.ips_stale = false;
    match_ips(packet, *p, flow, to_server);
  }
  if (fields_.count != 0) match_fields(packet, *p, flow, to_server);
  if (signatures_ != nullptr) match_signatures(packet, *p, flow, to_server);
}

void Worker::match_signatures(const PacketView& packet, const DecodedPacket& p, Flow& flow,
                              bool to_server) {
  SignatureContext& ctx = signature_ctx_;
  ctx.transport = p.ip_proto == kProtoTcp                                    ? Transport::kTcp
                  : p.ip_proto == kProtoUdp                                  ? Transport::kUdp
                  : (p.ip_proto == kProtoIcmp || p.ip_proto == kProtoIcmpv6) ? Transport::kIcmp
                                                                             : Transport::kOther;
  ctx.app = static_cast<AppProto>(flow.app_proto);
  ctx.src = p.ip_version == 4 ? IpAddress::v4(p.src) : IpAddress::v6(p.src);
  ctx.dst = p.ip_version == 4 ? IpAddress::v4(p.dst) : IpAddress::v6(p.dst);
  ctx.src_port = p.src_port;
  ctx.dst_port = p.dst_port;
  ctx.direction = to_server ? FlowDirection::kToServer : FlowDirection::kToClient;
  ctx.established =
      p.ip_proto == kProtoTcp && flow.streams[0].seq_known && flow.streams[1].seq_known;
  ctx.payload_is_stream = false;

  // One check per application field event, with the buffers that event shows.
  for (uint8_t i = 0; i < fields_.count; ++i) {
    const AppField& field = fields_.items[i];
    ctx.buffers = {};
    switch (field.kind) {
      case FieldKind::kDnsQuery:
        ctx.buffer(SigBuffer::kDnsQuery) = field.value;
        break;
      case FieldKind::kTlsSni:
        ctx.buffer(SigBuffer::kTlsSni) = field.value;
        break;
      case FieldKind::kJa3:
        ctx.buffer(SigBuffer::kJa3Hash) = field.value;
        break;
      case FieldKind::kJa3s:
        continue;  // no ja3s buffer in the rule language subset
      case FieldKind::kHttpRequest: {
        // Suricata's http.host is the Host header normalized: lower case, no port.
        const std::string_view host = strip_port(field.value);
        for (size_t k = 0; k < host.size(); ++k)  // host fits: AppLayer keeps at most 256
          host_lower_[k] =
              static_cast<char>(host[k] >= 'A' && host[k] <= 'Z' ? host[k] - 'A' + 'a' : host[k]);
        ctx.buffer(SigBuffer::kHttpHost) = std::string_view(host_lower_, host.size());
        ctx.buffer(SigBuffer::kHttpUri) = field.target;
        ctx.buffer(SigBuffer::kHttpMethod) = field.method;
        ctx.buffer(SigBuffer::kHttpUserAgent) = field.user_agent;
        break;
      }
    }
    run_signatures(packet, p, flow, to_server, false);
  }
  // The packet itself: datagram payloads, TCP payloads for tcp-pkt rules, and header-only
  // rules on every packet. (TCP payload rules see reassembled streams: on_payload.)
  ctx.buffers = {};
  if (p.payload_length != 0 &&
      (p.ip_proto == kProtoUdp || (p.ip_proto == kProtoTcp && signatures_->has_tcp_packet_rules())))
    ctx.buffer(SigBuffer::kPacket) =
        std::string_view(reinterpret_cast<const char*>(p.payload), p.payload_length);
  run_signatures(packet, p, flow, to_server, true);
}

void Worker::run_signatures(const PacketView& packet, const DecodedPacket& p, Flow& flow,
                            bool to_server, bool header_rules) {
  const SignatureContext& ctx = signature_ctx_;
  signatures_->match(ctx, header_rules, *signature_scratch_, [&](uint32_t rule) {
    const SigBuffer buffer = signatures_->primary_buffer(rule);
    emit(packet, p, flow, to_server, Alert::kSignatureBit | rule, AlertField::kIpSrc,
         ctx.buffer(buffer), static_cast<uint8_t>(buffer));
  });
}

void Worker::match_ips(const PacketView& packet, const DecodedPacket& p, Flow& flow,
                       bool to_server) {
  StageScope stage(clock_, Stage::kIp);
  for (int side = 0; side < 2; ++side) {
    const uint8_t* bytes = side == 0 ? p.src : p.dst;
    const IpAddress ip = p.ip_version == 4 ? IpAddress::v4(bytes) : IpAddress::v6(bytes);
    const IdSpan hits = rules_->match_ip(ip);
    if (hits.empty()) continue;
    const uint16_t port = side == 0 ? p.src_port : p.dst_port;
    char text[kIpTextMax];
    const std::string_view matched(text, format_ip(ip, text));
    for (const uint32_t id : hits) {
      const CompiledIndicator& indicator = rules_->indicator(id);
      if (indicator.port != 0 && indicator.port != port) continue;
      if (rules_->primary(id) != id) continue;  // listed twice: one alert names both
      emit(packet, p, flow, to_server, id, side == 0 ? AlertField::kIpSrc : AlertField::kIpDst,
           matched);
    }
  }
}

void Worker::match_fields(const PacketView& packet, const DecodedPacket& p, Flow& flow,
                          bool to_server) {
  StageScope stage(clock_, Stage::kFields);
  for (uint8_t i = 0; i < fields_.count; ++i) {
    const AppField& field = fields_.items[i];
    switch (field.kind) {
      case FieldKind::kJa3:
      case FieldKind::kJa3s: {
        const bool client = field.kind == FieldKind::kJa3;
        if (field.value.size() != 32) break;
        (client ? flow.has_ja3 : flow.has_ja3s) =
            hex_to_md5(field.value, client ? flow.ja3 : flow.ja3s);
        const IdSpan hits =
            client ? rules_->match_ja3(field.value) : rules_->match_ja3s(field.value);
        for (const uint32_t id : hits)
          if (rules_->primary(id) == id)
            emit(packet, p, flow, to_server, id,
                 client ? AlertField::kJa3Hash : AlertField::kJa3sHash, field.value);
        break;
      }
      case FieldKind::kDnsQuery:
      case FieldKind::kTlsSni: {
        if (!rules_->has_domains()) break;
        const AlertField kind =
            field.kind == FieldKind::kDnsQuery ? AlertField::kDnsQuery : AlertField::kTlsSni;
        for (const uint32_t id : rules_->match_domain(field.value))
          if (rules_->primary(id) == id) emit(packet, p, flow, to_server, id, kind, field.value);
        break;
      }
      case FieldKind::kHttpRequest: {
        if (!rules_->has_domains() && !rules_->has_urls()) break;
        const std::string_view host = strip_port(field.value);
        if (!host.empty())
          for (const uint32_t id : rules_->match_domain(host))
            if (rules_->primary(id) == id)
              emit(packet, p, flow, to_server, id, AlertField::kHttpHost, host);
        const IdSpan urls = rules_->match_url(field.value, field.target);
        if (!urls.empty()) {
          char buf[Alert::kMaxMatched];
          const std::string_view seen = url_seen(field.value, field.target, buf, sizeof buf);
          for (const uint32_t id : urls)
            if (rules_->primary(id) == id)
              emit(packet, p, flow, to_server, id, AlertField::kHttpUrl, seen);
        }
        break;
      }
    }
  }
}

void Worker::emit(const PacketView& packet, const DecodedPacket& p, Flow& flow, bool to_server,
                  uint32_t indicator, AlertField field, std::string_view matched,
                  uint8_t sig_buffer) {
  StageScope stage(clock_, Stage::kAlert);
  // An indicator published with an end of validity stops alerting at that time (capture
  // time: a replay sees it expire where the traffic did).
  const int64_t valid_until =
      (indicator & Alert::kSignatureBit) != 0
          ? signatures_->signature(indicator & ~Alert::kSignatureBit).valid_until
          : rules_->meta(rules_->indicator(indicator).meta).valid_until;
  if (valid_until != 0 && packet.ts_ns / 1'000'000'000 >= static_cast<uint64_t>(valid_until)) {
    ++stats_.expired_matches;
    return;
  }
  if (config_.alert_mode == AlertMode::kFlow) {
    if (flow.already_alerted(indicator)) return;
    if (!flow.remember_alert(indicator)) ++stats_.dedup_overflow;
  }
  Alert& a = alert_;
  a.ts_ns = packet.ts_ns;
  a.flow_id = flow.flow_id;
  a.pcap_cnt = packet.ordinal;
  a.indicator = indicator;
  a.epoch = epoch_;
  a.input = packet.input;
  a.worker = index_;
  a.ip_version = p.ip_version;
  a.proto = p.ip_proto;
  std::memcpy(a.src, p.src, 16);
  std::memcpy(a.dst, p.dst, 16);
  a.has_ports = p.has_l4 && (p.ip_proto == kProtoTcp || p.ip_proto == kProtoUdp);
  a.has_icmp = p.has_l4 && (p.ip_proto == kProtoIcmp || p.ip_proto == kProtoIcmpv6);
  a.src_port = p.src_port;
  a.dst_port = p.dst_port;
  a.icmp_type = p.icmp_type;
  a.icmp_code = p.icmp_code;
  a.to_server = to_server;
  a.app_proto = flow.app_proto;
  a.field = field;
  a.sig_buffer = sig_buffer;
  a.set_matched(matched);
  a.has_ja3 = flow.has_ja3;
  a.has_ja3s = flow.has_ja3s;
  if (flow.has_ja3) md5_to_hex(flow.ja3, a.ja3);
  if (flow.has_ja3s) md5_to_hex(flow.ja3s, a.ja3s);
  if (config_.lossless) {
    alerts_.push(a);
  } else if (!alerts_.try_push(a)) {
    ++stats_.alerts_shed;
    return;
  }
  ++stats_.alerts;
}

}  // namespace tripline
