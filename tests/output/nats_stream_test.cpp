// Reading the JetStream API's stream-names answer, and the stream name a subject gets.
#ifdef TRIPLINE_HAVE_NATS
#include "output/nats_stream.hpp"

#include <gtest/gtest.h>

#include "output/nats_sink.hpp"

namespace tripline::test {
namespace {

struct NamesCase {
  const char* json;
  bool ok;
  std::vector<std::string> names;
  const char* error;
};

TEST(ParseStreamNames, Table) {
  const NamesCase cases[] = {
      {R"({"type":"io.nats.jetstream.api.v1.stream_names_response","total":1,"offset":0,"limit":1024,"streams":["ALERTS"]})",
       true,
       {"ALERTS"},
       ""},
      {R"({"total":0,"streams":null})", true, {}, ""},
      {R"({"streams": [ "A" , "B" ]})", true, {"A", "B"}, ""},
      {R"({"streams":[]})", true, {}, ""},
      {R"({"error":{"code":503,"err_code":10039,"description":"jetstream not enabled for account"}})",
       false,
       {},
       "jetstream not enabled for account"},
      {R"({"streams":["A")", false, {}, "unexpected JetStream API response"},
      {R"({"streams":[A]})", false, {}, "unexpected JetStream API response"},
      {R"({"total":0})", false, {}, "unexpected JetStream API response"},
      {"", false, {}, "unexpected JetStream API response"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.json);
    std::vector<std::string> names;
    std::string error;
    EXPECT_EQ(parse_stream_names(c.json, &names, &error), c.ok);
    EXPECT_EQ(names, c.names);
    EXPECT_EQ(error, c.error);
  }
}

TEST(DefaultStreamName, FromTheSubject) {
  EXPECT_EQ(default_stream_name("tripline.alerts.s1"), "TRIPLINE_ALERTS_S1");
  EXPECT_EQ(default_stream_name("tripline.alerts.>"), "TRIPLINE_ALERTS");
  EXPECT_EQ(default_stream_name("a.*.b"), "A__B");
  EXPECT_EQ(default_stream_name(">"), "TRIPLINE");
}

}  // namespace
}  // namespace tripline::test
#endif  // TRIPLINE_HAVE_NATS
