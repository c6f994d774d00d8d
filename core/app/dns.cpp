#include "core/app/app_parsers.hpp"

namespace tripline {
namespace {

constexpr size_t kDnsHeader = 12;
constexpr size_t kMaxLabel = 63;
constexpr size_t kMaxWireName = 255;  // length octets + label bytes + root octet
constexpr int kMaxPointerHops = 32;

// Decodes the name at `pos`; on success `pos` moves past the name as it sits in the
// message (past the first pointer if it was compressed). `out` gets the dotted text,
// NUL-terminated; `out` may be null to validate only. Every compression pointer must
// target the message body before the label run it was found in, so the walk strictly
// moves backwards and cannot loop; the hop count is bounded on top of that.
bool read_name(const uint8_t* data, size_t len, size_t& pos, char* out, uint8_t& out_len) {
  size_t p = pos;
  size_t run_start = pos;  // start of the label run being read
  size_t wire = 1;         // the root octet
  size_t text = 0;
  int hops = 0;
  bool jumped = false;
  for (;;) {
    if (p >= len) return false;
    const uint8_t b = data[p];
    if ((b & 0xC0) == 0xC0) {
      if (len - p < 2) return false;
      const size_t target = (static_cast<size_t>(b & 0x3F) << 8) | data[p + 1];
      if (target < kDnsHeader || target >= run_start || ++hops > kMaxPointerHops) return false;
      if (!jumped) pos = p + 2;
      jumped = true;
      p = run_start = target;
      continue;
    }
    if (b & 0xC0) return false;  // 0x40 / 0x80: extended and reserved label types
    if (b == 0) {
      if (!jumped) pos = p + 1;
      break;
    }
    // b <= 63 here, since the top two bits are clear.
    wire += 1 + b;
    if (wire > kMaxWireName) return false;
    if (len - p - 1 < b) return false;
    const uint8_t* label = data + p + 1;
    if (text != 0 && out != nullptr) out[text] = '.';
    if (text != 0) ++text;
    for (size_t i = 0; i < b; ++i) {
      if (label[i] == 0) return false;
      if (out != nullptr) out[text + i] = static_cast<char>(label[i]);
    }
    text += b;
    p += 1 + b;
  }
  static_assert(kMaxWireName - 2 <= DnsQuestions::kMaxName);
  static_assert(kMaxLabel == 0x3F);
  if (out != nullptr) out[text] = '\0';
  out_len = static_cast<uint8_t>(text);  // text <= 253
  return true;
}

}  // namespace

ParseStatus parse_dns_questions(const uint8_t* data, size_t len, DnsQuestions& out) {
  out.count = 0;
  out.is_response = false;
  if (data == nullptr || len < kDnsHeader) return ParseStatus::kNotMine;
  out.is_response = (data[2] & 0x80) != 0;
  const size_t qdcount = (static_cast<size_t>(data[4]) << 8) | data[5];
  size_t pos = kDnsHeader;
  // Questions past kMaxQuestions are still walked (not copied), so a message whose
  // qdcount promises more questions than it holds is kMalformed whatever the count.
  for (size_t q = 0; q < qdcount; ++q) {
    const bool keep = q < DnsQuestions::kMaxQuestions;
    uint8_t name_len = 0;
    if (!read_name(data, len, pos, keep ? out.names[q] : nullptr, name_len)) {
      out.count = 0;
      return ParseStatus::kMalformed;
    }
    if (len - pos < 4) {  // QTYPE, QCLASS
      out.count = 0;
      return ParseStatus::kMalformed;
    }
    pos += 4;
    if (keep) {
      out.lengths[q] = name_len;
      out.count = static_cast<uint8_t>(q + 1);
    }
  }
  return ParseStatus::kOk;
}

}  // namespace tripline
