// Cross-check against tshark on the shared real captures: with indicators taken from each
// capture itself, tripline must alert on exactly the flows tshark shows them in, on the
// first frame that shows them. Skips when ../shared or tshark is absent.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/loaders.hpp"
#include "tests/e2e/e2e_support.hpp"
#include "tests/test_support.hpp"

namespace tripline::test {
namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  if (!s.empty() && s.back() == sep) out.emplace_back();
  return out;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// (first frame, indicator) pairs: what one alert per (flow, indicator) must produce.
using Expected = std::set<std::pair<uint64_t, std::string>>;

class SharedCapture : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    if (!have_program("tshark")) GTEST_SKIP() << "tshark not installed";
    pcap_ = shared_file("pcaps", GetParam());
    if (pcap_.empty()) GTEST_SKIP() << "../shared/data/pcaps/" << GetParam() << " not present";
  }

  std::vector<std::vector<std::string>> tshark(const std::string& filter,
                                               const std::vector<std::string>& fields) {
    std::string cmd = "tshark -n -r " + shell_quote(pcap_) + " -Y " + shell_quote(filter) +
                      " -T fields -E separator=/t -E occurrence=a -E aggregator=,";
    for (const auto& f : fields) cmd += " -e " + f;
    const auto r = run_command(cmd);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::vector<std::string>> rows;
    std::istringstream in(r.out);
    std::string line;
    while (std::getline(in, line)) rows.push_back(split(line, '\t'));
    return rows;
  }

  // Runs tripline with `indicators` and returns (pcap_cnt, ioc.value) of alerts whose
  // field is in `fields` and protocol TCP/UDP.
  Expected scan(const std::set<std::string>& indicators, const std::set<std::string>& fields) {
    const auto list = dir_.path() / "indicators.list";
    {
      std::ofstream out(list);
      for (const auto& i : indicators) out << i << '\n';
    }
    // tshark's streams never time out; neither do ours here.
    const auto r =
        run_command(shell_quote(tripline_binary()) + " scan -q --workers 2 " +
                    "--flow-timeout 1e9 --rules " + shell_quote(list) + " " + shell_quote(pcap_));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    Expected got;
    for (const auto& a : read_alerts(r.out))
      if (fields.count(a.ioc_field) && (a.proto == "TCP" || a.proto == "UDP"))
        got.insert({a.pcap_cnt, a.ioc_value});
    return got;
  }

  std::filesystem::path pcap_;
  TempDir dir_;
};

// ---- addresses: every TCP/UDP flow, on its first frame ----------------------------------

class SharedCaptureAddresses : public SharedCapture {};

TEST_P(SharedCaptureAddresses, AlertOnFirstFrameOfEveryFlow) {
  const auto rows = tshark("(tcp or udp) and not icmp and not icmpv6",
                           {"frame.number", "tcp.stream", "udp.srcport", "ip.src", "ip.dst",
                            "ipv6.src", "ipv6.dst", "udp.dstport"});
  ASSERT_FALSE(rows.empty());
  std::map<std::string, std::pair<uint64_t, std::vector<std::string>>> first;  // stream -> frame
  std::set<std::string> addresses;
  for (const auto& row : rows) {
    if (row.size() < 8) continue;
    // With tunnels tshark lists every header's address; the innermost (last) defines the flow.
    auto innermost = [](const std::string& v) { return split(v, ',').back(); };
    const std::string src = !row[5].empty() ? innermost(row[5]) : innermost(row[3]);
    const std::string dst = !row[6].empty() ? innermost(row[6]) : innermost(row[4]);
    // TCP: tshark's tcp.stream. UDP: the symmetric 5-tuple, because tshark's udp.stream
    // splits some request/response pairs (its SNMP dissector opens a new conversation for
    // the response in iti_iec61850_MMS_and_GOOSE.pcap, frames 32/33).
    std::string stream = "t" + row[1];
    if (row[1].empty()) {
      const std::string a = src + "/" + row[2], b = dst + "/" + row[7];
      stream = "u" + std::min(a, b) + "-" + std::max(a, b);
    }
    addresses.insert(src);
    addresses.insert(dst);
    const uint64_t frame = std::stoull(row[0]);
    auto it = first.find(stream);
    if (it == first.end() || frame < it->second.first) first[stream] = {frame, {src, dst}};
  }
  Expected expected;
  for (const auto& [stream, f] : first)
    for (const auto& a : f.second) expected.insert({f.first, a});
  EXPECT_EQ(scan(addresses, {"ip.src", "ip.dst"}), expected);
}

INSTANTIATE_TEST_SUITE_P(
    Ics, SharedCaptureAddresses,
    ::testing::Values("iti_ModbusTCP.pcap", "iti_bro_dnp3.pcap", "iti_dnp3_test_data_part1.pcap",
                      "iti_c37118_1PMU_TCP.pcap", "iti_enip_EIP-ChangeTimeAttempt.pcap",
                      "iti_iec104_090813_diverse.pcap", "iti_iec104_TestDissectIec104.pcap",
                      "iti_iec61850_MMS_and_GOOSE.pcap", "iti_modbus_test_data_part2.pcap",
                      "iti_s7_wincc_s400_production.pcapng", "iti_s7comm_clean.pcap",
                      "iti_s7comm_reading_plc_status.pcap"));

INSTANTIATE_TEST_SUITE_P(Mixed, SharedCaptureAddresses,
                         ::testing::Values("zeek_http-qinq-0.pcap", "zeek_mixed-vlan-mpls.pcap",
                                           "arkime_twovlan.pcap", "zeek_wikipedia.pcap",
                                           "chrissanders_http_ip4and6.pcapng",
                                           "zeek_ipv6-fragmented-dns.pcap"));

// ---- names: DNS queries, TLS SNI, HTTP Host -----------------------------------------------

class SharedCaptureNames : public SharedCapture {};

TEST_P(SharedCaptureNames, AlertOnFirstFrameShowingEachName) {
  const auto rows = tshark("dns.qry.name or tls.handshake.extensions_server_name or http.host",
                           {"frame.number", "tcp.stream", "udp.stream", "dns.qry.name",
                            "tls.handshake.extensions_server_name", "http.host", "udp.port",
                            "tcp.port", "http.request"});
  std::map<std::pair<std::string, std::string>, uint64_t> first;  // (stream, name) -> frame
  std::set<std::string> names;
  for (const auto& row : rows) {
    if (row.size() < 9) continue;
    const std::string stream = row[1].empty() ? "u" + row[2] : "t" + row[1];
    const std::string ports = row[6] + "," + row[7];
    std::vector<std::string> seen;
    // DNS on port 53 only (mDNS and LLMNR are other protocols); HTTP Host only on requests.
    if (!row[3].empty() && ("," + ports + ",").find(",53,") != std::string::npos)
      for (const auto& n : split(row[3], ',')) seen.push_back(n);
    if (!row[4].empty()) seen.push_back(row[4]);
    if (!row[5].empty() && !row[8].empty()) {
      std::string host = row[5];
      const size_t colon = host.find(':');
      if (colon != std::string::npos && host.find(':', colon + 1) == std::string::npos)
        host.resize(colon);
      seen.push_back(host);
    }
    const uint64_t frame = std::stoull(row[0]);
    for (auto name : seen) {
      name = lower(name);
      if (!name.empty() && name.back() == '.') name.pop_back();
      const auto c = classify_indicator(name);
      if (c.kind != Classification::kIndicator || c.type != IndicatorType::kDomain) continue;
      names.insert(name);
      auto key = std::make_pair(stream, name);
      auto it = first.find(key);
      if (it == first.end() || frame < it->second) first[key] = frame;
    }
  }
  ASSERT_FALSE(names.empty());
  Expected expected;
  for (const auto& [key, frame] : first) expected.insert({frame, key.second});
  EXPECT_EQ(scan(names, {"dns.query", "tls.sni", "http.host"}), expected);
}

INSTANTIATE_TEST_SUITE_P(
    Mixed, SharedCaptureNames,
    ::testing::Values("chrissanders_dns_tcp.pcapng", "chrissanders_http_espn.pcapng",
                      "zeek_http_bro.org.pcap", "zeek_wikipedia.pcap",
                      "suricataverify_tls-subjectaltname.pcap", "zeek_tls_google-cert-repeat.pcap",
                      "zeek_tls_tls-conn-with-extensions.pcap",
                      "zeek_tls_chrome-1250-tls-x25519-kyber.pcap", "arkime_tls13.pcap",
                      "zeek_var-services-std-ports.pcap", "zeek_dns-edns-ecs.pcap",
                      "zeek_ipv6-fragmented-dns.pcap", "zeek_http-qinq-0.pcap",
                      "zeek_http-vlan-0.pcap", "zeek_mixed-vlan-mpls.pcap", "arkime_twovlan.pcap",
                      "zeek_tcp_handshake-reorder.pcap"));

// ---- TLS fingerprints: JA3 on ClientHellos, JA3S on ServerHellos ------------------------

class SharedCaptureJa3 : public SharedCapture {};

TEST_P(SharedCaptureJa3, AlertOnFirstHelloWithEachFingerprint) {
  // Sequence analysis off: with it, tshark misreads one ServerHello in the subjectaltname
  // capture as a retransmission (a stray ACK precedes the SYN-ACK there).
  const std::string saved_filter = "tls.handshake.type==1 or tls.handshake.type==2";
  std::string cmd = "tshark -n -o tcp.analyze_sequence_numbers:FALSE -r " + shell_quote(pcap_) +
                    " -Y " + shell_quote(saved_filter) +
                    " -T fields -E separator=/t -E occurrence=f -e frame.number -e tcp.stream"
                    " -e tls.handshake.ja3 -e tls.handshake.ja3s";
  const auto r = run_command(cmd);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::pair<std::string, std::string>, uint64_t> first;  // (stream, indicator)
  std::set<std::string> indicators;
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line)) {
    const auto f = split(line, '\t');
    if (f.size() < 4) continue;
    for (const auto& indicator :
         {f[2].empty() ? "" : "ja3:" + f[2], f[3].empty() ? "" : "ja3s:" + f[3]}) {
      if (indicator.empty()) continue;
      indicators.insert(indicator);
      const auto key = std::make_pair(f[1], indicator);
      const uint64_t frame = std::stoull(f[0]);
      if (!first.count(key) || frame < first[key]) first[key] = frame;
    }
  }
  ASSERT_FALSE(indicators.empty());
  Expected expected;
  for (const auto& [key, frame] : first) expected.insert({frame, key.second});
  EXPECT_EQ(scan(indicators, {"ja3.hash", "ja3s.hash"}), expected);
}

INSTANTIATE_TEST_SUITE_P(Tls, SharedCaptureJa3,
                         ::testing::Values("arkime_tls13.pcap",
                                           "suricataverify_TLSv1-Extracted-MaliciousC2.pcap",
                                           "suricataverify_tls-subjectaltname.pcap",
                                           "zeek_tls_chrome-1250-tls-x25519-kyber.pcap",
                                           "zeek_tls_google-cert-repeat.pcap",
                                           "zeek_tls_tls-conn-with-extensions.pcap"));

// ---- worker count: the same alerts, flow ids included ----------------------------------

class SharedCaptureWorkers : public SharedCapture {};

TEST_P(SharedCaptureWorkers, OneAndTwoWorkersGiveIdenticalAlerts) {
  // Every address and name in the capture is an indicator: many alerts on many flows.
  std::set<std::string> indicators;
  for (const auto& row :
       tshark("ip or ipv6", {"ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "dns.qry.name",
                             "http.host", "tls.handshake.extensions_server_name"}))
    for (const auto& field : row)
      for (const auto& v : split(field, ','))
        if (!v.empty() && classify_indicator(v).kind == Classification::kIndicator)
          indicators.insert(v);
  const auto list = dir_.path() / "all.list";
  {
    std::ofstream out(list);
    for (const auto& i : indicators) out << i << '\n';
  }
  auto run = [&](int workers) {
    const auto r = run_command(shell_quote(tripline_binary()) + " scan -q --workers " +
                               std::to_string(workers) + " --rules " + shell_quote(list) + " " +
                               shell_quote(pcap_));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::string> rows;
    for (const auto& a : read_alerts(r.out))
      rows.push_back(a.tsv() + "\t" + std::to_string(a.flow_id));
    std::sort(rows.begin(), rows.end());
    return rows;
  };
  const auto one = run(1);
  EXPECT_GT(one.size(), 5u);
  EXPECT_EQ(one, run(2));
}

INSTANTIATE_TEST_SUITE_P(Shared, SharedCaptureWorkers,
                         ::testing::Values("suricataverify_tls-subjectaltname.pcap",
                                           "iti_ModbusTCP.pcap", "chrissanders_http_espn.pcapng",
                                           "zeek_dns-edns-ecs.pcap",
                                           "zeek_var-services-std-ports.pcap"));

}  // namespace
}  // namespace tripline::test
