// The compiled-rules cache reader on any file bytes: decode() never crashes and either refuses
// with a reason or yields an entry that encodes back to the same bytes; the blobs of an entry
// it accepts go through Hyperscan's deserializer and the mode/platform checks. Each input is
// tried as is and with its header's length and checksum fixed, so mutations reach the payload.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/signature.hpp"
#include "matchers/hyperscan_cache.hpp"

namespace {

constexpr size_t kSlots = tripline::kSigBufferCount + 1;  // the stream database last

void check(const std::string& bytes) {
  using namespace tripline::hs_cache;
  Entry entry;
  std::string reason;
  if (!decode(bytes, kSlots, entry, reason)) {
    if (reason.empty()) std::abort();  // a refusal always says why
    return;
  }
  if (encode(entry) != bytes) std::abort();
  std::vector<hs_database*> dbs;
  if (!deserialize(entry, kSlots - 1, dbs, reason)) {
    if (reason.empty() || !dbs.empty()) std::abort();
    return;
  }
  if (dbs.size() != kSlots) std::abort();
  free_databases(dbs);
}

void put_u64(std::string& bytes, size_t at, uint64_t v) {
  for (int i = 0; i < 8; ++i) bytes[at + static_cast<size_t>(i)] = static_cast<char>(v >> (8 * i));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tripline::hs_cache;
  std::string bytes(reinterpret_cast<const char*>(data), size);
  check(bytes);
  if (bytes.size() >= kHeaderBytes) {
    const std::string_view payload = std::string_view(bytes).substr(kHeaderBytes);
    put_u64(bytes, 16, payload.size());
    put_u64(bytes, kChecksumOffset, checksum(payload));
    check(bytes);
  }
  return 0;
}
