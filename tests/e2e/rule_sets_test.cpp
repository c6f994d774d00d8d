// Several named rule sets at once (`--rules NAME=PATH`): the same indicator listed by two of
// them raises one alert per flow, and that alert names both listings.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <fstream>
#include <set>
#include <sstream>

#include "tests/e2e/e2e_support.hpp"
#include "tests/test_support.hpp"

namespace tripline::test {
namespace {

TEST(RuleSets, TheSameIndicatorFromTwoSetsIsOneAlertNamingBoth) {
  TempDir dir;
  const auto a = dir.path() / "a.list", b = dir.path() / "partner.csv";
  const auto pcap = dir.path() / "gen.pcap";
  std::ofstream(a) << "192.0.2.10\nmalware-c2.example\n";
  std::ofstream(b) << "indicator,type,source,campaign,tlp,confidence\n"
                      "192.0.2.10,ip,Partner CERT,GridLock,amber,90\n";
  ASSERT_EQ(run_command(shell_quote(trafficgen_binary()) + " --out " + shell_quote(pcap) +
                        " --truth /dev/null --packets 3000 --seed 17 --inject " + shell_quote(a))
                .exit_code,
            0);
  const auto alone = run_command(shell_quote(tripline_binary()) + " scan -q --rules " +
                                 shell_quote(a) + " " + shell_quote(pcap));
  ASSERT_EQ(alone.exit_code, 0) << alone.err;
  const auto both =
      run_command(shell_quote(tripline_binary()) + " scan -q --rules ours=" + shell_quote(a) +
                  " --rules partner=" + shell_quote(b) + " " + shell_quote(pcap));
  ASSERT_EQ(both.exit_code, 0) << both.err;
  // The same alerts (flows and values) as with one set alone: nothing doubled.
  EXPECT_EQ(sorted_tsv(read_alerts(both.out)), sorted_tsv(read_alerts(alone.out)));

  simdjson::dom::parser parser;
  std::istringstream in(both.out);
  size_t ip_alerts = 0, domain_alerts = 0;
  for (std::string line; std::getline(in, line);) {
    simdjson::dom::element doc;
    ASSERT_FALSE(parser.parse(line).get(doc)) << line;
    std::string_view type;
    if (doc["event_type"].get(type) || type != "alert") continue;
    const simdjson::dom::element ioc = doc["ioc"];
    EXPECT_EQ(ioc["rule_set"].get_string().value(), "ours");  // the first listing alerts
    if (ioc["value"].get_string().value() != "192.0.2.10") {
      ++domain_alerts;
      EXPECT_TRUE(ioc["sources"].error()) << "listed once: no sources array";
      continue;
    }
    ++ip_alerts;
    simdjson::dom::array sources;
    ASSERT_FALSE(ioc["sources"].get(sources)) << line;
    ASSERT_EQ(sources.size(), 2u);
    EXPECT_EQ(sources.at(0)["rule_set"].get_string().value(), "ours");
    EXPECT_EQ(sources.at(1)["rule_set"].get_string().value(), "partner");
    EXPECT_EQ(sources.at(1)["source"].get_string().value(), "Partner CERT");
    EXPECT_EQ(sources.at(1)["campaign"].get_string().value(), "GridLock");
    EXPECT_EQ(sources.at(1)["tlp"].get_string().value(), "amber");
    EXPECT_EQ(sources.at(1)["confidence"].get_uint64().value(), 90u);
  }
  EXPECT_GT(ip_alerts, 0u);
  EXPECT_GT(domain_alerts, 0u);
}

}  // namespace
}  // namespace tripline::test
