#include "core/app/app_parsers.hpp"

#include <algorithm>
#include <cstring>

namespace tripline {
namespace {

constexpr uint8_t kContentHandshake = 22;
constexpr uint8_t kHandshakeClientHello = 1;
constexpr uint8_t kHandshakeServerHello = 2;
constexpr size_t kRecordHeader = 5;
constexpr size_t kHandshakeHeader = 4;
constexpr size_t kMaxRecord = 16384 + 2048;
// client_version, random, and the three length octets of the shortest legal hello.
constexpr size_t kMinHelloBody = 2 + 32 + 1 + 2 + 2 + 1 + 1;
// server_version, random, cipher_suite: the shortest ServerHello (a TLS 1.3 draft before -22).
constexpr size_t kMinServerHelloBody = 2 + 32 + 2;
constexpr size_t kFirstDraftWithLegacyFields = 22;
constexpr uint16_t kExtServerName = 0;
constexpr uint8_t kNameTypeHostName = 0;

uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

// Bounds-checked forward reader over one contiguous buffer.
struct Reader {
  const uint8_t* p;
  size_t left;
  bool take(size_t n, const uint8_t*& at) {
    if (left < n) return false;
    at = p;
    p += n;
    left -= n;
    return true;
  }
  bool u8(size_t& v) {
    if (left < 1) return false;
    v = p[0];
    p += 1;
    left -= 1;
    return true;
  }
  bool u16(size_t& v) {
    if (left < 2) return false;
    v = be16(p);
    p += 2;
    left -= 2;
    return true;
  }
};

// server_name extension body: ServerNameList { NameType; opaque HostName<1..2^16-1> }.
// Entries of other name types are skipped; two host_name entries are kMalformed
// (RFC 6066 3: at most one name of each type).
ParseStatus parse_server_name(const uint8_t* ext, size_t ext_len, std::string_view& sni) {
  Reader r{ext, ext_len};
  size_t list_len = 0;
  if (!r.u16(list_len) || list_len != r.left || list_len == 0) return ParseStatus::kMalformed;
  bool have_host = false;
  while (r.left != 0) {
    size_t type = 0;
    size_t name_len = 0;
    const uint8_t* name = nullptr;
    if (!r.u8(type) || !r.u16(name_len) || !r.take(name_len, name)) {
      return ParseStatus::kMalformed;
    }
    if (type != kNameTypeHostName) continue;
    if (have_host || name_len == 0) return ParseStatus::kMalformed;
    have_host = true;
    sni = {reinterpret_cast<const char*>(name), name_len};
  }
  return ParseStatus::kOk;
}

// An extension block from its 2-byte total length to the end of the message: the total
// must equal the bytes left and every extension must fit. `exts` spans the extensions.
ParseStatus walk_extensions(Reader r, std::span<const uint8_t>& exts) {
  size_t ext_total = 0;
  if (!r.u16(ext_total) || ext_total != r.left) return ParseStatus::kMalformed;
  exts = {r.p, r.left};
  while (r.left != 0) {
    size_t type = 0;
    size_t ext_len = 0;
    const uint8_t* ext = nullptr;
    if (!r.u16(type) || !r.u16(ext_len) || !r.take(ext_len, ext)) return ParseStatus::kMalformed;
  }
  return ParseStatus::kOk;
}

// `body` is the ClientHello body (after the 4-byte handshake header), exactly `len` bytes.
ParseStatus parse_hello_body(const uint8_t* body, size_t len, TlsClientHello& out) {
  Reader r{body, len};
  size_t version = 0;
  size_t n = 0;
  const uint8_t* skip = nullptr;
  if (!r.u16(version) || !r.take(32, skip)) return ParseStatus::kMalformed;
  out.hello_version = static_cast<uint16_t>(version);
  if (!r.u8(n) || n > 32 || !r.take(n, skip)) return ParseStatus::kMalformed;  // session_id
  const uint8_t* ciphers = nullptr;
  if (!r.u16(n) || n < 2 || n % 2 != 0 || !r.take(n, ciphers)) return ParseStatus::kMalformed;
  out.cipher_suites = {ciphers, n};
  if (!r.u8(n) || n < 1 || !r.take(n, skip)) return ParseStatus::kMalformed;  // compression
  if (r.left == 0) return ParseStatus::kOk;  // no extensions block at all (legal)
  size_t ext_total = 0;
  if (!r.u16(ext_total) || ext_total != r.left) return ParseStatus::kMalformed;
  out.extensions = {r.p, r.left};
  bool have_sni_ext = false;
  while (r.left != 0) {
    size_t type = 0;
    size_t ext_len = 0;
    const uint8_t* ext = nullptr;
    if (!r.u16(type) || !r.u16(ext_len) || !r.take(ext_len, ext)) return ParseStatus::kMalformed;
    if (type != kExtServerName) continue;
    if (have_sni_ext) return ParseStatus::kMalformed;  // RFC 8446 4.2: one of each type
    have_sni_ext = true;
    const ParseStatus st = parse_server_name(ext, ext_len, out.sni);
    if (st != ParseStatus::kOk) return st;
  }
  return ParseStatus::kOk;
}

// ServerHello body: server_version, random, session_id, cipher_suite, compression_method,
// then an optional extension block. TLS 1.3 drafts before -22 (version 0x7f01..0x7f15) had
// neither session_id nor compression_method in the ServerHello.
ParseStatus parse_server_hello_body(const uint8_t* body, size_t len, TlsServerHello& out) {
  Reader r{body, len};
  size_t version = 0;
  size_t n = 0;
  const uint8_t* skip = nullptr;
  if (!r.u16(version) || !r.take(32, skip)) return ParseStatus::kMalformed;
  out.hello_version = static_cast<uint16_t>(version);
  const bool early_draft = (version >> 8) == 0x7f && (version & 0xff) != 0 &&
                           (version & 0xff) < kFirstDraftWithLegacyFields;
  if (!early_draft && (!r.u8(n) || n > 32 || !r.take(n, skip))) return ParseStatus::kMalformed;
  if (!r.u16(n)) return ParseStatus::kMalformed;
  out.cipher_suite = static_cast<uint16_t>(n);
  if (!early_draft && !r.u8(n)) return ParseStatus::kMalformed;  // compression_method
  if (r.left == 0) return ParseStatus::kOk;  // no extensions block at all (legal)
  return walk_extensions(r, out.extensions);
}

// Walks whole TLS records from the start of the stream, gathering the bytes of the first
// handshake message, which must be of type `type`. When that message sits inside the first
// record it is used in place; otherwise its body is copied into `scratch` record by record.
// Stateless: every call restarts at byte 0.
struct Handshake {
  const uint8_t* body = nullptr;
  size_t length = 0;
  uint16_t record_version = 0;
};
ParseStatus gather_handshake(const uint8_t* data, size_t len, uint8_t type, size_t min_body,
                             Handshake& hs_out, size_t& want, uint8_t* scratch) {
  uint8_t hs_header[kHandshakeHeader];
  size_t hs_have = 0;                 // handshake bytes gathered, header included
  size_t hs_total = 0;                // header + body length, once the header is complete
  const uint8_t* in_place = nullptr;  // body start when it fits in the first record
  size_t off = 0;
  for (;;) {
    const size_t avail = len - off;
    const bool first = off == 0;
    // Reject as early as the bytes allow, so arbitrary payload is turned away fast.
    if (avail >= 1 && data[off] != kContentHandshake) {
      return first ? ParseStatus::kNotMine : ParseStatus::kMalformed;
    }
    if (avail >= 2 && data[off + 1] != 3) {
      return first ? ParseStatus::kNotMine : ParseStatus::kMalformed;
    }
    if (first && avail >= 6 && data[5] != type) return ParseStatus::kNotMine;
    if (avail < kRecordHeader) {
      want = off + kRecordHeader;
      return ParseStatus::kNeedMore;
    }
    const size_t rec_len = be16(data + off + 3);
    if (rec_len == 0 || rec_len > kMaxRecord) return ParseStatus::kMalformed;
    if (first) hs_out.record_version = be16(data + 1);
    if (avail - kRecordHeader < rec_len) {
      want = off + kRecordHeader + rec_len;
      return ParseStatus::kNeedMore;
    }
    const uint8_t* frag = data + off + kRecordHeader;
    size_t used = 0;
    while (hs_have < kHandshakeHeader && used < rec_len) hs_header[hs_have++] = frag[used++];
    if (hs_total == 0 && hs_have == kHandshakeHeader) {
      const size_t body_len = (static_cast<size_t>(hs_header[1]) << 16) |
                              (static_cast<size_t>(hs_header[2]) << 8) | hs_header[3];
      if (body_len < min_body) return ParseStatus::kMalformed;
      hs_total = kHandshakeHeader + body_len;
      if (first && hs_total <= rec_len) {
        in_place = frag + kHandshakeHeader;
      } else if (body_len > kTlsScratch || scratch == nullptr) {
        return ParseStatus::kMalformed;  // larger than we are prepared to reassemble
      }
    }
    if (in_place == nullptr && hs_total != 0) {
      const size_t take = std::min(rec_len - used, hs_total - hs_have);
      std::memcpy(scratch + (hs_have - kHandshakeHeader), frag + used, take);
      hs_have += take;
    }
    off += kRecordHeader + rec_len;
    if (in_place != nullptr || (hs_total != 0 && hs_have == hs_total)) break;
  }
  hs_out.body = in_place != nullptr ? in_place : scratch;
  hs_out.length = hs_total - kHandshakeHeader;
  return ParseStatus::kOk;
}

}  // namespace

ParseStatus parse_tls_client_hello(const uint8_t* data, size_t len, TlsClientHello& out,
                                   size_t* need, uint8_t* scratch) {
  out = TlsClientHello{};
  size_t need_local = 0;
  size_t& want = need != nullptr ? *need : need_local;
  want = 0;
  if (data == nullptr && len != 0) return ParseStatus::kNotMine;
  Handshake hs;
  ParseStatus st =
      gather_handshake(data, len, kHandshakeClientHello, kMinHelloBody, hs, want, scratch);
  out.record_version = hs.record_version;
  if (st != ParseStatus::kOk) return st;
  st = parse_hello_body(hs.body, hs.length, out);
  if (st != ParseStatus::kOk) {
    out.sni = {};
    out.cipher_suites = {};
    out.extensions = {};
  }
  return st;
}

ParseStatus parse_tls_server_hello(const uint8_t* data, size_t len, TlsServerHello& out,
                                   size_t* need, uint8_t* scratch) {
  out = TlsServerHello{};
  size_t need_local = 0;
  size_t& want = need != nullptr ? *need : need_local;
  want = 0;
  if (data == nullptr && len != 0) return ParseStatus::kNotMine;
  Handshake hs;
  ParseStatus st =
      gather_handshake(data, len, kHandshakeServerHello, kMinServerHelloBody, hs, want, scratch);
  out.record_version = hs.record_version;
  if (st != ParseStatus::kOk) return st;
  st = parse_server_hello_body(hs.body, hs.length, out);
  if (st != ParseStatus::kOk) out.extensions = {};
  return st;
}

}  // namespace tripline
