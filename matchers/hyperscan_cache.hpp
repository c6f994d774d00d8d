// The compiled-rules cache: HyperscanPrefilter's serialized databases in one file per rule-set
// content hash, so a restart with unchanged rules skips compilation. Format, key and checks
// are described in matchers/README.md ("Compiled-rules cache").
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

struct hs_database;

namespace tripline::hs_cache {

inline constexpr char kMagic[8] = {'T', 'L', 'H', 'S', 'C', 'A', 'C', 'H'};
inline constexpr uint32_t kFormatVersion = 1;
// magic, u32 format version, u32 reserved (0), u64 payload length, u64 checksum of the payload.
inline constexpr size_t kHeaderBytes = 32;
inline constexpr size_t kChecksumOffset = 24;

// 128-bit content hash of the pattern lists, fed field by field (lengths included, so no two
// different inputs are the same byte sequence).
class KeyHasher {
 public:
  void add(uint64_t value);
  void add(std::string_view bytes);
  std::array<uint64_t, 2> finish() const;

 private:
  std::string bytes_;
};

// A pattern rejected by hs_compile_multi (not by the per-pcre check, which is redone on load).
// rule is 0xffffffff for a database-wide failure of `buffer`'s database.
struct CachedReject {
  uint32_t rule = 0;
  uint32_t buffer = 0;  // SigBuffer, or the streaming database's index (kSigBufferCount)
  std::string pattern;
  std::string message;
};

struct Entry {
  std::array<uint64_t, 2> key{};  // KeyHasher over every database's pattern list
  std::string library;            // hs_version()
  std::string platform;           // platform_name() of the compiling host
  std::vector<CachedReject> rejects;
  // hs_serialize_database blobs, one per database slot (block per buffer, then stream); an
  // empty blob is "no database".
  std::vector<std::string> databases;
};

// Checksum of the payload (everything after the header).
uint64_t checksum(std::string_view payload);

std::string encode(const Entry& entry);
// Parses a whole file's bytes. False with `reason` ("bad magic", "truncated: 40 of 96 bytes",
// "checksum mismatch", ...) on anything not written by encode() of this format version.
// `database_slots` is the number of blobs expected.
bool decode(std::string_view bytes, size_t database_slots, Entry& out, std::string& reason);

// hs_deserialize_database of every blob into `out` (nullptr for an empty one), each checked to
// be of its mode (slot `stream_slot` streaming, the others block) and to run on this CPU
// (hs_alloc_scratch). False with a reason, and nothing left allocated, on the first failure.
bool deserialize(const Entry& entry, size_t stream_slot, std::vector<hs_database*>& out,
                 std::string& reason);
// hs_free_database of each, then clears `dbs`.
void free_databases(std::vector<hs_database*>& dbs);

// "hs-<32 hex digits of the key>.cache"
std::string file_name(const std::array<uint64_t, 2>& key);

// The whole file; false with a reason (errno text) when it cannot be read. `missing` is set
// when it does not exist, nor its directory (a plain cache miss, not worth a warning).
bool read_file(const std::string& path, std::string& bytes, bool& missing, std::string& reason);
// Creates `dir` if needed, writes a temporary file next to `name` and renames it over it, so
// readers see the old file or the new one, never a part. False with a reason.
bool write_file_atomically(const std::string& dir, const std::string& name, std::string_view bytes,
                           std::string& reason);

// The host as Hyperscan compiles for it (hs_populate_platform): "tune N, features avx2 avx512".
std::string platform_name();
std::string library_version();

}  // namespace tripline::hs_cache
