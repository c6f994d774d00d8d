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
