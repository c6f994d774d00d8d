// Application-layer field extraction: DNS question names, TLS ClientHello SNI and
// ServerHello, HTTP/1.x request head. Pure functions over bytes: no allocation, never throw,
// never read outside [data, data + len).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace tripline {

enum class ParseStatus : uint8_t {
  kOk,
  kNeedMore,   // a prefix of a valid message: call again with more bytes
  kNotMine,    // does not look like this protocol at all
  kMalformed,  // looked like it, but is broken
};

// ---- DNS -------------------------------------------------------------------------
// Up to kMaxQuestions question names, each decoded to dotted text (as on the wire,
// case kept, no trailing dot; compression pointers followed with a loop bound).
struct DnsQuestions {
  static constexpr size_t kMaxQuestions = 4;
  static constexpr size_t kMaxName = 255;
  char names[kMaxQuestions][kMaxName + 1];
  uint8_t lengths[kMaxQuestions];
  uint8_t count = 0;
  bool is_response = false;
  std::string_view name(size_t i) const { return {names[i], lengths[i]}; }
};
// `data` is a DNS message (UDP payload, or a TCP message without its 2-byte length).
// Only the header and the question section are read, so a message cut after the
// questions is still kOk. kMalformed on bad labels, loops, or qdcount with no question.
ParseStatus parse_dns_questions(const uint8_t* data, size_t len, DnsQuestions& out);

// ---- TLS -------------------------------------------------------------------------
struct TlsClientHello {
  std::string_view sni;  // host_name from server_name extension; empty if absent
  uint16_t record_version = 0;
  uint16_t hello_version = 0;
  // Wire lists for fingerprints (JA3), pointing where `sni` does: the cipher suites
  // (2 bytes each) and the extensions after the block's length (type, length, body; each
  // checked to fit). Empty when the hello has no extension block.
  std::span<const uint8_t> cipher_suites;
  std::span<const uint8_t> extensions;
};
// `data` is the start of the client's TCP stream. Handles a ClientHello split across
// several TLS records and across TCP segments (returns kNeedMore with *need set to the
// stream length required). `sni` points into `data`, or into `scratch` when the hello
// spans records (scratch must hold kTlsScratch bytes).
constexpr size_t kTlsScratch = 16384;
ParseStatus parse_tls_client_hello(const uint8_t* data, size_t len, TlsClientHello& out,
                                   size_t* need, uint8_t* scratch);

struct TlsServerHello {
  uint16_t record_version = 0;
  uint16_t hello_version = 0;  // server_version (legacy 0x0303 under TLS 1.3)
  uint16_t cipher_suite = 0;
  std::span<const uint8_t> extensions;  // as in TlsClientHello; into `data` or `scratch`
};
// `data` is the start of the server's TCP stream (a ServerHello, possibly followed by
// more handshake messages). Same record walk, kNeedMore/`need` and scratch contract as
// parse_tls_client_hello; a ClientHello here is kNotMine.
ParseStatus parse_tls_server_hello(const uint8_t* data, size_t len, TlsServerHello& out,
                                   size_t* need, uint8_t* scratch);

// ---- HTTP ------------------------------------------------------------------------
struct HttpRequestHead {
  std::string_view method;
  std::string_view target;      // request-target as sent ("/a?b", or "http://h/a" to a proxy)
  std::string_view host;        // Host header value, trimmed; empty if absent
  std::string_view user_agent;  // User-Agent header value, trimmed; empty if absent
  size_t head_length = 0;       // bytes up to and including the blank line
  uint64_t content_length = 0;  // body bytes that follow the head (0 if none / chunked)
  bool chunked = false;
};
// `data` starts at the beginning of a request. kNeedMore until the blank line arrives
// (kMalformed if the head exceeds kMaxHttpHead). Views point into `data`.
constexpr size_t kMaxHttpHead = 8192;
ParseStatus parse_http_request_head(const uint8_t* data, size_t len, HttpRequestHead& out);

}  // namespace tripline
