// Suricata dataset files (the data files of the `dataset` and `datarep` keywords) into a RuleSet.
#pragma once

#include <string_view>

#include "core/rule_set.hpp"

namespace tripline {

// One value per line, `<data>` or, for datarep files, `<data>,<reputation>`; blank lines and
// lines starting with '#' are ignored. The set's type comes from the file name,
// `<set>.<type>.dataset` (type string, md5, sha256, ipv4, ip), or else from the first value (an
// IP address -> ip, 32 / 64 hex digits -> md5 / sha256, anything else -> string). Per type:
//   ip, ipv4  -> ip indicators (IPv4-mapped IPv6 "::ffff:a.b.c.d" becomes "a.b.c.d")
//   string    -> the base64-decoded value: a domain indicator when it is a host name, otherwise a
//                skipped indicator of kind "string" (a User-Agent, a path: not an indicator here)
//   md5, sha256 -> skipped indicators of that kind (tripline does not hash payloads)
// `source` is the set name, `rule_set` the file name, extra `datarep` the reputation when given.
// A bad line is an error diagnostic "file:line: reason"; the rest of the file loads.
void load_dataset(std::string_view text, std::string_view file_name, RuleSet& rules);

}  // namespace tripline
