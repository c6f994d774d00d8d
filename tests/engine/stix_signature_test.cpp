// End to end through a Worker: a compound STIX indicator (address AND port in one observation)
// alerts on a flow to that port and not on a flow to another port of the same address.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/stix_loader.hpp"
#include "matchers/compiled_rules.hpp"
#include "tests/engine/tcp_conversation.hpp"

namespace tripline {
namespace {

// The Conversation helper connects 10.0.0.1:<port> -> 10.0.0.2:80.
const char* const kBundle = R"json({"type": "bundle", "id": "bundle--e2e", "objects": [
  {"type": "indicator", "spec_version": "2.1", "id": "indicator--web", "name": "web C2",
   "pattern_type": "stix", "valid_from": "2025-01-01T00:00:00Z",
   "pattern": "[network-traffic:dst_ref.value = '10.0.0.2' AND network-traffic:dst_port = 80 AND network-traffic:protocols[*] = 'tcp']"},
  {"type": "indicator", "spec_version": "2.1", "id": "indicator--ssh", "name": "ssh C2",
   "pattern_type": "stix", "valid_from": "2025-01-01T00:00:00Z",
   "pattern": "[ipv4-addr:value = '10.0.0.2' AND network-traffic:dst_port = 22]"}
]})json";

std::vector<std::string> alert_messages(const std::vector<test::Bytes>& frames) {
  RuleSet set;
  load_stix_bundle(kBundle, "e2e.json", RuleVars{}, 1767225600, set);
  EXPECT_TRUE(set.diagnostics().empty());
  EXPECT_EQ(set.signatures().size(), 3u);  // web; ssh as client and as server
  const CompiledRules rules(set);
  std::vector<std::string> out;
  replay(rules, frames, ReplayOptions{}, [&](const Alert& a) {
    ASSERT_TRUE(a.indicator & Alert::kSignatureBit);
    out.push_back(rules.signatures()->signature(a.indicator & ~Alert::kSignatureBit).msg);
  });
  return out;
}

TEST(StixSignature, CompoundIndicatorAlertsOnlyOnItsPort) {
  Conversation web(40000);  // 10.0.0.1:40000 -> 10.0.0.2:80
  web.data(true, 0, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  // One alert for the flow (the web indicator), none for ssh: the port is 80, not 22.
  EXPECT_EQ(alert_messages(web.frames()), (std::vector<std::string>{"web C2"}));
}

TEST(StixSignature, CompoundIndicatorSilentOnAnotherPort) {
  // 10.0.0.1:40000 -> 10.0.0.2:8080: neither indicator holds (dst port 80 / 22 only).
  const auto client = test::v4("10.0.0.1"), server = test::v4("10.0.0.2");
  std::vector<test::Bytes> frames;
  frames.push_back(test::ethernet(
      0x0800, test::ipv4(client, server, 6, test::tcp(40000, 8080, test::kSyn, {}, 1))));
  frames.push_back(test::ethernet(
      0x0800,
      test::ipv4(server, client, 6, test::tcp(8080, 40000, test::kSyn | test::kAck, {}, 9))));
  EXPECT_TRUE(alert_messages(frames).empty());
  // The same address on port 22 is the ssh indicator.
  frames.clear();
  frames.push_back(test::ethernet(
      0x0800, test::ipv4(client, server, 6, test::tcp(40000, 22, test::kSyn, {}, 1))));
  EXPECT_EQ(alert_messages(frames), (std::vector<std::string>{"ssh C2"}));
}

}  // namespace
}  // namespace tripline

namespace tripline {
namespace {

// valid_until is honoured while running: an indicator (and a rule derived from one) stops
// alerting at that time, in capture time. Loaded "at" 1000 s, valid until 2000 s; the second
// connection comes an hour later.
TEST(StixExpiry, IndicatorsStopAlertingAtTheirValidUntil) {
  const char* const bundle = R"json({"type": "bundle", "id": "bundle--exp", "objects": [
    {"type": "indicator", "spec_version": "2.1", "id": "indicator--plain", "name": "plain",
     "pattern_type": "stix", "valid_from": "1970-01-01T00:00:00Z",
     "valid_until": "1970-01-01T00:33:20Z", "pattern": "[ipv4-addr:value = '10.0.0.2']"},
    {"type": "indicator", "spec_version": "2.1", "id": "indicator--compound", "name": "compound",
     "pattern_type": "stix", "valid_from": "1970-01-01T00:00:00Z",
     "valid_until": "1970-01-01T00:33:20Z",
     "pattern": "[network-traffic:dst_ref.value = '10.0.0.2' AND network-traffic:dst_port = 80]"}
  ]})json";
  RuleSet set;
  load_stix_bundle(bundle, "exp.json", RuleVars{}, 1000, set);
  ASSERT_EQ(set.indicators().size(), 1u);
  ASSERT_EQ(set.signatures().size(), 1u);
  const CompiledRules rules(set);
  Conversation before(40000), after(40001);
  before.data(true, 0, "x");
  after.data(true, 0, "y");
  std::vector<test::Bytes> frames = before.frames();
  frames.insert(frames.end(), after.frames().begin(), after.frames().end());
  ReplayOptions options;
  options.time_out_after = before.frames().size();  // then the clock jumps an hour
  std::vector<uint16_t> ports;
  const WorkerStats stats = replay(rules, frames, options, [&](const Alert& a) {
    ports.push_back(a.src_port == 80 ? a.dst_port : a.src_port);
  });
  EXPECT_EQ(ports, (std::vector<uint16_t>{40000, 40000}));  // both indicators, first flow only
  // Counted per match: the address on the second flow's first packet, the compound rule on
  // each of its three packets to port 80.
  EXPECT_EQ(stats.expired_matches, 4u);
}

}  // namespace
}  // namespace tripline
