// ThresholdFilter on crafted alert sequences: Suricata's limit / threshold / both windows,
// suppress by address, gen_id / sig_id 0, rule-set scopes, by_flow / by_both / by_rule
// tracking, scope precedence, and the bounded tracker table.
#include "output/threshold_filter.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tripline {
namespace {

constexpr uint64_t kT0 = 1767225600ull * 1000000000ull;  // 2026-01-01T00:00:00Z

ThresholdConfig config_of(const char* text) {
  ThresholdConfig config;
  parse_threshold_config(text, "t.conf", config);
  EXPECT_TRUE(config.diagnostics.empty()) << config.diagnostics[0].to_string();
  return config;
}

// An alert of indicator `sid` (gid 1) from demo.list at `seconds` after kT0.
struct A {
  double seconds = 0;
  const char* src = "10.0.0.1";
  const char* dst = "192.0.2.1";
  uint32_t sid = 9000001;
  const char* rule_set = "demo.list";
  uint64_t flow = 1;
  uint32_t gid = 1;
};

AlertSubject subject(const A& a) {
  AlertSubject s;
  s.gid = a.gid;
  s.sid = a.sid;
  s.rule_set = a.rule_set;
  s.src = *parse_ip(a.src);
  s.dst = *parse_ip(a.dst);
  s.flow_id = a.flow;
  s.ts_ns = kT0 + static_cast<uint64_t>(a.seconds * 1e9);
  return s;
}

// One letter per alert: W written, S suppressed, T thresholded.
std::string verdicts(ThresholdFilter& filter, const std::vector<A>& alerts) {
  std::string out;
  for (const A& a : alerts) {
    switch (filter.decide(subject(a))) {
      case ThresholdVerdict::kWrite:
        out += 'W';
        break;
      case ThresholdVerdict::kSuppressed:
        out += 'S';
        break;
      case ThresholdVerdict::kThresholded:
        out += 'T';
        break;
    }
  }
  return out;
}

std::string run(const char* config, const std::vector<A>& alerts) {
  ThresholdFilter filter(config_of(config));
  return verdicts(filter, alerts);
}

const char* kA = "10.0.0.1";
const char* kB = "10.0.0.2";

TEST(ThresholdFilter, NoLinesWritesEverything) { EXPECT_EQ(run("", {{0}, {0}, {1, kB}}), "WWW"); }

TEST(ThresholdFilter, LimitOnePerMinuteBySrcOverTwoSources) {
  ThresholdFilter filter(config_of(
      "threshold gen_id 1, sig_id 9000001, type limit, track by_src, count 1, seconds 60"));
  // The window starts at a source's first alert and includes its 60th second.
  EXPECT_EQ(verdicts(filter, {{0, kA},
                              {10, kA},
                              {20, kB},
                              {30, kB},
                              {60, kA},
                              {60.5, kA},
                              {100, kA},
                              {80, kB},
                              {80.5, kB}}),
            "WTWTTWTTW");
  const ThresholdCounters c = filter.counters();
  EXPECT_EQ(c.thresholded, 5u);
  EXPECT_EQ(c.suppressed, 0u);
  EXPECT_EQ(c.trackers, 2u);
  EXPECT_EQ(c.evictions, 0u);
  // Another signature is not limited.
  EXPECT_EQ(verdicts(filter, {{101, kA, "192.0.2.1", 9000002}, {102, kA, "192.0.2.1", 9000002}}),
            "WW");
}

TEST(ThresholdFilter, LimitCountThreeWritesTheFirstThreeOfEachWindow) {
  EXPECT_EQ(run("threshold gen_id 1, sig_id 0, type limit, track by_dst, count 3, seconds 10",
                {{0}, {1}, {2}, {3}, {4}, {11}, {12}, {13}, {14}}),
            "WWWTTWWWT");
}

TEST(ThresholdFilter, ThresholdCountThreeWritesEveryThirdWithinAWindow) {
  // Suricata: the count restarts after each alert, the window does not; a match after the
  // window starts a new one with a count of 1.
  EXPECT_EQ(run("threshold gen_id 1, sig_id 9000001, type threshold, track by_src, count 3, "
                "seconds 60",
                {{0}, {1}, {2}, {3}, {4}, {5}, {61}, {62}, {63}, {64, kB}}),
            "TTWTTWTTWT");
  EXPECT_EQ(run("threshold gen_id 1, sig_id 9000001, type threshold, track by_src, count 1, "
                "seconds 60",
                {{0}, {1}, {200}}),
            "WWW");
}

TEST(ThresholdFilter, BothWritesTheCountthMatchOncePerWindow) {
  EXPECT_EQ(run("threshold gen_id 1, sig_id 9000001, type both, track by_src, count 3, "
                "seconds 60",
                {{0}, {1}, {2}, {3}, {50}, {61}, {62}, {63}, {64}}),
            "TTWTTTTWT");
  EXPECT_EQ(run("threshold gen_id 1, sig_id 9000001, type both, track by_src, count 1, "
                "seconds 60",
                {{0}, {1}, {61}, {62}}),
            "WTWT");
}

TEST(ThresholdFilter, SuppressByAddressCidrAndList) {
  ThresholdFilter filter(
      config_of("suppress gen_id 1, sig_id 9000001, track by_src, ip [192.0.2.7, 198.51.100.0/24]\n"
                "suppress gen_id 1, sig_id 9000002, track by_dst, ip 2001:db8::/32\n"
                "suppress gen_id 1, sig_id 9000003, track by_either, ip 203.0.113.9\n"
                "suppress gen_id 1, sig_id 9000004\n"));
  EXPECT_EQ(verdicts(filter,
                     {
                         {0, "192.0.2.7", "10.0.0.1", 9000001},       // src listed
                         {0, "198.51.100.200", "10.0.0.1", 9000001},  // src in the CIDR
                         {0, "198.51.101.1", "10.0.0.1", 9000001},    // outside
                         {0, "10.0.0.1", "192.0.2.7", 9000001},       // by_src: dst ignored
                         {0, "2001:db9::1", "2001:db8:5::1", 9000002},
                         {0, "2001:db8::1", "2001:db9::1", 9000002},
                         {0, "203.0.113.9", "10.0.0.1", 9000003},
                         {0, "10.0.0.1", "203.0.113.9", 9000003},
                         {0, "10.0.0.1", "203.0.113.10", 9000003},
                         {0, kA, kB, 9000004},
                         {0, kA, kB, 9000005},
                     }),
            "SSWWSWSSWSW");
  EXPECT_EQ(filter.counters().suppressed, 6u);
  EXPECT_EQ(filter.counters().thresholded, 0u);
}

TEST(ThresholdFilter, GenIdAndSigIdZeroMeanEverySignature) {
  // gen_id 0, sig_id 0: every gid; gen_id 1, sig_id 0: every sid of gid 1 only.
  const char* config =
      "suppress gen_id 0, sig_id 0, track by_dst, ip 203.0.113.5\n"
      "threshold gen_id 1, sig_id 0, type limit, track by_src, count 1, seconds 60\n";
  EXPECT_EQ(run(config,
                {
                    {0, kA, "203.0.113.5", 1, "x.rules", 1, 3},
                    {0, kA, "203.0.113.5", 9000001},
                    {0, kA, kB, 9000001},
                    {1, kA, kB, 9000001},
                    {1, kA, kB, 9000002},  // each signature has its own tracker
                    {2, kA, kB, 9000002},
                    {3, kA, kB, 2000001, "x.rules", 1, 3},
                    {4, kA, kB, 2000001, "x.rules", 1, 3},
                }),
            "SSWTWTWW");
}

TEST(ThresholdFilter, TheMostSpecificLineApplies) {
  // Suricata: a line for the signature replaces the rest (the last one wins); among gen_id G
  // and global lines, the first in the file wins. tripline: rule-set lines come in between.
  const char* config =
      "threshold gen_id 0, sig_id 0, type limit, track by_src, count 1, seconds 60\n"
      "threshold gen_id 1, sig_id 0, type limit, track by_src, count 2, seconds 60\n"
      "threshold gen_id 1, sig_id 9000001, type limit, track by_src, count 3, seconds 60\n"
      "threshold gen_id 1, sig_id 9000001, type limit, track by_src, count 4, seconds 60\n"
      "threshold rule_set feed.csv, type limit, track by_src, count 5, seconds 60\n";
  const auto times = [](uint32_t sid, const char* rule_set) {
    std::vector<A> out;
    for (int i = 0; i < 7; ++i) out.push_back({static_cast<double>(i), kA, kB, sid, rule_set});
    return out;
  };
  EXPECT_EQ(run(config, times(9000001, "feed.csv")), "WWWWTTT");    // the last sid line
  EXPECT_EQ(run(config, times(9000002, "feed.csv")), "WWWWWTT");    // the rule-set line
  EXPECT_EQ(run(config, times(9000002, "other.list")), "WTTTTTT");  // the first wildcard
}

TEST(ThresholdFilter, RuleSetScopeCountsTheWholeSetTogether) {
  ThresholdFilter filter(
      config_of("threshold rule_set noisy.list, type limit, track by_src, count 2, seconds 60\n"
                "suppress rule_set quiet.rules, track by_src, ip 10.0.0.0/8\n"));
  EXPECT_EQ(verdicts(filter,
                     {
                         {0, kA, kB, 9000001, "noisy.list"},
                         {1, kA, kB, 9000002, "noisy.list"},
                         {2, kA, kB, 9000003, "noisy.list"},  // third of the set from kA
                         {3, kB, kA, 9000003, "noisy.list"},  // another source
                         {4, kA, kB, 9000004, "other.list"},
                         {5, kA, kB, 9000004, "other.list"},
                         {6, kA, kB, 2000001, "quiet.rules"},
                         {7, "192.0.2.1", kB, 2000001, "quiet.rules"},
                         {61, kA, kB, 9000002, "noisy.list"},  // a new window
                     }),
            "WWTWWWSWW");
  EXPECT_EQ(filter.counters().suppressed, 1u);
  EXPECT_EQ(filter.counters().thresholded, 1u);
}

TEST(ThresholdFilter, TrackByFlowByBothAndByRule) {
  EXPECT_EQ(run("threshold gen_id 1, sig_id 0, type limit, track by_flow, count 1, seconds 600",
                {{0, kA, kB, 9000001, "d", 7},
                 {1, kB, kA, 9000001, "d", 7},
                 {2, kA, kB, 9000001, "d", 8},
                 {3, kA, kB, 9000001, "d", 8}}),
            "WTWT");
  // by_both: one tracker per pair of hosts, whichever direction.
  EXPECT_EQ(run("threshold gen_id 1, sig_id 0, type limit, track by_both, count 1, seconds 600",
                {{0, kA, kB}, {1, kB, kA}, {2, kA, "10.0.0.3"}, {3, "2001:db8::1", kA}}),
            "WTWW");
  // by_rule: one tracker per signature, whatever the addresses.
  EXPECT_EQ(run("threshold gen_id 1, sig_id 0, type limit, track by_rule, count 2, seconds 600",
                {{0, kA, kB}, {1, kB, kA}, {2, "10.9.9.9", "10.8.8.8"}, {3, kA, kB, 9000002}}),
            "WWTW");
}

TEST(ThresholdFilter, SuppressedAlertsDoNotCountTowardsThresholds) {
  EXPECT_EQ(run("suppress gen_id 1, sig_id 9000001, track by_dst, ip 192.0.2.99\n"
                "threshold gen_id 1, sig_id 9000001, type threshold, track by_src, count 2, "
                "seconds 60\n",
                {{0, kA, "192.0.2.99"}, {1, kA, kB}, {2, kA, "192.0.2.99"}, {3, kA, kB}}),
            "STSW");
}

TEST(ThresholdFilter, TheTrackerTableIsBoundedAndCountsEvictions) {
  ThresholdConfig config = config_of(
      "threshold gen_id 1, sig_id 9000001, type limit, track by_src, count 1, seconds 60");
  ThresholdFilter filter(std::move(config), 1);  // rounded up to one set of kWays trackers
  ASSERT_EQ(filter.capacity(), ThresholdFilter::kWays);
  std::vector<std::string> sources;
  for (int i = 0; i < 9; ++i) sources.push_back("10.1.0." + std::to_string(i));
  std::vector<A> alerts;
  for (int i = 0; i < 9; ++i) alerts.push_back({static_cast<double>(i), sources[i].c_str()});
  EXPECT_EQ(verdicts(filter, alerts), "WWWWWWWWW");
  ThresholdCounters c = filter.counters();
  EXPECT_EQ(c.trackers, 8u);
  EXPECT_EQ(c.evictions, 1u);  // the ninth source pushed out the first one's live window
  // The first source's window was forgotten: it is written again (evicting the second
  // source's live window); the ninth source is still limited.
  EXPECT_EQ(verdicts(filter, {{10, sources[0].c_str()}, {11, sources[8].c_str()}}), "WT");
  EXPECT_EQ(filter.counters().evictions, 2u);
  // Once every window has ended, new trackers reuse old ones without evicting anything.
  std::vector<std::string> late;
  for (int i = 0; i < 8; ++i) late.push_back("10.3.0." + std::to_string(i));
  alerts.clear();
  for (int i = 0; i < 8; ++i) alerts.push_back({200.0 + i, "10.2.0.1"});
  for (int i = 0; i < 8; ++i) alerts.push_back({300.0 + i, late[i].c_str()});
  EXPECT_EQ(verdicts(filter, alerts), "WTTTTTTTWWWWWWWW");
  c = filter.counters();
  EXPECT_EQ(c.trackers, 8u);
  EXPECT_EQ(c.evictions, 2u);
  EXPECT_EQ(c.thresholded, 8u);
}

TEST(ThresholdFilter, SameAlertsSameVerdicts) {
  const char* config =
      "threshold gen_id 1, sig_id 0, type both, track by_src, count 2, seconds 5\n"
      "suppress gen_id 1, sig_id 9000003, track by_src, ip 10.0.0.2\n";
  std::vector<A> alerts;
  const char* sources[] = {kA, kB, "10.0.0.3"};
  for (int i = 0; i < 300; ++i)
    alerts.push_back({i * 0.37, sources[i % 3], "192.0.2.1", 9000001u + i % 4});
  EXPECT_EQ(run(config, alerts), run(config, alerts));
}

}  // namespace
}  // namespace tripline
