#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/app/app_parsers.hpp"

namespace tripline {
namespace {

using Bytes = std::vector<uint8_t>;

constexpr uint16_t kQuery = 0x0100;     // RD
constexpr uint16_t kResponse = 0x8180;  // QR, RD, RA

Bytes header(uint16_t flags, uint16_t qdcount, uint16_t ancount = 0) {
  return {0x12,
          0x34,
          static_cast<uint8_t>(flags >> 8),
          static_cast<uint8_t>(flags),
          static_cast<uint8_t>(qdcount >> 8),
          static_cast<uint8_t>(qdcount),
          static_cast<uint8_t>(ancount >> 8),
          static_cast<uint8_t>(ancount),
          0,
          0,
          0,
          0};
}

Bytes& raw(Bytes& b, std::initializer_list<uint8_t> bytes) {
  b.insert(b.end(), bytes);
  return b;
}

// Labels of `dotted` without the root octet (so a pointer can follow).
Bytes& labels(Bytes& b, std::string_view dotted) {
  while (!dotted.empty()) {
    const size_t dot = dotted.find('.');
    const std::string_view label = dotted.substr(0, dot);
    b.push_back(static_cast<uint8_t>(label.size()));
    b.insert(b.end(), label.begin(), label.end());
    dotted = dot == std::string_view::npos ? std::string_view{} : dotted.substr(dot + 1);
  }
  return b;
}

Bytes& name(Bytes& b, std::string_view dotted) { return raw(labels(b, dotted), {0}); }
Bytes& pointer(Bytes& b, uint16_t offset) {
  return raw(b, {static_cast<uint8_t>(0xC0 | (offset >> 8)), static_cast<uint8_t>(offset)});
}
Bytes& qtail(Bytes& b) { return raw(b, {0, 1, 0, 1}); }  // A, IN

Bytes query(uint16_t flags, std::initializer_list<std::string_view> names) {
  Bytes b = header(flags, static_cast<uint16_t>(names.size()));
  for (std::string_view n : names) qtail(name(b, n));
  return b;
}

struct Case {
  const char* what;
  Bytes bytes;
  ParseStatus status;
  std::vector<std::string> names;
  bool is_response = false;
};

std::vector<Case> cases() {
  std::vector<Case> c;
  c.push_back(
      {"simple query", query(kQuery, {"www.example.com"}), ParseStatus::kOk, {"www.example.com"}});
  c.push_back({"response echoes the question",
               query(kResponse, {"www.example.com"}),
               ParseStatus::kOk,
               {"www.example.com"},
               true});
  c.push_back(
      {"case is kept", query(kQuery, {"WwW.ExAmPlE.CoM"}), ParseStatus::kOk, {"WwW.ExAmPlE.CoM"}});
  c.push_back({"root name", query(kQuery, {""}), ParseStatus::kOk, {""}});
  c.push_back({"qdcount 0", header(kResponse, 0), ParseStatus::kOk, {}, true});
  c.push_back({"11 bytes", Bytes(11, 0), ParseStatus::kNotMine, {}});
  c.push_back({"empty", Bytes{}, ParseStatus::kNotMine, {}});
  c.push_back({"non-printable label bytes kept",
               query(kQuery, {"\x7f\xff-_ .x"}),
               ParseStatus::kOk,
               {"\x7f\xff-_ .x"}});
  {
    Bytes b = header(kQuery, 1);
    qtail(raw(b, {3, 'a', '.', 'b', 0}));
    c.push_back({"dot inside a label kept as-is", b, ParseStatus::kOk, {"a.b"}});
  }
  {
    Bytes b = header(kQuery, 2);
    qtail(name(b, "www.example.com"));      // 12: 3www 7example 3com 0
    qtail(pointer(labels(b, "mail"), 16));  // "example.com" at 16
    c.push_back({"compressed second question",
                 b,
                 ParseStatus::kOk,
                 {"www.example.com", "mail.example.com"}});
  }
  {
    Bytes b = header(kQuery, 2);
    qtail(name(b, "a.b"));
    qtail(pointer(b, 12));  // the whole first name
    c.push_back({"pointer to a whole name", b, ParseStatus::kOk, {"a.b", "a.b"}});
  }
  c.push_back({"five questions keep four",
               query(kQuery, {"a", "b", "c", "d", "e"}),
               ParseStatus::kOk,
               {"a", "b", "c", "d"}});
  {
    Bytes b = query(kResponse, {"example.com"});
    b[7] = 1;                                 // ancount 1
    raw(pointer(b, 12), {0, 1, 0, 1, 0, 0});  // answer cut inside its TTL
    c.push_back({"cut after the questions", b, ParseStatus::kOk, {"example.com"}, true});
  }
  {
    Bytes b = query(kQuery, {"example.com"});
    b[5] = 2;
    c.push_back({"qdcount 2, one question", b, ParseStatus::kMalformed, {}});
  }
  {
    Bytes b = query(kQuery, {"a", "b", "c", "d", "e"});
    b[5] = 6;
    c.push_back({"qdcount 6, five questions", b, ParseStatus::kMalformed, {}});
  }
  {
    Bytes b = query(kQuery, {"example.com"});
    b.resize(12 + 5);
    c.push_back({"cut inside a label", b, ParseStatus::kMalformed, {}});
  }
  {
    Bytes b = query(kQuery, {"example.com"});
    b.resize(b.size() - 4);
    c.push_back({"cut before QTYPE", b, ParseStatus::kMalformed, {}});
  }
  {
    Bytes b = query(kQuery, {"example.com"});
    b.resize(b.size() - 1);
    c.push_back({"cut inside QCLASS", b, ParseStatus::kMalformed, {}});
  }
  {
    Bytes b = header(kQuery, 1);
    labels(b, "example");
    c.push_back({"cut before the root octet", b, ParseStatus::kMalformed, {}});
  }
  {
    Bytes b = header(kQuery, 1);
    qtail(pointer(b, 12));
    c.push_back({"pointer to itself", b, ParseStatus::kMalformed, {}});
  }
  {
    Bytes b = header(kQuery, 2);
    qtail(name(b, "a"));
    // Second name at 19: label "x", then a pointer back to 19 (its own start).
    qtail(pointer(labels(b, "x"), 19));
    c.push_back({"pointer loop to the start of its own name", b, ParseStatus::kMalformed, {}});
  }
  {
    Bytes b = header(kQuery, 2);
    qtail(name(b, "a"));
    const size_t second = b.size();  // 19
    // 19: 1x, then pointer to 21 (the pointer's own position): the classic 1-label loop.
    labels(b, "x");
    pointer(b, static_cast<uint16_t>(second + 2));
    qtail(b);
    c.push_back({"pointer to itself after a label", b, ParseStatus::kMalformed, {}});
  }
  {
    Bytes b = header(kQuery, 1);
    qtail(raw(pointer(b, 16), {0}));  // points forward, at the root octet
    c.push_back({"forward pointer", b, ParseStatus::kMalformed, {}});
  }
  {
    Bytes b = header(kQuery, 1);
    qtail(pointer(b, 4));
    c.push_back({"pointer into the header", b, ParseStatus::kMalformed, {}});
  }
  {
    Bytes b = header(kQuery, 1);
    raw(b, {0xC0});
    c.push_back({"cut inside a pointer", b, ParseStatus::kMalformed, {}});
  }
  {
    const std::string l63(63, 'a');
    c.push_back({"label of 63", query(kQuery, {l63 + ".com"}), ParseStatus::kOk, {l63 + ".com"}});
    Bytes b = header(kQuery, 1);
    b.push_back(64);
    b.insert(b.end(), 64, 'a');
    qtail(raw(b, {0}));
    c.push_back({"label of 64 (0x40 label type)", b, ParseStatus::kMalformed, {}});
  }
  {
    Bytes b = header(kQuery, 1);
    qtail(raw(b, {0x80, 0}));
    c.push_back({"reserved label type 0x80", b, ParseStatus::kMalformed, {}});
  }
  {
    // Wire length 3 * 64 + 62 + 1 = 255: the longest legal name, 253 text bytes.
    const std::string longest = std::string(63, 'a') + "." + std::string(63, 'b') + "." +
                                std::string(63, 'c') + "." + std::string(61, 'd');
    c.push_back({"255-octet name", query(kQuery, {longest}), ParseStatus::kOk, {longest}});
    c.push_back({"256-octet name", query(kQuery, {longest + "d"}), ParseStatus::kMalformed, {}});
  }
  {
    // 200 octets in the first name, 82 more in front of a pointer to it: too long.
    const std::string first = std::string(63, 'a') + "." + std::string(63, 'b') + "." +
                              std::string(63, 'c') + "." + std::string(6, 'd');
    Bytes b = header(kQuery, 2);
    qtail(name(b, first));
    qtail(pointer(labels(b, std::string(40, 'x') + "." + std::string(40, 'y')), 12));
    c.push_back({"name too long through a pointer", b, ParseStatus::kMalformed, {}});
  }
  {
    Bytes b = header(kQuery, 1);
    qtail(name(b, std::string("a\0b", 3)));
    c.push_back({"NUL inside a label", b, ParseStatus::kMalformed, {}});
  }
  return c;
}

TEST(AppDns, Table) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.what);
    DnsQuestions q;
    ASSERT_EQ(parse_dns_questions(c.bytes.data(), c.bytes.size(), q), c.status);
    if (c.status != ParseStatus::kOk) {
      EXPECT_EQ(q.count, 0);
      continue;
    }
    EXPECT_EQ(q.is_response, c.is_response);
    ASSERT_EQ(q.count, c.names.size());
    for (size_t i = 0; i < c.names.size(); ++i) {
      EXPECT_EQ(q.name(i), c.names[i]);
      EXPECT_EQ(q.names[i][q.lengths[i]], '\0');  // usable as a C string too
    }
  }
}

// Question i (i >= 1) is a pointer to question i-1, so resolving it takes i hops; the
// hop bound (32) is the only thing that stops the last one.
Bytes pointer_chain(uint16_t questions) {
  Bytes b = header(kQuery, questions);
  size_t previous = b.size();
  qtail(name(b, ""));
  for (uint16_t i = 1; i < questions; ++i) {
    const size_t here = b.size();
    qtail(pointer(b, static_cast<uint16_t>(previous)));
    previous = here;
  }
  return b;
}

TEST(AppDns, PointerHopBound) {
  DnsQuestions q;
  Bytes ok = pointer_chain(33);
  ASSERT_EQ(parse_dns_questions(ok.data(), ok.size(), q), ParseStatus::kOk);
  ASSERT_EQ(q.count, 4);
  EXPECT_EQ(q.name(3), "");
  Bytes bad = pointer_chain(34);
  EXPECT_EQ(parse_dns_questions(bad.data(), bad.size(), q), ParseStatus::kMalformed);
}

TEST(AppDns, EveryPrefixIsNotMineOrMalformedUntilComplete) {
  const Bytes b = query(kQuery, {"www.example.com", "example.org"});
  DnsQuestions q;
  for (size_t n = 0; n < b.size(); ++n) {
    const ParseStatus want = n < 12 ? ParseStatus::kNotMine : ParseStatus::kMalformed;
    ASSERT_EQ(parse_dns_questions(b.data(), n, q), want) << n;
  }
  ASSERT_EQ(parse_dns_questions(b.data(), b.size(), q), ParseStatus::kOk);
  EXPECT_EQ(q.name(1), "example.org");
}

TEST(AppDns, ReadsNothingPastLen) {
  // The message sits at the very end of an exact-size heap buffer (ASan catches overreads).
  const Bytes good = query(kQuery, {"abc.example"});
  for (size_t n = 0; n <= good.size(); ++n) {
    std::vector<uint8_t> exact(good.begin(), good.begin() + static_cast<ptrdiff_t>(n));
    DnsQuestions q;
    (void)parse_dns_questions(exact.data(), exact.size(), q);
  }
}

}  // namespace
}  // namespace tripline
