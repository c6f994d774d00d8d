#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/app/app_parsers.hpp"

namespace tripline {
namespace {

using Bytes = std::vector<uint8_t>;

void put16(Bytes& b, size_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
void put24(Bytes& b, size_t v) {
  b.push_back(static_cast<uint8_t>(v >> 16));
  put16(b, v & 0xFFFF);
}
void append(Bytes& b, const Bytes& more) { b.insert(b.end(), more.begin(), more.end()); }
void append(Bytes& b, std::string_view more) { b.insert(b.end(), more.begin(), more.end()); }

struct Extension {
  uint16_t type;
  Bytes body;
};

// server_name extension body from (name_type, name) entries.
Extension sni_ext(const std::vector<std::pair<uint8_t, std::string>>& entries) {
  Bytes list;
  for (const auto& [type, n] : entries) {
    list.push_back(type);
    put16(list, n.size());
    append(list, n);
  }
  Bytes body;
  put16(body, list.size());
  append(body, list);
  return {0, body};
}
Extension sni_ext(const std::string& host) { return sni_ext({{0, host}}); }

Extension other_ext(uint16_t type, size_t len) { return {type, Bytes(len, 0xAB)}; }

struct HelloSpec {
  uint16_t version = 0x0303;
  size_t session_id = 32;
  size_t cipher_bytes = 8;
  size_t compression = 1;
  bool has_extensions_block = true;
  std::vector<Extension> extensions;
};

Bytes hello_body(const HelloSpec& s) {
  Bytes b;
  put16(b, s.version);
  b.insert(b.end(), 32, 0x42);  // random
  b.push_back(static_cast<uint8_t>(s.session_id));
  b.insert(b.end(), s.session_id, 0x11);
  put16(b, s.cipher_bytes);
  for (size_t i = 0; i < s.cipher_bytes; ++i) b.push_back(static_cast<uint8_t>(0x13 + i % 2));
  b.push_back(static_cast<uint8_t>(s.compression));
  b.insert(b.end(), s.compression, 0);
  if (!s.has_extensions_block) return b;
  Bytes exts;
  for (const Extension& e : s.extensions) {
    put16(exts, e.type);
    put16(exts, e.body.size());
    append(exts, e.body);
  }
  put16(b, exts.size());
  append(b, exts);
  return b;
}

Bytes handshake(const Bytes& body, uint8_t type = 1) {
  Bytes h{type};
  put24(h, body.size());
  append(h, body);
  return h;
}

// The handshake bytes cut into records of at most `frag` bytes.
Bytes records(const Bytes& hs, size_t frag = 16384, uint16_t version = 0x0301) {
  Bytes out;
  for (size_t i = 0; i < hs.size(); i += frag) {
    const size_t n = std::min(frag, hs.size() - i);
    out.push_back(22);
    put16(out, version);
    put16(out, n);
    out.insert(out.end(), hs.begin() + static_cast<ptrdiff_t>(i),
               hs.begin() + static_cast<ptrdiff_t>(i + n));
  }
  return out;
}

Bytes hello(const HelloSpec& s) { return records(handshake(hello_body(s))); }

HelloSpec with_exts(std::vector<Extension> exts) {
  HelloSpec s;
  s.extensions = std::move(exts);
  return s;
}

struct Case {
  const char* what;
  Bytes bytes;
  ParseStatus status;
  std::string sni = {};
  size_t need = 0;
};

std::vector<Case> cases() {
  std::vector<Case> c;
  c.push_back(
      {"SNI only", hello(with_exts({sni_ext("example.com")})), ParseStatus::kOk, "example.com"});
  c.push_back({"SNI among other extensions",
               hello(with_exts({other_ext(10, 8), sni_ext("Mixed.Case.example"), other_ext(43, 3),
                                other_ext(0xFE0D, 0)})),
               ParseStatus::kOk, "Mixed.Case.example"});
  c.push_back(
      {"no SNI", hello(with_exts({other_ext(10, 8), other_ext(13, 4)})), ParseStatus::kOk, ""});
  c.push_back({"empty extensions block", hello(with_exts({})), ParseStatus::kOk, ""});
  {
    HelloSpec s;
    s.has_extensions_block = false;
    c.push_back({"no extensions block", hello(s), ParseStatus::kOk, ""});
  }
  c.push_back({"non-hostname entries skipped",
               hello(with_exts({sni_ext({{7, "other"}, {0, "host.example"}, {9, ""}})})),
               ParseStatus::kOk, "host.example"});
  c.push_back(
      {"only non-hostname entries", hello(with_exts({sni_ext({{1, "x"}})})), ParseStatus::kOk, ""});
  c.push_back({"two host_name entries",
               hello(with_exts({sni_ext({{0, "a.example"}, {0, "b.example"}})})),
               ParseStatus::kMalformed});
  c.push_back({"empty host_name", hello(with_exts({sni_ext("")})), ParseStatus::kMalformed});
  c.push_back({"two server_name extensions",
               hello(with_exts({sni_ext("a.example"), sni_ext("b.example")})),
               ParseStatus::kMalformed});
  c.push_back({"empty server_name extension", hello(with_exts({Extension{0, {}}})),
               ParseStatus::kMalformed});
  c.push_back({"empty server_name list", hello(with_exts({Extension{0, {0, 0}}})),
               ParseStatus::kMalformed});
  {
    Extension e = sni_ext("example.com");
    e.body[1] += 1;  // list length one too long
    c.push_back({"SNI list length too long", hello(with_exts({e})), ParseStatus::kMalformed});
    e.body[1] -= 2;  // one too short
    c.push_back({"SNI list length too short", hello(with_exts({e})), ParseStatus::kMalformed});
  }
  {
    Extension e = sni_ext("example.com");
    e.body[4] += 1;  // host_name length runs past the list
    c.push_back({"host_name length past its list", hello(with_exts({e})), ParseStatus::kMalformed});
  }
  {
    // Extensions block: 2-byte total, then type(2) len(2) body. Bump the one extension's
    // length so it runs past the block.
    Bytes body = hello_body(with_exts({other_ext(10, 6)}));
    body[body.size() - 6 - 1] += 1;
    c.push_back(
        {"extension length past the block", records(handshake(body)), ParseStatus::kMalformed});
  }
  {
    Bytes body = hello_body(with_exts({other_ext(10, 6)}));
    body.resize(body.size() - 3);            // cut inside the extension body; fix the outer lengths
    body[body.size() - 4 - 3 - 2 + 1] -= 3;  // extensions total
    c.push_back({"extension cut, outer lengths adjusted", records(handshake(body)),
                 ParseStatus::kMalformed});
  }
  {
    Bytes body = hello_body(with_exts({other_ext(10, 6)}));
    body.resize(body.size() - 8);  // leaves 2 bytes: only an extension type
    body[body.size() - 3] = 2;     // extensions total = 2
    c.push_back({"extension header cut", records(handshake(body)), ParseStatus::kMalformed});
  }
  {
    Bytes body = hello_body(with_exts({sni_ext("example.com")}));
    body.push_back(0);
    c.push_back(
        {"byte after the extensions block", records(handshake(body)), ParseStatus::kMalformed});
  }
  {
    Bytes body = hello_body(with_exts({}));
    body.pop_back();
    c.push_back(
        {"one byte of extensions total", records(handshake(body)), ParseStatus::kMalformed});
  }
  {
    HelloSpec s;
    s.session_id = 33;
    c.push_back({"session id of 33", hello(s), ParseStatus::kMalformed});
    s.session_id = 0;
    c.push_back({"session id of 0", hello(s), ParseStatus::kOk, ""});
  }
  {
    HelloSpec s;
    s.cipher_bytes = 7;
    c.push_back({"odd cipher suites length", hello(s), ParseStatus::kMalformed});
    s.cipher_bytes = 0;
    c.push_back({"no cipher suites", hello(s), ParseStatus::kMalformed});
  }
  {
    HelloSpec s;
    s.compression = 0;
    c.push_back({"no compression methods", hello(s), ParseStatus::kMalformed});
  }
  {
    Bytes body = hello_body(with_exts({sni_ext("example.com")}));
    Bytes hs = handshake(body);
    hs[3] -= 1;  // handshake length one short: the extensions run past the message
    Bytes r = records(hs);
    c.push_back({"handshake length short of its content", r, ParseStatus::kMalformed});
  }
  {
    Bytes hs = handshake(Bytes(20, 0));
    c.push_back({"handshake body shorter than any hello", records(hs), ParseStatus::kMalformed});
  }
  {
    // The handshake claims 100 more bytes than the single record holds: more records due.
    Bytes body = hello_body(with_exts({sni_ext("example.com")}));
    Bytes hs = handshake(body);
    hs[3] = static_cast<uint8_t>(hs[3] + 100);
    Bytes r = records(hs);
    c.push_back({"handshake continues in a record not yet seen", r, ParseStatus::kNeedMore, "",
                 r.size() + 5});
  }
  {
    Bytes big(kTlsScratch + 1, 0);
    Bytes r = records(handshake(big), 4000);
    c.push_back({"spanning hello larger than scratch", r, ParseStatus::kMalformed});
  }
  {
    // A single record may hold a hello larger than the scratch: parsed in place.
    Bytes r = records(
        handshake(hello_body(with_exts({other_ext(21, kTlsScratch), sni_ext("big.example")}))),
        16384 + 2048);
    c.push_back({"single-record hello larger than scratch", r, ParseStatus::kOk, "big.example"});
  }
  {
    Bytes r = hello(with_exts({sni_ext("example.com")}));
    r[3] = 0;
    r[4] = 0;
    c.push_back({"zero-length record", r, ParseStatus::kMalformed});
    r[3] = 0x48;
    r[4] = 0x01;  // 18433
    c.push_back({"record longer than 16384 + 2048", r, ParseStatus::kMalformed});
  }
  {
    Bytes hs = handshake(hello_body(with_exts({sni_ext("example.com")})));
    Bytes r = records(hs, 40);
    r[45] = 23;  // second record is application data
    c.push_back({"non-handshake record inside the hello", r, ParseStatus::kMalformed});
    r[45] = 22;
    r[46] = 2;
    c.push_back({"second record with version 2.x", r, ParseStatus::kMalformed});
  }
  {
    Bytes r = hello(with_exts({sni_ext("example.com")}));
    r.push_back(23);  // application data after the hello: not read
    r.push_back(3);
    c.push_back({"bytes after the hello", r, ParseStatus::kOk, "example.com"});
  }
  c.push_back({"empty stream", {}, ParseStatus::kNeedMore, "", 5});
  c.push_back({"one byte", {22}, ParseStatus::kNeedMore, "", 5});
  c.push_back({"record header only", {22, 3, 1, 0, 50}, ParseStatus::kNeedMore, "", 55});
  c.push_back({"application data", {23, 3, 3, 0, 5, 1, 2, 3, 4, 5}, ParseStatus::kNotMine});
  c.push_back({"HTTP", {'G', 'E', 'T', ' ', '/'}, ParseStatus::kNotMine});
  c.push_back({"SSLv2-compatible hello", {0x80, 0x2e, 0x01, 0x03, 0x01}, ParseStatus::kNotMine});
  c.push_back({"record version 2.0", {22, 2, 0, 0, 5}, ParseStatus::kNotMine});
  c.push_back({"one byte, wrong version", {22, 4}, ParseStatus::kNotMine});
  c.push_back(
      {"ServerHello (the other direction)", {22, 3, 3, 0, 60, 2, 0, 0, 56}, ParseStatus::kNotMine});
  {
    HelloSpec s = with_exts({sni_ext("v.example")});
    s.version = 0x0301;
    Bytes r = records(handshake(hello_body(s)), 16384, 0x0303);
    c.push_back({"versions are reported, not judged", r, ParseStatus::kOk, "v.example"});
  }
  return c;
}

TEST(AppTls, Table) {
  std::vector<uint8_t> scratch(kTlsScratch);
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.what);
    TlsClientHello h;
    size_t need = 12345;
    ASSERT_EQ(parse_tls_client_hello(c.bytes.data(), c.bytes.size(), h, &need, scratch.data()),
              c.status);
    EXPECT_EQ(h.sni, c.sni);
    EXPECT_EQ(need, c.need);
  }
}

TEST(AppTls, ReportsVersions) {
  HelloSpec s = with_exts({sni_ext("v.example")});
  s.version = 0x0303;
  const Bytes r = records(handshake(hello_body(s)), 16384, 0x0301);
  std::vector<uint8_t> scratch(kTlsScratch);
  TlsClientHello h;
  size_t need = 0;
  ASSERT_EQ(parse_tls_client_hello(r.data(), r.size(), h, &need, scratch.data()), ParseStatus::kOk);
  EXPECT_EQ(h.record_version, 0x0301);
  EXPECT_EQ(h.hello_version, 0x0303);
}

// Expected `need` for a prefix of `n` bytes of a record stream: the end of the record
// header, or of the record, that the prefix stops inside.
size_t expected_need(const Bytes& stream, size_t n) {
  size_t off = 0;
  for (;;) {
    if (n < off + 5) return off + 5;
    const size_t end = off + 5 + ((static_cast<size_t>(stream[off + 3]) << 8) | stream[off + 4]);
    if (n < end) return end;
    off = end;
  }
}

// The hello cut into records of every size (1 byte up to one record), then fed as every
// prefix of the stream, as TCP segments would deliver it.
TEST(AppTls, SplitAcrossRecordsAndSegments) {
  const std::string host = "split.records.example";
  const Bytes hs =
      handshake(hello_body(with_exts({other_ext(10, 20), sni_ext(host), other_ext(16, 14)})));
  std::vector<uint8_t> scratch(kTlsScratch);
  for (size_t frag = 1; frag <= hs.size(); ++frag) {
    SCOPED_TRACE("fragment " + std::to_string(frag));
    const Bytes stream = records(hs, frag);
    for (size_t n = 0; n < stream.size(); ++n) {
      TlsClientHello h;
      size_t need = 0;
      ASSERT_EQ(parse_tls_client_hello(stream.data(), n, h, &need, scratch.data()),
                ParseStatus::kNeedMore)
          << "prefix " << n;
      ASSERT_EQ(need, expected_need(stream, n)) << "prefix " << n;
      ASSERT_GT(need, n);
    }
    TlsClientHello h;
    size_t need = 99;
    ASSERT_EQ(parse_tls_client_hello(stream.data(), stream.size(), h, &need, scratch.data()),
              ParseStatus::kOk);
    EXPECT_EQ(h.sni, host);
    EXPECT_EQ(need, 0u);
    const auto* sni = reinterpret_cast<const uint8_t*>(h.sni.data());
    if (frag >= hs.size()) {
      EXPECT_TRUE(sni >= stream.data() && sni < stream.data() + stream.size());
    } else {
      EXPECT_TRUE(sni >= scratch.data() && sni < scratch.data() + scratch.size());
    }
  }
}

// Feeding exactly `need` bytes each time always makes progress and ends in kOk.
TEST(AppTls, NeedAlwaysProgresses) {
  const Bytes hs = handshake(hello_body(with_exts({sni_ext("progress.example")})));
  std::vector<uint8_t> scratch(kTlsScratch);
  for (size_t frag : {1u, 3u, 4u, 5u, 17u, 1000u}) {
    const Bytes stream = records(hs, frag);
    size_t n = 0;
    size_t calls = 0;
    TlsClientHello h;
    ParseStatus st;
    size_t need = 0;
    while ((st = parse_tls_client_hello(stream.data(), n, h, &need, scratch.data())) ==
           ParseStatus::kNeedMore) {
      ASSERT_GT(need, n);
      ASSERT_LE(need, stream.size());
      n = need;
      ASSERT_LT(++calls, 10000u);
    }
    EXPECT_EQ(st, ParseStatus::kOk);
    EXPECT_EQ(h.sni, "progress.example");
  }
}

TEST(AppTls, NullNeedIsAllowed) {
  const Bytes r = hello(with_exts({sni_ext("x.example")}));
  TlsClientHello h;
  std::vector<uint8_t> scratch(kTlsScratch);
  EXPECT_EQ(parse_tls_client_hello(r.data(), 3, h, nullptr, scratch.data()),
            ParseStatus::kNeedMore);
  EXPECT_EQ(parse_tls_client_hello(r.data(), r.size(), h, nullptr, scratch.data()),
            ParseStatus::kOk);
}

}  // namespace
}  // namespace tripline
