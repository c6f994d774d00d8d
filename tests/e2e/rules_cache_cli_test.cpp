// `tripline scan --rules-cache DIR`: the second run loads the Hyperscan databases from the
// cache and writes the same alerts; a damaged entry is reported, compiled again and rewritten.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/e2e/e2e_support.hpp"
#include "tests/test_support.hpp"

namespace tripline::test {
namespace {

constexpr const char* kRules = R"(# content rules
alert dns any any -> any any (msg:"dns"; dns.query; content:"malware-c2"; nocase; sid:1000001;)
alert tls any any -> any any (msg:"sni"; tls.sni; content:"update-check"; sid:1000002;)
alert http any any -> any any (msg:"uri"; http.uri; content:"/payload/stage2.bin"; endswith; sid:1000003;)
alert udp any any -> any 53 (msg:"datagram"; content:"|0a|malware-c2|07|example"; sid:1000005;)
alert tcp any any -> any any (msg:"stream"; flow:to_server,established; content:"/payload/stage2.bin"; sid:1000008;)
)";

constexpr const char* kFromCache = "(Hyperscan databases from cache)";

TEST(CliRulesCache, SecondScanLoadsTheDatabasesFromTheCacheWithTheSameAlerts) {
  TempDir dir;
  const auto pcap = dir.path() / "g.pcap", rules = dir.path() / "sig.rules";
  const auto cache = dir.path() / "cache";
  std::ofstream(rules) << kRules;
  const auto inject = std::string(TRIPLINE_SOURCE_DIR) + "/rules/demo/demo.list";
  ASSERT_EQ(
      run_command(shell_quote(trafficgen_binary()) + " --out " + shell_quote(pcap) +
                  " --truth /dev/null --packets 5000 --seed 3 --inject " + shell_quote(inject))
          .exit_code,
      0);
  const auto scan = [&] {
    return run_command(shell_quote(tripline_binary()) + " scan --workers 2 --rules-cache " +
                       shell_quote(cache) + " --rules " + shell_quote(rules) + " " +
                       shell_quote(pcap));
  };
  const auto cold = scan();
  ASSERT_EQ(cold.exit_code, 0) << cold.err;
  EXPECT_EQ(cold.err.find(kFromCache), std::string::npos) << cold.err;
  EXPECT_EQ(cold.err.find("warning"), std::string::npos) << cold.err;
  std::vector<std::filesystem::path> entries;
  for (const auto& e : std::filesystem::directory_iterator(cache)) entries.push_back(e.path());
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].extension(), ".cache");

  const auto warm = scan();
  ASSERT_EQ(warm.exit_code, 0) << warm.err;
  EXPECT_NE(warm.err.find(kFromCache), std::string::npos) << warm.err;
  const auto alerts = sorted_tsv(read_alerts(cold.out));
  EXPECT_FALSE(alerts.empty());
  EXPECT_EQ(sorted_tsv(read_alerts(warm.out)), alerts);

  // A flipped byte: reported with the file and the reason, compiled, rewritten.
  std::string bytes = read_file(entries[0]);
  bytes[bytes.size() / 2] ^= 1;
  std::ofstream(entries[0], std::ios::binary | std::ios::trunc) << bytes;
  const auto damaged = scan();
  ASSERT_EQ(damaged.exit_code, 0) << damaged.err;
  EXPECT_NE(damaged.err.find("tripline: warning: rules cache: " + entries[0].string() +
                             ": checksum mismatch; compiling again\n"),
            std::string::npos)
      << damaged.err;
  EXPECT_EQ(damaged.err.find(kFromCache), std::string::npos) << damaged.err;
  EXPECT_EQ(sorted_tsv(read_alerts(damaged.out)), alerts);
  const auto again = scan();
  EXPECT_NE(again.err.find(kFromCache), std::string::npos) << again.err;
  EXPECT_EQ(again.err.find("warning"), std::string::npos) << again.err;
}

TEST(CliRulesCache, OptionIsListedForScanAndRun) {
  for (const char* command : {"scan", "run"}) {
    const auto help = run_command(shell_quote(tripline_binary()) + " " + command + " --help");
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_NE(help.out.find("--rules-cache"), std::string::npos) << command;
  }
}

}  // namespace
}  // namespace tripline::test
