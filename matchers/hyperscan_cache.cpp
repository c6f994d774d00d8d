#include "matchers/hyperscan_cache.hpp"

#include <fcntl.h>
#include <hs.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "matchers/hash.hpp"

namespace tripline::hs_cache {
namespace {

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

void put_u64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

void put_string(std::string& out, std::string_view s) {
  put_u64(out, s.size());
  out.append(s);
}

uint64_t get_le(std::string_view bytes, size_t at, int width) {
  uint64_t v = 0;
  for (int i = 0; i < width; ++i)
    v |= uint64_t{static_cast<unsigned char>(bytes[at + static_cast<size_t>(i)])} << (8 * i);
  return v;
}

// Bounds-checked reader over the payload; any read past the end sets failed_.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  uint32_t u32() { return static_cast<uint32_t>(take(4)); }
  uint64_t u64() { return take(8); }
  std::string string() {
    const uint64_t n = u64();
    if (failed_ || n > bytes_.size() - at_) {
      failed_ = true;
      return {};
    }
    std::string s(bytes_.substr(at_, n));
    at_ += n;
    return s;
  }
  bool failed() const { return failed_; }
  bool at_end() const { return at_ == bytes_.size(); }

 private:
  uint64_t take(int width) {
    if (failed_ || bytes_.size() - at_ < static_cast<size_t>(width)) {
      failed_ = true;
      return 0;
    }
    const uint64_t v = get_le(bytes_, at_, width);
    at_ += static_cast<size_t>(width);
    return v;
  }

  std::string_view bytes_;
  size_t at_ = 0;
  bool failed_ = false;
};

std::string hex(uint64_t v) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) out[static_cast<size_t>(i)] = kHex[v & 15];
  return out;
}

const char* error_name(hs_error_t rc) {
  switch (rc) {
    case HS_INVALID:
      return "invalid";
    case HS_NOMEM:
      return "out of memory";
    case HS_DB_VERSION_ERROR:
      return "built by another Hyperscan version";
    case HS_DB_PLATFORM_ERROR:
      return "built for another platform";
    case HS_DB_MODE_ERROR:
      return "wrong mode";
    case HS_BAD_ALIGN:
      return "misaligned";
    case HS_ARCH_ERROR:
      return "this CPU lacks the instructions it needs";
    default:
      return "error";
  }
}

}  // namespace

void KeyHasher::add(uint64_t value) { put_u64(bytes_, value); }

void KeyHasher::add(std::string_view bytes) { put_string(bytes_, bytes); }

std::array<uint64_t, 2> KeyHasher::finish() const {
  // Two independent 64-bit hashes: the word-at-a-time hash and FNV-1a, both finalized.
  uint64_t fnv = 0xcbf29ce484222325ull;
  for (const char c : bytes_) fnv = (fnv ^ static_cast<unsigned char>(c)) * hashing::kPrime;
  return {hashing::word_hash(bytes_), hashing::finish(fnv, bytes_.size())};
}

uint64_t checksum(std::string_view payload) { return hashing::word_hash(payload); }

std::string encode(const Entry& entry) {
  std::string payload;
  put_u64(payload, entry.key[0]);
  put_u64(payload, entry.key[1]);
  put_string(payload, entry.library);
  put_string(payload, entry.platform);
  put_u32(payload, static_cast<uint32_t>(entry.rejects.size()));
  for (const CachedReject& r : entry.rejects) {
    put_u32(payload, r.rule);
    put_u32(payload, r.buffer);
    put_string(payload, r.pattern);
    put_string(payload, r.message);
  }
  put_u32(payload, static_cast<uint32_t>(entry.databases.size()));
  for (const std::string& db : entry.databases) put_string(payload, db);

  std::string out(kMagic, sizeof kMagic);
  put_u32(out, kFormatVersion);
  put_u32(out, 0);
  put_u64(out, payload.size());
  put_u64(out, checksum(payload));
  out += payload;
  return out;
}

bool decode(std::string_view bytes, size_t database_slots, Entry& out, std::string& reason) {
  if (bytes.size() < sizeof kMagic || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    reason = "not a rules cache file (bad magic)";
    return false;
  }
  if (bytes.size() < kHeaderBytes) {
    reason = "truncated: " + std::to_string(bytes.size()) + " bytes, header is " +
             std::to_string(kHeaderBytes);
    return false;
  }
  const auto version = static_cast<uint32_t>(get_le(bytes, 8, 4));
  if (version != kFormatVersion) {
    reason = "format version " + std::to_string(version) + ", expected " +
             std::to_string(kFormatVersion);
    return false;
  }
  if (get_le(bytes, 12, 4) != 0) {
    reason = "unknown format flags " + std::to_string(get_le(bytes, 12, 4));
    return false;
  }
  const uint64_t length = get_le(bytes, 16, 8);
  const std::string_view payload = bytes.substr(kHeaderBytes);
  if (payload.size() != length) {
    reason = (payload.size() < length ? "truncated: " : "trailing bytes: ") +
             std::to_string(bytes.size()) + " of " + std::to_string(kHeaderBytes + length) +
             " bytes";
    return false;
  }
  if (checksum(payload) != get_le(bytes, kChecksumOffset, 8)) {
    reason = "checksum mismatch";
    return false;
  }
  Reader in(payload);
  Entry e;
  e.key[0] = in.u64();
  e.key[1] = in.u64();
  e.library = in.string();
  e.platform = in.string();
  const uint32_t rejects = in.u32();
  for (uint32_t i = 0; i < rejects && !in.failed(); ++i) {
    CachedReject r;
    r.rule = in.u32();
    r.buffer = in.u32();
    r.pattern = in.string();
    r.message = in.string();
    if (r.buffer >= database_slots) {
      reason =
          "malformed: reject " + std::to_string(i) + " names database " + std::to_string(r.buffer);
      return false;
    }
    e.rejects.push_back(std::move(r));
  }
  const uint32_t slots = in.u32();
  if (!in.failed() && slots != database_slots) {
    reason = "malformed: " + std::to_string(slots) + " databases, expected " +
             std::to_string(database_slots);
    return false;
  }
  for (uint32_t i = 0; i < slots && !in.failed(); ++i) e.databases.push_back(in.string());
  if (in.failed() || !in.at_end()) {
    reason = "malformed payload";
    return false;
  }
  out = std::move(e);
  return true;
}

bool deserialize(const Entry& entry, size_t stream_slot, std::vector<hs_database*>& out,
                 std::string& reason) {
  const auto release = [&out] { free_databases(out); };
  release();
  hs_scratch_t* scratch = nullptr;
  for (size_t i = 0; i < entry.databases.size(); ++i) {
    const std::string& blob = entry.databases[i];
    out.push_back(nullptr);
    if (blob.empty()) continue;
    const std::string what = "database " + std::to_string(i) + ": ";
    hs_error_t rc = hs_deserialize_database(blob.data(), blob.size(), &out.back());
    if (rc != HS_SUCCESS) {
      reason = what + "Hyperscan cannot load it (" + error_name(rc) + ")";
      release();
      hs_free_scratch(scratch);
      return false;
    }
    char* info = nullptr;
    std::string mode;
    if (hs_database_info(out.back(), &info) == HS_SUCCESS && info != nullptr) {
      const char* m = std::strstr(info, "Mode: ");
      if (m != nullptr) mode = m + 6;
      std::free(info);
    }
    const char* want = i == stream_slot ? "STREAM" : "BLOCK";
    if (mode != want) {
      reason = what + "mode " + (mode.empty() ? "unknown" : mode) + ", expected " + want;
      release();
      hs_free_scratch(scratch);
      return false;
    }
    rc = hs_alloc_scratch(out.back(), &scratch);
    if (rc != HS_SUCCESS) {
      reason = what + "does not run here (" + error_name(rc) + ")";
      release();
      hs_free_scratch(scratch);
      return false;
    }
  }
  hs_free_scratch(scratch);
  return true;
}

void free_databases(std::vector<hs_database*>& dbs) {
  for (hs_database_t* db : dbs) hs_free_database(db);
  dbs.clear();
}

std::string file_name(const std::array<uint64_t, 2>& key) {
  return "hs-" + hex(key[0]) + hex(key[1]) + ".cache";
}

bool read_file(const std::string& path, std::string& bytes, bool& missing, std::string& reason) {
  missing = false;
  bytes.clear();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    missing = errno == ENOENT || errno == ENOTDIR;
    reason = std::strerror(errno);
    return false;
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0 && st.st_size > 0) bytes.reserve(static_cast<size_t>(st.st_size));
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      reason = std::strerror(errno);
      ::close(fd);
      return false;
    }
    if (n == 0) break;
    bytes.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return true;
}

bool write_file_atomically(const std::string& dir, const std::string& name, std::string_view bytes,
                           std::string& reason) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    reason = ec.message();
    return false;
  }
  static std::atomic<uint64_t> counter{0};
  const std::string target = (std::filesystem::path(dir) / name).string();
  const std::string temp =
      target + ".tmp." + std::to_string(getpid()) + "." + std::to_string(counter++);
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    reason = std::strerror(errno);
    return false;
  }
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      reason = n < 0 ? std::strerror(errno) : "short write";
      ::close(fd);
      ::unlink(temp.c_str());
      return false;
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0 || ::rename(temp.c_str(), target.c_str()) != 0) {
    reason = std::strerror(errno);
    ::unlink(temp.c_str());
    return false;
  }
  return true;
}

std::string platform_name() {
  hs_platform_info_t platform{};
  if (hs_populate_platform(&platform) != HS_SUCCESS) return "unknown";
  std::string out = "tune " + std::to_string(platform.tune) + ", features";
  const unsigned long long f = platform.cpu_features;
  if (f == 0) out += " none";
  if ((f & HS_CPU_FEATURES_AVX2) != 0) out += " avx2";
  if ((f & HS_CPU_FEATURES_AVX512) != 0) out += " avx512";
  if ((f & HS_CPU_FEATURES_AVX512VBMI) != 0) out += " avx512vbmi";
  const unsigned long long known =
      HS_CPU_FEATURES_AVX2 | HS_CPU_FEATURES_AVX512 | HS_CPU_FEATURES_AVX512VBMI;
  if ((f & ~known) != 0) out += " 0x" + hex(f & ~known);
  return out;
}

std::string library_version() { return hs_version(); }

}  // namespace tripline::hs_cache
