// Hyperscan prefilter: exact candidate sets for rules loaded by the Suricata loader, streaming
// across scan boundaries and end-of-stream, rejected patterns, and a differential test against
// std::string::find.
#include "matchers/hyperscan_prefilter.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/loaders.hpp"
#include "core/rule_vars.hpp"

namespace tripline {
namespace {

using Sids = std::set<uint32_t>;

std::vector<Signature> load(std::string_view text) {
  RuleSet rules;
  load_suricata_rules(text, "t.rules", RuleVars::suricata_defaults(), rules);
  for (const Diagnostic& d : rules.diagnostics()) ADD_FAILURE() << d.to_string();
  return rules.signatures();
}

class Fixture {
 public:
  explicit Fixture(std::string_view text)
      : sigs_(load(text)), prefilter_(sigs_), scratch_(prefilter_.make_scratch()) {}

  Sids block(SigBuffer buffer, std::string_view data) {
    Sids out;
    const bool ok = prefilter_.scan_block(buffer, data, scratch_, [&](uint32_t rule) {
      EXPECT_TRUE(out.insert(sigs_.at(rule).sid).second) << "reported twice";
    });
    EXPECT_TRUE(ok);
    return out;
  }

  Sids sids(const std::vector<uint32_t>& rules) const {
    Sids out;
    for (uint32_t r : rules) out.insert(sigs_.at(r).sid);
    return out;
  }

  std::vector<Signature> sigs_;
  HyperscanPrefilter prefilter_;
  PrefilterScratch scratch_;
};

constexpr std::string_view kRules = R"(
alert tcp any any -> any any (msg:"plain"; content:"EVIL"; sid:1;)
alert tcp any any -> any any (msg:"nocase"; content:"malware"; nocase; sid:2;)
alert udp any any -> any any (msg:"hex"; content:"|de ad be ef|"; sid:3;)
alert tcp any any -> any any (msg:"longest"; content:"ab"; content:"longerpat"; content:"cd"; sid:4;)
alert tcp any any -> any any (msg:"fast_pattern"; content:"longerpattern"; content:"xy"; fast_pattern; sid:5;)
alert tcp any any -> any any (msg:"ties first"; content:"aaaa"; content:"bbbb"; sid:6;)
alert tcp any any -> any any (msg:"negated skipped"; content:!"zzzzzzzzzz"; content:"qq"; sid:7;)
alert tcp any any -> any any (msg:"pcre only"; pcre:"/foo[0-9]+bar/i"; sid:8;)
alert tcp any any -> any any (msg:"pcre with backref"; pcre:"/(ab)x\1/"; sid:9;)
alert ip 10.0.0.1 any -> any any (msg:"no content"; sid:10;)
alert dns any any -> any any (msg:"dns"; dns.query; content:"bad.example"; nocase; sid:11;)
alert tls any any -> any any (msg:"sni"; tls.sni; content:"evil.test"; sid:12;)
alert http any any -> any any (msg:"uri pcre"; http.uri; pcre:"/\/gate\.php\?id=\d+/"; sid:13;)
alert tcp any any -> any any (msg:"only negated"; content:!"good"; sid:14;)
alert http any any -> any any (msg:"two buffers"; http.host; content:"cnc.test"; http.uri; content:"/beacon"; sid:15;)
)";

TEST(HyperscanPrefilter, CandidatesPerBuffer) {
  Fixture f(kRules);
  EXPECT_TRUE(f.prefilter_.errors().empty());
  EXPECT_EQ(f.prefilter_.excluded_rules(), 0u);
  EXPECT_EQ(f.sids(f.prefilter_.always_candidates()), (Sids{10, 14}));

  EXPECT_EQ(f.block(SigBuffer::kPacket, "nothing here"), Sids{});
  EXPECT_EQ(f.block(SigBuffer::kPacket, "xxEVILxx"), Sids{1});
  EXPECT_EQ(f.block(SigBuffer::kPacket, "evil"), Sids{});  // case-sensitive
  EXPECT_EQ(f.block(SigBuffer::kPacket, "a MalWARE b"), Sids{2});
  EXPECT_EQ(f.block(SigBuffer::kPacket, std::string("\x01\xde\xad\xbe\xef\x02", 6)), Sids{3});
  EXPECT_EQ(f.block(SigBuffer::kPacket, std::string("\xde\xad\xbe", 3)), Sids{});
  // Fast pattern: the longest content, not the others.
  EXPECT_EQ(f.block(SigBuffer::kPacket, "ab cd"), Sids{});
  EXPECT_EQ(f.block(SigBuffer::kPacket, "longerpat"), Sids{4});
  // fast_pattern wins over length: "xy" alone makes sid 5 a candidate, "longerpattern" does not
  // (though it contains "longerpat", so sid 4 is).
  EXPECT_EQ(f.block(SigBuffer::kPacket, "..xy.."), Sids{5});
  EXPECT_EQ(f.block(SigBuffer::kPacket, "longerpattern"), Sids{4});
  // Ties: the first.
  EXPECT_EQ(f.block(SigBuffer::kPacket, "aaaa"), Sids{6});
  EXPECT_EQ(f.block(SigBuffer::kPacket, "bbbb"), Sids{});
  // A negated content is never the fast pattern.
  EXPECT_EQ(f.block(SigBuffer::kPacket, "qq"), Sids{7});
  EXPECT_EQ(f.block(SigBuffer::kPacket, "zzzzzzzzzz"), Sids{});
  // pcre-only rules, flags honoured; a backreference is accepted in prefilter mode.
  EXPECT_EQ(f.block(SigBuffer::kPacket, "FOO123BAR"), Sids{8});
  EXPECT_EQ(f.block(SigBuffer::kPacket, "foobar"), Sids{});
  EXPECT_EQ(f.block(SigBuffer::kPacket, "abxab"), Sids{9});
  EXPECT_EQ(f.block(SigBuffer::kPacket, "EVIL foo1bar abxab"), (Sids{1, 8, 9}));

  // Field buffers only see their own patterns.
  EXPECT_EQ(f.block(SigBuffer::kDnsQuery, "www.BAD.example"), Sids{11});
  EXPECT_EQ(f.block(SigBuffer::kDnsQuery, "EVIL"), Sids{});
  EXPECT_EQ(f.block(SigBuffer::kTlsSni, "evil.test"), Sids{12});
  EXPECT_EQ(f.block(SigBuffer::kTlsSni, "EVIL.TEST"), Sids{});
  EXPECT_EQ(f.block(SigBuffer::kHttpUri, "/x/gate.php?id=42"), Sids{13});
  EXPECT_EQ(f.block(SigBuffer::kHttpUri, "/x/gate.php?id="), Sids{});
  EXPECT_EQ(f.block(SigBuffer::kHttpUri, "/beacon?x"), Sids{15});
  EXPECT_EQ(f.block(SigBuffer::kHttpHost, "cnc.test"), Sids{15});
  EXPECT_FALSE(f.prefilter_.has_database(SigBuffer::kJa3Hash));
  EXPECT_EQ(f.block(SigBuffer::kJa3Hash, "anything"), Sids{});

  EXPECT_EQ(f.prefilter_.block_stats(SigBuffer::kPacket).patterns, 9u);
  EXPECT_GT(f.prefilter_.block_stats(SigBuffer::kPacket).bytes, 0u);
  EXPECT_EQ(f.prefilter_.stream_stats().patterns, 9u);
  EXPECT_GT(f.prefilter_.stream_state_bytes(), 0u);
}

TEST(HyperscanPrefilter, RejectedPcreIsReportedAndExcluded) {
  Fixture f(R"(
alert tcp any any -> any any (msg:"recursion"; content:!"x"; pcre:"/a(?R)?b/"; sid:41;)
alert http any any -> any any (msg:"bad group in uri"; http.uri; pcre:"/(foo/"; content:"ok"; http.host; content:"host"; sid:42;)
alert tcp any any -> any any (msg:"fine"; content:"fine"; sid:43;)
)");
  ASSERT_EQ(f.prefilter_.errors().size(), 1u);
  const PrefilterError& e = f.prefilter_.errors()[0];
  EXPECT_EQ(e.sid, 41u);
  EXPECT_EQ(e.rule_index, 0u);
  EXPECT_EQ(e.buffer, SigBuffer::kPacket);
  EXPECT_EQ(e.to_string(),
            "sid 41: payload: Hyperscan rejected 'a(?R)?b': "
            "Unrecognised character after (? at index 1.");
  EXPECT_EQ(f.prefilter_.excluded_rules(), 1u);
  EXPECT_TRUE(f.prefilter_.always_candidates().empty());
  EXPECT_EQ(f.block(SigBuffer::kPacket, "ab aab fine"), Sids{43});
  // sid 42's uri buffer has a content, so its (broken) pcre is never given to Hyperscan.
  EXPECT_EQ(f.block(SigBuffer::kHttpUri, "/ok"), Sids{42});
}

TEST(HyperscanPrefilter, ExceptionInCallbackStopsAtTheApiEdge) {
  Fixture f(R"(alert tcp any any -> any any (msg:"a"; content:"a"; sid:1;)
alert tcp any any -> any any (msg:"b"; content:"b"; sid:2;))");
  int calls = 0;
  EXPECT_THROW(f.prefilter_.scan_block(SigBuffer::kPacket, "ab", f.scratch_,
                                       [&](uint32_t) {
                                         ++calls;
                                         throw std::runtime_error("x");
                                       }),
               std::runtime_error);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(f.block(SigBuffer::kPacket, "ab"), (Sids{1, 2}));  // scratch still usable
}

TEST(HyperscanPrefilter, StreamingReportsEveryHitWithItsStreamOffset) {
  Fixture f(R"(
alert tcp any any -> any any (msg:"split"; content:"SPLITPATTERN"; sid:1;)
alert tcp any any -> any any (msg:"end"; pcre:"/trailer$/"; sid:2;)
alert tcp any any -> any any (msg:"twice"; content:"again"; sid:3;)
alert dns any any -> any any (msg:"not streamed"; dns.query; content:"SPLIT"; sid:4;)
)");
  ASSERT_TRUE(f.prefilter_.has_stream_database());
  EXPECT_GT(f.prefilter_.stream_state_bytes(), 0u);
  StreamHandle s;
  ASSERT_TRUE(f.prefilter_.open_stream(s));
  EXPECT_FALSE(f.prefilter_.open_stream(s));             // already open
  using Hits = std::set<std::pair<uint32_t, uint64_t>>;  // (sid, stream offset past the hit)
  Hits got;
  auto collect = [&](uint32_t rule, uint64_t end) { got.insert({f.sigs_.at(rule).sid, end}); };
  ASSERT_TRUE(f.prefilter_.scan_stream(s, "xxxxSPLIT", f.scratch_, collect));
  EXPECT_EQ(got, Hits{});
  ASSERT_TRUE(f.prefilter_.scan_stream(s, "PATTERN again trailer", f.scratch_, collect));
  // "trailer" is not yet at the end of the stream.
  EXPECT_EQ(got, (Hits{{1, 16}, {3, 22}}));
  got.clear();
  ASSERT_TRUE(f.prefilter_.scan_stream(s, "again", f.scratch_, collect));
  EXPECT_EQ(got, (Hits{{3, 35}}));  // every occurrence
  got.clear();
  ASSERT_TRUE(f.prefilter_.scan_stream(s, " trailer", f.scratch_, collect));
  EXPECT_EQ(got, Hits{});
  // reset_stream reports end-anchored matches, then the handle starts a fresh stream.
  ASSERT_TRUE(f.prefilter_.reset_stream(s, f.scratch_, collect));
  EXPECT_EQ(got, (Hits{{2, 43}}));
  got.clear();
  ASSERT_TRUE(f.prefilter_.scan_stream(s, "again trailer", f.scratch_, collect));
  EXPECT_EQ(got, (Hits{{3, 5}}));
  // Without a callback (a stream cut by lost data), nothing is reported.
  ASSERT_TRUE(f.prefilter_.reset_stream(s, nullptr, nullptr, nullptr));
  EXPECT_EQ(got, (Hits{{3, 5}}));
  ASSERT_TRUE(f.prefilter_.close_stream(s));
  EXPECT_FALSE(s.is_open());
  EXPECT_FALSE(f.prefilter_.close_stream(s));
  // The destructor frees an open stream without reporting.
  ASSERT_TRUE(f.prefilter_.open_stream(s));
}

std::string random_text(std::mt19937& rng, size_t n, int alphabet) {
  std::uniform_int_distribution<int> ch(0, alphabet - 1);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>('a' + ch(rng));
  return s;
}

// Random literal rules (alphabet of 4 letters, so hits are frequent) against std::string::find.
TEST(HyperscanPrefilter, DifferentialAgainstFind) {
  std::mt19937 rng(20240603);
  std::uniform_int_distribution<size_t> len(2, 6), count(1, 3);
  std::string text;
  struct Rule {
    std::vector<std::string> contents;
    bool nocase;
  };
  std::vector<Rule> rules;
  for (uint32_t sid = 1; sid <= 300; ++sid) {
    Rule r{{}, sid % 5 == 0};
    const size_t n = sid <= 150 ? 1 : count(rng);
    text += "alert tcp any any -> any any (msg:\"r\"; ";
    for (size_t i = 0; i < n; ++i) {
      std::string c = random_text(rng, len(rng), 4);
      if (r.nocase) std::transform(c.begin(), c.end(), c.begin(), ::toupper);
      text += "content:\"" + c + "\"; " + (r.nocase ? "nocase; " : "");
      r.contents.push_back(c);
    }
    text += "sid:" + std::to_string(sid) + ";)\n";
    rules.push_back(std::move(r));
  }
  Fixture f(text);
  ASSERT_TRUE(f.prefilter_.errors().empty());

  auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), ::tolower);
    return s;
  };
  std::uniform_int_distribution<size_t> buf_len(0, 200);
  for (int round = 0; round < 300; ++round) {
    std::string data = random_text(rng, buf_len(rng), 4);
    if (round % 3 == 0)
      std::transform(data.begin(), data.end(), data.begin(),
                     [&](char c) { return rng() % 2 ? static_cast<char>(::toupper(c)) : c; });
    const Sids got = f.block(SigBuffer::kPacket, data);
    // Streaming in random pieces gives the same candidates.
    StreamHandle s;
    ASSERT_TRUE(f.prefilter_.open_stream(s));
    Sids streamed;
    auto collect = [&](uint32_t rule, uint64_t) { streamed.insert(f.sigs_.at(rule).sid); };
    for (size_t at = 0; at < data.size();) {
      const size_t n = std::min(data.size() - at, size_t{1} + rng() % 17);
      ASSERT_TRUE(
          f.prefilter_.scan_stream(s, std::string_view(data).substr(at, n), f.scratch_, collect));
      at += n;
    }
    ASSERT_TRUE(f.prefilter_.reset_stream(s, f.scratch_, collect));
    EXPECT_EQ(streamed, got) << data;

    for (uint32_t i = 0; i < rules.size(); ++i) {
      const Rule& r = rules[i];
      const std::string hay = r.nocase ? lower(data) : data;
      bool all = true, any = false;
      for (const std::string& c : r.contents) {
        const bool hit = hay.find(r.nocase ? lower(c) : c) != std::string::npos;
        all = all && hit;
        any = any || hit;
      }
      const bool candidate = got.count(i + 1) != 0;
      if (all) {
        EXPECT_TRUE(candidate) << "sid " << i + 1 << " missed in " << data;
      }
      if (!any) {
        EXPECT_FALSE(candidate) << "sid " << i + 1 << " spurious in " << data;
      }
      if (r.contents.size() == 1) {
        EXPECT_EQ(candidate, all) << "sid " << i + 1 << " " << data;
      }
    }
  }
}

}  // namespace
}  // namespace tripline
