#include "core/tcp_reassembly.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>

namespace tripline {
namespace {

struct Segment {
  uint32_t offset;
  std::string data;
};

// What the consumer sees: delivered bytes, with '|' where bytes were skipped.
struct Collector {
  std::string stream;
  void operator()(const uint8_t* d, uint32_t n, bool gap) {
    if (gap) stream += '|';
    stream.append(reinterpret_cast<const char*>(d), n);
  }
};

std::string replay(TcpReassembler& r, uint32_t isn, const std::vector<Segment>& segments,
                   bool flush = true) {
  TcpStream s;
  s.next_seq = isn;
  s.seq_known = true;
  Collector c;
  for (const auto& seg : segments)
    r.add(s, isn + seg.offset, reinterpret_cast<const uint8_t*>(seg.data.data()),
          static_cast<uint32_t>(seg.data.size()), c);
  if (flush) r.flush(s, c);
  r.release(s);
  return c.stream;
}

TEST(TcpReassembly, Table) {
  const struct {
    const char* name;
    std::vector<Segment> segments;
    const char* stream;
  } cases[] = {
      {"in order", {{0, "abc"}, {3, "def"}}, "abcdef"},
      {"swapped", {{3, "def"}, {0, "abc"}}, "abcdef"},
      {"reversed three", {{6, "ghi"}, {3, "def"}, {0, "abc"}}, "abcdefghi"},
      {"retransmission", {{0, "abc"}, {0, "abc"}, {3, "def"}}, "abcdef"},
      {"overlap keeps delivered bytes", {{0, "abcd"}, {2, "XYef"}}, "abcdef"},
      {"overlap keeps waiting bytes", {{4, "efgh"}, {2, "XYZW"}, {0, "ab"}}, "abXYefgh"},
      {"in-order data around waiting bytes", {{0, "ab"}, {4, "EF"}, {2, "cdXXgh"}}, "abcdEFgh"},
      {"new data spanning two waiting",
       {{2, "cd"}, {6, "gh"}, {1, "XXXXXXXXi"}, {0, "a"}},
       "aXcdXXghXi"},
      {"in-order segment around two waiting ones",
       {{5, "WW"}, {8, "VV"}, {0, "NNNNNNNNNNNN"}},
       "NNNNNWWNVVNN"},
      {"duplicate waiting", {{3, "def"}, {3, "DEF"}, {0, "abc"}}, "abcdef"},
      {"hole skipped at flush", {{0, "abc"}, {6, "ghi"}}, "abc|ghi"},
      {"two holes", {{0, "a"}, {2, "c"}, {4, "e"}}, "a|c|e"},
  };
  for (const auto& c : cases) {
    TcpReassembler r;
    EXPECT_EQ(replay(r, 1000, c.segments), c.stream) << c.name;
    EXPECT_EQ(r.free_chunks(), ReassemblyConfig{}.chunks) << c.name << ": chunks leaked";
  }
}

TEST(TcpReassembly, SequenceNumbersWrapAround) {
  TcpReassembler r;
  EXPECT_EQ(replay(r, 0xFFFFFFFEu, {{4, "efgh"}, {0, "abcd"}}), "abcdefgh");
}

TEST(TcpReassembly, CountersNameWhatHappened) {
  TcpReassembler r;
  replay(r, 1, {{0, "abc"}, {0, "abc"}, {6, "ghi"}, {2, "cdef"}});
  const auto& k = r.counters();
  EXPECT_EQ(k.in_order, 2u);  // "abc", then the fresh tail of "cdef"
  EXPECT_EQ(k.retransmissions, 1u);
  EXPECT_EQ(k.out_of_order, 1u);
  EXPECT_EQ(k.overlaps, 1u);
  EXPECT_EQ(k.gaps, 0u);
}

TEST(TcpReassembly, FullStreamBoundSkipsTheHoleInsteadOfStalling) {
  ReassemblyConfig config;
  config.max_pending_per_stream = 8;
  TcpReassembler r(config);
  // The hole at 0..2 never fills: once 8 bytes wait, the next segment forces the skip.
  EXPECT_EQ(replay(r, 50, {{2, "cdef"}, {6, "ghij"}, {10, "kl"}}, /*flush=*/false), "|cdefghijkl");
  EXPECT_EQ(r.counters().out_of_room, 1u);
  EXPECT_EQ(r.counters().gaps, 1u);
  EXPECT_EQ(r.free_chunks(), config.chunks);
}

TEST(TcpReassembly, ExhaustedStoreSkipsTheHole) {
  ReassemblyConfig config;
  config.chunks = 1;
  TcpReassembler r(config);
  EXPECT_EQ(replay(r, 7, {{4, "efgh"}, {9, "jk"}}, false), "|efgh|jk");
}

// Differential: random segmentation, shuffling, duplicates and overlapping rewrites; the
// reference keeps, for every byte, the first copy that arrived.
TEST(TcpReassembly, MatchesFirstCopyWinsReference) {
  std::mt19937 rng(12345);
  for (int round = 0; round < 300; ++round) {
    const uint32_t length = 1 + rng() % 6000;
    std::string truth(length, 0);
    for (auto& ch : truth) ch = static_cast<char>('a' + rng() % 26);
    std::vector<Segment> segments;
    for (uint32_t off = 0; off < length;) {
      const uint32_t n = std::min<uint32_t>(length - off, 1 + rng() % 1500);
      segments.push_back({off, truth.substr(off, n)});
      off += n;
    }
    const size_t originals = segments.size();
    for (size_t i = 0; i < originals / 3; ++i) {  // overlapping copies with other bytes
      const uint32_t off = rng() % length;
      const uint32_t n = std::min<uint32_t>(length - off, 1 + rng() % 1500);
      segments.push_back({off, std::string(n, 'Z')});
    }
    std::shuffle(segments.begin(), segments.end(), rng);
    if (rng() % 4 == 0) segments.erase(segments.begin() + rng() % segments.size());

    std::string first(length, 0);
    std::vector<bool> have(length, false);
    for (const auto& s : segments)
      for (uint32_t k = 0; k < s.data.size(); ++k)
        if (!have[s.offset + k]) {
          have[s.offset + k] = true;
          first[s.offset + k] = s.data[k];
        }
    std::string expected;
    bool in_hole = false;
    for (uint32_t k = 0; k < length; ++k) {
      if (!have[k]) {
        in_hole = true;
        continue;
      }
      if (in_hole && !expected.empty()) expected += '|';
      if (in_hole && expected.empty()) expected += '|';
      in_hole = false;
      expected += first[k];
    }
    TcpReassembler r;
    ASSERT_EQ(replay(r, rng(), segments), expected) << "round " << round;
    ASSERT_EQ(r.free_chunks(), ReassemblyConfig{}.chunks);
  }
}

}  // namespace
}  // namespace tripline
