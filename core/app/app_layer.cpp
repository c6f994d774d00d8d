#include "core/app/app_layer.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace tripline {
namespace {

constexpr uint16_t kDnsPort = 53;
constexpr uint32_t kDnsQuestionBytes = 1024;  // enough for the question section of any query

inline uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

bool is_dns_flow(const Flow& flow) {
  return flow.key.port_lo == kDnsPort || flow.key.port_hi == kDnsPort;
}

void set_app_proto(Flow& flow, AppProto proto) {
  if (flow.app_proto == static_cast<uint8_t>(AppProto::kUnknown) ||
      flow.app_proto == static_cast<uint8_t>(AppProto::kFailed))
    flow.app_proto = static_cast<uint8_t>(proto);
}

}  // namespace

AppCounters& AppCounters::operator+=(const AppCounters& o) {
  dns_messages += o.dns_messages;
  dns_malformed += o.dns_malformed;
  tls_client_hellos += o.tls_client_hellos;
  tls_malformed += o.tls_malformed;
  http_requests += o.http_requests;
  http_malformed += o.http_malformed;
  tcp_gaps += o.tcp_gaps;
  buffers_exhausted += o.buffers_exhausted;
  fields_dropped += o.fields_dropped;
  fields_too_long += o.fields_too_long;
  return *this;
}

AppLayer::AppLayer(size_t stream_buffers, PayloadSink sink)
    : arena_(std::make_unique<uint8_t[]>(stream_buffers * kBufferBytes)),
      tls_scratch_(std::make_unique<uint8_t[]>(kTlsScratch)),
      sink_(sink),
      text_(std::make_unique<char[]>(AppFields::kMax * kTextBytes)) {
  free_buffers_.reserve(stream_buffers);
  for (size_t i = stream_buffers; i > 0; --i) free_buffers_.push_back(static_cast<uint32_t>(i - 1));
}

AppLayer::~AppLayer() = default;

// Slot layout: value [0, 256), method [256, 272), user agent [272, 784), target [784, 4096).
void AppLayer::add_field(AppFields& out, const AppField& field) {
  constexpr size_t kMethodAt = 256, kAgentAt = 272, kTargetAt = 784;
  if (out.count == AppFields::kMax) {
    ++counters_.fields_dropped;
    return;
  }
  if (field.value.size() > kMethodAt || field.method.size() > kAgentAt - kMethodAt ||
      field.user_agent.size() > kTargetAt - kAgentAt ||
      field.target.size() > kTextBytes - kTargetAt) {
    // Cutting the text could make it match what it is not (a long Host cut after
    // "evil.example"): a field too long to keep is not matched at all.
    ++counters_.fields_too_long;
    return;
  }
  char* slot = text_.get() + size_t{out.count} * kTextBytes;
  auto copy = [slot](size_t at, std::string_view text) {
    if (!text.empty()) std::memcpy(slot + at, text.data(), text.size());
    return std::string_view(slot + at, text.size());
  };
  out.add({field.kind, copy(0, field.value), copy(kTargetAt, field.target),
           copy(kMethodAt, field.method), copy(kAgentAt, field.user_agent)});
}

bool AppLayer::acquire(TcpStream& stream) {
  if (free_buffers_.empty()) {
    ++counters_.buffers_exhausted;
    return false;
  }
  stream.buffer = free_buffers_.back();
  free_buffers_.pop_back();  // capacity reserved at start: no allocation
  stream.buffered = 0;
  return true;
}

void AppLayer::drop_buffer(TcpStream& stream) {
  if (stream.buffer != TcpStream::kNoBuffer) free_buffers_.push_back(stream.buffer);
  stream.buffer = TcpStream::kNoBuffer;
  stream.buffered = 0;
}

void AppLayer::release(Flow& flow) {
  for (TcpStream& stream : flow.streams) {
    drop_buffer(stream);
    reassembler_.release(stream);
  }
}

void AppLayer::inspect(Flow& flow, bool to_server, const DecodedPacket& packet, AppFields& out) {
  if (!packet.has_l4) return;
  if (packet.ip_proto == kProtoUdp) return inspect_udp(flow, packet, out);
  if (packet.ip_proto == kProtoTcp) return inspect_tcp(flow, to_server, packet, out);
}

void AppLayer::add_dns(const uint8_t* data, uint32_t len, AppFields& out) {
  const ParseStatus status = parse_dns_questions(data, len, dns_);
  if (status != ParseStatus::kOk) {
    ++counters_.dns_malformed;
    return;
  }
  ++counters_.dns_messages;
  for (uint8_t i = 0; i < dns_.count; ++i)
    if (!dns_.name(i).empty()) add_field(out, {FieldKind::kDnsQuery, dns_.name(i)});
}

void AppLayer::inspect_udp(Flow& flow, const DecodedPacket& packet, AppFields& out) {
  if (packet.src_port != kDnsPort && packet.dst_port != kDnsPort) return;
  set_app_proto(flow, AppProto::kDns);
  add_dns(packet.payload, packet.payload_length, out);
}

void AppLayer::inspect_tcp(Flow& flow, bool to_server, const DecodedPacket& packet,
                           AppFields& out) {
  // A bare ACK carries nothing for the stream: leave its state (another cache line) alone.
  if (packet.payload_length == 0 && (packet.tcp_flags & (kTcpSyn | kTcpFin | kTcpRst)) == 0) return;
  TcpStream& stream = flow.streams[to_server ? 0 : 1];
  // Data on a SYN (TCP Fast Open) starts one after the SYN's sequence number.
  const bool syn = (packet.tcp_flags & kTcpSyn) != 0;
  const uint32_t data_seq = packet.tcp_seq + (syn ? 1 : 0);
  if (syn && !stream.seq_known) {
    stream.next_seq = data_seq;
    stream.seq_known = true;
  }
  const bool payload = sink_.data != nullptr;
  if (stream.parser == StreamParser::kDone && (!payload || stream.inspect_ended)) return;
  auto deliver = [&](const uint8_t* data, uint32_t len, bool gap_before) {
    if (gap_before) on_gap(stream);
    if (stream.parser != StreamParser::kDone) feed(flow, stream, to_server, data, len, out);
    if (payload) sink_.data(sink_.context, flow, to_server, data, len, gap_before);
  };
  reassembler_.add(stream, data_seq, packet.payload, packet.payload_length, deliver);
  if (packet.tcp_flags & (kTcpFin | kTcpRst)) {
    reassembler_.flush(stream, deliver);
    if (payload) end_payload(flow, to_server);
  }
  if (stream.parser == StreamParser::kDone && (!payload || stream.inspect_ended))
    reassembler_.release(stream);
  // A reset ends the connection: the peer's direction sends nothing more either.
  if (payload && (packet.tcp_flags & kTcpRst) != 0 &&
      !flow.streams[to_server ? 1 : 0].inspect_ended)
    end_peer_payload(flow, !to_server);
}

void AppLayer::end_payload(Flow& flow, bool to_server) {
  TcpStream& stream = flow.streams[to_server ? 0 : 1];
  if (stream.inspect_ended) return;
  stream.inspect_ended = true;
  sink_.end(sink_.context, flow, to_server);
}

void AppLayer::end_peer_payload(Flow& flow, bool to_server) {
  TcpStream& stream = flow.streams[to_server ? 0 : 1];
  // What waits for a hole is delivered first; the app parsers do not see it (no fields out).
  reassembler_.flush(stream, [&](const uint8_t* data, uint32_t len, bool gap_before) {
    sink_.data(sink_.context, flow, to_server, data, len, gap_before);
  });
  end_payload(flow, to_server);
  if (stream.parser == StreamParser::kDone) reassembler_.release(stream);
}

void AppLayer::on_gap(TcpStream& stream) {
  // Data is missing before what follows: what is buffered can never complete.
  ++counters_.tcp_gaps;
  drop_buffer(stream);
  stream.skip = 0;
  stream.resync = true;
}

void AppLayer::feed(Flow& flow, TcpStream& stream, bool to_server, const uint8_t* data,
                    uint32_t len, AppFields& out) {
  if (stream.parser == StreamParser::kDetect) {
    HttpRequestHead head;
    if (is_dns_flow(flow)) {
      stream.parser = StreamParser::kDns;
      set_app_proto(flow, AppProto::kDns);
    } else if (!to_server) {
      // The server's ServerHello gives JA3S; HTTP fields come from the client only. Judged
      // from the bytes, as the ClientHello may still be missing (lost, or waiting out of order).
      const bool tls = data[0] == 0x16 && (len < 2 || data[1] == 0x03) && (len < 6 || data[5] == 2);
      stream.parser = tls ? StreamParser::kTlsServer : StreamParser::kDone;
    } else if (data[0] == 0x16 && (len < 2 || data[1] == 0x03)) {
      stream.parser = StreamParser::kTls;
      set_app_proto(flow, AppProto::kTls);
    } else if (parse_http_request_head(data, len, head) != ParseStatus::kNotMine) {
      stream.parser = StreamParser::kHttp;
      set_app_proto(flow, AppProto::kHttp);
    } else {
      stream.parser = StreamParser::kDone;
    }
    if (stream.parser == StreamParser::kDone) return;
  }
  if (stream.resync) {
    HttpRequestHead head;
    if (stream.parser != StreamParser::kHttp) {  // hellos are at the start: nothing to resync on
      stream.parser = StreamParser::kDone;
      return;
    }
    if (parse_http_request_head(data, len, head) == ParseStatus::kNotMine) return;
    stream.resync = false;
  }

  bool incomplete = false;
  if (stream.buffered == 0) {
    const uint32_t consumed = parse_messages(stream, data, len, out, &incomplete);
    if (stream.parser == StreamParser::kDone || consumed == len) return;
    const uint32_t rest = len - consumed;
    if (rest > kBufferBytes || !acquire(stream)) {
      stream.parser = StreamParser::kDone;
      return;
    }
    std::memcpy(buffer(stream.buffer), data + consumed, rest);
    stream.buffered = rest;
    return;
  }
  while (len > 0) {
    uint8_t* buf = buffer(stream.buffer);
    const uint32_t n = std::min(kBufferBytes - stream.buffered, len);
    std::memcpy(buf + stream.buffered, data, n);
    stream.buffered += n;
    data += n;
    len -= n;
    const uint32_t consumed = parse_messages(stream, buf, stream.buffered, out, &incomplete);
    if (stream.parser == StreamParser::kDone) {
      drop_buffer(stream);
      return;
    }
    std::memmove(buf, buf + consumed, stream.buffered - consumed);
    stream.buffered -= consumed;
    if (incomplete && stream.buffered == kBufferBytes) {  // message larger than we keep
      stream.parser = StreamParser::kDone;
      drop_buffer(stream);
      return;
    }
  }
  if (stream.buffered == 0) drop_buffer(stream);
}

uint32_t AppLayer::parse_messages(TcpStream& stream, const uint8_t* data, uint32_t len,
                                  AppFields& out, bool* incomplete) {
  *incomplete = false;
  uint32_t off = 0;
  while (off < len) {
    if (stream.skip > 0) {
      const uint32_t s = std::min(stream.skip, len - off);
      stream.skip -= s;
      off += s;
      continue;
    }
    const uint8_t* p = data + off;
    const uint32_t n = len - off;
    switch (stream.parser) {
      case StreamParser::kTls: {
        TlsClientHello hello;
        size_t need = 0;
        const ParseStatus status = parse_tls_client_hello(p, n, hello, &need, tls_scratch_.get());
        if (status == ParseStatus::kNeedMore) {
          *incomplete = true;
          return off;
        }
        if (status == ParseStatus::kOk) {
          ++counters_.tls_client_hellos;
          // JA3 first: the SNI alert of this packet then already carries it.
          if (make_ja3(hello, fingerprint_) == FingerprintStatus::kOk)
            add_field(out, {FieldKind::kJa3, fingerprint_.hash()});
          if (!hello.sni.empty()) add_field(out, {FieldKind::kTlsSni, hello.sni});
        } else {
          ++counters_.tls_malformed;
        }
        stream.parser = StreamParser::kDone;  // only the ClientHello is of interest
        return len;
      }
      case StreamParser::kTlsServer: {
        TlsServerHello hello;
        size_t need = 0;
        const ParseStatus status = parse_tls_server_hello(p, n, hello, &need, tls_scratch_.get());
        if (status == ParseStatus::kNeedMore) {
          *incomplete = true;
          return off;
        }
        if (status == ParseStatus::kOk && make_ja3s(hello, fingerprint_) == FingerprintStatus::kOk)
          add_field(out, {FieldKind::kJa3s, fingerprint_.hash()});
        stream.parser = StreamParser::kDone;  // only the ServerHello is of interest
        return len;
      }
      case StreamParser::kHttp: {
        HttpRequestHead head;
        const ParseStatus status = parse_http_request_head(p, n, head);
        if (status == ParseStatus::kNeedMore) {
          *incomplete = true;
          return off;
        }
        if (status != ParseStatus::kOk) {
          if (status == ParseStatus::kMalformed) ++counters_.http_malformed;
          stream.parser = StreamParser::kDone;
          return len;
        }
        ++counters_.http_requests;
        add_field(out,
                  {FieldKind::kHttpRequest, head.host, head.target, head.method, head.user_agent});
        off += static_cast<uint32_t>(head.head_length);
        // Body length unknown without a chunk parser, or a body of 4 GiB or more: stop here.
        if (head.chunked || head.content_length > UINT32_MAX) {
          stream.parser = StreamParser::kDone;
          return len;
        }
        stream.skip = static_cast<uint32_t>(head.content_length);
        continue;
      }
      case StreamParser::kDns: {
        if (n < 2) {
          *incomplete = true;
          return off;
        }
        const uint32_t message = be16(p);
        const uint32_t have = n - 2;
        if (have < message && have < kDnsQuestionBytes) {
          *incomplete = true;
          return off;
        }
        const uint32_t parsed = std::min({message, have, kDnsQuestionBytes});
        add_dns(p + 2, parsed, out);
        off += 2 + parsed;
        stream.skip = message - parsed;
        continue;
      }
      case StreamParser::kDetect:
      case StreamParser::kDone:
        return len;
    }
  }
  return off;
}

}  // namespace tripline
