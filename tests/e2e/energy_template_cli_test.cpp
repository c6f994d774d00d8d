// `tripline rules check` on the bundled rules/energy-template: exit 0, every file's line, zero
// errors; and on Suricata dataset and iprep files given one by one.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "tests/e2e/e2e_support.hpp"
#include "tests/test_support.hpp"

namespace tripline::test {
namespace {

CommandResult tripline(const std::string& args) {
  return run_command(shell_quote(tripline_binary()) + " " + args);
}

TEST(CliEnergyTemplate, RulesCheckLoadsEveryFileWithoutErrors) {
  const std::string dir = std::string(TRIPLINE_SOURCE_DIR) + "/rules/energy-template";
  const auto r = tripline("rules check " + shell_quote(dir));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* line : {
           "  c2-names.string.dataset: domain 2\n",
           "  cert-event.misp.json: domain 3, ip 4, ja3 1, url 1\n",
           "  grid-partners.csv: domain 1, ip 2, ja3 1, url 1\n",
           "  grid-watchlist.list: cidr 1, domain 2, ip 2, url 1\n",
           "  isac-bundle.stix.json: cidr 2, domain 1, ip 1, url 1\n",
           "  ot-blocklist.ip.dataset: ip 3\n",
           "  ot-dmz.intel: cidr 1, domain 1, ip 1, url 1\n",
           "  substation-scanners.iprep: cidr 2, ip 2\n",
           "/cert-event.misp.json: 9 rules loaded, 2 skipped (sha256 1, to_ids false 1)\n",
           "/ot-protocols.rules: 6 rules loaded, 1 skipped (unsupported keyword 'byte_test' 1)\n",
           "rules: 38 indicators (cidr 6, domain 10, ip 15, ja3 2, url 5); 5 skipped (email 1, "
           "sha256 3, string 1), listed with --list-skipped; 0 errors\n",
       })
    EXPECT_NE(r.err.find(line), std::string::npos) << line << "\n" << r.err;
  EXPECT_EQ(r.err.find("README"), std::string::npos) << r.err;
}

TEST(CliEnergyTemplate, DatasetAndIprepFilesOneByOne) {
  TempDir dir;
  const auto set = dir.path() / "bad.ip.dataset";
  std::ofstream(set) << "192.0.2.1\nnot-an-ip\n";
  const auto rep = dir.path() / "reputation.list";
  std::ofstream(rep) << "192.0.2.2,1,100\n";
  const auto r =
      tripline("rules check " + shell_quote(set.string()) + " " + shell_quote(rep.string()));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(set.string() + ":2: value 'not-an-ip' is not an ip address\n"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(rep.string() +
                       ": warning: no categories.txt beside it: categories are shown by id\n"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("rules: 2 indicators (ip 2); 0 skipped; 1 errors\n"), std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace tripline::test
