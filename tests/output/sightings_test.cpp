// SightingLog: counts per STIX indicator id and the STIX 2.1 bundle it writes.
#include "output/sightings.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include "tests/test_support.hpp"

namespace tripline {
namespace {

constexpr uint64_t kSecond = 1'000'000'000;
constexpr uint64_t kT0 = 1'767'225'600 * kSecond;  // 2026-01-01T00:00:00Z

TEST(Sightings, CountsFirstAndLastSeenPerStixIndicator) {
  SightingLog log("sensor-7");
  log.record("indicator--b", kT0 + 5 * kSecond);
  log.record("indicator--a", kT0 + 2 * kSecond + 250'000'000);
  log.record("indicator--b", kT0 + 1 * kSecond);
  log.record("indicator--b", kT0 + 9 * kSecond);
  log.record("", kT0);                // an indicator without a STIX id
  log.record("misp-uuid-1234", kT0);  // a MISP attribute: not a STIX indicator
  EXPECT_EQ(log.indicators(), 2u);

  const std::string text = log.bundle(kT0 + 60 * kSecond);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_FALSE(parser.parse(text).get(doc)) << text;
  EXPECT_EQ(doc["type"].get_string().value(), "bundle");
  simdjson::dom::array objects = doc["objects"].get_array();
  ASSERT_EQ(objects.size(), 3u);
  simdjson::dom::element identity = objects.at(0);
  EXPECT_EQ(identity["type"].get_string().value(), "identity");
  EXPECT_EQ(identity["name"].get_string().value(), "sensor-7");
  EXPECT_EQ(identity["id"].get_string().value(), SightingLog::identity_id("sensor-7"));
  EXPECT_EQ(identity["created"].get_string().value(), "2026-01-01T00:01:00.000Z");

  simdjson::dom::element a = objects.at(1), b = objects.at(2);  // in id order
  EXPECT_EQ(a["type"].get_string().value(), "sighting");
  EXPECT_EQ(a["spec_version"].get_string().value(), "2.1");
  EXPECT_EQ(a["sighting_of_ref"].get_string().value(), "indicator--a");
  EXPECT_EQ(a["count"].get_uint64().value(), 1u);
  EXPECT_EQ(a["first_seen"].get_string().value(), "2026-01-01T00:00:02.250Z");
  EXPECT_EQ(a["last_seen"].get_string().value(), "2026-01-01T00:00:02.250Z");
  EXPECT_EQ(b["sighting_of_ref"].get_string().value(), "indicator--b");
  EXPECT_EQ(b["count"].get_uint64().value(), 3u);
  EXPECT_EQ(b["first_seen"].get_string().value(), "2026-01-01T00:00:01.000Z");
  EXPECT_EQ(b["last_seen"].get_string().value(), "2026-01-01T00:00:09.000Z");
  simdjson::dom::array where = b["where_sighted_refs"].get_array();
  ASSERT_EQ(where.size(), 1u);
  EXPECT_EQ(where.at(0).get_string().value(), SightingLog::identity_id("sensor-7"));
  EXPECT_EQ(b["created_by_ref"].get_string().value(), SightingLog::identity_id("sensor-7"));

  // Ids are name-based: the same sighting written later keeps its id (v3 UUIDs).
  const std::string again = log.bundle(kT0 + 120 * kSecond);
  simdjson::dom::parser parser2;
  simdjson::dom::element doc2 = parser2.parse(again).value();
  EXPECT_EQ(doc2["objects"].at(2)["id"].get_string().value(), b["id"].get_string().value());
  const std::string_view id = b["id"].get_string().value();
  ASSERT_EQ(id.size(), std::string_view("sighting--").size() + 36);
  EXPECT_EQ(id[10 + 14], '3');  // version 3
  EXPECT_NE(SightingLog::identity_id("sensor-7"), SightingLog::identity_id("sensor-8"));
}

TEST(Sightings, WriteReplacesTheFileWhole) {
  test::TempDir dir;
  const std::string path = (dir.path() / "sightings.json").string();
  SightingLog log("s");
  log.record("indicator--x", kT0);
  ASSERT_TRUE(log.write(path, kT0));
  log.record("indicator--y", kT0);
  ASSERT_TRUE(log.write(path, kT0));
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.load(path).value();
  EXPECT_EQ(doc["objects"].get_array().size(), 3u);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  EXPECT_FALSE(log.write((dir.path() / "missing" / "s.json").string(), kT0));
}

}  // namespace
}  // namespace tripline
