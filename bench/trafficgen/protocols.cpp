#include "bench/trafficgen/protocols.hpp"

#include <array>
#include <cstring>
#include <string>

namespace tripline::trafficgen {
namespace {

void put8(Bytes& out, uint64_t v) { out.push_back(static_cast<uint8_t>(v)); }
void put16(Bytes& out, uint64_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}
void put24(Bytes& out, uint64_t v) {
  out.push_back(static_cast<uint8_t>(v >> 16));
  put16(out, v);
}
void put_text(Bytes& out, std::string_view s) { out.insert(out.end(), s.begin(), s.end()); }
void put_random(Bytes& out, size_t n, Rng& rng) {
  for (size_t i = 0; i < n; i += 8) {
    uint64_t v = rng.next();
    for (size_t j = i; j < n && j < i + 8; ++j, v >>= 8) out.push_back(static_cast<uint8_t>(v));
  }
}
void patch16(Bytes& out, size_t at, size_t v) {
  out[at] = static_cast<uint8_t>(v >> 8);
  out[at + 1] = static_cast<uint8_t>(v);
}
void patch24(Bytes& out, size_t at, size_t v) {
  out[at] = static_cast<uint8_t>(v >> 16);
  patch16(out, at + 1, v);
}

void dns_name(Bytes& out, std::string_view name) {
  while (!name.empty()) {
    const size_t dot = name.find('.');
    const std::string_view label = name.substr(0, dot);
    put8(out, label.size());
    put_text(out, label);
    if (dot == std::string_view::npos) break;
    name.remove_prefix(dot + 1);
  }
  put8(out, 0);
}

// Seeded noise, shared: bulk payloads are slices of it.
const std::array<uint8_t, 1 << 16>& noise_block() {
  static const auto block = [] {
    std::array<uint8_t, 1 << 16> b{};
    uint64_t x = 0x7472697030303031ull;
    for (size_t i = 0; i < b.size(); i += 8) {
      x = splitmix64(x);
      std::memcpy(b.data() + i, &x, 8);
    }
    return b;
  }();
  return block;
}

constexpr std::string_view kUserAgents[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "curl/7.88.1",
    "python-requests/2.31.0",
    "Microsoft-CryptoAPI/10.0",
};

// DNP3 CRC-16 (poly 0x3D65, reflected, complemented), sent low byte first.
uint16_t dnp3_crc(const uint8_t* p, size_t n) {
  uint16_t crc = 0;
  for (size_t i = 0; i < n; ++i) {
    crc ^= p[i];
    for (int b = 0; b < 8; ++b)
      crc = (crc & 1) ? static_cast<uint16_t>((crc >> 1) ^ 0xA6BC) : crc >> 1;
  }
  return static_cast<uint16_t>(~crc);
}

// Link-layer frame around user data (transport header + application fragment).
void dnp3_frame(Bytes& out, uint8_t control, uint16_t destination, uint16_t source,
                const Bytes& user) {
  const size_t header_at = out.size();
  put8(out, 0x05);
  put8(out, 0x64);
  put8(out, 5 + user.size());
  put8(out, control);
  put8(out, destination & 0xff);
  put8(out, destination >> 8);
  put8(out, source & 0xff);
  put8(out, source >> 8);
  uint16_t crc = dnp3_crc(out.data() + header_at, 8);
  put8(out, crc & 0xff);
  put8(out, crc >> 8);
  for (size_t i = 0; i < user.size(); i += 16) {
    const size_t n = std::min<size_t>(16, user.size() - i);
    out.insert(out.end(), user.begin() + static_cast<long>(i),
               user.begin() + static_cast<long>(i + n));
    crc = dnp3_crc(user.data() + i, n);
    put8(out, crc & 0xff);
    put8(out, crc >> 8);
  }
}

}  // namespace

void dns_query(Bytes& out, uint16_t id, std::string_view name, uint16_t qtype) {
  put16(out, id);
  put16(out, 0x0100);  // standard query, recursion desired
  put16(out, 1);
  put16(out, 0);
  put16(out, 0);
  put16(out, 0);
  dns_name(out, name);
  put16(out, qtype);
  put16(out, 1);  // IN
}

void dns_response(Bytes& out, uint16_t id, std::string_view name, uint16_t qtype,
                  const uint8_t* address) {
  put16(out, id);
  put16(out, 0x8180);  // response, RD, RA, no error
  put16(out, 1);
  put16(out, 1);
  put16(out, 0);
  put16(out, 0);
  dns_name(out, name);
  put16(out, qtype);
  put16(out, 1);
  put16(out, 0xc00c);  // pointer to the question name
  put16(out, qtype);
  put16(out, 1);
  put16(out, 0);
  put16(out, 300);  // TTL
  const size_t length = qtype == kDnsTypeAaaa ? 16 : 4;
  put16(out, length);
  out.insert(out.end(), address, address + length);
}

void tls_client_hello(Bytes& out, std::string_view sni, Rng& rng) {
  const size_t record = out.size();
  put8(out, 0x16);
  put16(out, 0x0301);
  put16(out, 0);  // record length, patched
  const size_t handshake = out.size();
  put8(out, 1);   // ClientHello
  put24(out, 0);  // patched
  put16(out, 0x0303);
  put_random(out, 32, rng);
  put8(out, 32);
  put_random(out, 32, rng);  // legacy session id
  static constexpr uint16_t kSuites[] = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f,
                                         0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013,
                                         0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
  put16(out, sizeof kSuites);
  for (uint16_t s : kSuites) put16(out, s);
  put8(out, 1);
  put8(out, 0);  // null compression
  const size_t extensions = out.size();
  put16(out, 0);  // patched
  // server_name
  put16(out, 0x0000);
  put16(out, sni.size() + 5);
  put16(out, sni.size() + 3);
  put8(out, 0);  // host_name
  put16(out, sni.size());
  put_text(out, sni);
  // extended_master_secret
  put16(out, 0x0017);
  put16(out, 0);
  // renegotiation_info
  put16(out, 0xff01);
  put16(out, 1);
  put8(out, 0);
  // supported_groups: x25519, secp256r1, secp384r1
  put16(out, 0x000a);
  put16(out, 8);
  put16(out, 6);
  put16(out, 0x001d);
  put16(out, 0x0017);
  put16(out, 0x0018);
  // ec_point_formats: uncompressed
  put16(out, 0x000b);
  put16(out, 2);
  put8(out, 1);
  put8(out, 0);
  // application_layer_protocol_negotiation: h2, http/1.1
  put16(out, 0x0010);
  put16(out, 14);
  put16(out, 12);
  put8(out, 2);
  put_text(out, "h2");
  put8(out, 8);
  put_text(out, "http/1.1");
  // signature_algorithms
  static constexpr uint16_t kSigs[] = {0x0403, 0x0804, 0x0401, 0x0503,
                                       0x0805, 0x0501, 0x0806, 0x0601};
  put16(out, 0x000d);
  put16(out, sizeof kSigs + 2);
  put16(out, sizeof kSigs);
  for (uint16_t s : kSigs) put16(out, s);
  // key_share: x25519
  put16(out, 0x0033);
  put16(out, 38);
  put16(out, 36);
  put16(out, 0x001d);
  put16(out, 32);
  put_random(out, 32, rng);
  // psk_key_exchange_modes: psk_dhe_ke
  put16(out, 0x002d);
  put16(out, 2);
  put8(out, 1);
  put8(out, 1);
  // supported_versions: TLS 1.3, TLS 1.2
  put16(out, 0x002b);
  put16(out, 5);
  put8(out, 4);
  put16(out, 0x0304);
  put16(out, 0x0303);
  patch16(out, extensions, out.size() - extensions - 2);
  patch24(out, handshake + 1, out.size() - handshake - 4);
  patch16(out, record + 3, out.size() - record - 5);
}

void tls_server_hello(Bytes& out, size_t flight_bytes, Rng& rng) {
  const size_t record = out.size();
  put8(out, 0x16);
  put16(out, 0x0303);
  put16(out, 0);
  const size_t handshake = out.size();
  put8(out, 2);  // ServerHello
  put24(out, 0);
  put16(out, 0x0303);
  put_random(out, 32, rng);
  put8(out, 32);
  put_random(out, 32, rng);
  put16(out, 0x1301);  // TLS_AES_128_GCM_SHA256
  put8(out, 0);
  const size_t extensions = out.size();
  put16(out, 0);
  put16(out, 0x002b);  // supported_versions: TLS 1.3
  put16(out, 2);
  put16(out, 0x0304);
  put16(out, 0x0033);  // key_share: x25519
  put16(out, 36);
  put16(out, 0x001d);
  put16(out, 32);
  put_random(out, 32, rng);
  patch16(out, extensions, out.size() - extensions - 2);
  patch24(out, handshake + 1, out.size() - handshake - 4);
  patch16(out, record + 3, out.size() - record - 5);
  // ChangeCipherSpec (middlebox compatibility), then the encrypted flight.
  put_text(out, std::string_view("\x14\x03\x03\x00\x01\x01", 6));
  tls_app_data(out, flight_bytes, rng);
}

void tls_client_finished(Bytes& out, Rng& rng) {
  put_text(out, std::string_view("\x14\x03\x03\x00\x01\x01", 6));
  put8(out, 0x17);
  put16(out, 0x0303);
  put16(out, 53);
  put_random(out, 53, rng);
}

void tls_app_data(Bytes& out, size_t length, Rng& rng) {
  constexpr size_t kMaxRecord = 16384 + 17;
  do {
    const size_t n = std::max<size_t>(22, std::min(length, kMaxRecord));
    put8(out, 0x17);
    put16(out, 0x0303);
    put16(out, n);
    random_bytes(out, n, rng);
    length = length > n + 5 ? length - n - 5 : 0;
  } while (length > 0);
}

void http_request(Bytes& out, std::string_view host, std::string_view target, Rng& rng) {
  put_text(out, "GET ");
  put_text(out, target);
  put_text(out, " HTTP/1.1\r\nHost: ");
  put_text(out, host);
  put_text(out, "\r\nUser-Agent: ");
  put_text(out, kUserAgents[rng.below(std::size(kUserAgents))]);
  put_text(out,
           "\r\nAccept: */*\r\nAccept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\n\r\n");
}

void http_response(Bytes& out, size_t body_length, bool keep_alive, Rng& rng) {
  const bool text = body_length < 4096 || rng.chance(0.3);
  put_text(out,
           "HTTP/1.1 200 OK\r\nServer: nginx/1.24.0\r\nDate: Thu, 01 Jan 2026 00:00:00 GMT\r\n");
  put_text(out, text ? "Content-Type: text/html; charset=utf-8\r\n"
                     : "Content-Type: application/octet-stream\r\n");
  put_text(out, "Content-Length: ");
  put_text(out, std::to_string(body_length));
  put_text(out,
           keep_alive ? "\r\nConnection: keep-alive\r\n\r\n" : "\r\nConnection: close\r\n\r\n");
  if (!text) {
    random_bytes(out, body_length, rng);
    return;
  }
  static constexpr std::string_view kFiller =
      "<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.</p>\n";
  size_t left = body_length;
  while (left > 0) {
    const size_t n = std::min(left, kFiller.size());
    put_text(out, kFiller.substr(0, n));
    left -= n;
  }
}

void modbus_request(Bytes& out, uint16_t transaction, uint8_t unit, uint16_t address,
                    uint16_t count) {
  put16(out, transaction);
  put16(out, 0);
  put16(out, 6);
  put8(out, unit);
  put8(out, 3);
  put16(out, address);
  put16(out, count);
}

void modbus_response(Bytes& out, uint16_t transaction, uint8_t unit, uint16_t count, Rng& rng) {
  put16(out, transaction);
  put16(out, 0);
  put16(out, 3 + 2 * count);
  put8(out, unit);
  put8(out, 3);
  put8(out, 2 * count);
  for (uint16_t i = 0; i < count; ++i) put16(out, rng.below(4096));
}

void dnp3_request(Bytes& out, uint16_t master, uint16_t outstation, uint8_t sequence) {
  Bytes user;
  put8(user, 0xc0 | (sequence & 0x3f));  // transport: FIR, FIN
  put8(user, 0xc0 | (sequence & 0x0f));  // application control: FIR, FIN
  put8(user, 0x01);                      // READ
  put8(user, 60);                        // class 0 data: g60v1, all objects
  put8(user, 1);
  put8(user, 0x06);
  dnp3_frame(out, 0xc4, outstation, master, user);  // DIR, PRM, unconfirmed user data
}

void dnp3_response(Bytes& out, uint16_t master, uint16_t outstation, uint8_t sequence, Rng& rng) {
  Bytes user;
  put8(user, 0xc0 | (sequence & 0x3f));
  put8(user, 0xc0 | (sequence & 0x0f));
  put8(user, 0x81);  // RESPONSE
  put8(user, 0x00);  // IIN
  put8(user, 0x00);
  // g1v2 binary inputs with flags, points 0..7
  put8(user, 1);
  put8(user, 2);
  put8(user, 0x00);
  put8(user, 0);
  put8(user, 7);
  for (int i = 0; i < 8; ++i) put8(user, rng.chance(0.5) ? 0x81 : 0x01);
  // g30v2 16-bit analog inputs with flags, points 0..3
  put8(user, 30);
  put8(user, 2);
  put8(user, 0x00);
  put8(user, 0);
  put8(user, 3);
  for (int i = 0; i < 4; ++i) {
    put8(user, 0x01);
    const uint64_t v = rng.below(20000);
    put8(user, v & 0xff);  // DNP3 values are little-endian
    put8(user, v >> 8);
  }
  dnp3_frame(out, 0x44, master, outstation, user);  // PRM, unconfirmed user data
}

void random_bytes(Bytes& out, size_t length, Rng& rng) {
  const auto& block = noise_block();
  while (length > 0) {
    const size_t offset = rng.below(block.size() - 1024);
    const size_t n = std::min<size_t>(length, 1024);
    out.insert(out.end(), block.begin() + static_cast<long>(offset),
               block.begin() + static_cast<long>(offset + n));
    length -= n;
  }
}

}  // namespace tripline::trafficgen
