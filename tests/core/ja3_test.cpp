// MD5 (RFC 1321 test suite), the ServerHello parser (table, kNeedMore contract), and
// JA3/JA3S on crafted hellos with exact strings and hashes: GREASE removal, empty and
// absent lists, hellos spanning records, the fixed text limit. The comparison with
// tshark on real captures is tests/capture/ja3_tshark_test.cpp.
#include "core/app/ja3.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "core/app/app_parsers.hpp"
#include "core/md5.hpp"

namespace tripline {
namespace {

std::string hex(std::string_view data) {
  const auto h = md5_hex(data);
  return {h.data(), h.size()};
}

// RFC 1321 appendix A.5.
TEST(Md5, Rfc1321TestSuite) {
  EXPECT_EQ(hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(hex("a"), "0cc175b9c0f1b6a831c399e269772661");
  EXPECT_EQ(hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(hex("message digest"), "f96b697d7cb7938d525a2f31aaf161d0");
  EXPECT_EQ(hex("abcdefghijklmnopqrstuvwxyz"), "c3fcd3d76192e4007dfb496cca67e13b");
  EXPECT_EQ(hex("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
            "d174ab98d277d9f5a5611c2c9f419d9f");
  EXPECT_EQ(hex("1234567890123456789012345678901234567890"
                "1234567890123456789012345678901234567890"),
            "57edf4a22be3c955ac49da2e2107b67a");
}

// Lengths around the padding boundaries (55/56/63/64/65 bytes) and long inputs, fed in
// every chunking: the streaming API must agree with the one-shot one.
TEST(Md5, StreamingMatchesOneShot) {
  EXPECT_EQ(hex(std::string(55, 'a')), "ef1772b6dff9a122358552954ad0df65");
  EXPECT_EQ(hex(std::string(56, 'a')), "3b0c8ac703f828b04c6c197006d17218");
  EXPECT_EQ(hex(std::string(64, 'a')), "014842d480b571495a4a0363793f7367");
  EXPECT_EQ(hex(std::string(1000000, 'a')), "7707d6ae4e027c70eea2a935c2296f21");
  std::string data;
  for (int i = 0; i < 300; ++i) data.push_back(static_cast<char>(i * 7 + 3));
  for (size_t len : {0u, 1u, 55u, 56u, 57u, 63u, 64u, 65u, 127u, 128u, 129u, 300u}) {
    const std::string_view whole(data.data(), len);
    const auto expected = md5(whole);
    for (size_t chunk = 1; chunk <= 70; ++chunk) {
      Md5 h;
      for (size_t off = 0; off < len; off += chunk) h.update(whole.substr(off, chunk));
      ASSERT_EQ(h.finish(), expected) << "len " << len << " chunk " << chunk;
    }
  }
  Md5 h;  // finish() resets
  h.update("junk");
  (void)h.finish();
  EXPECT_EQ(md5_hex(h.finish()), md5_hex(""));
}

// ---- Hello builders ------------------------------------------------------------------
using Bytes = std::vector<uint8_t>;

void put16(Bytes& b, size_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
void append(Bytes& b, const Bytes& more) { b.insert(b.end(), more.begin(), more.end()); }

struct Extension {
  uint16_t type;
  Bytes body;
};

Extension groups_ext(const std::vector<uint16_t>& groups) {
  Bytes body;
  put16(body, groups.size() * 2);
  for (uint16_t g : groups) put16(body, g);
  return {10, body};
}
Extension formats_ext(const std::vector<uint8_t>& formats) {
  Bytes body{static_cast<uint8_t>(formats.size())};
  body.insert(body.end(), formats.begin(), formats.end());
  return {11, body};
}
Extension sni_ext(const std::string& host) {
  Bytes body;
  put16(body, host.size() + 3);
  body.push_back(0);
  put16(body, host.size());
  body.insert(body.end(), host.begin(), host.end());
  return {0, body};
}
Extension raw_ext(uint16_t type, size_t len = 0) { return {type, Bytes(len, 0x5A)}; }

void put_extensions(Bytes& b, const std::vector<Extension>& exts) {
  Bytes block;
  for (const Extension& e : exts) {
    put16(block, e.type);
    put16(block, e.body.size());
    append(block, e.body);
  }
  put16(b, block.size());
  append(b, block);
}

struct ClientSpec {
  uint16_t version = 0x0303;
  std::vector<uint16_t> ciphers = {0x1301};
  bool has_extensions_block = true;
  std::vector<Extension> extensions;
};

Bytes client_body(const ClientSpec& s) {
  Bytes b;
  put16(b, s.version);
  b.insert(b.end(), 32, 0x42);  // random
  b.push_back(32);
  b.insert(b.end(), 32, 0x11);  // session id
  put16(b, s.ciphers.size() * 2);
  for (uint16_t c : s.ciphers) put16(b, c);
  b.push_back(1);
  b.push_back(0);  // null compression
  if (s.has_extensions_block) put_extensions(b, s.extensions);
  return b;
}

struct ServerSpec {
  uint16_t version = 0x0303;
  size_t session_id = 32;
  uint16_t cipher = 0x1301;
  bool legacy_fields = true;  // session_id and compression_method (absent in early drafts)
  bool has_extensions_block = true;
  std::vector<Extension> extensions;
};

Bytes server_body(const ServerSpec& s) {
  Bytes b;
  put16(b, s.version);
  b.insert(b.end(), 32, 0x24);
  if (s.legacy_fields) {
    b.push_back(static_cast<uint8_t>(s.session_id));
    b.insert(b.end(), s.session_id, 0x22);
  }
  put16(b, s.cipher);
  if (s.legacy_fields) b.push_back(0);
  if (s.has_extensions_block) put_extensions(b, s.extensions);
  return b;
}

Bytes handshake(const Bytes& body, uint8_t type) {
  Bytes h{type, static_cast<uint8_t>(body.size() >> 16)};
  put16(h, body.size() & 0xFFFF);
  append(h, body);
  return h;
}

Bytes records(const Bytes& hs, size_t frag = 16384) {
  Bytes out;
  for (size_t i = 0; i < hs.size(); i += frag) {
    const size_t n = std::min(frag, hs.size() - i);
    out.push_back(22);
    put16(out, 0x0301);
    put16(out, n);
    out.insert(out.end(), hs.begin() + static_cast<ptrdiff_t>(i),
               hs.begin() + static_cast<ptrdiff_t>(i + n));
  }
  return out;
}

Bytes client_stream(const ClientSpec& s, size_t frag = 16384) {
  return records(handshake(client_body(s), 1), frag);
}
Bytes server_stream(const ServerSpec& s, size_t frag = 16384) {
  return records(handshake(server_body(s), 2), frag);
}

struct Result {
  FingerprintStatus status;
  std::string text;
  std::string hash;
};

Result ja3_of(const Bytes& stream) {
  std::vector<uint8_t> scratch(kTlsScratch);
  TlsClientHello h;
  size_t need = 0;
  EXPECT_EQ(parse_tls_client_hello(stream.data(), stream.size(), h, &need, scratch.data()),
            ParseStatus::kOk);
  TlsFingerprint fp;
  const FingerprintStatus st = make_ja3(h, fp);
  return {st, std::string(fp.string()), std::string(fp.hash())};
}

Result ja3s_of(const Bytes& stream) {
  std::vector<uint8_t> scratch(kTlsScratch);
  TlsServerHello h;
  size_t need = 0;
  EXPECT_EQ(parse_tls_server_hello(stream.data(), stream.size(), h, &need, scratch.data()),
            ParseStatus::kOk);
  TlsFingerprint fp;
  const FingerprintStatus st = make_ja3s(h, fp);
  return {st, std::string(fp.string()), std::string(fp.hash())};
}

// ---- JA3 -----------------------------------------------------------------------------
TEST(Ja3, Grease) {
  for (unsigned v = 0; v <= 0xFFFF; ++v) {
    const bool listed = (v & 0xFF) == (v >> 8) && (v & 0x0F) == 0x0A;
    ASSERT_EQ(is_tls_grease(static_cast<uint16_t>(v)), listed) << v;
  }
}

struct Ja3Case {
  const char* what;
  ClientSpec spec;
  std::string text;
  std::string hash;  // md5sum of text, computed outside the project
};

TEST(Ja3, CraftedHellos) {
  const std::vector<Ja3Case> cases = {
      {"GREASE removed from ciphers, extensions and groups",
       {0x0303,
        {0x0a0a, 0x1301, 0x1302, 0xc02b},
        true,
        {raw_ext(0x1a1a), sni_ext("a.example"), groups_ext({0x2a2a, 29, 23}), formats_ext({0}),
         raw_ext(0xfafa, 1), raw_ext(43, 3)}},
       "771,4865-4866-49195,0-10-11-43,29-23,0",
       "fd17f1f9b9c56d4bfda8900c8900ec06"},
      {"no extension block",
       {0x0301, {47, 53}, false, {}},
       "769,47-53,,,",
       "dac4920d4335e769327dbf4e1b759e15"},
      {"empty extension block",
       {0x0301, {47, 53}, true, {}},
       "769,47-53,,,",
       "dac4920d4335e769327dbf4e1b759e15"},
      {"only GREASE values inside the groups list",
       {0x0303, {0x0a0a}, true, {raw_ext(0x3a3a), groups_ext({0x4a4a})}},
       "771,,10,,",
       "cc6a31c85261209424e473bbb7d05de9"},
      {"GREASE-only ciphers and extensions: every list empty",
       {0x0303, {0x0a0a, 0xeaea}, true, {raw_ext(0x3a3a), raw_ext(0xbaba, 1)}},
       "771,,,,",
       "bddda940f9963577c41d7c28b1a5f65f"},
      {"extensions without curve lists",
       {0x0303, {49195}, true, {raw_ext(65281, 1), raw_ext(16, 5)}},
       "771,49195,65281-16,,",
       "90fe2d0b8f5edd987b0a0c8ae920ec5a"},
      {"several point formats; extension order kept",
       {0x0303,
        {4865, 4866},
        true,
        {sni_ext("b.example"), groups_ext({29, 23, 24}), formats_ext({0, 1, 2})}},
       "771,4865-4866,0-10-11,29-23-24,0-1-2",
       "031ac3c615fd83af758f35a72a4c38f5"},
      {"values that look like GREASE but are not",
       {0x0303, {52393, 49195}, true, {sni_ext("c.example"), groups_ext({29}), formats_ext({0})}},
       "771,52393-49195,0-10-11,29,0",
       "e802821f50a25853c39367ea08ea6474"},
  };
  for (const Ja3Case& c : cases) {
    SCOPED_TRACE(c.what);
    const Result r = ja3_of(client_stream(c.spec));
    EXPECT_EQ(r.status, FingerprintStatus::kOk);
    EXPECT_EQ(r.text, c.text);
    EXPECT_EQ(r.hash, c.hash);
    EXPECT_EQ(r.hash, hex(c.text));
  }
}

// A hello cut into records of any size is fingerprinted from the reassembled scratch copy
// exactly as from one record.
TEST(Ja3, HelloSpanningRecords) {
  const ClientSpec spec{0x0303,
                        {0x0a0a, 0x1301, 0xc02b},
                        true,
                        {raw_ext(0x1a1a), sni_ext("span.example"), groups_ext({0x2a2a, 29, 23}),
                         formats_ext({0}), raw_ext(21, 40)}};
  const Result whole = ja3_of(client_stream(spec));
  ASSERT_EQ(whole.text, "771,4865-49195,0-10-11-21,29-23,0");
  for (size_t frag : {1u, 2u, 5u, 37u, 100u}) {
    const Result r = ja3_of(client_stream(spec, frag));
    EXPECT_EQ(r.text, whole.text) << frag;
    EXPECT_EQ(r.hash, whole.hash) << frag;
  }
}

TEST(Ja3, CurveListErrors) {
  const std::vector<std::pair<const char*, std::vector<Extension>>> bad = {
      {"groups: empty body", {Extension{10, {}}}},
      {"groups: list length past body", {Extension{10, {0, 4, 0, 29}}}},
      {"groups: list length short of body", {Extension{10, {0, 0, 0, 29}}}},
      {"groups: odd list length", {Extension{10, {0, 3, 0, 29, 0}}}},
      {"groups twice", {groups_ext({29}), groups_ext({23})}},
      {"point formats: empty body", {Extension{11, {}}}},
      {"point formats: length past body", {Extension{11, {2, 0}}}},
      {"point formats: length short of body", {Extension{11, {0, 0}}}},
      {"point formats twice", {formats_ext({0}), formats_ext({0})}},
  };
  for (const auto& [what, exts] : bad) {
    SCOPED_TRACE(what);
    const Result r = ja3_of(client_stream({0x0303, {0x1301}, true, exts}));
    EXPECT_EQ(r.status, FingerprintStatus::kMalformed);
    EXPECT_EQ(r.text, "");
  }
  // Empty (but well-formed) lists are fine.
  const Result r =
      ja3_of(client_stream({0x0303, {0x1301}, true, {groups_ext({}), formats_ext({})}}));
  EXPECT_EQ(r.status, FingerprintStatus::kOk);
  EXPECT_EQ(r.text, "771,4865,10-11,,");
}

// The text may fill the buffer exactly; one character more is reported, not cut.
TEST(Ja3, TextLimit) {
  // "771," + ciphers + ",,,": 337 five-digit and 4 four-digit ciphers make 2041 characters.
  ClientSpec spec{0x0303, {}, false, {}};
  spec.ciphers.assign(337, 49195);
  spec.ciphers.insert(spec.ciphers.end(), 4, 4865);
  Result r = ja3_of(client_stream(spec));
  ASSERT_EQ(r.status, FingerprintStatus::kOk);
  EXPECT_EQ(r.text.size(), TlsFingerprint::kMaxText);
  EXPECT_EQ(r.hash, hex(r.text));
  spec.ciphers.back() = 49196;
  r = ja3_of(client_stream(spec));
  EXPECT_EQ(r.status, FingerprintStatus::kTooLong);
  EXPECT_EQ(r.text, "");
  EXPECT_EQ(r.hash, std::string(32, '\0'));
  // GREASE values take no room.
  spec.ciphers.back() = 4865;
  spec.ciphers.insert(spec.ciphers.begin(), 100, 0x0a0a);
  r = ja3_of(client_stream(spec));
  EXPECT_EQ(r.status, FingerprintStatus::kOk);
  EXPECT_EQ(r.text.size(), TlsFingerprint::kMaxText);
}

// ---- ServerHello and JA3S ------------------------------------------------------------
struct Ja3sCase {
  const char* what;
  ServerSpec spec;
  std::string text;
  std::string hash;
};

TEST(Ja3s, CraftedHellos) {
  const std::vector<Ja3sCase> cases = {
      {"TLS 1.3 with GREASE extension",
       {0x0303, 32, 0x1301, true, true, {raw_ext(43, 2), raw_ext(0x9a9a), raw_ext(51, 36)}},
       "771,4865,43-51",
       "f4febc55ea12b31ae17cfb7e614afda8"},
      {"no extension block",
       {0x0301, 0, 47, true, false, {}},
       "769,47,",
       "18e962e106761869a61045bed0e81c2c"},
      {"empty extension block",
       {0x0301, 32, 47, true, true, {}},
       "769,47,",
       "18e962e106761869a61045bed0e81c2c"},
      {"TLS 1.3 draft 18: no session id, no compression",
       {0x7f12, 0, 0x1301, false, true, {raw_ext(40, 36)}},
       "32530,4865,40",
       "b8a8031b301aef7618403061e9f33065"},
      {"a GREASE cipher is reported as sent",
       {0x0303, 0, 0x0a0a, true, false, {}},
       "771,2570,",
       hex("771,2570,")},
  };
  for (const Ja3sCase& c : cases) {
    SCOPED_TRACE(c.what);
    const Result r = ja3s_of(server_stream(c.spec));
    EXPECT_EQ(r.status, FingerprintStatus::kOk);
    EXPECT_EQ(r.text, c.text);
    EXPECT_EQ(r.hash, c.hash);
  }
}

TEST(TlsServerHello, Fields) {
  const Bytes s =
      server_stream({0x0303, 32, 0xc02f, true, true, {raw_ext(65281, 1), raw_ext(11, 2)}});
  std::vector<uint8_t> scratch(kTlsScratch);
  TlsServerHello h;
  size_t need = 7;
  ASSERT_EQ(parse_tls_server_hello(s.data(), s.size(), h, &need, scratch.data()), ParseStatus::kOk);
  EXPECT_EQ(need, 0u);
  EXPECT_EQ(h.record_version, 0x0301);
  EXPECT_EQ(h.hello_version, 0x0303);
  EXPECT_EQ(h.cipher_suite, 0xc02f);
  EXPECT_EQ(h.extensions.size(), 4u + 1 + 4 + 2);
  EXPECT_TRUE(h.extensions.data() >= s.data() && h.extensions.data() < s.data() + s.size());
}

TEST(TlsClientHello, ExposesWireLists) {
  const Bytes s = client_stream({0x0303, {0x1301, 0x1302}, true, {groups_ext({29})}});
  std::vector<uint8_t> scratch(kTlsScratch);
  TlsClientHello h;
  ASSERT_EQ(parse_tls_client_hello(s.data(), s.size(), h, nullptr, scratch.data()),
            ParseStatus::kOk);
  EXPECT_EQ(Bytes(h.cipher_suites.begin(), h.cipher_suites.end()), (Bytes{0x13, 1, 0x13, 2}));
  EXPECT_EQ(Bytes(h.extensions.begin(), h.extensions.end()), (Bytes{0, 10, 0, 4, 0, 2, 0, 29}));
  // A broken hello exposes nothing.
  Bytes bad = s;
  bad.push_back(0);
  bad[4] = static_cast<uint8_t>(bad[4] + 1);  // record length
  bad[8] = static_cast<uint8_t>(bad[8] + 1);  // handshake length: one byte after the extensions
  ASSERT_EQ(parse_tls_client_hello(bad.data(), bad.size(), h, nullptr, scratch.data()),
            ParseStatus::kMalformed);
  EXPECT_TRUE(h.cipher_suites.empty());
  EXPECT_TRUE(h.extensions.empty());
}

struct ServerCase {
  const char* what;
  Bytes bytes;
  ParseStatus status;
  size_t need = 0;
};

TEST(TlsServerHello, Table) {
  std::vector<ServerCase> c;
  c.push_back({"plain", server_stream({}), ParseStatus::kOk});
  {
    // ServerHello, Certificate, ServerHelloDone in one record: only the first is read.
    Bytes hs = handshake(server_body({}), 2);
    append(hs, handshake(Bytes(300, 1), 11));
    append(hs, handshake({}, 14));
    c.push_back({"followed by more handshake messages", records(hs), ParseStatus::kOk});
  }
  {
    ServerSpec s;
    s.session_id = 33;
    c.push_back({"session id of 33", server_stream(s), ParseStatus::kMalformed});
  }
  {
    Bytes body = server_body({0x0303, 32, 0x1301, true, true, {raw_ext(43, 2)}});
    body[body.size() - 3] = static_cast<uint8_t>(body[body.size() - 3] + 1);
    c.push_back({"extension past the block", records(handshake(body, 2)), ParseStatus::kMalformed});
    body = server_body({0x0303, 32, 0x1301, true, true, {raw_ext(43, 2)}});
    body.push_back(0);
    c.push_back(
        {"byte after the extension block", records(handshake(body, 2)), ParseStatus::kMalformed});
    body = server_body({0x0303, 32, 0x1301, true, true, {}});
    body.pop_back();
    c.push_back(
        {"one byte of extensions total", records(handshake(body, 2)), ParseStatus::kMalformed});
  }
  {
    Bytes body = server_body({0x0303, 0, 0x1301, true, false, {}});
    body.pop_back();  // no compression method
    c.push_back(
        {"compression method missing", records(handshake(body, 2)), ParseStatus::kMalformed});
    // Draft 22 has the legacy fields again.
    c.push_back({"draft 22 without legacy fields",
                 server_stream({0x7f16, 0, 0x1301, false, true, {raw_ext(43, 2)}}),
                 ParseStatus::kMalformed});
  }
  c.push_back({"body shorter than any ServerHello", records(handshake(Bytes(35, 0), 2)),
               ParseStatus::kMalformed});
  {
    Bytes r = server_stream({});
    r[4] = static_cast<uint8_t>(r[4] + 10);
    c.push_back({"record continues", r, ParseStatus::kNeedMore, r.size() + 10});
  }
  c.push_back({"ClientHello (the other direction)", client_stream({}), ParseStatus::kNotMine});
  c.push_back({"alert", {21, 3, 3, 0, 2, 2, 40}, ParseStatus::kNotMine});
  c.push_back({"empty stream", {}, ParseStatus::kNeedMore, 5});
  c.push_back({"SSH banner", {'S', 'S', 'H', '-', '2'}, ParseStatus::kNotMine});

  std::vector<uint8_t> scratch(kTlsScratch);
  for (const ServerCase& k : c) {
    SCOPED_TRACE(k.what);
    TlsServerHello h;
    size_t need = 12345;
    ASSERT_EQ(parse_tls_server_hello(k.bytes.data(), k.bytes.size(), h, &need, scratch.data()),
              k.status);
    EXPECT_EQ(need, k.need);
    if (k.status != ParseStatus::kOk) {
      EXPECT_TRUE(h.extensions.empty());
    }
  }
}

// Every prefix of a ServerHello cut into records of any size asks for more, with `need`
// at the end of the record header or record the prefix stops in; the whole gives JA3S.
TEST(TlsServerHello, SplitAcrossRecordsAndSegments) {
  const ServerSpec spec{0x0303, 32,   0x1302,
                        true,   true, {raw_ext(43, 2), raw_ext(0xdada, 3), raw_ext(51, 36)}};
  const Bytes hs = handshake(server_body(spec), 2);
  std::vector<uint8_t> scratch(kTlsScratch);
  for (size_t frag = 1; frag <= hs.size(); ++frag) {
    SCOPED_TRACE("fragment " + std::to_string(frag));
    const Bytes stream = records(hs, frag);
    for (size_t n = 0; n < stream.size(); ++n) {
      size_t want = 0;
      for (size_t off = 0;;) {
        if (n < off + 5) {
          want = off + 5;
          break;
        }
        const size_t end = off + 5 + ((size_t{stream[off + 3]} << 8) | stream[off + 4]);
        if (n < end) {
          want = end;
          break;
        }
        off = end;
      }
      TlsServerHello h;
      size_t need = 0;
      ASSERT_EQ(parse_tls_server_hello(stream.data(), n, h, &need, scratch.data()),
                ParseStatus::kNeedMore)
          << n;
      ASSERT_EQ(need, want) << n;
    }
    const Result r = ja3s_of(stream);
    EXPECT_EQ(r.text, "771,4866,43-51");
  }
}

}  // namespace
}  // namespace tripline
