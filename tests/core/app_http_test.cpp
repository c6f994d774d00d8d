#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/app/app_parsers.hpp"

namespace tripline {
namespace {

struct Case {
  const char* what;
  std::string bytes;
  ParseStatus status;
  // Expected fields when status is kOk.
  std::string method = {};
  std::string target = {};
  std::string host = {};
  size_t head_length = 0;  // 0: the whole input
  uint64_t content_length = 0;
  bool chunked = false;
};

const std::string kGet = "GET / HTTP/1.1\r\n";

std::vector<Case> cases() {
  std::vector<Case> c;
  c.push_back({"simple GET", "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n", ParseStatus::kOk, "GET",
               "/", "example.com"});
  c.push_back({"LF-only line ends", "GET /a HTTP/1.0\nHost: example.com\nAccept: */*\n\n",
               ParseStatus::kOk, "GET", "/a", "example.com"});
  c.push_back(
      {"mixed line ends", "GET /a HTTP/1.1\nHost: h\r\n\n", ParseStatus::kOk, "GET", "/a", "h"});
  c.push_back({"absolute-form target",
               "GET http://example.com/a?b=c HTTP/1.1\r\nHost: example.com\r\n\r\n",
               ParseStatus::kOk, "GET", "http://example.com/a?b=c", "example.com"});
  c.push_back({"CONNECT authority-form",
               "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
               ParseStatus::kOk, "CONNECT", "example.com:443", "example.com:443"});
  c.push_back({"asterisk-form", "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", ParseStatus::kOk,
               "OPTIONS", "*", "h"});
  c.push_back({"Host with port kept", "GET / HTTP/1.1\r\nHost: example.com:8080\r\n\r\n",
               ParseStatus::kOk, "GET", "/", "example.com:8080"});
  c.push_back({"Host trimmed", "GET / HTTP/1.1\r\nHost: \t example.com \t \r\n\r\n",
               ParseStatus::kOk, "GET", "/", "example.com"});
  c.push_back({"Host name any case", "GET / HTTP/1.1\r\nhOsT:example.com\r\n\r\n", ParseStatus::kOk,
               "GET", "/", "example.com"});
  c.push_back(
      {"missing Host", "GET / HTTP/1.0\r\nAccept: */*\r\n\r\n", ParseStatus::kOk, "GET", "/", ""});
  c.push_back({"empty Host", "GET / HTTP/1.1\r\nHost:\r\n\r\n", ParseStatus::kOk, "GET", "/", ""});
  c.push_back({"duplicate Host: first wins",
               "GET / HTTP/1.1\r\nHost: first.example\r\nHost: second.example\r\n\r\n",
               ParseStatus::kOk, "GET", "/", "first.example"});
  c.push_back({"Hostname is not Host", "GET / HTTP/1.1\r\nHostname: x\r\nHost: y\r\n\r\n",
               ParseStatus::kOk, "GET", "/", "y"});
  c.push_back({"no headers at all", "GET / HTTP/1.1\r\n\r\n", ParseStatus::kOk, "GET", "/", ""});
  c.push_back({"body after the head",
               "POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello", ParseStatus::kOk,
               "POST", "/up", "h",
               std::string("POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n").size(), 5});
  c.push_back({"pipelined second request not read",
               "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: other\r\n\r\n",
               ParseStatus::kOk, "GET", "/1", "h",
               std::string("GET /1 HTTP/1.1\r\nHost: h\r\n\r\n").size()});
  c.push_back(
      {"Content-Length 0", kGet + "Content-Length: 0\r\n\r\n", ParseStatus::kOk, "GET", "/", ""});
  c.push_back({"Content-Length max", kGet + "Content-Length: 18446744073709551615\r\n\r\n",
               ParseStatus::kOk, "GET", "/", "", 0, 18446744073709551615ull});
  c.push_back({"Content-Length repeated, same value",
               kGet + "Content-Length: 7\r\ncontent-length:  7 \r\n\r\n", ParseStatus::kOk, "GET",
               "/", "", 0, 7});
  c.push_back({"Content-Length repeated, different value",
               kGet + "Content-Length: 7\r\nContent-Length: 8\r\n\r\n", ParseStatus::kMalformed});
  c.push_back({"Content-Length overflow", kGet + "Content-Length: 18446744073709551616\r\n\r\n",
               ParseStatus::kMalformed});
  c.push_back(
      {"Content-Length letters", kGet + "Content-Length: 12a\r\n\r\n", ParseStatus::kMalformed});
  c.push_back(
      {"Content-Length negative", kGet + "Content-Length: -1\r\n\r\n", ParseStatus::kMalformed});
  c.push_back({"Content-Length empty", kGet + "Content-Length:\r\n\r\n", ParseStatus::kMalformed});
  c.push_back({"Content-Length two numbers", kGet + "Content-Length: 1 2\r\n\r\n",
               ParseStatus::kMalformed});
  c.push_back(
      {"Content-Length list", kGet + "Content-Length: 5, 5\r\n\r\n", ParseStatus::kMalformed});
  c.push_back({"chunked", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", ParseStatus::kOk,
               "POST", "/", "", 0, 0, true});
  c.push_back({"chunked any case", "POST / HTTP/1.1\r\ntransfer-encoding: ChUnKeD\r\n\r\n",
               ParseStatus::kOk, "POST", "/", "", 0, 0, true});
  c.push_back({"gzip, chunked", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip , chunked\r\n\r\n",
               ParseStatus::kOk, "POST", "/", "", 0, 0, true});
  c.push_back({"coding list over two headers",
               "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n",
               ParseStatus::kOk, "POST", "/", "", 0, 0, true});
  c.push_back({"chunked overrides Content-Length",
               "POST / HTTP/1.1\r\nContent-Length: 10\r\nTransfer-Encoding: chunked\r\n\r\n",
               ParseStatus::kOk, "POST", "/", "", 0, 0, true});
  c.push_back({"chunked not last", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
               ParseStatus::kMalformed});
  c.push_back({"chunked then another header",
               "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n",
               ParseStatus::kMalformed});
  c.push_back(
      {"only gzip", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", ParseStatus::kMalformed});
  c.push_back({"empty Transfer-Encoding", "POST / HTTP/1.1\r\nTransfer-Encoding:\r\n\r\n",
               ParseStatus::kMalformed});
  c.push_back({"extra spaces in the request line", "GET  /x   HTTP/1.1\r\nHost: h\r\n\r\n",
               ParseStatus::kOk, "GET", "/x", "h"});
  c.push_back({"16-letter method", "ABCDEFGHIJKLMNOP / HTTP/1.1\r\n\r\n", ParseStatus::kOk,
               "ABCDEFGHIJKLMNOP", "/", ""});
  c.push_back({"obs-text in target kept", "GET /\xc3\xa9 HTTP/1.1\r\n\r\n", ParseStatus::kOk, "GET",
               "/\xc3\xa9", ""});
  c.push_back({"header value with obs-text", kGet + "X-A: \xff\x01 v\r\n\r\n", ParseStatus::kOk,
               "GET", "/", ""});

  // Not HTTP/1.x at all.
  c.push_back({"lower-case method", "get / HTTP/1.1\r\n\r\n", ParseStatus::kNotMine});
  c.push_back({"17-letter method", "ABCDEFGHIJKLMNOPQ / HTTP/1.1\r\n\r\n", ParseStatus::kNotMine});
  c.push_back({"17 letters, no space yet", "ABCDEFGHIJKLMNOPQ", ParseStatus::kNotMine});
  c.push_back({"TLS record", "\x16\x03\x01\x02\x00\x01", ParseStatus::kNotMine});
  c.push_back({"SSH banner", "SSH-2.0-OpenSSH_9.0\r\n", ParseStatus::kNotMine});
  c.push_back({"leading space", " GET / HTTP/1.1\r\n\r\n", ParseStatus::kNotMine});
  c.push_back({"leading CRLF", "\r\nGET / HTTP/1.1\r\n\r\n", ParseStatus::kNotMine});
  c.push_back({"method then tab", "GET\t/ HTTP/1.1\r\n\r\n", ParseStatus::kNotMine});
  c.push_back({"HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", ParseStatus::kNotMine});
  c.push_back({"NUL byte", std::string("\0GET", 4), ParseStatus::kNotMine});

  // Looks like HTTP, but broken.
  c.push_back({"HTTP/0.9 request", "GET /index.html\r\n", ParseStatus::kMalformed});
  c.push_back({"no target", "GET  \r\n", ParseStatus::kMalformed});
  c.push_back({"control byte in target", "GET /a\x01 HTTP/1.1\r\n\r\n", ParseStatus::kMalformed});
  c.push_back({"bad version", "GET / HTTX/1.1\r\n\r\n", ParseStatus::kMalformed});
  c.push_back({"version without minor", "GET / HTTP/1\r\n\r\n", ParseStatus::kMalformed});
  c.push_back({"version minor not a digit", "GET / HTTP/1.x\r\n\r\n", ParseStatus::kMalformed});
  c.push_back({"trailing space after version", "GET / HTTP/1.1 \r\n\r\n", ParseStatus::kMalformed});
  c.push_back(
      {"bare CR after version", "GET / HTTP/1.1\rHost: h\r\n\r\n", ParseStatus::kMalformed});
  c.push_back({"header without colon", kGet + "Host example.com\r\n\r\n", ParseStatus::kMalformed});
  c.push_back({"space before colon", kGet + "Host : example.com\r\n\r\n", ParseStatus::kMalformed});
  c.push_back({"empty header name", kGet + ": v\r\n\r\n", ParseStatus::kMalformed});
  c.push_back({"obs-fold", kGet + "X-A: a\r\n  b\r\n\r\n", ParseStatus::kMalformed});
  c.push_back(
      {"NUL in a value", kGet + std::string("X-A: a\0b\r\n\r\n", 12), ParseStatus::kMalformed});
  c.push_back({"bare CR in a value", kGet + "X-A: a\rb\r\n\r\n", ParseStatus::kMalformed});
  c.push_back({"CR CR LF", kGet + "Host: h\r\r\n\r\n", ParseStatus::kMalformed});

  // Incomplete.
  c.push_back({"empty", "", ParseStatus::kNeedMore});
  c.push_back({"method prefix", "GE", ParseStatus::kNeedMore});
  c.push_back({"16 letters, no space yet", "ABCDEFGHIJKLMNOP", ParseStatus::kNeedMore});
  c.push_back({"request line only", "GET / HTTP/1.1\r\n", ParseStatus::kNeedMore});
  c.push_back({"last header without its line end", kGet + "Host: h", ParseStatus::kNeedMore});
  c.push_back({"CR of the blank line", kGet + "Host: h\r\n\r", ParseStatus::kNeedMore});

  // Size limit: the head, blank line included, may be kMaxHttpHead bytes, not more.
  {
    const std::string start = kGet + "X-Pad: ";
    const std::string end = "\r\n\r\n";
    const std::string exact =
        start + std::string(kMaxHttpHead - start.size() - end.size(), 'a') + end;
    c.push_back({"head of exactly kMaxHttpHead", exact, ParseStatus::kOk, "GET", "/", ""});
    const std::string over =
        start + std::string(kMaxHttpHead - start.size() - end.size() + 1, 'a') + end;
    c.push_back({"head one byte over", over, ParseStatus::kMalformed});
    c.push_back({"head one byte over, cut at the limit", over.substr(0, kMaxHttpHead),
                 ParseStatus::kMalformed});
    c.push_back({"incomplete head one byte under the limit", over.substr(0, kMaxHttpHead - 1),
                 ParseStatus::kNeedMore});
    c.push_back(
        {"huge target", "GET /" + std::string(3 * kMaxHttpHead, 'x'), ParseStatus::kMalformed});
  }
  return c;
}

TEST(AppHttp, Table) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.what);
    HttpRequestHead h;
    const auto* data = reinterpret_cast<const uint8_t*>(c.bytes.data());
    ASSERT_EQ(parse_http_request_head(data, c.bytes.size(), h), c.status);
    if (c.status != ParseStatus::kOk) continue;
    EXPECT_EQ(h.method, c.method);
    EXPECT_EQ(h.target, c.target);
    EXPECT_EQ(h.host, c.host);
    EXPECT_EQ(h.head_length, c.head_length == 0 ? c.bytes.size() : c.head_length);
    EXPECT_EQ(h.content_length, c.content_length);
    EXPECT_EQ(h.chunked, c.chunked);
  }
}

TEST(AppHttp, CommonMethods) {
  for (const char* m : {"GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "CONNECT", "PATCH",
                        "TRACE", "PROPFIND"}) {
    const std::string req = std::string(m) + " /x HTTP/1.1\r\nHost: h\r\n\r\n";
    HttpRequestHead h;
    ASSERT_EQ(parse_http_request_head(reinterpret_cast<const uint8_t*>(req.data()), req.size(), h),
              ParseStatus::kOk)
        << m;
    EXPECT_EQ(h.method, m);
  }
}

// Every strict prefix of a complete head is kNeedMore; the whole is kOk.
TEST(AppHttp, EveryPrefixNeedsMore) {
  for (const std::string& req :
       {std::string("POST /a?b HTTP/1.1\r\nHost: h.example:81\r\n"
                    "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"),
        std::string("GET / HTTP/1.0\nHost: h\n\n")}) {
    const auto* data = reinterpret_cast<const uint8_t*>(req.data());
    for (size_t n = 0; n < req.size(); ++n) {
      // Copy to an exact-size buffer so ASan sees any read past `n`.
      std::vector<uint8_t> prefix(data, data + n);
      HttpRequestHead h;
      ASSERT_EQ(parse_http_request_head(prefix.data(), n, h), ParseStatus::kNeedMore) << n;
    }
    HttpRequestHead h;
    ASSERT_EQ(parse_http_request_head(data, req.size(), h), ParseStatus::kOk);
    EXPECT_EQ(h.head_length, req.size());
  }
}

}  // namespace
}  // namespace tripline
