// Differential test of TCP payload rules: random rules, each with an equivalent regular
// expression, against random conversations whose segments arrive split, out of order,
// retransmitted (with the same or with other bytes), overlapping, in both directions and
// interleaved with other flows. The reference runs the regexes with PCRE2 over each
// direction's true stream (the bytes first sent for each position); the worker must raise
// exactly the alerts (flow, rule) the reference finds.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "tests/engine/tcp_conversation.hpp"

namespace tripline {
namespace {

constexpr std::string_view kAlphabet = "abcdABCD";

std::string hex_content(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "|";
  for (const char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if (out.size() > 1) out += ' ';
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out + "|";
}

std::string regex_literal(std::string_view bytes) {
  std::string out;
  char buf[8];
  for (const char ch : bytes) {
    std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(ch));
    out += buf;
  }
  return out;
}

struct GeneratedRule {
  std::string text;                   // Suricata rule
  std::string regex;                  // the same condition on a whole stream, for PCRE2
  std::vector<std::string> literals;  // planted into the traffic so the rule can hold
};

class RuleGenerator {
 public:
  explicit RuleGenerator(std::mt19937& rng) : rng_(rng) {}

  std::string word(size_t min, size_t max) {
    std::string w(std::uniform_int_distribution<size_t>(min, max)(rng_), 'a');
    for (char& c : w) c = kAlphabet[rng_() % kAlphabet.size()];
    return w;
  }

  GeneratedRule make(uint32_t sid, int kind) {
    GeneratedRule r;
    const std::string a = word(4, 7), b = word(3, 6);
    const bool nocase = rng_() % 3 == 0;
    const std::string ci = nocase ? "(?i:" : "(?:";
    std::string options;
    switch (kind) {
      case 0:  // one content
        options = "content:\"" + hex_content(a) + "\";" + (nocase ? " nocase;" : "");
        r.regex = ci + regex_literal(a) + ")";
        break;
      case 1: {  // content within an absolute window of the stream
        const int offset = static_cast<int>(rng_() % 200);
        const int depth = static_cast<int>(a.size() + rng_() % 300);
        options = "content:\"" + hex_content(a) + "\"; offset:" + std::to_string(offset) +
                  "; depth:" + std::to_string(depth) + ";";
        r.regex = "\\A[\\s\\S]{" + std::to_string(offset) + "," +
                  std::to_string(offset + depth - static_cast<int>(a.size())) + "}" +
                  regex_literal(a);
        break;
      }
      case 2: {  // two contents, the second relative to the first
        const int distance = static_cast<int>(rng_() % 30);
        const int within = static_cast<int>(b.size() + rng_() % 60);
        options = "content:\"" + hex_content(a) + "\"; content:\"" + hex_content(b) +
                  "\"; distance:" + std::to_string(distance) +
                  "; within:" + std::to_string(within) + ";";
        r.regex = regex_literal(a) + "[\\s\\S]{" + std::to_string(distance) + "," +
                  std::to_string(distance + within - static_cast<int>(b.size())) + "}" +
                  regex_literal(b);
        break;
      }
      case 3: {  // pcre with a bounded gap
        const std::string re = regex_literal(a) + "[a-d]{1,40}" + regex_literal(b);
        options = "pcre:\"/" + re + "/" + (nocase ? "i" : "") + "\";";
        r.regex = ci + re + ")";
        break;
      }
      case 4:  // the stream's end
        options = "content:\"" + hex_content(b) + "\"; endswith;";
        r.regex = regex_literal(b) + "\\z";
        break;
      case 5:  // the stream's start
        if (rng_() % 2) {
          options = "content:\"" + hex_content(a) + "\"; startswith;";
        } else {
          options = "pcre:\"/^" + regex_literal(a) + "/\";";
        }
        r.regex = "\\A" + regex_literal(a);
        break;
      default:  // anchored at the end by a pcre
        options = "pcre:\"/" + regex_literal(a) + "[a-d]{0,3}$/\";";
        r.regex = regex_literal(a) + "[a-d]{0,3}\\z";
        break;
    }
    r.literals = {a, b, a + b};
    r.text = "alert tcp any any -> any any (msg:\"generated " + std::to_string(sid) + "\"; " +
             options + " sid:" + std::to_string(sid) + ";)\n";
    return r;
  }

 private:
  std::mt19937& rng_;
};

bool regex_matches(const std::string& regex, const std::string& subject) {
  int error = 0;
  PCRE2_SIZE at = 0;
  std::unique_ptr<pcre2_code, decltype(&pcre2_code_free)> code(
      pcre2_compile(reinterpret_cast<PCRE2_SPTR>(regex.data()), regex.size(), 0, &error, &at,
                    nullptr),
      &pcre2_code_free);
  EXPECT_NE(code, nullptr) << regex;
  if (!code) return false;
  std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> data(
      pcre2_match_data_create_from_pattern(code.get(), nullptr), &pcre2_match_data_free);
  return pcre2_match(code.get(), reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), 0, 0,
                     data.get(), nullptr) >= 0;
}

// A segment to send: one direction, stream offset, bytes.
struct Send {
  bool to_server;
  uint32_t at;
  std::string bytes;
};

// Cuts `stream` into segments and disturbs their order: swaps neighbours (out of order),
// repeats some (retransmission, sometimes with other bytes after the original), and adds
// segments overlapping two others. The first copy of every byte is the stream's.
std::vector<Send> segment(std::mt19937& rng, bool to_server, const std::string& stream) {
  std::vector<Send> out;
  for (uint32_t at = 0; at < stream.size();) {
    const uint32_t n = std::min<uint32_t>(static_cast<uint32_t>(stream.size()) - at,
                                          1 + static_cast<uint32_t>(rng() % 400));
    out.push_back({to_server, at, stream.substr(at, n)});
    at += n;
  }
  for (size_t i = 0; i + 1 < out.size(); ++i)
    if (rng() % 4 == 0) std::swap(out[i], out[i + 1]);
  std::vector<Send> disturbed;
  for (size_t i = 0; i < out.size(); ++i) {
    disturbed.push_back(out[i]);
    const Send& s = out[i];
    switch (rng() % 8) {
      case 0:  // the same bytes again
        disturbed.push_back(s);
        break;
      case 1: {  // other bytes for the same positions, after the original: they lose
        Send forged = s;
        for (char& c : forged.bytes) c = static_cast<char>(c ^ 0x20);
        disturbed.push_back(forged);
        break;
      }
      case 2:  // a segment overlapping this one and what follows it, true bytes
        if (s.at + s.bytes.size() < stream.size()) {
          const uint32_t from = s.at + static_cast<uint32_t>(s.bytes.size() / 2);
          disturbed.push_back({to_server, from, stream.substr(from, 300)});
        }
        break;
      default:
        break;
    }
  }
  return disturbed;
}

struct Flow {
  uint16_t port;
  std::string streams[2];  // [0] to server, [1] to client
};

// Random rules, random conversations carrying their literals, and what a regex over each
// direction's whole stream says should alert: (client port, sid).
struct Scenario {
  std::vector<GeneratedRule> rules;
  std::vector<test::Bytes> frames;
  std::set<std::pair<uint16_t, uint32_t>> expected;
  std::string text() const {
    std::string t;
    for (const GeneratedRule& r : rules) t += r.text;
    return t;
  }
};

Scenario make_scenario(uint32_t seed) {
  Scenario scenario;
  std::vector<GeneratedRule>& rules = scenario.rules;
  std::vector<test::Bytes>& frames = scenario.frames;
  std::set<std::pair<uint16_t, uint32_t>>& expected = scenario.expected;
  std::mt19937 rng(seed);
  RuleGenerator gen(rng);
  // At most 14 rules that may need retries (relative, pcre, end anchors): below kRecent.
  const int kinds[] = {0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5, 5, 6, 6};
  for (uint32_t i = 0; i < std::size(kinds); ++i) {
    rules.push_back(gen.make(100 + i, kinds[i]));
  }

  // Streams of random letters with rule literals planted at random places (sometimes at
  // the very start or end, for the anchored rules).
  std::vector<Flow> flows;
  for (uint16_t f = 0; f < 30; ++f) {
    Flow flow{static_cast<uint16_t>(41000 + f), {}};
    for (std::string& s : flow.streams) {
      const size_t pieces = rng() % 40;
      for (size_t k = 0; k < pieces; ++k) {
        s += gen.word(0, 120);
        if (rng() % 2) {
          const auto& lits = rules[rng() % rules.size()].literals;
          s += lits[rng() % lits.size()];
        }
      }
    }
    flows.push_back(std::move(flow));
  }

  // Reference: regex over each direction's whole stream.
  for (const Flow& flow : flows)
    for (size_t r = 0; r < rules.size(); ++r)
      for (const std::string& stream : flow.streams)
        if (!stream.empty() && regex_matches(rules[r].regex, stream))
          expected.insert({flow.port, 100 + static_cast<uint32_t>(r)});

  // Traffic: each flow's handshake, then all flows' segments interleaved, then an end:
  // FIN both ways, a reset, or nothing (the run's end ends the stream).
  std::vector<Conversation> conversations;
  std::vector<std::vector<Send>> pending;
  for (const Flow& flow : flows) {
    conversations.emplace_back(flow.port);
    std::vector<Send> sends = segment(rng, true, flow.streams[0]);
    std::vector<Send> back = segment(rng, false, flow.streams[1]);
    // Interleave the two directions, each keeping its own order.
    std::vector<Send> both;
    size_t i = 0, j = 0;
    while (i < sends.size() || j < back.size())
      both.push_back((j == back.size() || (i < sends.size() && rng() % 2)) ? sends[i++]
                                                                           : back[j++]);
    pending.push_back(std::move(both));
  }
  for (const Conversation& c : conversations)
    frames.insert(frames.end(), c.frames().begin(), c.frames().end());
  std::vector<size_t> next(flows.size(), 0);
  for (bool any = true; any;) {
    any = false;
    for (size_t f = 0; f < flows.size(); ++f) {
      const size_t burst = 1 + rng() % 3;
      for (size_t k = 0; k < burst && next[f] < pending[f].size(); ++k, any = true) {
        const Send& s = pending[f][next[f]++];
        Conversation one(flows[f].port);
        one.data(s.to_server, s.at, s.bytes);
        frames.push_back(one.frames().back());
      }
    }
  }
  for (size_t f = 0; f < flows.size(); ++f) {
    Conversation end(flows[f].port);
    switch (f % 3) {
      case 0:
        end.fin(true, static_cast<uint32_t>(flows[f].streams[0].size()))
            .fin(false, static_cast<uint32_t>(flows[f].streams[1].size()));
        frames.insert(frames.end(), end.frames().end() - 2, end.frames().end());
        break;
      case 1:
        end.rst(true, static_cast<uint32_t>(flows[f].streams[0].size()));
        frames.push_back(end.frames().back());
        break;
      default:
        break;
    }
  }

  return scenario;
}

uint16_t client_port(const Alert& a) { return a.src_port == 80 ? a.dst_port : a.src_port; }

TEST(StreamDifferential, AlertsEqualARegexReferenceOverTheReassembledStreams) {
  for (const uint32_t seed : {1u, 2u, 3u, 4u, 5u, 6u}) {
    const Scenario scenario = make_scenario(seed);
    const std::string text = scenario.text();
    const CompiledRules compiled = compile_rules(text);
    ASSERT_NE(compiled.signatures(), nullptr);
    ASSERT_TRUE(compiled.signatures()->errors().empty()) << text;
    const std::set<std::pair<uint16_t, uint32_t>>& expected = scenario.expected;
    std::set<std::pair<uint16_t, uint32_t>> got;
    const WorkerStats stats =
        replay(compiled, scenario.frames, ReplayOptions{}, [&](const Alert& a) {
          got.insert({client_port(a),
                      compiled.signatures()->signature(a.indicator & ~Alert::kSignatureBit).sid});
        });
    EXPECT_EQ(got, expected) << "seed " << seed << "\n" << text;
    EXPECT_EQ(stats.stream.retries_dropped, 0u);
    EXPECT_EQ(stats.stream.slots_exhausted, 0u);
    EXPECT_EQ(stats.stream.gaps, 0u);
    EXPECT_GT(stats.tcp.out_of_order, 0u);
    EXPECT_GT(stats.tcp.retransmissions, 0u);
    EXPECT_GT(stats.tcp.overlaps, 0u);
    EXPECT_GT(expected.size(), 20u);
  }
}

// Hot reload with open streams: the same rules, in another order each time (so every id
// changes), compiled and swapped in every few frames. Each swap carries the open streams over
// (their windows rescanned by the new databases) and translates the flows' alerted ids: the
// alerts must still equal the reference, none lost, none twice.
TEST(StreamDifferential, ReloadsEveryFewFramesLoseAndRepeatNothing) {
  for (const uint32_t seed : {1u, 2u, 3u}) {
    const Scenario scenario = make_scenario(seed);
    const CompiledRules compiled = compile_rules(scenario.text());
    std::mt19937 shuffle(seed);
    ReplayOptions options;
    options.reload_every = 29;
    options.reload = [&] {
      std::vector<GeneratedRule> reordered = scenario.rules;
      std::shuffle(reordered.begin(), reordered.end(), shuffle);
      std::string text;
      for (const GeneratedRule& r : reordered) text += r.text;
      return compile_shared(text);
    };
    std::multiset<std::pair<uint16_t, uint32_t>> got;
    const WorkerStats stats = replay_with_rules(
        compiled, scenario.frames, options, [&](const Alert& a, const CompiledRules& rules) {
          got.insert({client_port(a),
                      rules.signatures()->signature(a.indicator & ~Alert::kSignatureBit).sid});
        });
    const std::set<std::pair<uint16_t, uint32_t>> distinct(got.begin(), got.end());
    EXPECT_EQ(distinct, scenario.expected) << "seed " << seed;
    EXPECT_EQ(got.size(), scenario.expected.size()) << "an alert repeated after a reload";
    EXPECT_GT(scenario.frames.size() / options.reload_every, 15u);
    EXPECT_EQ(stats.stream.slots_exhausted, 0u);
    EXPECT_EQ(stats.stream.scan_errors, 0u);
  }
}

// Packet alert mode has no per-flow memory to hide a repeat: with a reload every 19 frames,
// every (frame, flow, rule) alert must be the one a run without reloads raises.
TEST(StreamDifferential, PacketModeAlertsAreTheSameWithAndWithoutReloads) {
  for (const uint32_t seed : {4u, 5u}) {
    const Scenario scenario = make_scenario(seed);
    const std::string text = scenario.text();
    const CompiledRules compiled = compile_rules(text);
    ReplayOptions options;
    options.mode = AlertMode::kPacket;
    using Seen = std::tuple<uint64_t, uint16_t, uint32_t>;
    const auto run = [&](const ReplayOptions& o) {
      std::vector<Seen> seen;
      replay_with_rules(
          compiled, scenario.frames, o, [&](const Alert& a, const CompiledRules& rules) {
            seen.emplace_back(
                a.pcap_cnt, client_port(a),
                rules.signatures()->signature(a.indicator & ~Alert::kSignatureBit).sid);
          });
      std::sort(seen.begin(), seen.end());
      return seen;
    };
    const std::vector<Seen> without = run(options);
    options.reload_every = 19;
    options.reload = [&] { return compile_shared(text); };
    EXPECT_EQ(run(options), without) << "seed " << seed;
    EXPECT_GT(without.size(), 50u);
  }
}

}  // namespace
}  // namespace tripline
