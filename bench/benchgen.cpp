// Inputs for the performance targets (bench/targets.sh): generated rule sets of a given size
// and a capture of minimum-size packets. Seeded: the same arguments give the same files.
//   benchgen rules --out DIR [--ips N] [--domains N] [--content N] [--pcre N] [--seed S]
//   benchgen small --out FILE.pcap [--packets N] [--flows N] [--seed S]
// `rules` writes DIR/ips.list, DIR/domains.list, DIR/content.rules, DIR/pcre.rules (only the
// non-empty ones). IPs avoid the ranges trafficgen uses, so they never alert: the cost
// measured is the lookup's. `small` writes 64-byte Ethernet frames (TCP ACKs without payload,
// IPv4) over N flows with random addresses.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace {

struct Args {
  std::string mode, out;
  uint64_t ips = 0, domains = 0, content = 0, pcre = 0, packets = 1000000, flows = 100000;
  uint64_t seed = 1;
};

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: benchgen rules --out DIR [--ips N] [--domains N] [--content N] [--pcre N]"
               " [--seed S]\n       benchgen small --out FILE.pcap [--packets N] [--flows N]"
               " [--seed S]\n");
  std::exit(1);
}

std::string word(std::mt19937_64& rng, size_t min, size_t max, const char* alphabet) {
  const size_t n = std::strlen(alphabet);
  std::string s(min + rng() % (max - min + 1), '\0');
  for (char& c : s) c = alphabet[rng() % n];
  return s;
}

std::string ipv4(uint32_t v) {
  return std::to_string(v >> 24) + "." + std::to_string((v >> 16) & 255) + "." +
         std::to_string((v >> 8) & 255) + "." + std::to_string(v & 255);
}

void write_rules(const Args& a) {
  std::mt19937_64 rng(a.seed);
  const std::string dir = a.out + "/";
  if (a.ips != 0) {
    std::ofstream out(dir + "ips.list");
    out << "# benchgen: " << a.ips << " IPv4 addresses in 45.0.0.0/8-100.0.0.0/8\n";
    for (uint64_t i = 0; i < a.ips; ++i)
      out << ipv4(static_cast<uint32_t>((45 + rng() % 55) << 24 | (rng() & 0xFFFFFF))) << '\n';
  }
  if (a.domains != 0) {
    std::ofstream out(dir + "domains.list");
    out << "# benchgen: " << a.domains << " domains under .test\n";
    for (uint64_t i = 0; i < a.domains; ++i)
      out << word(rng, 6, 14, "abcdefghijklmnopqrstuvwxyz0123456789") << '.'
          << word(rng, 3, 8, "abcdefghijklmnopqrstuvwxyz") << ".test\n";
  }
  if (a.content != 0) {
    // ET-like: a literal of 8-16 bytes, a quarter nocase, an eighth with a second content.
    std::ofstream out(dir + "content.rules");
    for (uint64_t i = 0; i < a.content; ++i) {
      out << "alert tcp any any -> any any (msg:\"benchgen content " << i << "\"; content:\""
          << word(rng, 8, 16, "abcdefghijklmnopqrstuvwxyz0123456789./-") << "\";";
      if (rng() % 4 == 0) out << " nocase;";
      if (rng() % 8 == 0)
        out << " content:\"" << word(rng, 3, 6, "abcdefghijklmnopqrstuvwxyz")
            << "\"; distance:0; within:64;";
      out << " sid:" << 3000000 + i << ";)\n";
    }
  }
  if (a.pcre != 0) {
    std::ofstream out(dir + "pcre.rules");
    for (uint64_t i = 0; i < a.pcre; ++i) {
      const std::string w1 = word(rng, 4, 8, "abcdefghijklmnopqrstuvwxyz");
      const std::string w2 = word(rng, 4, 8, "abcdefghijklmnopqrstuvwxyz");
      out << "alert tcp any any -> any any (msg:\"benchgen pcre " << i << "\"; ";
      switch (rng() % 3) {
        case 0:
          out << "pcre:\"/" << w1 << "[0-9]{2,6}" << w2
              << "\\.(php|asp|jsp)\\?[a-z]+=[0-9a-f]{8,}/i\";";
          break;
        case 1:
          out << "pcre:\"/^GET \\/" << w1 << "\\/[a-z0-9]{4,12}\\/" << w2 << "/m\";";
          break;
        default:
          out << "pcre:\"/" << w1 << ".{0,32}" << w2 << "/s\";";
          break;
      }
      out << " sid:" << 4000000 + i << ";)\n";
    }
  }
}

void put(std::vector<uint8_t>& b, uint64_t v, int bytes, bool little = false) {
  for (int i = 0; i < bytes; ++i)
    b.push_back(static_cast<uint8_t>(v >> (8 * (little ? i : bytes - 1 - i))));
}

void write_small(const Args& a) {
  std::mt19937_64 rng(a.seed);
  struct Flow {
    uint32_t src, dst;
    uint16_t sport, dport;
  };
  std::vector<Flow> flows(a.flows);
  for (Flow& f : flows)
    f = {static_cast<uint32_t>(rng()) | 0x01000000u, static_cast<uint32_t>(rng()) | 0x01000000u,
         static_cast<uint16_t>(1024 + rng() % 60000), static_cast<uint16_t>(rng() % 1024)};
  std::vector<uint8_t> b;
  put(b, 0xa1b23c4d, 4, true);  // nanosecond pcap
  put(b, 2, 2, true);
  put(b, 4, 2, true);
  put(b, 0, 8, true);
  put(b, 65535, 4, true);
  put(b, 1, 4, true);  // Ethernet
  uint64_t ts = 1'700'000'000'000'000'000;
  for (uint64_t i = 0; i < a.packets; ++i, ts += 100) {
    const Flow& f = flows[rng() % flows.size()];
    const bool reply = rng() % 2;
    put(b, ts / 1'000'000'000, 4, true);
    put(b, ts % 1'000'000'000, 4, true);
    put(b, 60, 4, true);
    put(b, 64, 4, true);  // the FCS is not captured: 60 bytes on file, 64 on the wire
    put(b, 0x0200000000010200, 6);
    put(b, 0x000002, 6);
    put(b, 0x0800, 2);
    put(b, 0x4500, 2);
    put(b, 40, 2);
    put(b, i & 0xFFFF, 2);
    put(b, 0x4000, 2);
    put(b, 0x4006, 2);
    put(b, 0, 2);
    put(b, reply ? f.dst : f.src, 4);
    put(b, reply ? f.src : f.dst, 4);
    put(b, reply ? f.dport : f.sport, 2);
    put(b, reply ? f.sport : f.dport, 2);
    put(b, 1000 + i, 4);
    put(b, 2000 + i, 4);
    put(b, 0x5010, 2);
    put(b, 65535, 2);
    put(b, 0, 4);
    put(b, 0, 6);  // Ethernet padding to 60 bytes
  }
  std::ofstream(a.out, std::ios::binary)
      .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) usage();
  Args a;
  a.mode = argv[1];
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const char* v = argv[i + 1];
    if (k == "--out")
      a.out = v;
    else if (k == "--ips")
      a.ips = std::stoull(v);
    else if (k == "--domains")
      a.domains = std::stoull(v);
    else if (k == "--content")
      a.content = std::stoull(v);
    else if (k == "--pcre")
      a.pcre = std::stoull(v);
    else if (k == "--packets")
      a.packets = std::stoull(v);
    else if (k == "--flows")
      a.flows = std::max<uint64_t>(1, std::stoull(v));
    else if (k == "--seed")
      a.seed = std::stoull(v);
    else
      usage();
  }
  if (a.out.empty()) usage();
  if (a.mode == "rules")
    write_rules(a);
  else if (a.mode == "small")
    write_small(a);
  else
    usage();
  return 0;
}
