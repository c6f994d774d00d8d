#include "core/app/ja3.hpp"

#include "core/md5.hpp"

namespace tripline {
namespace {

constexpr uint16_t kExtSupportedGroups = 10;
constexpr uint16_t kExtEcPointFormats = 11;

uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

// Appends to the fingerprint's fixed buffer; remembers (instead of cutting) an overflow.
class TextWriter {
 public:
  explicit TextWriter(TlsFingerprint& out) : out_(out) { out_.length = 0; }

  void put(char c) {
    if (out_.length == TlsFingerprint::kMaxText) {
      overflow_ = true;
      return;
    }
    out_.text[out_.length++] = c;
  }
  void number(uint16_t v) {
    char digits[5];
    size_t n = 0;
    do {
      digits[n++] = static_cast<char>('0' + v % 10);
      v = static_cast<uint16_t>(v / 10);
    } while (v != 0);
    while (n != 0) put(digits[--n]);
  }
  // One '-'-joined list item; GREASE values are skipped.
  void item(uint16_t v, bool& first) {
    if (is_tls_grease(v)) return;
    if (!first) put('-');
    first = false;
    number(v);
  }
  // `count` big-endian values of `width` (1 or 2) bytes.
  void list(const uint8_t* p, size_t count, size_t width) {
    bool first = true;
    for (size_t i = 0; i < count; ++i, p += width) item(width == 2 ? be16(p) : p[0], first);
  }
  // Extension types of a block whose framing parse_tls_*_hello already checked.
  void extension_types(std::span<const uint8_t> exts) {
    bool first = true;
    for (size_t off = 0; off + 4 <= exts.size(); off += 4 + be16(exts.data() + off + 2)) {
      item(be16(exts.data() + off), first);
    }
  }

  FingerprintStatus finish() {
    if (overflow_) {
      out_.length = 0;
      out_.md5 = {};
      return FingerprintStatus::kTooLong;
    }
    out_.md5 = md5_hex(out_.string());
    return FingerprintStatus::kOk;
  }

 private:
  TlsFingerprint& out_;
  bool overflow_ = false;
};

// The supported_groups and ec_point_formats lists (values only, after their lengths).
struct CurveLists {
  std::span<const uint8_t> groups;         // 2 bytes each
  std::span<const uint8_t> point_formats;  // 1 byte each
};

bool find_curve_lists(std::span<const uint8_t> exts, CurveLists& out) {
  bool have_groups = false;
  bool have_formats = false;
  for (size_t off = 0; off + 4 <= exts.size();) {
    const uint16_t type = be16(exts.data() + off);
    const size_t len = be16(exts.data() + off + 2);
    const uint8_t* body = exts.data() + off + 4;
    off += 4 + len;
    if (type == kExtSupportedGroups) {
      // NamedGroup named_group_list<2..2^16-1> (RFC 8446 4.2.7).
      if (have_groups || len < 2) return false;
      const size_t list_len = be16(body);
      if (list_len != len - 2 || list_len % 2 != 0) return false;
      out.groups = {body + 2, list_len};
      have_groups = true;
    } else if (type == kExtEcPointFormats) {
      // ECPointFormat ec_point_format_list<1..2^8-1> (RFC 8422 5.1.2).
      if (have_formats || len < 1 || body[0] != len - 1) return false;
      out.point_formats = {body + 1, len - 1};
      have_formats = true;
    }
  }
  return true;
}

}  // namespace

FingerprintStatus make_ja3(const TlsClientHello& hello, TlsFingerprint& out) {
  TextWriter w(out);
  CurveLists curves;
  if (!find_curve_lists(hello.extensions, curves)) {
    out.md5 = {};
    return FingerprintStatus::kMalformed;
  }
  w.number(hello.hello_version);
  w.put(',');
  w.list(hello.cipher_suites.data(), hello.cipher_suites.size() / 2, 2);
  w.put(',');
  w.extension_types(hello.extensions);
  w.put(',');
  w.list(curves.groups.data(), curves.groups.size() / 2, 2);
  w.put(',');
  w.list(curves.point_formats.data(), curves.point_formats.size(), 1);
  return w.finish();
}

FingerprintStatus make_ja3s(const TlsServerHello& hello, TlsFingerprint& out) {
  TextWriter w(out);
  w.number(hello.hello_version);
  w.put(',');
  w.number(hello.cipher_suite);
  w.put(',');
  w.extension_types(hello.extensions);
  return w.finish();
}

}  // namespace tripline
