// Generated Suricata-subset rule sets and payload for the Hyperscan benchmarks (hs_bench,
// stream_bench): seeded, so every run uses the same rules and bytes.
#pragma once

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "core/signature.hpp"

namespace tripline::bench {

constexpr size_t kPayloadBytes = size_t{16} << 20;
constexpr size_t kPacketBytes = 1460;  // one full TCP segment's payload
constexpr size_t kPlantEvery = 4096;   // one real pattern per 4 KiB of payload

enum Kind : int { kContent = 0, kPcre = 1 };

inline std::string random_word(std::mt19937_64& rng, size_t min, size_t max, const char* alphabet) {
  const size_t span = std::strlen(alphabet);
  std::string s(min + rng() % (max - min + 1), '\0');
  for (char& c : s) c = alphabet[rng() % span];
  return s;
}

// Content rules: one 8..16-byte literal over [a-z0-9./-], a quarter nocase, an eighth with
// a second, shorter content (the longer is the fast pattern). Pcre rules: three templates.
inline std::vector<Signature> make_rules(Kind kind, size_t n) {
  std::mt19937_64 rng(kind == kContent ? 7 : 11);
  std::vector<Signature> sigs(n);
  for (size_t i = 0; i < n; ++i) {
    Signature& s = sigs[i];
    s.sid = static_cast<uint32_t>(1000000 + i);
    s.proto = SigProto::kTcp;
    if (kind == kContent) {
      ContentMatch c;
      c.bytes = random_word(rng, 8, 16, "abcdefghijklmnopqrstuvwxyz0123456789./-");
      c.nocase = rng() % 4 == 0;
      s.matches.push_back({SigBuffer::kPacket, c});
      if (rng() % 8 == 0) {
        ContentMatch d;
        d.bytes = random_word(rng, 3, 6, "abcdefghijklmnopqrstuvwxyz");
        s.matches.push_back({SigBuffer::kPacket, d});
      }
    } else {
      const std::string a = random_word(rng, 4, 8, "abcdefghijklmnopqrstuvwxyz");
      const std::string b = random_word(rng, 4, 8, "abcdefghijklmnopqrstuvwxyz");
      PcreMatch p;
      switch (rng() % 3) {
        case 0:
          p.pattern = a + "[0-9]{2,6}" + b + "\\.(php|asp|jsp)\\?[a-z]+=[0-9a-f]{8,}";
          p.flags = "i";
          break;
        case 1:
          p.pattern = "^GET \\/" + a + "\\/[a-z0-9]{4,12}\\/" + b;
          p.flags = "m";
          break;
        default:
          p.pattern = a + ".{0,32}" + b;
          p.flags = "s";
          break;
      }
      s.matches.push_back({SigBuffer::kPacket, p});
    }
  }
  return sigs;
}

// Printable noise with, every kPlantEvery bytes, the first content of a random rule (content
// sets) or a text that matches a generated pcre's words (pcre sets).
inline std::string make_payload(const std::vector<Signature>& sigs, size_t bytes = kPayloadBytes,
                                uint64_t seed = 3) {
  std::mt19937_64 rng(seed);
  std::string data(bytes, '\0');
  for (char& c : data) c = static_cast<char>(' ' + rng() % 95);
  for (size_t at = 0; at + 64 < data.size(); at += kPlantEvery) {
    const SigMatch& m = sigs[rng() % sigs.size()].matches.front();
    std::string plant;
    if (const auto* c = std::get_if<ContentMatch>(&m.m)) {
      plant = c->bytes;
    } else {
      plant = std::get<PcreMatch>(m.m).pattern.substr(0, 8);  // a near miss: the first word
    }
    std::memcpy(data.data() + at, plant.data(), std::min<size_t>(plant.size(), 64));
  }
  return data;
}

}  // namespace tripline::bench
