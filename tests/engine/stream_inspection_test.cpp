// Payload rules on reassembled TCP streams, through a Worker: crafted segment sequences
// (split, out of order, retransmitted with other bytes, overlapping, lost) and the exact
// alerts they must give, with the frame that completes each match.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "tests/engine/tcp_conversation.hpp"

namespace tripline {
namespace {

struct Hit {
  uint32_t sid;
  uint64_t frame;  // pcap_cnt: 1-based; 0 for a stream ended by the end of the run
  bool operator==(const Hit&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Hit& h) {
  return os << "{sid " << h.sid << ", frame " << h.frame << "}";
}

struct Result {
  std::vector<Hit> hits;
  WorkerStats stats;
};

Result run(const std::string& rules_text, const std::vector<test::Bytes>& frames,
           const ReplayOptions& options = {}) {
  Result r;
  const CompiledRules rules = compile_rules(rules_text);
  r.stats = replay(rules, frames, options, [&](const Alert& a) {
    r.hits.push_back(
        {rules.signatures()->signature(a.indicator & ~Alert::kSignatureBit).sid, a.pcap_cnt});
  });
  std::sort(r.hits.begin(), r.hits.end(), [](const Hit& a, const Hit& b) {
    return std::pair(a.frame, a.sid) < std::pair(b.frame, b.sid);
  });
  return r;
}

Result run(const std::string& rules_text, const Conversation& c,
           AlertMode mode = AlertMode::kFlow) {
  ReplayOptions options;
  options.mode = mode;
  return run(rules_text, c.frames(), options);
}

// Frames 1-3 are the handshake; data frames are numbered from 4. Hits are sorted by frame.
constexpr uint64_t kFirstData = 4;

TEST(StreamInspection, PatternSplitAcrossSegmentsAlertsOnTheSegmentCompletingIt) {
  Conversation c;
  c.data(true, 0, "GET /index HTTP/1.1\r\nX-Tag: EVIL").data(true, 32, "PATTERN\r\n\r\n");
  const Result r =
      run("alert tcp any any -> any any (msg:\"split\"; content:\"EVILPATTERN\"; sid:1;)\n", c);
  EXPECT_EQ(r.hits, (std::vector<Hit>{{1, kFirstData + 1}}));
  EXPECT_EQ(r.stats.stream.streams, 1u);
  EXPECT_EQ(r.stats.stream.bytes, 43u);
}

TEST(StreamInspection, OutOfOrderSegmentsAreMatchedInStreamOrder) {
  Conversation c;
  // "PATTERN" arrives first; the match completes when "EVIL" fills the hole before it.
  c.data(true, 4, "PATTERN tail").data(true, 0, "EVIL");
  const Result r =
      run("alert tcp any any -> any any (msg:\"ooo\"; content:\"EVILPATTERN\"; sid:1;)\n"
          "alert tcp any any -> any any (msg:\"order\"; content:\"PATTERNEVIL\"; sid:2;)\n",
          c);
  EXPECT_EQ(r.hits, (std::vector<Hit>{{1, kFirstData + 1}}));
  EXPECT_EQ(r.stats.tcp.out_of_order, 1u);
}

TEST(StreamInspection, RetransmissionWithOtherBytesDoesNotChangeTheStream) {
  // First copy wins: the stream says "harmless"; the retransmission's "EVILBYTE" is not in it.
  Conversation keep;
  keep.data(true, 0, "harmless").data(true, 0, "EVILBYTE");
  const std::string rule =
      "alert tcp any any -> any any (msg:\"r\"; content:\"EVILBYTE\"; sid:1;)\n";
  EXPECT_EQ(run(rule, keep).hits, std::vector<Hit>{});
  EXPECT_EQ(run(rule, keep).stats.tcp.retransmissions, 1u);
  // The other way round the stream holds EVILBYTE, from the first copy.
  Conversation other;
  other.data(true, 0, "EVILBYTE").data(true, 0, "harmless");
  EXPECT_EQ(run(rule, other).hits, (std::vector<Hit>{{1, kFirstData}}));
}

TEST(StreamInspection, OverlapKeepsHeldBytesAndAddsOnlyNewOnes) {
  Conversation c;
  // Bytes 0-5 "abcdef"; the second segment rewrites 3-5 ("XYZ", ignored) and adds "ghi".
  c.data(true, 0, "abcdef").data(true, 3, "XYZghi");
  const Result r =
      run("alert tcp any any -> any any (msg:\"kept\"; content:\"defghi\"; sid:1;)\n"
          "alert tcp any any -> any any (msg:\"rewritten\"; content:\"XYZ\"; sid:2;)\n",
          c);
  EXPECT_EQ(r.hits, (std::vector<Hit>{{1, kFirstData + 1}}));
  EXPECT_EQ(r.stats.tcp.overlaps, 1u);
}

TEST(StreamInspection, LostDataBreaksMatchesAcrossTheGap) {
  Conversation c;
  // Bytes 4-7 never arrive; FIN flushes what waits after the hole.
  c.data(true, 0, "abcd").data(true, 8, "efgh").fin(true, 12);
  const Result r =
      run("alert tcp any any -> any any (msg:\"across\"; content:\"cdef\"; sid:1;)\n"
          "alert tcp any any -> any any (msg:\"after\"; content:\"efgh\"; sid:2;)\n"
          "alert tcp any any -> any any (msg:\"depth\"; content:\"ef\"; depth:2; sid:3;)\n",
          c);
  // "depth:2" cannot hold after a gap: the bytes' stream offsets are unknown.
  EXPECT_EQ(r.hits, (std::vector<Hit>{{2, kFirstData + 2}}));
  EXPECT_EQ(r.stats.stream.gaps, 1u);
}

TEST(StreamInspection, EndAnchoredRulesFireWhenTheStreamEnds) {
  Conversation c;
  c.data(true, 0, "hello BYE").data(true, 9, " and more BYE").fin(true, 22);
  const Result r =
      run("alert tcp any any -> any any (msg:\"endswith\"; content:\"BYE\"; endswith; sid:1;)\n"
          "alert tcp any any -> any any (msg:\"dollar\"; pcre:\"/more BYE$/\"; sid:2;)\n"
          "alert tcp any any -> any any (msg:\"dollar early\"; pcre:\"/hello BYE$/\"; sid:3;)\n",
          c);
  // Both end-anchored rules hold only at the FIN (frame 6); "hello BYE" was not the end.
  EXPECT_EQ(r.hits, (std::vector<Hit>{{1, kFirstData + 2}, {2, kFirstData + 2}}));
}

TEST(StreamInspection, StreamsOpenAtTheEndOfTheRunEndThere) {
  Conversation c;
  c.data(true, 0, "last words: BYE");
  const Result r = run(
      "alert tcp any any -> any any (msg:\"endswith\"; content:\"BYE\"; endswith; sid:1;)\n", c);
  EXPECT_EQ(r.hits, (std::vector<Hit>{{1, 0}}));  // no packet completed it: frame 0
}

TEST(StreamInspection, AFlowTimingOutEndsItsStreamsAndFreesTheirSlots) {
  // One slot only: the second connection gets it only if the first one's timeout freed it.
  Conversation first(40000), second(40001);
  first.data(true, 0, "idle after BYE");
  second.data(true, 0, "then BYE");
  std::vector<test::Bytes> frames = first.frames();
  frames.insert(frames.end(), second.frames().begin(), second.frames().end());
  ReplayOptions options;
  options.time_out_after = first.frames().size();
  options.stream_slots = 1;
  const Result r =
      run("alert tcp any any -> any any (msg:\"endswith\"; content:\"BYE\"; endswith; sid:1;)\n",
          frames, options);
  EXPECT_EQ(r.hits, (std::vector<Hit>{{1, 0}, {1, 0}}));
  EXPECT_EQ(r.stats.flows.timed_out, 1u);
  EXPECT_EQ(r.stats.stream.streams, 2u);
  EXPECT_EQ(r.stats.stream.slots_exhausted, 0u);
}

TEST(StreamInspection, ResetEndsBothDirections) {
  Conversation c;
  c.data(false, 0, "server says BYE").rst(true, 0);
  const Result r =
      run("alert tcp any any -> any any (msg:\"endswith\"; flow:to_client; content:\"BYE\"; "
          "endswith; sid:1;)\n",
          c);
  EXPECT_EQ(r.hits, (std::vector<Hit>{{1, kFirstData + 1}}));
}

TEST(StreamInspection, AbsolutePositionsCountFromTheStreamStart) {
  Conversation c;
  const std::string filler(3000, '.');
  c.data(true, 0, "MAGIC" + filler).data(true, 3005, "MAGIC GET /x");
  const Result r =
      run("alert tcp any any -> any any (msg:\"depth\"; content:\"MAGIC\"; depth:5; sid:1;)\n"
          "alert tcp any any -> any any (msg:\"offset\"; content:\"MAGIC\"; offset:3000; depth:10; "
          "sid:2;)\n"
          "alert tcp any any -> any any (msg:\"anchor\"; pcre:\"/^MAGIC GET/\"; sid:3;)\n"
          "alert tcp any any -> any any (msg:\"startswith\"; content:\"MAGIC GET\"; startswith; "
          "sid:4;)\n",
          c);
  // sid 3 and 4 would match at the second segment's start, which is not the stream's.
  EXPECT_EQ(r.hits, (std::vector<Hit>{{1, kFirstData}, {2, kFirstData + 1}}));
}

TEST(StreamInspection, RelativeMatchesSpanSegmentsThroughRetries) {
  Conversation c;
  c.data(true, 0, "USER").data(true, 4, " x").data(true, 6, "y root\r\n");
  const Result r =
      run("alert tcp any any -> any any (msg:\"within\"; content:\"USER\"; content:\"root\"; "
          "distance:1; within:10; sid:1;)\n"
          "alert tcp any any -> any any (msg:\"too far\"; content:\"USER\"; content:\"root\"; "
          "distance:0; within:6; sid:2;)\n",
          c);
  EXPECT_EQ(r.hits, (std::vector<Hit>{{1, kFirstData + 2}}));
}

TEST(StreamInspection, DirectionAndPacketScope) {
  Conversation c;
  c.data(true, 0, "REQ").data(false, 0, "RESP-SPL").data(false, 8, "IT whole-RESP");
  const Result r = run(
      "alert tcp any any -> any any (msg:\"to client\"; flow:to_client; content:\"RESP\"; sid:1;)\n"
      "alert tcp any any -> any any (msg:\"to server\"; flow:to_server; content:\"RESP\"; sid:2;)\n"
      "alert tcp-pkt any any -> any any (msg:\"pkt split\"; content:\"SPLIT\"; sid:3;)\n"
      "alert tcp-pkt any any -> any any (msg:\"pkt whole\"; content:\"whole-RESP\"; sid:4;)\n"
      "alert tcp-stream any any -> any any (msg:\"stream split\"; content:\"SPLIT\"; sid:5;)\n",
      c);
  EXPECT_EQ(r.hits,
            (std::vector<Hit>{{1, kFirstData + 1}, {4, kFirstData + 2}, {5, kFirstData + 2}}));
}

TEST(StreamInspection, PacketAlertModeAlertsOnEveryDeliveryThatShowsTheMatch) {
  Conversation c;
  c.data(true, 0, "EVIL").data(true, 4, "EVIL");
  const std::string rule = "alert tcp any any -> any any (msg:\"e\"; content:\"EVIL\"; sid:1;)\n";
  EXPECT_EQ(run(rule, c, AlertMode::kFlow).hits, (std::vector<Hit>{{1, kFirstData}}));
  EXPECT_EQ(run(rule, c, AlertMode::kPacket).hits,
            (std::vector<Hit>{{1, kFirstData}, {1, kFirstData + 1}}));
}

TEST(StreamInspection, WithoutPayloadRulesNothingIsReassembledForInspection) {
  Conversation c;
  c.data(true, 0, "EVIL");
  const Result r =
      run("alert http any any -> any any (msg:\"h\"; http.uri; content:\"/x\"; sid:1;)\n", c);
  EXPECT_EQ(r.hits, std::vector<Hit>{});
  EXPECT_EQ(r.stats.stream.streams, 0u);
}

}  // namespace
}  // namespace tripline
