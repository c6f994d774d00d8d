// Application payloads that dissect cleanly: DNS, TLS 1.3 handshakes, HTTP/1.1,
// Modbus/TCP and DNP3 polling. Each appends one message's bytes to out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "bench/trafficgen/random.hpp"

namespace tripline::trafficgen {

using Bytes = std::vector<uint8_t>;

constexpr uint16_t kDnsTypeA = 1;
constexpr uint16_t kDnsTypeAaaa = 28;

// Standard query (RD set) for one name.
void dns_query(Bytes& out, uint16_t id, std::string_view name, uint16_t qtype);
// Answer to dns_query: the question again and one A (4-byte) or AAAA (16-byte) record.
void dns_response(Bytes& out, uint16_t id, std::string_view name, uint16_t qtype,
                  const uint8_t* address);

// TLS 1.3 ClientHello (record version 1.0, legacy 1.2) with server_name = sni.
void tls_client_hello(Bytes& out, std::string_view sni, Rng& rng);
// ServerHello choosing TLS 1.3, then ChangeCipherSpec and an encrypted flight of about
// flight_bytes (certificate etc.) as application_data records.
void tls_server_hello(Bytes& out, size_t flight_bytes, Rng& rng);
// Client's ChangeCipherSpec plus encrypted Finished.
void tls_client_finished(Bytes& out, Rng& rng);
// Encrypted application data: records of up to 16 KiB + overhead, about length bytes.
void tls_app_data(Bytes& out, size_t length, Rng& rng);

void http_request(Bytes& out, std::string_view host, std::string_view target, Rng& rng);
// 200 response with a Content-Length body of body_length bytes.
void http_response(Bytes& out, size_t body_length, bool keep_alive, Rng& rng);

// Read Holding Registers (function 3) request and response.
void modbus_request(Bytes& out, uint16_t transaction, uint8_t unit, uint16_t address,
                    uint16_t count);
void modbus_response(Bytes& out, uint16_t transaction, uint8_t unit, uint16_t count, Rng& rng);

// DNP3 class 0 poll (READ g60v1) and its response (binary inputs g1v2, analog inputs g30v2),
// with link-layer CRCs.
void dnp3_request(Bytes& out, uint16_t master, uint16_t outstation, uint8_t sequence);
void dnp3_response(Bytes& out, uint16_t master, uint16_t outstation, uint8_t sequence, Rng& rng);

// Opaque bytes for bulk transfers, from a shared block of seeded noise.
void random_bytes(Bytes& out, size_t length, Rng& rng);

}  // namespace tripline::trafficgen
