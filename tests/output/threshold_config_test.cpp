// threshold.config parser: every supported line form, and a bad-input table with the exact
// diagnostic of each; a bad line never stops the rest of the file from loading.
#include "output/threshold_config.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "tests/test_support.hpp"

namespace tripline {
namespace {

using Strings = std::vector<std::string>;

std::string scope_text(const ThresholdScope& s) {
  if (s.by_rule_set()) return "rule_set=" + s.rule_set;
  return std::to_string(s.gid) + ":" + std::to_string(s.sid);
}

// "line scope type track count seconds" per threshold.
Strings thresholds(const ThresholdConfig& c) {
  Strings out;
  for (const auto& t : c.thresholds)
    out.push_back(std::to_string(t.line) + " " + scope_text(t.scope) + " " +
                  std::string(to_string(t.type)) + " " + std::string(to_string(t.track)) + " " +
                  std::to_string(t.count) + " " + std::to_string(t.seconds));
  return out;
}

// "line scope track addresses..." per suppression.
Strings suppressions(const ThresholdConfig& c) {
  Strings out;
  for (const auto& s : c.suppressions) {
    std::string line =
        std::to_string(s.line) + " " + scope_text(s.scope) + " " + std::string(to_string(s.track));
    for (const Cidr& cidr : s.addresses) line += " " + to_string(cidr);
    out.push_back(line);
  }
  return out;
}

Strings diagnostics(const ThresholdConfig& c) {
  Strings out;
  for (const auto& d : c.diagnostics) out.push_back(d.to_string());
  return out;
}

TEST(ThresholdConfig, ParsesSuricatasFormsAndTriplinesExtensions) {
  const char* text =
      "# Suricata's examples\n"
      "threshold gen_id 1, sig_id 2002087, type both, track by_src, count 3, seconds 5\n"
      "event_filter gen_id 1, sig_id 9000001, type limit, track by_dst, count 1, seconds 60  "
      "# trailing comment\n"
      "\n"
      "   THRESHOLD Gen_ID 0, SIG_ID 0, TYPE Threshold, TRACK By_Rule, COUNT 10, SECONDS 10\r\n"
      "threshold gen_id 1, sig_id 5, \\\n"
      "    type limit, track by_flow, count 2, seconds 30\n"
      "threshold gen_id 3, sig_id 0, seconds 7, count 4, track by_both, type limit\n"
      "threshold rule_set demo.list, type limit, track by_src, count 1, seconds 60\n"
      "suppress gen_id 1, sig_id 2002087\n"
      "suppress gen_id 1, sig_id 2003614, track by_src, ip 217.110.97.128/25\n"
      "suppress gen_id 1, sig_id 2003614, track by_either, ip [192.168.0.0/16, "
      "10.0.0.0/8,2001:db8::1]\n"
      "suppress gen_id 0, sig_id 0, track by_dst, ip 192.0.2.77/24\n"
      "suppress rule_set noisy.csv, track by_dst, ip 2001:db8::/32";
  ThresholdConfig config;
  parse_threshold_config(text, "threshold.config", config);
  EXPECT_EQ(diagnostics(config), Strings{});
  EXPECT_EQ(thresholds(config), (Strings{
                                    "2 1:2002087 both by_src 3 5",
                                    "3 1:9000001 limit by_dst 1 60",
                                    "5 0:0 threshold by_rule 10 10",
                                    "6 1:5 limit by_flow 2 30",
                                    "8 3:0 limit by_both 4 7",
                                    "9 rule_set=demo.list limit by_src 1 60",
                                }));
  EXPECT_EQ(suppressions(config),
            (Strings{
                "10 1:2002087 all",
                "11 1:2003614 by_src 217.110.97.128/25",
                "12 1:2003614 by_either 192.168.0.0/16 10.0.0.0/8 2001:db8::1/128",
                "13 0:0 by_dst 192.0.2.0/24",
                "14 rule_set=noisy.csv by_dst 2001:db8::/32",
            }));
  EXPECT_EQ(config.thresholds[0].file, "threshold.config");
}

struct BadLine {
  const char* line;
  const char* diagnostic;  // for "t.conf", line 1
};

const BadLine kBadLines[] = {
    {"threshold", "t.conf:1: missing gen_id and sig_id (or rule_set)"},
    {"threshold gen_id 1", "t.conf:1: missing sig_id"},
    {"threshold sig_id 1, type limit, track by_src, count 1, seconds 1",
     "t.conf:1: missing gen_id"},
    {"threshold gen_id 1, sig_id 2", "t.conf:1: missing type"},
    {"threshold gen_id 1, sig_id 2, type limit", "t.conf:1: missing track"},
    {"threshold gen_id 1, sig_id 2, type limit, track by_src", "t.conf:1: missing count"},
    {"threshold gen_id 1, sig_id 2, type limit, track by_src, count 1",
     "t.conf:1: missing seconds"},
    {"threshold gen_id x, sig_id 2, type limit, track by_src, count 1, seconds 1",
     "t.conf:1: bad gen_id 'x' (expected a number from 0 to 4294967295)"},
    {"threshold gen_id 1, sig_id 4294967296, type limit, track by_src, count 1, seconds 1",
     "t.conf:1: bad sig_id '4294967296' (expected a number from 0 to 4294967295)"},
    {"threshold gen_id 1, sig_id -3, type limit, track by_src, count 1, seconds 1",
     "t.conf:1: bad sig_id '-3' (expected a number from 0 to 4294967295)"},
    {"threshold gen_id 1, sig_id 2, type limit, track by_src, count 1x, seconds 1",
     "t.conf:1: bad count '1x' (expected a number from 0 to 4294967295)"},
    {"threshold gen_id 0, sig_id 5, type limit, track by_src, count 1, seconds 1",
     "t.conf:1: sig_id 5 with gen_id 0: give the rule's gen_id (1 for most rules and for "
     "indicators)"},
    {"threshold gen_id 1, sig_id 2, type backoff, track by_flow, count 1, seconds 1",
     "t.conf:1: unknown type 'backoff' (expected limit, threshold or both)"},
    {"threshold gen_id 1, sig_id 2, type limit, track by_either, count 1, seconds 1",
     "t.conf:1: track by_either is only for suppress"},
    {"threshold gen_id 1, sig_id 2, type limit, track by_host, count 1, seconds 1",
     "t.conf:1: unknown track 'by_host' (expected by_src, by_dst, by_rule, by_both or by_flow)"},
    {"threshold gen_id 1, sig_id 2, type limit, track by_src, count 0, seconds 1",
     "t.conf:1: count must be at least 1"},
    {"threshold gen_id 1, sig_id 2, type limit, track by_src, count 1, seconds 0",
     "t.conf:1: seconds must be at least 1"},
    {"threshold gen_id 1, sig_id 2, type limit, type both", "t.conf:1: option 'type' given twice"},
    {"threshold gen_id 1, sig_id 2,, type limit", "t.conf:1: empty option (a stray comma?)"},
    {"threshold gen_id 1, sig_id 2, type limit,", "t.conf:1: empty option (a stray comma?)"},
    {"threshold gen_id 1, sig_id 2, colour red", "t.conf:1: unknown option 'colour'"},
    {"threshold gen_id 1, sig_id 2, type", "t.conf:1: option 'type' needs a value"},
    {"threshold gen_id 1, sig_id 2, type limit, track by_src, count 1, seconds 1, ip 1.2.3.4",
     "t.conf:1: option 'ip' is only for suppress"},
    {"threshold rule_set a.list, gen_id 1, type limit, track by_src, count 1, seconds 1",
     "t.conf:1: rule_set cannot be combined with gen_id or sig_id"},
    {"event_filter gen_id 1, sig_id 2, type limit, track by_src, count 1",
     "t.conf:1: missing seconds"},
    {"suppress", "t.conf:1: missing gen_id and sig_id (or rule_set)"},
    {"suppress gen_id 1, sig_id 2, track by_src", "t.conf:1: track needs ip"},
    {"suppress gen_id 1, sig_id 2, ip 1.2.3.4", "t.conf:1: ip needs track"},
    {"suppress gen_id 1, sig_id 2, track by_rule, ip 1.2.3.4",
     "t.conf:1: unknown track 'by_rule' for suppress (expected by_src, by_dst or by_either)"},
    {"suppress gen_id 1, sig_id 2, count 3", "t.conf:1: option 'count' is not used by suppress"},
    {"suppress gen_id 1, sig_id 2, track by_src, ip $HOME_NET",
     "t.conf:1: address variables such as '$HOME_NET' are not supported: write the addresses"},
    {"suppress gen_id 1, sig_id 2, track by_src, ip !1.2.3.4",
     "t.conf:1: negated addresses such as '!1.2.3.4' are not supported"},
    {"suppress gen_id 1, sig_id 2, track by_src, ip 300.1.1.1",
     "t.conf:1: bad address '300.1.1.1' in ip"},
    {"suppress gen_id 1, sig_id 2, track by_src, ip 10.0.0.0/33",
     "t.conf:1: bad address '10.0.0.0/33' in ip"},
    {"suppress gen_id 1, sig_id 2, track by_src, ip [1.2.3.4", "t.conf:1: unbalanced '['"},
    {"suppress gen_id 1, sig_id 2, track by_src, ip 1.2.3.4]", "t.conf:1: unbalanced ']'"},
    {"suppress gen_id 1, sig_id 2, track by_src, ip [1.2.3.4]x", "t.conf:1: text after ']' in ip"},
    {"suppress gen_id 1, sig_id 2, track by_src, ip [1.2.3.4,,5.6.7.8]",
     "t.conf:1: empty address in ip"},
    {"suppress gen_id 1, sig_id 2, track by_src, ip [[1.2.3.4]]",
     "t.conf:1: nested address lists are not supported"},
    {"detection_filter gen_id 1, sig_id 2, track by_src, count 1, seconds 1",
     "t.conf:1: unknown command 'detection_filter' (expected threshold, event_filter, suppress "
     "or rate_filter)"},
    {"rate_filter gen_id 1, sig_id 1000, track by_rule, count 100, seconds 60, new_action "
     "alert, timeout 30",
     "t.conf:1: warning: rate_filter is not supported (it changes a rule's action; tripline only "
     "observes): line ignored"},
};

TEST(ThresholdConfig, BadLinesGiveExactDiagnostics) {
  for (const BadLine& bad : kBadLines) {
    ThresholdConfig config;
    parse_threshold_config(bad.line, "t.conf", config);
    EXPECT_EQ(diagnostics(config), Strings{bad.diagnostic}) << bad.line;
    EXPECT_TRUE(config.empty()) << bad.line;
  }
}

TEST(ThresholdConfig, BadLinesAreReportedAndTheRestLoads) {
  const char* text =
      "threshold gen_id 1, sig_id 2, type limit, track by_src, count 1, seconds 60\n"
      "threshold gen_id 1, sig_id 3, \\\n"
      "  type sometimes, track by_src, count 1, seconds 60\n"
      "suppress gen_id 1, sig_id 4\n"
      "rate_filter gen_id 1, sig_id 5, track by_rule, count 1, seconds 1, new_action drop, "
      "timeout 9\n"
      "nonsense\n"
      "suppress gen_id 1, sig_id 6, track by_dst, ip 192.0.2.1";
  ThresholdConfig config;
  parse_threshold_config(text, "t.conf", config);
  EXPECT_EQ(diagnostics(config),
            (Strings{
                "t.conf:2: unknown type 'sometimes' (expected limit, threshold or both)",
                "t.conf:5: warning: rate_filter is not supported (it changes a rule's action; "
                "tripline only observes): line ignored",
                "t.conf:6: unknown command 'nonsense' (expected threshold, event_filter, "
                "suppress or rate_filter)",
            }));
  EXPECT_EQ(config.error_count(), 2u);
  EXPECT_EQ(thresholds(config), Strings{"1 1:2 limit by_src 1 60"});
  EXPECT_EQ(suppressions(config), (Strings{"4 1:4 all", "7 1:6 by_dst 192.0.2.1/32"}));
}

TEST(ThresholdConfig, EmptyAndCommentOnlyFilesLoadNothing) {
  for (const char* text : {"", "\n\n", "# only a comment\n   # another\n", "\\\n", "  \\"}) {
    ThresholdConfig config;
    parse_threshold_config(text, "t.conf", config);
    EXPECT_TRUE(config.empty()) << text;
    EXPECT_TRUE(config.diagnostics.empty()) << text;
  }
}

TEST(ThresholdConfig, UnreadableFileIsAnErrorForTheWholeFile) {
  test::TempDir dir;
  ThresholdConfig config;
  load_threshold_file((dir.path() / "missing.config").string(), config);
  load_threshold_file(dir.path().string(), config);
  EXPECT_EQ(diagnostics(config),
            (Strings{(dir.path() / "missing.config").string() + ": cannot read threshold file",
                     dir.path().string() + ": cannot read threshold file"}));

  const auto file = dir.path() / "threshold.config";
  std::ofstream(file) << "suppress gen_id 1, sig_id 9000001\n";
  ThresholdConfig loaded;
  load_threshold_file(file.string(), loaded);
  EXPECT_EQ(suppressions(loaded), Strings{"1 1:9000001 all"});
  EXPECT_EQ(loaded.suppressions[0].file, file.string());
}

}  // namespace
}  // namespace tripline
