#include "engine/eve_writer.hpp"

#include <gtest/gtest.h>

#include <cstdio>

#include "engine/json_line.hpp"

namespace tripline {
namespace {

std::string escaped(std::string_view s) {
  std::string out;
  JsonLine::escape(out, s);
  return out;
}

TEST(JsonEscape, KeepsUtf8AndEscapesEverythingElse) {
  const struct {
    std::string_view in, out;
  } cases[] = {
      {"plain.example", "plain.example"},
      {"quote\" back\\", "quote\\\" back\\\\"},
      {"tab\tnl\ncr\r", "tab\\tnl\\ncr\\r"},
      {std::string_view("nul\0x", 5), "nul\\u0000x"},
      {"\x7f", "\\u007f"},
      {"APT28 \xe2\x80\x94 Fancy Bear", "APT28 \xe2\x80\x94 Fancy Bear"},  // U+2014 kept
      {"\xf0\x9f\x92\xa3", "\xf0\x9f\x92\xa3"},                            // U+1F4A3 kept
      {"\xff\xfe", "\\u00ff\\u00fe"},                                      // not UTF-8
      {"\xc0\xaf", "\\u00c0\\u00af"},                                      // overlong
      {"\xed\xa0\x80", "\\u00ed\\u00a0\\u0080"},                           // surrogate
      {"\xe2\x80", "\\u00e2\\u0080"},                                      // cut short
  };
  for (const auto& c : cases) EXPECT_EQ(escaped(c.in), c.out) << c.in;
}

TEST(EveWriter, TimestampIsSuricatasFormInUtc) {
  EXPECT_EQ(EveWriter::format_timestamp(1767225600123456789ull), "2026-01-01T00:00:00.123456+0000");
  EXPECT_EQ(EveWriter::format_timestamp(0), "1970-01-01T00:00:00.000000+0000");
}

TEST(EveWriter, AlertLineHasEveryFieldInSuricatasShape) {
  RuleSet set;
  Indicator ind;
  ind.type = IndicatorType::kDomain;
  ind.value = "evil[.]example";
  ind.normalized = "evil.example";
  ind.line = 3;
  IndicatorMeta meta;
  meta.source = "Demo ISAC";
  meta.campaign = "GRID";
  meta.tlp = "amber";
  meta.confidence = 80;
  meta.rule_set = "feed.csv";
  meta.extra = {{"url", "https://intel.example/1"}};
  set.add(ind, meta);
  CompiledRules rules(set);

  Alert a;
  a.ts_ns = 1767225600123456789ull;
  a.flow_id = 42;
  a.pcap_cnt = 7;
  a.indicator = 0;
  a.ip_version = 4;
  a.proto = 17;
  const uint8_t src[4] = {10, 0, 0, 1}, dst[4] = {192, 0, 2, 53};
  std::copy(src, src + 4, a.src);
  std::copy(dst, dst + 4, a.dst);
  a.has_ports = true;
  a.src_port = 5353;
  a.dst_port = 53;
  a.app_proto = 1;  // dns
  a.field = AlertField::kDnsQuery;
  a.set_matched("www.Evil.example");

  char* buf = nullptr;
  size_t size = 0;
  std::FILE* out = open_memstream(&buf, &size);
  {
    EveWriter writer(out, rules, {"cap.pcap"});
    writer.write_alert(a);
    writer.flush();
  }
  std::fclose(out);
  const std::string line(buf, size);
  std::free(buf);
  EXPECT_EQ(line,
            "{\"timestamp\":\"2026-01-01T00:00:00.123456+0000\",\"flow_id\":42,\"pcap_cnt\":7,"
            "\"pcap_filename\":\"cap.pcap\",\"event_type\":\"alert\",\"src_ip\":\"10.0.0.1\","
            "\"src_port\":5353,\"dest_ip\":\"192.0.2.53\",\"dest_port\":53,\"proto\":\"UDP\","
            "\"app_proto\":\"dns\",\"direction\":\"to_server\",\"alert\":{\"action\":\"allowed\","
            "\"gid\":1,\"signature_id\":9000001,\"rev\":1,"
            "\"signature\":\"TRIPLINE IOC domain evil[.]example (GRID)\","
            "\"category\":\"Threat Intelligence Indicator\",\"severity\":1,\"metadata\":{"
            "\"ioc_type\":[\"domain\"],\"source\":[\"Demo ISAC\"],\"campaign\":[\"GRID\"],"
            "\"tlp\":[\"amber\"],\"confidence\":[\"80\"]}},\"ioc\":{\"type\":\"domain\","
            "\"value\":\"evil[.]example\",\"matched\":\"www.Evil.example\",\"field\":\"dns.query\","
            "\"source\":\"Demo ISAC\",\"campaign\":\"GRID\",\"tlp\":\"amber\",\"confidence\":80,"
            "\"rule_set\":\"feed.csv\",\"meta\":{\"url\":\"https://intel.example/1\"}}}\n");
}

}  // namespace
}  // namespace tripline
