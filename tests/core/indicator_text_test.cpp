// refang, classify_indicator, normalize_domain and normalize_url: table-driven.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "core/loaders.hpp"

namespace tripline {
namespace {

struct RefangCase {
  const char* in;
  const char* out;
};

TEST(Refang, Table) {
  const RefangCase cases[] = {
      {"example[.]com", "example.com"},
      {"1.2.3[.]4", "1.2.3.4"},
      {"hxxp://evil[.]com/x", "http://evil.com/x"},
      {"hXXps[:]//a(.)b{.}c", "https://a.b.c"},
      {"hxxp[://]evil.com", "http://evil.com"},
      {"evil[dot]com", "evil.com"},
      {"evil(DOT)com", "evil.com"},
      {"user[@]mail[.]com", "user@mail.com"},
      {"user[at]mail.com", "user@mail.com"},
      {"fxp://files[.]example", "ftp://files.example"},
      {"[2001:db8::1]:443", "[2001:db8::1]:443"},
      {"hxxpx.com", "hxxpx.com"},
      {"a[.b", "a[.b"},
      {"ce28e899a8d3d00a.]dat", "ce28e899a8d3d00a.]dat"},
      {"plain.example", "plain.example"},
      {"", ""},
  };
  for (const auto& c : cases) EXPECT_EQ(refang(c.in), c.out) << c.in;
}

struct GoodCase {
  const char* token;
  IndicatorType type;
  const char* normalized;
  uint16_t port;
};

TEST(ClassifyIndicator, Indicators) {
  using T = IndicatorType;
  const GoodCase cases[] = {
      {"192.0.2.1", T::kIp, "192.0.2.1", 0},
      {"2001:DB8:0:0::1", T::kIp, "2001:db8::1", 0},
      {"192.0.2.1:8080", T::kIp, "192.0.2.1", 8080},
      {"192[.]0[.]2[.]1", T::kIp, "192.0.2.1", 0},
      {"[2001:db8::1]", T::kIp, "2001:db8::1", 0},
      {"[2001:db8::1]:443", T::kIp, "2001:db8::1", 443},
      {"192.0.2.77/24", T::kCidr, "192.0.2.0/24", 0},
      {"192.0.2.1/32", T::kCidr, "192.0.2.1/32", 0},
      {"2001:db8::1/128", T::kCidr, "2001:db8::1/128", 0},
      {"2001:db8:ffff::/32", T::kCidr, "2001:db8::/32", 0},
      {"http://Example.COM/Path?q=1#frag", T::kUrl, "example.com/Path?q=1", 0},
      {"hxxps://evil[.]com:443/x", T::kUrl, "evil.com/x", 0},
      {"https://evil.com:8443/x", T::kUrl, "evil.com:8443/x", 0},
      {"ftp://files.example.org/pub", T::kUrl, "files.example.org/pub", 0},
      {"http://144.202.54.8", T::kUrl, "144.202.54.8/", 0},
      {"http://[2001:db8::1]:8080/x", T::kUrl, "[2001:db8::1]:8080/x", 0},
      {"evil.com/gate.php", T::kUrl, "evil.com/gate.php", 0},
      {"Evil.com?id=1", T::kUrl, "evil.com/?id=1", 0},
      {"217.12.204.100/news/", T::kUrl, "217.12.204.100/news/", 0},
      {"newidealupvc.com:443/img/x.php", T::kUrl, "newidealupvc.com:443/img/x.php", 0},
      {"Evil.Example.COM.", T::kDomain, "evil.example.com", 0},
      {"*.evil.example", T::kDomain, "evil.example", 0},
      {"example[.]com", T::kDomain, "example.com", 0},
      {"xn--80ak6aa92e.xn--p1ai", T::kDomain, "xn--80ak6aa92e.xn--p1ai", 0},
      {"under_score.example.com", T::kDomain, "under_score.example.com", 0},
      {"evil.com:8080", T::kDomain, "evil.com", 8080},
  };
  for (const auto& c : cases) {
    const Classification got = classify_indicator(c.token);
    EXPECT_EQ(got.kind, Classification::kIndicator) << c.token << ": " << got.reason;
    EXPECT_EQ(got.type, c.type) << c.token;
    EXPECT_EQ(got.normalized, c.normalized) << c.token;
    EXPECT_EQ(got.port, c.port) << c.token;
  }
}

struct SkippedCase {
  std::string token;
  const char* kind;
};

TEST(ClassifyIndicator, Skipped) {
  const SkippedCase cases[] = {
      {"d41d8cd98f00b204e9800998ecf8427e", "md5"},
      {"da39a3ee5e6b4b0d3255bfef95601890afd80709", "sha1"},
      {"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", "sha256"},
      {std::string(128, 'a'), "sha512"},
      {"alice@example.com", "email"},
      {"alice[@]example[.]com", "email"},
      {"/pkg/qsuw.php?cgimo=", "url_path"},
  };
  for (const auto& c : cases) {
    const Classification got = classify_indicator(c.token);
    EXPECT_EQ(got.kind, Classification::kSkipped) << c.token << ": " << got.reason;
    EXPECT_EQ(got.skipped_kind, c.kind) << c.token;
  }
}

struct BadCase {
  std::string token;
  std::string reason;
};

TEST(ClassifyIndicator, Invalid) {
  const BadCase cases[] = {
      {"foo bar", "not an indicator: 'foo bar'"},
      {"", "empty indicator"},
      {"localhost", "not an indicator: 'localhost'"},
      {"1.2.3.4.5", "not an indicator: '1.2.3.4.5'"},
      {"256.1.1.1", "not an indicator: '256.1.1.1'"},
      {"example.c0m", "not an indicator: 'example.c0m'"},
      {"a..b.com", "not an indicator: 'a..b.com'"},
      {std::string(64, 'a') + ".com", "not an indicator: '" + std::string(64, 'a') + "...'"},
      {"1.2.3.4/33", "invalid cidr: '1.2.3.4/33'"},
      {"1.2.3.4:0", "not an indicator: '1.2.3.4:0'"},
      {"1.2.3.4:70000", "not an indicator: '1.2.3.4:70000'"},
      {"tcp://1.2.3.4:80", "unsupported url scheme: 'tcp'"},
      {"http:///path", "not an indicator: 'http:///path'"},
      {"http://exa$mple.com/", "not an indicator: 'http://exa$mple.com/'"},
      {"intranet/login.php", "not an indicator: 'intranet/login.php'"},
      {"/", "not an indicator: '/'"},
      {"abc123", "not an indicator: 'abc123'"},
      {"@example.com", "not an indicator: '@example.com'"},
      {"a@b@example.com", "not an indicator: 'a@b@example.com'"},
      {"[::1", "not an indicator: '[::1'"},
      {"[1.2.3.4]:80", "not an indicator: '[1.2.3.4]:80'"},
      {"evil.com:80:81", "not an indicator: 'evil.com:80:81'"},
  };
  for (const auto& c : cases) {
    const Classification got = classify_indicator(c.token);
    EXPECT_EQ(got.kind, Classification::kInvalid) << c.token;
    EXPECT_EQ(got.reason, c.reason) << c.token;
  }
}

struct NormalizeCase {
  const char* in;
  const char* out;  // nullptr: nullopt
};

TEST(NormalizeUrl, Table) {
  const NormalizeCase cases[] = {
      {"http://user:pw@Example.com:80/a/B?x=1#y", "example.com/a/B?x=1"},
      {"https://example.com:443", "example.com/"},
      {"https://example.com:80/", "example.com:80/"},
      {"http://example.com:8080/x", "example.com:8080/x"},
      {"http://example.com:/x", "example.com/x"},
      {"example.com", "example.com/"},
      {"example.com:80/x", "example.com/x"},
      {"example.com?q", "example.com/?q"},
      {"example.com#top", "example.com/"},
      {"hxxp://Example.com/x", "example.com/x"},
      {"http://[2001:DB8::1]:8080/x", "[2001:db8::1]:8080/x"},
      {"HTTP://EXAMPLE.COM./", "example.com/"},
      {"http://192.0.2.1//double//slash", "192.0.2.1//double//slash"},
      {"http://intranet/x", "intranet/x"},
      {"http:///x", nullptr},
      {"", nullptr},
      {"http://exa mple.com/", nullptr},
      {"http://example.com:99999/", nullptr},
      {"http://example.com:http/", nullptr},
      {"http://[::1/", nullptr},
      {"http://[192.0.2.1]/", nullptr},
  };
  for (const auto& c : cases) {
    const auto got = normalize_url(c.in);
    if (c.out == nullptr) {
      EXPECT_FALSE(got.has_value()) << c.in << " -> " << got.value_or("");
    } else {
      EXPECT_EQ(got.value_or("<nullopt>"), c.out) << c.in;
    }
  }
}

TEST(NormalizeDomain, Table) {
  const std::string label63(63, 'a');
  const std::string name260 = label63 + "." + label63 + "." + label63 + "." + label63 + ".com";
  const struct {
    std::string in;
    std::optional<std::string> out;
  } cases[] = {
      {"Example.COM.", "example.com"},
      {"localhost", "localhost"},
      {"_dmarc.example.com", "_dmarc.example.com"},
      {label63 + ".com", label63 + ".com"},
      {"a..b", std::nullopt},
      {"", std::nullopt},
      {".", std::nullopt},
      {".example.com", std::nullopt},
      {"exa mple.com", std::nullopt},
      {"example.com:80", std::nullopt},
      {std::string(64, 'a') + ".com", std::nullopt},
      {name260, std::nullopt},
  };
  for (const auto& c : cases) EXPECT_EQ(normalize_domain(c.in), c.out) << c.in;
}

}  // namespace
}  // namespace tripline
