// Application-layer field extraction per flow: finds DNS names (UDP and TCP), the TLS SNI and
// HTTP/1.x Host and URL in packets, following TCP streams through a TcpReassembler. One per
// worker; owns a fixed pool of stream buffers for messages that span segments.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "core/app/app_parsers.hpp"
#include "core/app/ja3.hpp"
#include "core/decode.hpp"
#include "core/flow_table.hpp"
#include "core/tcp_reassembly.hpp"

namespace tripline {

enum class FieldKind : uint8_t { kDnsQuery, kTlsSni, kHttpRequest, kJa3, kJa3s };

// A field seen in a packet. For kHttpRequest, `value` is the Host header (may carry a port,
// may be empty) and `target` the request target; for kJa3/kJa3s, the 32-hex-digit MD5.
// Views are valid until the next call.
struct AppField {
  FieldKind kind = FieldKind::kDnsQuery;
  std::string_view value = {};
  std::string_view target = {};
  std::string_view method = {};      // kHttpRequest
  std::string_view user_agent = {};  // kHttpRequest; empty if absent
};

struct AppFields {
  static constexpr size_t kMax = 16;
  AppField items[kMax];
  uint8_t count = 0;
  bool add(const AppField& field) {
    if (count == kMax) return false;
    items[count++] = field;
    return true;
  }
};

struct AppCounters {
  uint64_t dns_messages = 0;
  uint64_t dns_malformed = 0;
  uint64_t tls_client_hellos = 0;
  uint64_t tls_malformed = 0;
  uint64_t http_requests = 0;
  uint64_t http_malformed = 0;
  uint64_t tcp_gaps = 0;           // segments beyond the expected sequence (data skipped)
  uint64_t buffers_exhausted = 0;  // message spanning segments dropped: no free buffer
  uint64_t fields_dropped = 0;     // more fields in one packet than AppFields::kMax
  uint64_t fields_too_long = 0;    // Host over 255 bytes or target over 3840: not matched
  AppCounters& operator+=(const AppCounters& o);
};

// Where reassembled TCP payload goes besides the app parsers (payload inspection). Plain
// function pointers set at construction: one well-predicted indirect call per delivered
// run of bytes, never per parser decision. Changed only between packets (rule reload).
struct PayloadSink {
  // Bytes that continue the direction's stream, in order; gap_before: data was lost before them.
  void (*data)(void* context, Flow& flow, bool to_server, const uint8_t* bytes, uint32_t length,
               bool gap_before) = nullptr;
  // The direction's stream ended (FIN or RST seen, everything waiting delivered).
  void (*end)(void* context, Flow& flow, bool to_server) = nullptr;
  void* context = nullptr;
};

class AppLayer {
 public:
  static constexpr uint32_t kBufferBytes = kTlsScratch + 1024;

  // With a sink, every TCP direction is reassembled to its end and handed to it; without, a
  // direction is reassembled only while a parser still wants its bytes.
  explicit AppLayer(size_t stream_buffers, PayloadSink sink = {});
  ~AppLayer();

  // Appends the fields `packet` shows (decoded, with L4) to `out`.
  void inspect(Flow& flow, bool to_server, const DecodedPacket& packet, AppFields& out);
  // A rule reload that adds or removes every payload rule: directions not reassembled so far
  // are inspected from their next in-order bytes on (as after lost data).
  void set_payload_sink(PayloadSink sink) { sink_ = sink; }
  // Returns the flow's stream buffers to the pool (flow leaving the table).
  void release(Flow& flow);

  const AppCounters& counters() const { return counters_; }
  const ReassemblyCounters& reassembly() const { return reassembler_.counters(); }

 private:
  void inspect_udp(Flow& flow, const DecodedPacket& packet, AppFields& out);
  void inspect_tcp(Flow& flow, bool to_server, const DecodedPacket& packet, AppFields& out);
  void feed(Flow& flow, TcpStream& stream, bool to_server, const uint8_t* data, uint32_t len,
            AppFields& out);
  void on_gap(TcpStream& stream);
  // Marks a direction's stream ended and tells the sink, once.
  void end_payload(Flow& flow, bool to_server);
  // The other direction, on a reset: delivers what waits in the store, then ends it.
  void end_peer_payload(Flow& flow, bool to_server);
  // Parses messages at the front of [data, data+len); returns bytes consumed (can be less
  // than len when a message is incomplete), and sets *incomplete.
  uint32_t parse_messages(TcpStream& stream, const uint8_t* data, uint32_t len, AppFields& out,
                          bool* incomplete);
  void add_dns(const uint8_t* data, uint32_t len, AppFields& out);
  // Copies the field's text into per-call storage, so the views outlive moved buffers.
  void add_field(AppFields& out, const AppField& field);
  uint8_t* buffer(uint32_t index) { return arena_.get() + size_t{index} * kBufferBytes; }
  bool acquire(TcpStream& stream);
  void drop_buffer(TcpStream& stream);

  std::unique_ptr<uint8_t[]> arena_;
  std::vector<uint32_t> free_buffers_;
  std::unique_ptr<uint8_t[]> tls_scratch_;
  TcpReassembler reassembler_;
  PayloadSink sink_;
  TlsFingerprint fingerprint_;
  DnsQuestions dns_;
  static constexpr size_t kTextBytes = 4096;
  std::unique_ptr<char[]> text_;  // AppFields::kMax slots of kTextBytes
  AppCounters counters_;
};

}  // namespace tripline
