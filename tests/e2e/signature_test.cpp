// Suricata-subset rules end to end on a generated capture: each rule alerts on exactly the
// flows and frames the generator's ground truth says show what the rule looks for.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "tests/e2e/e2e_support.hpp"
#include "tests/test_support.hpp"

namespace tripline::test {
namespace {

constexpr const char* kRules = R"(# e2e signatures
alert dns any any -> any any (msg:"dns"; dns.query; content:"malware-c2"; nocase; classtype:trojan-activity; sid:1000001; rev:2;)
alert tls any any -> any any (msg:"sni"; tls.sni; content:"update-check"; sid:1000002;)
alert http any any -> any any (msg:"uri"; http.uri; content:"/payload/stage2.bin"; endswith; sid:1000003;)
alert http any any -> any any (msg:"host and method"; http.method; content:"GET"; http.host; content:"portal.example.com"; sid:1000004;)
alert udp any any -> any 53 (msg:"datagram"; content:"|0a|malware-c2|07|example"; sid:1000005;)
alert ip any any -> 192.0.2.10 any (msg:"header only"; sid:1000006;)
alert dns any any -> any any (msg:"never"; dns.query; content:"malware-c2"; content:!"example"; sid:1000007;)
alert tcp any any -> any any (msg:"stream"; flow:to_server,established; content:"/payload/stage2.bin"; sid:1000008;)
)";

struct Truth {
  uint64_t frame;
  std::string field, value, matched;
};

TEST(Signatures, AlertExactlyWhereTheGroundTruthShowsTheirContent) {
  TempDir dir;
  const auto inject = std::string(TRIPLINE_SOURCE_DIR) + "/rules/demo/demo.list";
  const auto pcap = dir.path() / "sig.pcap", truth_path = dir.path() / "sig.tsv";
  const auto rules = dir.path() / "sig.rules";
  std::ofstream(rules) << kRules;
  ASSERT_EQ(run_command(shell_quote(trafficgen_binary()) + " --out " + shell_quote(pcap) +
                        " --truth " + shell_quote(truth_path) +
                        " --packets 20000 --seed 3 --inject " + shell_quote(inject))
                .exit_code,
            0);
  std::vector<Truth> truth;
  for (const auto& line : read_truth(read_file(truth_path))) {
    std::istringstream in(line);
    std::vector<std::string> f;
    for (std::string c; std::getline(in, c, '\t');) f.push_back(c);
    truth.push_back({std::stoull(f[0]), f[8], f[7], f[9]});
  }
  auto frames = [&](auto keep) {
    std::set<uint64_t> out;
    for (const auto& t : truth)
      if (keep(t)) out.insert(t.frame);
    return out;
  };
  const auto ends_with = [](const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
  };
  std::map<uint64_t, std::set<uint64_t>> expected;
  expected[1000001] = expected[1000005] = frames([](const Truth& t) {
    return t.field == "dns.query" && t.matched.find("malware-c2") != std::string::npos;
  });
  expected[1000002] = frames([](const Truth& t) {
    return t.field == "tls.sni" && t.matched.find("update-check") != std::string::npos;
  });
  expected[1000003] = frames([&](const Truth& t) {
    return t.field == "http.url" && ends_with(t.matched, "/payload/stage2.bin");
  });
  expected[1000004] = frames([](const Truth& t) {
    return t.field == "http.url" && t.matched.rfind("portal.example.com/", 0) == 0;
  });
  // The same requests seen as TCP payload (query or not): the stream shows the request line.
  expected[1000008] = frames([](const Truth& t) {
    return t.field == "http.url" && t.matched.find("/payload/stage2.bin") != std::string::npos;
  });
  for (const auto& [sid, set] : expected) ASSERT_FALSE(set.empty()) << sid;

  const auto r = run_command(shell_quote(tripline_binary()) + " scan --workers 2 --rules " +
                             shell_quote(rules) + " " + shell_quote(pcap));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<uint64_t, std::set<uint64_t>> got;
  simdjson::dom::parser parser;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    simdjson::dom::element doc;
    ASSERT_FALSE(parser.parse(line).get(doc)) << line;
    std::string_view type;
    if (doc["event_type"].get(type) || type != "alert") continue;
    got[doc["alert"]["signature_id"].get_uint64().value_unsafe()].insert(
        doc["pcap_cnt"].get_uint64().value_unsafe());
    std::string_view ioc_type;
    ASSERT_FALSE(doc["ioc"]["type"].get(ioc_type));
    EXPECT_EQ(ioc_type, "content");
  }
  for (uint64_t sid : {1000001, 1000002, 1000003, 1000004, 1000005, 1000008})
    EXPECT_EQ(got[sid], expected[sid]) << "sid " << sid;
  // Header-only: every flow to 192.0.2.10 as destination (the truth's ip.dst rows are the
  // first packets of flows whose server it is).
  const auto to_server =
      frames([](const Truth& t) { return t.value == "192.0.2.10" && t.field == "ip.dst"; });
  ASSERT_FALSE(to_server.empty());
  for (uint64_t frame : to_server) EXPECT_TRUE(got[1000006].count(frame)) << frame;
  EXPECT_TRUE(got[1000007].empty()) << "a negated content that is present must not alert";
}

}  // namespace
}  // namespace tripline::test
