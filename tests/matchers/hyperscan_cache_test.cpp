// The compiled-rules cache: a second construction loads the databases instead of compiling,
// answers exactly as a compiled prefilter does, misses on other rules, and detects, reports and
// rebuilds damaged or stale entries; an unwritable directory only costs a warning.
#include "matchers/hyperscan_cache.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/loaders.hpp"
#include "core/rule_vars.hpp"
#include "matchers/hyperscan_prefilter.hpp"
#include "tests/test_support.hpp"

namespace tripline {
namespace {

namespace fs = std::filesystem;

std::vector<Signature> load(std::string_view text) {
  RuleSet rules;
  load_suricata_rules(text, "t.rules", RuleVars::suricata_defaults(), rules);
  for (const Diagnostic& d : rules.diagnostics()) ADD_FAILURE() << d.to_string();
  return rules.signatures();
}

constexpr std::string_view kRules = R"(
alert tcp any any -> any any (msg:"plain"; content:"EVIL"; sid:1;)
alert tcp any any -> any any (msg:"nocase"; content:"malware"; nocase; sid:2;)
alert udp any any -> any any (msg:"hex"; content:"|de ad be ef|"; sid:3;)
alert tcp any any -> any any (msg:"pcre only"; pcre:"/foo[0-9]+bar/i"; sid:8;)
alert tcp any any -> any any (msg:"bad pcre"; pcre:"/a(?R)b/"; sid:9;)
alert ip 10.0.0.1 any -> any any (msg:"no content"; sid:10;)
alert dns any any -> any any (msg:"dns"; dns.query; content:"bad.example"; nocase; sid:11;)
alert tls any any -> any any (msg:"sni"; tls.sni; content:"evil.test"; sid:12;)
alert http any any -> any any (msg:"uri pcre"; http.uri; pcre:"/\/gate\.php\?id=\d+$/"; sid:13;)
alert tcp any any -> any any (msg:"end"; pcre:"/trailer\z/"; sid:14;)
)";

std::vector<std::string> error_texts(const HyperscanPrefilter& p) {
  std::vector<std::string> out;
  for (const PrefilterError& e : p.errors()) out.push_back(e.to_string());
  return out;
}

bool any_from_cache(const HyperscanPrefilter& p, bool expected) {
  bool all = p.stream_stats().from_cache == expected;
  for (size_t b = 0; b < kSigBufferCount; ++b)
    if (p.has_database(static_cast<SigBuffer>(b)))
      all &= p.block_stats(static_cast<SigBuffer>(b)).from_cache == expected;
  return all;
}

class HyperscanCache : public ::testing::Test {
 protected:
  HyperscanCache() : sigs_(load(kRules)), options_{(dir_.path() / "cache").string()} {}

  std::string entry_path() {
    const HyperscanPrefilter p(sigs_, options_);
    return p.cache_file();
  }
  // Builds from the cache directory and returns its single warning ("" for none).
  std::string warning_of_build(bool* from_cache = nullptr) {
    const HyperscanPrefilter p(sigs_, options_);
    if (from_cache != nullptr) *from_cache = p.from_cache();
    EXPECT_LE(p.cache_warnings().size(), 1u);
    return p.cache_warnings().empty() ? std::string() : p.cache_warnings().front();
  }
  void write(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  }
  // After a damaged entry was reported, the rebuilt one loads without a warning.
  void expect_rebuilt() {
    bool from_cache = false;
    EXPECT_EQ(warning_of_build(&from_cache), "");
    EXPECT_TRUE(from_cache);
  }

  test::TempDir dir_;
  std::vector<Signature> sigs_;
  PrefilterOptions options_;
};

TEST_F(HyperscanCache, ColdThenWarmLoadsTheSameDatabasesAndErrors) {
  const HyperscanPrefilter uncached(sigs_);
  EXPECT_FALSE(uncached.from_cache());
  EXPECT_EQ(uncached.cache_file(), "");

  const HyperscanPrefilter cold(sigs_, options_);
  EXPECT_FALSE(cold.from_cache());
  EXPECT_TRUE(any_from_cache(cold, false));
  EXPECT_TRUE(cold.cache_warnings().empty()) << cold.cache_warnings().front();
  ASSERT_TRUE(fs::exists(cold.cache_file()));
  EXPECT_EQ(fs::path(cold.cache_file()).parent_path(), fs::path(options_.cache_dir));
  EXPECT_EQ(fs::path(cold.cache_file()).filename().string().size(), 3 + 32 + 6u);

  const HyperscanPrefilter warm(sigs_, options_);
  EXPECT_TRUE(warm.from_cache());
  EXPECT_TRUE(any_from_cache(warm, true));
  EXPECT_TRUE(warm.cache_warnings().empty());
  EXPECT_EQ(warm.cache_file(), cold.cache_file());

  // Everything but the databases' origin is as compiled.
  for (const HyperscanPrefilter* p : {&cold, &warm}) {
    EXPECT_EQ(error_texts(*p), error_texts(uncached));
    EXPECT_EQ(p->excluded_rules(), uncached.excluded_rules());
    EXPECT_EQ(p->always_candidates(), uncached.always_candidates());
    EXPECT_EQ(p->stream_state_bytes(), uncached.stream_state_bytes());
    EXPECT_EQ(p->stream_stats().patterns, uncached.stream_stats().patterns);
    EXPECT_EQ(p->stream_stats().bytes, uncached.stream_stats().bytes);
    for (size_t b = 0; b < kSigBufferCount; ++b) {
      const auto buffer = static_cast<SigBuffer>(b);
      EXPECT_EQ(p->has_database(buffer), uncached.has_database(buffer));
      EXPECT_EQ(p->block_stats(buffer).patterns, uncached.block_stats(buffer).patterns);
      EXPECT_EQ(p->block_stats(buffer).bytes, uncached.block_stats(buffer).bytes);
    }
  }
  EXPECT_EQ(uncached.errors().size(), 1u);  // sid 9, found by the per-pcre check
  EXPECT_EQ(uncached.excluded_rules(), 1u);
}

// Random data with planted patterns: block candidates per buffer and every streaming hit are
// the same from a cached and a compiled prefilter.
TEST_F(HyperscanCache, CachedAndCompiledPrefiltersGiveTheSameCandidates) {
  std::mt19937_64 rng(5);
  std::string text(kRules);
  std::vector<std::string> words;
  for (int i = 0; i < 300; ++i) {
    std::string w;
    for (size_t n = 4 + rng() % 6; n-- > 0;) w.push_back(static_cast<char>('a' + rng() % 6));
    words.push_back(w);
    text += "alert tcp any any -> any any (msg:\"w\"; content:\"" + w + "\";" +
            (i % 3 == 0 ? " nocase;" : "") + " sid:" + std::to_string(100 + i) + ";)\n";
    if (i % 10 == 0)
      text += "alert http any any -> any any (msg:\"u\"; http.uri; pcre:\"/" + w +
              "[0-9]+/\"; sid:" + std::to_string(1000 + i) + ";)\n";
  }
  const std::vector<Signature> sigs = load(text);
  { const HyperscanPrefilter fill(sigs, options_); }
  const HyperscanPrefilter cached(sigs, options_);
  ASSERT_TRUE(cached.from_cache());
  const HyperscanPrefilter compiled(sigs);
  PrefilterScratch cs = cached.make_scratch(), ps = compiled.make_scratch();
  StreamHandle c_stream, p_stream;
  ASSERT_TRUE(cached.open_stream(c_stream));
  ASSERT_TRUE(compiled.open_stream(p_stream));

  using Hits = std::multiset<std::pair<uint32_t, uint64_t>>;
  Hits c_hits, p_hits;
  size_t candidates = 0;
  for (int round = 0; round < 400; ++round) {
    std::string data;
    for (size_t n = rng() % 200; n-- > 0;) data.push_back(static_cast<char>('a' + rng() % 7));
    if (rng() % 2 == 0) data.insert(rng() % (data.size() + 1), words[rng() % words.size()]);
    if (rng() % 4 == 0) data += std::to_string(rng() % 1000);
    for (size_t b = 0; b < kSigBufferCount; ++b) {
      std::set<uint32_t> c, p;
      ASSERT_TRUE(
          cached.scan_block(static_cast<SigBuffer>(b), data, cs, [&](uint32_t r) { c.insert(r); }));
      ASSERT_TRUE(compiled.scan_block(static_cast<SigBuffer>(b), data, ps,
                                      [&](uint32_t r) { p.insert(r); }));
      ASSERT_EQ(c, p) << "buffer " << b << " data " << data;
      candidates += c.size();
    }
    ASSERT_TRUE(cached.scan_stream(c_stream, data, cs, [&](uint32_t r, uint64_t end) {
      c_hits.insert({r, end});
    }));
    ASSERT_TRUE(compiled.scan_stream(p_stream, data, ps, [&](uint32_t r, uint64_t end) {
      p_hits.insert({r, end});
    }));
  }
  EXPECT_GT(candidates, 100u);
  EXPECT_GT(c_hits.size(), 100u);
  EXPECT_EQ(c_hits, p_hits);
  cached.close_stream(c_stream);
  compiled.close_stream(p_stream);
}

TEST_F(HyperscanCache, OtherRulesMissTheCache) {
  const std::string first = entry_path();
  auto changed = sigs_;
  std::get<ContentMatch>(changed[0].matches[0].m).bytes = "EVIL2";
  const HyperscanPrefilter p(changed, options_);
  EXPECT_FALSE(p.from_cache());
  EXPECT_TRUE(p.cache_warnings().empty());
  EXPECT_NE(p.cache_file(), first);
  // A flag is part of the key too.
  auto nocase = sigs_;
  std::get<ContentMatch>(nocase[0].matches[0].m).nocase = true;
  const HyperscanPrefilter q(nocase, options_);
  EXPECT_FALSE(q.from_cache());
  EXPECT_NE(q.cache_file(), first);
  EXPECT_NE(q.cache_file(), p.cache_file());
  // Both kept: switching back loads.
  bool from_cache = false;
  EXPECT_EQ(warning_of_build(&from_cache), "");
  EXPECT_TRUE(from_cache);
}

TEST_F(HyperscanCache, AFlippedByteIsACorruptEntryReportedAndRebuilt) {
  const std::string path = entry_path();
  std::string bytes = test::read_file(path);
  bytes[bytes.size() / 2] ^= 0x20;
  write(path, bytes);
  bool from_cache = true;
  EXPECT_EQ(warning_of_build(&from_cache),
            "rules cache: " + path + ": checksum mismatch; compiling again");
  EXPECT_FALSE(from_cache);
  expect_rebuilt();
}

TEST_F(HyperscanCache, ATruncatedEntryIsReportedAndRebuilt) {
  const std::string path = entry_path();
  const std::string bytes = test::read_file(path);
  write(path, bytes.substr(0, bytes.size() - 100));
  EXPECT_EQ(warning_of_build(), "rules cache: " + path +
                                    ": truncated: " + std::to_string(bytes.size() - 100) + " of " +
                                    std::to_string(bytes.size()) + " bytes; compiling again");
  expect_rebuilt();
  write(path, bytes.substr(0, 20));
  EXPECT_EQ(warning_of_build(),
            "rules cache: " + path + ": truncated: 20 bytes, header is 32; compiling again");
  expect_rebuilt();
  write(path, "");
  EXPECT_EQ(warning_of_build(),
            "rules cache: " + path + ": not a rules cache file (bad magic); compiling again");
  expect_rebuilt();
}

TEST_F(HyperscanCache, StaleAndMalformedEntriesAreReportedAndRebuilt) {
  const std::string path = entry_path();
  const std::string good = test::read_file(path);
  hs_cache::Entry entry;
  std::string reason;
  ASSERT_TRUE(hs_cache::decode(good, kSigBufferCount + 1, entry, reason)) << reason;
  EXPECT_EQ(entry.library, hs_cache::library_version());
  EXPECT_EQ(entry.platform, hs_cache::platform_name());
  EXPECT_EQ(hs_cache::encode(entry), good);

  const auto expect_rejected = [&](hs_cache::Entry e, const std::string& why) {
    write(path, hs_cache::encode(e));
    EXPECT_EQ(warning_of_build(), "rules cache: " + path + ": " + why + "; compiling again");
    expect_rebuilt();
  };
  hs_cache::Entry e = entry;
  e.library = "4.0.0 2016-01-01";
  expect_rejected(
      e, "stale: built by Hyperscan 4.0.0 2016-01-01, this is " + hs_cache::library_version());
  e = entry;
  e.platform = "tune 7, features avx2 avx512 avx512vbmi";
  if (e.platform != entry.platform)
    expect_rejected(e,
                    "stale: built for CPU (tune 7, features avx2 avx512 avx512vbmi), this "
                    "CPU is (" +
                        hs_cache::platform_name() + ")");
  e = entry;
  e.key[1] ^= 1;
  expect_rejected(e, "stale: built from other rules");
  e = entry;
  std::swap(e.databases[0], e.databases.back());  // a stream database where a block one goes
  expect_rejected(e, "database 0: mode STREAM, expected BLOCK");
  e = entry;
  e.databases[0] = e.databases[0].substr(0, 64);
  expect_rejected(e, "database 0: Hyperscan cannot load it (invalid)");
  e = entry;
  e.databases[0].clear();
  expect_rejected(e, "malformed: database 0 does not fit the rules");
  e = entry;
  e.rejects.push_back({1000, 0, "x", "y"});
  expect_rejected(e, "malformed: reject 0 names rule 1000");

  // Another format version, and bytes after the payload.
  std::string bytes = good;
  bytes[8] = 9;
  write(path, bytes);
  EXPECT_EQ(warning_of_build(),
            "rules cache: " + path + ": format version 9, expected 1; compiling again");
  expect_rebuilt();
  write(path, good + "x");
  EXPECT_EQ(warning_of_build(),
            "rules cache: " + path + ": trailing bytes: " + std::to_string(good.size() + 1) +
                " of " + std::to_string(good.size()) + " bytes; compiling again");
  expect_rebuilt();
}

// Rejects from the full compile are stored in the entry and reported on load as if compiled.
TEST_F(HyperscanCache, StoredCompileRejectsAreReproduced) {
  const std::string path = entry_path();
  hs_cache::Entry entry;
  std::string reason;
  ASSERT_TRUE(hs_cache::decode(test::read_file(path), kSigBufferCount + 1, entry, reason));
  EXPECT_TRUE(entry.rejects.empty());
  entry.rejects.push_back({1, static_cast<uint32_t>(SigBuffer::kPacket), "malware", "too big"});
  write(path, hs_cache::encode(entry));
  const HyperscanPrefilter p(sigs_, options_);
  EXPECT_TRUE(p.from_cache());
  ASSERT_EQ(p.errors().size(), 2u);
  EXPECT_EQ(p.errors()[1].to_string(), "sid 2: payload: Hyperscan rejected 'malware': too big");
  EXPECT_EQ(p.excluded_rules(), 2u);
}

TEST_F(HyperscanCache, AnUnwritableDirectoryIsAWarningNotAFailure) {
  const fs::path file = dir_.path() / "plain-file";
  write(file.string(), "x");
  const PrefilterOptions options{(file / "cache").string()};
  const HyperscanPrefilter p(sigs_, options);
  EXPECT_FALSE(p.from_cache());
  ASSERT_EQ(p.cache_warnings().size(), 1u);
  EXPECT_EQ(p.cache_warnings()[0], "rules cache: cannot write " + p.cache_file() +
                                       ": Not a directory; the databases " + "are not cached");
  PrefilterScratch scratch = p.make_scratch();
  std::set<uint32_t> hits;
  ASSERT_TRUE(p.scan_block(SigBuffer::kPacket, "xxEVILxx", scratch,
                           [&](uint32_t r) { hits.insert(sigs_[r].sid); }));
  EXPECT_EQ(hits, std::set<uint32_t>{1});
}

TEST(HyperscanCacheFormat, DecodeRejectsEveryPrefixOfAValidEntry) {
  hs_cache::Entry entry;
  entry.key = {1, 2};
  entry.library = "lib";
  entry.platform = "cpu";
  entry.rejects.push_back({3, 1, "p", "m"});
  entry.databases = {"", "abc", ""};
  const std::string bytes = hs_cache::encode(entry);
  hs_cache::Entry out;
  std::string reason;
  ASSERT_TRUE(hs_cache::decode(bytes, 3, out, reason)) << reason;
  EXPECT_EQ(out.key, entry.key);
  EXPECT_EQ(out.databases, entry.databases);
  EXPECT_EQ(out.rejects.at(0).pattern, "p");
  EXPECT_FALSE(hs_cache::decode(bytes, 4, out, reason));
  EXPECT_EQ(reason, "malformed: 3 databases, expected 4");
  for (size_t n = 0; n < bytes.size(); ++n)
    EXPECT_FALSE(hs_cache::decode(bytes.substr(0, n), 3, out, reason)) << n;
}

}  // namespace
}  // namespace tripline
