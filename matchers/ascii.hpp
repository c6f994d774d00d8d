// ASCII case folding for the matchers (host names are compared case-insensitively; bytes
// outside A-Z are kept as they are).
#pragma once

namespace tripline {

inline char ascii_lower(char c) {
  const auto u = static_cast<unsigned char>(c);
  return static_cast<unsigned>(u - 'A') < 26u ? static_cast<char>(u + ('a' - 'A')) : c;
}

}  // namespace tripline
