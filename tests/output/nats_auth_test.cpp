// Authentication to a real nats-server: token and user/password are used, and a wrong one is
// a clear error before any packet is read.
#ifdef TRIPLINE_HAVE_NATS
#include <gtest/gtest.h>

#include <ctime>
#include <fstream>
#include <memory>

#include "tests/e2e/e2e_support.hpp"
#include "tests/output/nats_server.hpp"
#include "tests/test_support.hpp"

namespace tripline::test {
namespace {

class NatsAuth : public ::testing::Test {
 protected:
  void SetUp() override {
    if (nats_server_binary().empty()) GTEST_SKIP() << "nats-server not installed";
    rules_ = dir_.path() / "ips.list";
    std::ofstream(rules_) << "192.0.2.10\n";
    pcap_ = dir_.path() / "gen.pcap";
    ASSERT_EQ(run_command(shell_quote(trafficgen_binary()) + " --out " + q(pcap_) +
                          " --truth /dev/null --packets 2000 --seed 3 --inject " + q(rules_))
                  .exit_code,
              0);
  }
  CommandResult scan(const std::string& url, const std::string& auth, bool quiet = true) {
    return run_command(shell_quote(tripline_binary()) + " scan" + (quiet ? " -q" : "") +
                       " --sensor a1 --rules " + q(rules_) + " --alerts " +
                       q(dir_.path() / "eve.json") + " --nats " + url + " --nats-create-stream " +
                       auth + " " + q(pcap_));
  }
  // The broker refused the credentials: exit code 1 and the broker's reason, last.
  static void expect_refused(const CommandResult& run, const std::string& url) {
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_TRUE(run.err.ends_with("\ntripline: error: NATS: cannot connect to " + url +
                                  ": Authentication Violation\n"))
        << run.err;
  }
  size_t alerts() {
    const std::string eve = read_file(dir_.path() / "eve.json");
    size_t n = 0;
    for (size_t p = eve.find("\"event_type\":\"alert\""); p != std::string::npos;
         p = eve.find("\"event_type\":\"alert\"", p + 1))
      ++n;
    return n;
  }
  static std::string q(const std::filesystem::path& p) { return shell_quote(p.string()); }

  TempDir dir_;
  std::filesystem::path rules_, pcap_;
};

TEST_F(NatsAuth, Token) {
  NatsServer server(dir_.path() / "js", {"--auth", "s3cret"});
  ASSERT_TRUE(server.start());
  const std::string url = server.url();
  const auto ok = scan(url, "--nats-token s3cret");
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  ASSERT_GT(alerts(), 0u);
  std::vector<StreamMessage> messages;
  ASSERT_TRUE(read_stream("nats://s3cret@127.0.0.1:" + std::to_string(server.port()),
                          "TRIPLINE_ALERTS_A1", &messages));
  EXPECT_EQ(messages.size(), alerts() + 1);  // and the stats event

  const auto wrong = scan(url, "--nats-token nope");
  expect_refused(wrong, url);
}

TEST_F(NatsAuth, UserAndPassword) {
  NatsServer server(dir_.path() / "js", {"--user", "sensor", "--pass", "pw-1"});
  ASSERT_TRUE(server.start());
  const auto ok = scan(server.url(), "--nats-user sensor --nats-password pw-1");
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  std::vector<StreamMessage> messages;
  ASSERT_TRUE(read_stream("nats://sensor:pw-1@127.0.0.1:" + std::to_string(server.port()),
                          "TRIPLINE_ALERTS_A1", &messages));
  EXPECT_EQ(messages.size(), alerts() + 1);
  const auto wrong = scan(server.url(), "--nats-user sensor --nats-password wrong");
  expect_refused(wrong, server.url());
}

// Mutual TLS with certificates made for the test: the server's signed by a test CA that the
// sensor trusts (--nats-tls-ca), the sensor's (--nats-tls-cert/--nats-tls-key) checked by the
// server (--tlsverify). Without the CA, the connection is refused with a clear error.
TEST_F(NatsAuth, MutualTls) {
  if (!have_program("openssl")) GTEST_SKIP() << "openssl not installed";
  const std::string d = shell_quote(dir_.path().string());
  const auto made =
      run_command("cd " + d +
                  " && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 1"
                  " -subj /CN=tripline-test-ca"
                  " && openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr"
                  " -subj /CN=127.0.0.1"
                  " && printf 'subjectAltName=IP:127.0.0.1\\n' > server.ext"
                  " && openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial"
                  " -out server.pem -days 1 -extfile server.ext"
                  " && openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr"
                  " -subj /CN=sensor-a1"
                  " && openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial"
                  " -out client.pem -days 1");
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const auto p = [&](const char* name) { return (dir_.path() / name).string(); };
  NatsServer server(dir_.path() / "js",
                    {"--tls", "--tlscert", p("server.pem"), "--tlskey", p("server.key"),
                     "--tlsverify", "--tlscacert", p("ca.pem")});
  ASSERT_TRUE(server.start());
  const auto ok =
      scan(server.url(),
           "--nats-tls-ca " + shell_quote(p("ca.pem")) + " --nats-tls-cert " +
               shell_quote(p("client.pem")) + " --nats-tls-key " + shell_quote(p("client.key")),
           /*quiet=*/false);
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  ASSERT_GT(alerts(), 0u);
  EXPECT_NE(ok.err.find("tripline: nats: " + std::to_string(alerts() + 1) + " published"),
            std::string::npos)
      << ok.err;

  const auto untrusted = scan(server.url(), "--nats-tls-cert " + shell_quote(p("client.pem")) +
                                                " --nats-tls-key " + shell_quote(p("client.key")));
  EXPECT_EQ(untrusted.exit_code, 1);
  EXPECT_NE(untrusted.err.find("tripline: error: NATS: cannot connect to " + server.url() + ": "),
            std::string::npos)
      << untrusted.err;
}

// NATS nkey encoding: base32 (RFC 4648, no padding) of prefix byte(s) + key + CRC-16/XMODEM
// (little endian).
std::string nkey_encode(std::vector<uint8_t> raw) {
  uint16_t crc = 0;
  for (const uint8_t b : raw) {
    crc ^= static_cast<uint16_t>(b << 8);
    for (int i = 0; i < 8; ++i)
      crc = static_cast<uint16_t>(crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1);
  }
  raw.push_back(static_cast<uint8_t>(crc));
  raw.push_back(static_cast<uint8_t>(crc >> 8));
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (const uint8_t b : raw) {
    buffer = buffer << 8 | b;
    bits += 8;
    while (bits >= 5) {
      out += kAlphabet[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 31];
  return out;
}

// A user nkey pair made with openssl's Ed25519: {seed "SU...", public key "U..."}.
std::pair<std::string, std::string> make_user_nkey(const std::filesystem::path& dir,
                                                   const std::string& name) {
  const std::string d = shell_quote(dir.string());
  const auto r = run_command("cd " + d + " && openssl genpkey -algorithm ed25519 -out " + name +
                             ".pem && openssl pkey -in " + name + ".pem -outform DER -out " + name +
                             ".der && openssl pkey -in " + name +
                             ".pem -pubout -outform DER -out " + name + ".pub.der");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto last32 = [](const std::string& der) {
    return std::vector<uint8_t>(der.end() - 32, der.end());
  };
  const std::vector<uint8_t> seed = last32(read_file(dir / (name + ".der")));
  const std::vector<uint8_t> pub = last32(read_file(dir / (name + ".pub.der")));
  constexpr uint8_t kUser = 20 << 3, kSeed = 18 << 3;
  std::vector<uint8_t> raw_seed = {static_cast<uint8_t>(kSeed | kUser >> 5),
                                   static_cast<uint8_t>((kUser & 31) << 3)};
  raw_seed.insert(raw_seed.end(), seed.begin(), seed.end());
  std::vector<uint8_t> raw_pub = {kUser};
  raw_pub.insert(raw_pub.end(), pub.begin(), pub.end());
  return {nkey_encode(raw_seed), nkey_encode(raw_pub)};
}

TEST_F(NatsAuth, UserNkey) {
  if (!have_program("openssl")) GTEST_SKIP() << "openssl not installed";
  const auto [seed, key] = make_user_nkey(dir_.path(), "sensor");
  ASSERT_EQ(seed.substr(0, 2), "SU");
  ASSERT_EQ(key.substr(0, 1), "U");
  const auto conf = dir_.path() / "nkeys.conf";
  std::ofstream(conf) << "authorization { users = [ { nkey: \"" << key << "\" } ] }\n";
  NatsServer server(dir_.path() / "js", {"-c", conf.string()});
  ASSERT_TRUE(server.start());
  const auto file = dir_.path() / "sensor.nk";
  std::ofstream(file) << seed << "\n" << key << "\n";
  const auto ok = scan(server.url(), "--nats-nkey " + q(file));
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  ASSERT_GT(alerts(), 0u);

  // Another key, unknown to the server: refused.
  const auto [other_seed, other_key] = make_user_nkey(dir_.path(), "stranger");
  const auto other = dir_.path() / "stranger.nk";
  std::ofstream(other) << other_seed << "\n" << other_key << "\n";
  const auto wrong = scan(server.url(), "--nats-nkey " + q(other));
  expect_refused(wrong, server.url());
}

std::string base64url(std::string_view data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (const char c : data) {
    buffer = buffer << 8 | static_cast<uint8_t>(c);
    bits += 8;
    while (bits >= 6) {
      out += kAlphabet[(buffer >> (bits - 6)) & 63];
      bits -= 6;
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (6 - bits)) & 63];
  return out;
}

// An nkey of `prefix` ('O' operator, 'A' account, 'U' user) made with openssl: its PEM file
// (for signing), its public key and, for users, its seed.
struct TestNkey {
  std::string pem, public_key, seed;
};

TestNkey make_nkey(const std::filesystem::path& dir, const std::string& name, uint8_t prefix) {
  const auto [seed, user_key] = make_user_nkey(dir, name);
  const std::string der = read_file(dir / (name + ".pub.der"));
  std::vector<uint8_t> raw = {prefix};
  raw.insert(raw.end(), der.end() - 32, der.end());
  return {(dir / (name + ".pem")).string(), nkey_encode(raw), seed};
}

// A NATS JWT (alg ed25519-nkey) with `claims`, signed by `issuer`.
std::string make_jwt(const std::filesystem::path& dir, const TestNkey& issuer,
                     const std::string& claims) {
  const std::string input =
      base64url(R"({"typ":"JWT","alg":"ed25519-nkey"})") + "." + base64url(claims);
  const auto in = dir / "jwt.in", sig = dir / "jwt.sig";
  std::ofstream(in, std::ios::binary) << input;
  const auto r =
      run_command("openssl pkeyutl -sign -rawin -inkey " + shell_quote(issuer.pem) + " -in " +
                  shell_quote(in.string()) + " -out " + shell_quote(sig.string()));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return input + "." + base64url(read_file(sig));
}

// Decentralised auth: an operator, an account with JetStream and a user, as nsc would make
// them; the sensor connects with the user's .creds file.
TEST_F(NatsAuth, CredsFile) {
  if (!have_program("openssl")) GTEST_SKIP() << "openssl not installed";
  const auto& d = dir_.path();
  const TestNkey op = make_nkey(d, "operator", 14 << 3), account = make_nkey(d, "account", 0),
                 sys = make_nkey(d, "system", 0), user = make_nkey(d, "user", 20 << 3);
  const std::string iat = std::to_string(std::time(nullptr));
  const std::string op_jwt =
      make_jwt(d, op,
               R"({"jti":"TESTOPERATOR","iat":)" + iat + R"(,"iss":")" + op.public_key +
                   R"(","name":"test-operator","sub":")" + op.public_key +
                   R"(","nats":{"type":"operator","version":2}})");
  const std::string account_jwt = make_jwt(
      d, op,
      R"({"jti":"TESTACCOUNT","iat":)" + iat + R"(,"iss":")" + op.public_key +
          R"(","name":"sensors","sub":")" + account.public_key +
          R"(","nats":{"limits":{"subs":-1,"data":-1,"payload":-1,"imports":-1,"exports":-1,)"
          R"("wildcards":true,"conn":-1,"leaf":-1,"mem_storage":-1,"disk_storage":-1,)"
          R"("streams":-1,"consumer":-1},"type":"account","version":2}})");
  // JetStream in operator mode needs a system account.
  const std::string sys_jwt = make_jwt(
      d, op,
      R"({"jti":"TESTSYSTEM","iat":)" + iat + R"(,"iss":")" + op.public_key +
          R"(","name":"SYS","sub":")" + sys.public_key +
          R"(","nats":{"limits":{"subs":-1,"data":-1,"payload":-1,"imports":-1,"exports":-1,)"
          R"("wildcards":true,"conn":-1,"leaf":-1},"type":"account","version":2}})");
  const std::string user_jwt =
      make_jwt(d, account,
               R"({"jti":"TESTUSER","iat":)" + iat + R"(,"iss":")" + account.public_key +
                   R"(","name":"sensor-a1","sub":")" + user.public_key +
                   R"(","nats":{"pub":{},"sub":{},"subs":-1,"data":-1,"payload":-1,"type":"user",)"
                   R"("version":2}})");
  const auto conf = d / "operator.conf";
  std::ofstream(conf) << "operator: \"" << op_jwt << "\"\nsystem_account: " << sys.public_key
                      << "\nresolver: MEMORY\nresolver_preload: {\n  " << account.public_key
                      << ": \"" << account_jwt << "\"\n  " << sys.public_key << ": \"" << sys_jwt
                      << "\"\n}\n";
  NatsServer server(d / "js", {"-c", conf.string()});
  ASSERT_TRUE(server.start()) << read_file(d / "js.log");
  const auto creds = d / "sensor.creds";
  std::ofstream(creds) << "-----BEGIN NATS USER JWT-----\n"
                       << user_jwt << "\n------END NATS USER JWT------\n\n"
                       << "-----BEGIN USER NKEY SEED-----\n"
                       << user.seed << "\n------END USER NKEY SEED------\n";
  const auto ok = scan(server.url(), "--nats-creds " + q(creds));
  ASSERT_EQ(ok.exit_code, 0) << ok.err << read_file(d / "js.log");
  ASSERT_GT(alerts(), 0u);
  const auto none = scan(server.url(), "");
  EXPECT_EQ(none.exit_code, 1) << none.err;
}

}  // namespace
}  // namespace tripline::test
#endif  // TRIPLINE_HAVE_NATS
