#include "matchers/url_table.hpp"

#include <cstring>
#include <vector>

#include "matchers/ascii.hpp"
#include "matchers/hash.hpp"

namespace tripline {
namespace {

// Default ports for the two schemes a scheme-less indicator may stand for.
bool is_default_port(std::string_view port) {
  if (port.empty() || port.size() > 5) return port.empty();
  unsigned value = 0;
  for (const char c : port) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value == 80 || value == 443;
}

bool all_digits(std::string_view s) {
  if (s.empty() || s.size() > 5) return false;
  for (const char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// Splits an authority "host[:port]" / "[v6][:port]" (userinfo already removed).
void split_host_port(std::string_view authority, std::string_view& host, std::string_view& port) {
  host = authority;
  port = {};
  size_t colon = std::string_view::npos;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close != std::string_view::npos && close + 1 < authority.size() &&
        authority[close + 1] == ':')
      colon = close + 1;
  } else {
    colon = authority.find(':');
    if (colon != std::string_view::npos && authority.find(':', colon + 1) != std::string_view::npos)
      colon = std::string_view::npos;  // bare IPv6: no port
  }
  if (colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
}

// "http://", "https://", any "scheme://" (RFC 3986 scheme characters), case-insensitive.
size_t scheme_length(std::string_view target) {
  const size_t sep = target.find("://");
  if (sep == std::string_view::npos || sep == 0 || sep > 16) return 0;
  for (size_t i = 0; i < sep; ++i) {
    const char c = ascii_lower(target[i]);
    const bool ok = (c >= 'a' && c <= 'z') ||
                    (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'));
    if (!ok) return 0;
  }
  return sep + 3;
}

}  // namespace

std::string UrlTable::normalize_key(std::string_view url) {
  const size_t hash_mark = url.find('#');
  if (hash_mark != std::string_view::npos) url = url.substr(0, hash_mark);
  const size_t slash = url.find_first_of("/?");
  const std::string_view authority = url.substr(0, slash);
  std::string_view rest = slash == std::string_view::npos ? std::string_view() : url.substr(slash);
  std::string_view host, port;
  split_host_port(authority, host, port);
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  std::string key;
  key.reserve(url.size() + 1);
  for (const char c : host) key.push_back(ascii_lower(c));
  if (!is_default_port(port)) {
    key.push_back(':');
    key.append(port);
  }
  if (rest.empty() || rest.front() != '/') key.push_back('/');
  key.append(rest);
  return key;
}

uint64_t UrlTable::hash(std::string_view key) { return hashing::word_hash(key); }

UrlTable::UrlTable(std::span<const KeyedId> urls) {
  std::vector<std::string> keys;
  keys.reserve(urls.size());
  std::vector<KeyedId> items;
  items.reserve(urls.size());
  for (const KeyedId& u : urls) keys.push_back(normalize_key(u.key));
  for (size_t i = 0; i < urls.size(); ++i) items.push_back({keys[i], urls[i].id});
  table_ = StringTable(items, &UrlTable::hash);
}

IdSpan UrlTable::match(std::string_view host, std::string_view target) const {
  if (table_.empty()) return {};
  // Where host and path come from.
  std::string_view authority = host;
  std::string_view path = target;
  if (const size_t scheme = scheme_length(target); scheme != 0) {
    const std::string_view after = target.substr(scheme);
    const size_t end = after.find_first_of("/?#");
    authority = after.substr(0, end);
    path = end == std::string_view::npos ? std::string_view() : after.substr(end);
    if (const size_t at = authority.rfind('@'); at != std::string_view::npos)
      authority = authority.substr(at + 1);
  } else if (!target.empty() && target.front() != '/') {
    return {};  // authority-form (CONNECT) or asterisk-form (OPTIONS *): no path to match
  }
  if (const size_t hash_mark = path.find('#'); hash_mark != std::string_view::npos)
    path = path.substr(0, hash_mark);
  const bool needs_slash = path.empty() || path.front() != '/';
  if (authority.size() > kMaxHost || path.size() > kMaxTarget) return {};

  std::string_view name, port;
  split_host_port(authority, name, port);
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty()) return {};
  // A malformed port is ignored (the portless probes still run).
  const bool with_port = !is_default_port(port) && all_digits(port);

  // Layout: [ ... host[:port] | /path?query ], the path at a fixed offset so the host can be
  // written right-aligned in front of it, first with the port and then without.
  char buf[kMaxHost + 1 + kMaxTarget + 1];
  char* const path_at = buf + kMaxHost + 1;
  size_t path_len = 0;
  if (needs_slash) path_at[path_len++] = '/';
  if (!path.empty()) std::memcpy(path_at + path_len, path.data(), path.size());
  path_len += path.size();
  const size_t query = std::string_view(path_at, path_len).find('?');
  const size_t path_only = query == std::string_view::npos ? path_len : query;

  auto probe = [&](const char* key_begin) -> IdSpan {
    const auto head = static_cast<size_t>(path_at - key_begin);
    const std::string_view full(key_begin, head + path_len);
    IdSpan ids = table_.find(full, hashing::word_hash(full));
    if (ids.empty() && path_only != path_len) {
      const std::string_view bare(key_begin, head + path_only);
      ids = table_.find(bare, hashing::word_hash(bare));
    }
    return ids;
  };

  char* host_at = path_at - name.size();
  if (with_port) {
    char* const port_at = path_at - port.size() - 1;
    port_at[0] = ':';
    std::memcpy(port_at + 1, port.data(), port.size());
    char* const p = port_at - name.size();
    for (size_t i = 0; i < name.size(); ++i) p[i] = ascii_lower(name[i]);
    const IdSpan ids = probe(p);
    if (!ids.empty()) return ids;
  }
  for (size_t i = 0; i < name.size(); ++i) host_at[i] = ascii_lower(name[i]);
  return probe(host_at);
}

}  // namespace tripline
