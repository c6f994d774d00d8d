// Private helpers shared by the rule-set loaders (list, CSV, Zeek intel); not a public API.
// Parse time only: functions write into caller-owned buffers so a loader reuses them per line.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/loaders.hpp"
#include "core/rule_set.hpp"

namespace tripline::detail {

constexpr bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}
constexpr char to_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string_view trim(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view s, std::string_view prefix);
std::string lower_copy(std::string_view s);

// "dir/feed.txt" -> "feed.txt"; stem("feed.txt") -> "feed".
std::string_view base_name(std::string_view path);
std::string_view stem(std::string_view base);

// A token quoted for a diagnostic, shortened when long: 'foo bar'.
std::string quoted(std::string_view token);

// A UTF-8 byte order mark at the start of a file is dropped.
std::string_view strip_bom(std::string_view text);

// classify_indicator() into reusable buffers: `scratch` receives the refanged token.
void classify_into(std::string_view token, std::string& scratch, Classification& out);

// "md5", "sha1", "sha256", "sha512" for hex strings of those lengths; empty otherwise.
std::string_view hash_kind(std::string_view token);

// Indicator type names as files declare them: Zeek (Intel::ADDR), MISP (ip-dst|port), plain (fqdn).
enum class DeclaredKind : uint8_t {
  kIp,        // IP address (optionally with port) or CIDR
  kCidr,      // CIDR only
  kDomain,    // host name
  kHost,      // host name or IP address
  kUrl,       // URL, with or without scheme; a bare path is skipped as "url_path"
  kIpPort,    // "ip|port"
  kHostPort,  // "hostname|port"
  kDomainIp,  // "domain|ip": two indicators
  kJa3,       // JA3 client fingerprint (MD5 hex)
  kJa3s,      // JA3S server fingerprint (MD5 hex)
  kHash,      // skipped; value checked against the hash kind (any kind when skipped_kind is empty)
  kFileHash,  // skipped; kind from the hash length, "file_hash" when unknown
  kSkip,      // skipped with skipped_kind, value not checked
  kUnknownZeek,  // an Intel:: name Zeek does not define
  kUnknown,      // any other name
};
struct DeclaredType {
  DeclaredKind kind = DeclaredKind::kUnknown;
  std::string_view skipped_kind;  // for kHash / kSkip
};
DeclaredType lookup_declared_type(std::string_view name);  // case-insensitive

// One result of classifying a field: `written` is the part of the field it came from.
struct Piece {
  Classification c;
  std::string_view written;
};

// Classifies `value` under a declared type into pieces[0..n) (reusing their buffers); returns n
// (1, or 2 for kDomainIp). A value that is not what the type says gives one kInvalid piece.
size_t classify_declared(const DeclaredType& type, std::string_view declared_name,
                         std::string_view value, std::string& scratch, Piece (&pieces)[2]);

// Adds one classified piece to `rules`: indicator, skipped indicator, or error diagnostic.
void emit(RuleSet& rules, std::string_view file, uint32_t line, std::string_view written,
          Classification& c, const IndicatorMeta& meta);

// Confidence 0..100, or MISP-style "high" / "medium" / "low" (90 / 60 / 30); -1 when invalid.
int parse_confidence(std::string_view text);
// CIF confidence 0..10 (decimals allowed), scaled to 0..100; -1 when invalid.
int parse_cif_confidence(std::string_view text);
// TLP label in lower case without "tlp:" ("white" becomes "clear"); empty when unknown.
std::string normalize_tlp(std::string_view text);

// Reserves room for about `lines` more indicators when that keeps growth geometric.
void reserve_for(RuleSet& rules, size_t lines);

}  // namespace tripline::detail
