// JA3/JA3S against tshark's tls.handshake.ja3(_full) / ja3s(_full) on every shared capture:
// each TCP direction's in-order byte stream is rebuilt from its start (a test-local
// assembler), the first hello of each direction is fingerprinted, and the set of
// (direction, text, hash) must equal tshark's set (first hello per direction). QUIC hellos
// (UDP) are left out of both. Skips when ../shared or tshark is absent.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "capture/pcap_file_source.hpp"
#include "core/app/app_parsers.hpp"
#include "core/app/ja3.hpp"
#include "core/decode.hpp"
#include "tests/test_support.hpp"

namespace tripline {
namespace {

std::string run(const std::string& cmd, int* status = nullptr) {
  std::string out;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  const int st = pclose(pipe);
  if (status != nullptr) *status = st;
  return out;
}

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  if (!s.empty() && s.back() == sep) out.emplace_back();
  return out;
}

// "src:port>dst:port" with addresses as tshark -n prints them.
std::string address(const uint8_t* a, uint8_t version) {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(version == 4 ? AF_INET : AF_INET6, a, text, sizeof text);
  return text;
}

// One hello: direction, then "ja3|<full>|<hash>" or "ja3s|<full>|<hash>".
using Hellos = std::set<std::string>;

// First hello per direction as tshark sees it. Sequence analysis is off: with it, tshark
// takes a server's first segments after TCP port reuse (a stray ACK before the SYN-ACK)
// for retransmissions and never dissects that ServerHello (suricataverify_tls-subjectaltname,
// port 59691). Reassembly does not depend on it.
Hellos tshark_hellos(const std::filesystem::path& pcap) {
  const std::string cmd =
      "tshark -n -o tcp.analyze_sequence_numbers:FALSE -r " + quote(pcap.string()) +
      " -Y 'tcp && (tls.handshake.type == 1 || tls.handshake.type == 2)' -T fields"
      " -E separator=/t -E occurrence=l -e ip.src -e ipv6.src -e tcp.srcport -e ip.dst"
      " -e ipv6.dst -e tcp.dstport -e tls.handshake.ja3_full -e tls.handshake.ja3"
      " -e tls.handshake.ja3s_full -e tls.handshake.ja3s 2>/dev/null";
  int status = 0;
  const std::string out = run(cmd, &status);
  EXPECT_EQ(status, 0) << cmd;
  Hellos hellos;
  std::set<std::string> seen;  // directions already given a ClientHello / ServerHello
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    const auto f = split(line, '\t');
    if (f.size() != 10) {
      ADD_FAILURE() << "tshark line: " << line;
      continue;
    }
    // Innermost IP header: IPv6 when present (6in4), else IPv4.
    const std::string src = (f[1].empty() ? f[0] : f[1]) + ":" + f[2];
    const std::string dst = (f[4].empty() ? f[3] : f[4]) + ":" + f[5];
    const std::string dir = src + ">" + dst;
    if (!f[7].empty() && seen.insert(dir + " ja3").second) {
      hellos.insert(dir + " ja3|" + f[6] + "|" + f[7]);
    }
    if (!f[9].empty() && seen.insert(dir + " ja3s").second) {
      hellos.insert(dir + " ja3s|" + f[8] + "|" + f[9]);
    }
  }
  return hellos;
}

// One TCP direction: bytes in sequence from the SYN (or the first data seen), segments
// that arrive ahead of the gap held until it fills, retransmitted bytes dropped.
struct Direction {
  static constexpr size_t kKeep = 64 * 1024;  // enough for any hello
  bool started = false;
  uint32_t next = 0;
  std::string bytes;
  std::map<uint32_t, std::string> ahead;  // by sequence number

  // A SYN (re)starts the direction until data has been taken (port reuse, stray ACKs).
  void syn(uint32_t seq) {
    if (!bytes.empty()) return;
    started = true;
    next = seq + 1;
    ahead.clear();
  }
  void add(uint32_t seq, const uint8_t* data, size_t len) {
    if (len == 0 || bytes.size() >= kKeep) return;
    if (!started) {
      started = true;
      next = seq;
    }
    ahead.emplace(seq, std::string(reinterpret_cast<const char*>(data), len));
    // Sequence order is not key order across a wrap: sweep until nothing is taken.
    for (bool took = true; took;) {
      took = false;
      for (auto it = ahead.begin(); it != ahead.end();) {
        const auto offset = static_cast<int32_t>(next - it->first);  // bytes already had
        if (offset < 0) {
          ++it;
          continue;
        }
        if (static_cast<size_t>(offset) < it->second.size()) {
          bytes.append(it->second, static_cast<size_t>(offset));
          next += static_cast<uint32_t>(it->second.size() - static_cast<size_t>(offset));
        }
        it = ahead.erase(it);
        took = true;
      }
    }
  }
};

Hellos our_hellos(const std::filesystem::path& pcap) {
  std::map<std::string, Direction> dirs;
  PcapFileSource source({pcap.string()});
  while (PacketBatch* batch = source.receive()) {
    for (uint32_t i = 0; i < batch->count; ++i) {
      DecodedPacket d;
      decode_packet(batch->packets[i], d);
      if (d.outcome != DecodeOutcome::kDecoded || d.ip_proto != kProtoTcp || !d.has_l4) continue;
      const std::string dir = address(d.src, d.ip_version) + ":" + std::to_string(d.src_port) +
                              ">" + address(d.dst, d.ip_version) + ":" + std::to_string(d.dst_port);
      Direction& s = dirs[dir];
      if ((d.tcp_flags & kTcpSyn) != 0) {
        s.syn(d.tcp_seq);
        continue;
      }
      s.add(d.tcp_seq, d.payload, d.payload_length);
    }
    source.release(batch);
  }
  Hellos hellos;
  std::vector<uint8_t> scratch(kTlsScratch);
  for (const auto& [dir, s] : dirs) {
    const auto* data = reinterpret_cast<const uint8_t*>(s.bytes.data());
    TlsFingerprint fp;
    TlsClientHello ch;
    size_t need = 0;
    if (parse_tls_client_hello(data, s.bytes.size(), ch, &need, scratch.data()) ==
        ParseStatus::kOk) {
      EXPECT_EQ(make_ja3(ch, fp), FingerprintStatus::kOk) << dir;
      hellos.insert(dir + " ja3|" + std::string(fp.string()) + "|" + std::string(fp.hash()));
      continue;
    }
    TlsServerHello sh;
    if (parse_tls_server_hello(data, s.bytes.size(), sh, &need, scratch.data()) ==
        ParseStatus::kOk) {
      EXPECT_EQ(make_ja3s(sh, fp), FingerprintStatus::kOk) << dir;
      hellos.insert(dir + " ja3s|" + std::string(fp.string()) + "|" + std::string(fp.hash()));
    }
  }
  return hellos;
}

size_t count(const Hellos& h, std::string_view kind) {
  size_t n = 0;
  for (const auto& s : h) n += s.find(kind) != std::string::npos;
  return n;
}

TEST(Ja3Tshark, EverySharedCapture) {
  TRIPLINE_SHARED_OR_SKIP(manifest, "pcaps", "MANIFEST.md");
  if (run("command -v tshark").empty()) GTEST_SKIP() << "tshark not installed";
  std::vector<std::filesystem::path> pcaps;
  for (const auto& e : std::filesystem::directory_iterator(manifest.parent_path())) {
    const auto ext = e.path().extension();
    if (ext == ".pcap" || ext == ".pcapng") pcaps.push_back(e.path());
  }
  std::sort(pcaps.begin(), pcaps.end());
  size_t total_ja3 = 0;
  size_t total_ja3s = 0;
  for (const auto& pcap : pcaps) {
    SCOPED_TRACE(pcap.filename().string());
    const Hellos theirs = tshark_hellos(pcap);
    const Hellos ours = our_hellos(pcap);
    std::vector<std::string> only_ours;
    std::vector<std::string> only_theirs;
    std::set_difference(ours.begin(), ours.end(), theirs.begin(), theirs.end(),
                        std::back_inserter(only_ours));
    std::set_difference(theirs.begin(), theirs.end(), ours.begin(), ours.end(),
                        std::back_inserter(only_theirs));
    EXPECT_TRUE(only_ours.empty()) << ::testing::PrintToString(only_ours);
    EXPECT_TRUE(only_theirs.empty()) << ::testing::PrintToString(only_theirs);
    if (!theirs.empty()) {
      std::printf("  %-50s tshark ja3 %zu ja3s %zu | equal: %s\n", pcap.filename().string().c_str(),
                  count(theirs, " ja3|"), count(theirs, " ja3s|"), ours == theirs ? "yes" : "NO");
    }
    if (ours == theirs) {
      total_ja3 += count(ours, " ja3|");
      total_ja3s += count(ours, " ja3s|");
    }
  }
  std::printf("  matched: %zu ClientHellos, %zu ServerHellos\n", total_ja3, total_ja3s);
  // The shared set has TLS captures; an empty comparison would prove nothing.
  EXPECT_GT(total_ja3, 0u);
  EXPECT_GT(total_ja3s, 0u);
}

}  // namespace
}  // namespace tripline
