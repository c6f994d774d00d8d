// A STIX 2.1 bundle through `tripline scan`: its indicators alert on a generated capture with
// the publisher's context in the EVE alert (id, source from created_by_ref, TLP from the
// marking, campaign through an `indicates` relationship), for a plain indicator and for a
// compound one (a signature).
#include <gtest/gtest.h>
#include <simdjson.h>

#include <fstream>
#include <map>
#include <sstream>

#include "tests/e2e/e2e_support.hpp"
#include "tests/test_support.hpp"

namespace tripline::test {
namespace {

// 192.0.2.10 is injected by trafficgen from the list below (its flows go to several ports).
constexpr const char* kBundle = R"json({"type": "bundle", "id": "bundle--e2e", "objects": [
  {"type": "identity", "spec_version": "2.1", "id": "identity--cert", "name": "Energy ISAC",
   "identity_class": "organization"},
  {"type": "campaign", "spec_version": "2.1", "id": "campaign--grid", "name": "GridLock"},
  {"type": "indicator", "spec_version": "2.1", "id": "indicator--plain",
   "name": "C2 address", "created_by_ref": "identity--cert", "pattern_type": "stix",
   "valid_from": "2025-01-01T00:00:00Z", "confidence": 80,
   "object_marking_refs": ["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"],
   "pattern": "[ipv4-addr:value = '192.0.2.10']"},
  {"type": "indicator", "spec_version": "2.1", "id": "indicator--compound",
   "name": "C2 address on TCP", "created_by_ref": "identity--cert", "pattern_type": "stix",
   "valid_from": "2025-01-01T00:00:00Z",
   "object_marking_refs": ["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"],
   "pattern": "[network-traffic:dst_ref.value = '192.0.2.10' AND network-traffic:protocols[*] = 'tcp']"},
  {"type": "relationship", "spec_version": "2.1", "id": "relationship--1",
   "relationship_type": "indicates", "source_ref": "indicator--plain",
   "target_ref": "campaign--grid"},
  {"type": "relationship", "spec_version": "2.1", "id": "relationship--2",
   "relationship_type": "indicates", "source_ref": "indicator--compound",
   "target_ref": "campaign--grid"}
]})json";

TEST(StixAlerts, CarryThePublishersContext) {
  TempDir dir;
  const auto list = dir.path() / "inject.list", bundle = dir.path() / "intel.json";
  const auto pcap = dir.path() / "gen.pcap";
  std::ofstream(list) << "192.0.2.10\n";
  std::ofstream(bundle) << kBundle;
  ASSERT_EQ(run_command(shell_quote(trafficgen_binary()) + " --out " + shell_quote(pcap) +
                        " --truth /dev/null --packets 3000 --seed 9 --inject " + shell_quote(list))
                .exit_code,
            0);
  const auto sightings = dir.path() / "sightings.json";
  const auto r = run_command(
      shell_quote(tripline_binary()) + " scan -q --sensor substation-4 --sightings " +
      shell_quote(sightings) + " --rules " + shell_quote(bundle) + " " + shell_quote(pcap));
  ASSERT_EQ(r.exit_code, 0) << r.err;

  std::map<std::string, size_t> by_id;
  simdjson::dom::parser parser;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    simdjson::dom::element doc;
    ASSERT_FALSE(parser.parse(line).get(doc)) << line;
    std::string_view type;
    if (doc["event_type"].get(type) || type != "alert") continue;
    const simdjson::dom::element ioc = doc["ioc"];
    std::string_view id, source, tlp, campaign;
    ASSERT_FALSE(ioc["id"].get(id)) << line;
    ASSERT_FALSE(ioc["source"].get(source)) << line;
    ASSERT_FALSE(ioc["tlp"].get(tlp)) << line;
    ASSERT_FALSE(ioc["campaign"].get(campaign)) << line;
    EXPECT_EQ(source, "Energy ISAC");
    EXPECT_EQ(tlp, "amber");
    EXPECT_EQ(campaign, "GridLock");
    ++by_id[std::string(id)];
  }
  // Every flow with 192.0.2.10 alerts on the plain indicator; TCP flows to it also on the
  // compound one.
  EXPECT_GT(by_id["indicator--plain"], 0u);
  EXPECT_GT(by_id["indicator--compound"], 0u);
  EXPECT_LE(by_id["indicator--compound"], by_id["indicator--plain"]);
  EXPECT_EQ(by_id.size(), 2u);

  // Sightings back to the publisher: one per indicator, counting its alerts.
  simdjson::dom::parser bundle_parser;
  simdjson::dom::element doc = bundle_parser.load(sightings.string()).value();
  simdjson::dom::array objects = doc["objects"].get_array();
  ASSERT_EQ(objects.size(), 3u);
  const std::string_view identity = objects.at(0)["id"].get_string().value();
  EXPECT_EQ(objects.at(0)["name"].get_string().value(), "substation-4");
  for (size_t i = 1; i < 3; ++i) {
    simdjson::dom::element s = objects.at(i);
    const std::string of(s["sighting_of_ref"].get_string().value());
    EXPECT_EQ(s["count"].get_uint64().value(), by_id[of]) << of;
    EXPECT_EQ(s["where_sighted_refs"].at(0).get_string().value(), identity);
    EXPECT_LE(s["first_seen"].get_string().value(), s["last_seen"].get_string().value());
  }
}

}  // namespace
}  // namespace tripline::test
