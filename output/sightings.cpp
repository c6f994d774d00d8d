#include "output/sightings.hpp"

#include <cstdio>
#include <ctime>

#include "core/md5.hpp"

namespace tripline {
namespace {

// A name-based UUID (RFC 4122 version 3: MD5 of the name, version and variant bits set).
std::string name_uuid(std::string_view name) {
  Md5::Digest d = md5(name);
  d[6] = static_cast<uint8_t>((d[6] & 0x0F) | 0x30);
  d[8] = static_cast<uint8_t>((d[8] & 0x3F) | 0x80);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[d[i] >> 4];
    out += kHex[d[i] & 15];
  }
  return out;
}

// STIX timestamps: RFC 3339 in UTC with milliseconds, "2026-01-01T00:00:00.000Z".
std::string stix_time(uint64_t ns) {
  const auto seconds = static_cast<std::time_t>(ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<unsigned>(ns / 1'000'000 % 1000));
  return buf;
}

// Ids and names in the bundle are STIX ids and the sensor name: escape what JSON needs.
std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

SightingLog::SightingLog(std::string sensor) : sensor_(std::move(sensor)) {}

std::string SightingLog::identity_id(std::string_view sensor) {
  return "identity--" + name_uuid("tripline sensor " + std::string(sensor));
}

void SightingLog::record(std::string_view stix_id, uint64_t ts_ns) {
  if (stix_id.substr(0, 11) != "indicator--") return;
  std::lock_guard lock(mutex_);
  auto it = seen_.find(stix_id);
  if (it == seen_.end()) it = seen_.emplace(std::string(stix_id), Seen{0, ts_ns, ts_ns}).first;
  Seen& s = it->second;
  ++s.count;
  if (ts_ns < s.first_ns) s.first_ns = ts_ns;
  if (ts_ns > s.last_ns) s.last_ns = ts_ns;
}

size_t SightingLog::indicators() const {
  std::lock_guard lock(mutex_);
  return seen_.size();
}

std::string SightingLog::bundle(uint64_t now_ns) const {
  const std::string now = json_string(stix_time(now_ns));
  const std::string identity = identity_id(sensor_);
  std::lock_guard lock(mutex_);
  std::string out = "{\"type\":\"bundle\",\"id\":\"bundle--" +
                    name_uuid(sensor_ + " sightings " + std::to_string(now_ns)) +
                    "\",\"objects\":[";
  out += "{\"type\":\"identity\",\"spec_version\":\"2.1\",\"id\":" + json_string(identity) +
         ",\"created\":" + now + ",\"modified\":" + now + ",\"name\":" + json_string(sensor_) +
         ",\"identity_class\":\"system\",\"description\":\"tripline sensor\"}";
  for (const auto& [indicator, seen] : seen_) {
    const std::string id =
        "sighting--" + name_uuid(sensor_ + "|" + indicator + "|" + std::to_string(seen.first_ns));
    // STIX caps count at 999 999 999.
    const uint64_t count = seen.count < 999'999'999 ? seen.count : 999'999'999;
    out += ",{\"type\":\"sighting\",\"spec_version\":\"2.1\",\"id\":" + json_string(id) +
           ",\"created\":" + now + ",\"modified\":" + now +
           ",\"created_by_ref\":" + json_string(identity) +
           ",\"sighting_of_ref\":" + json_string(indicator) +
           ",\"count\":" + std::to_string(count) +
           ",\"first_seen\":" + json_string(stix_time(seen.first_ns)) +
           ",\"last_seen\":" + json_string(stix_time(seen.last_ns)) + ",\"where_sighted_refs\":[" +
           json_string(identity) + "]}";
  }
  return out + "]}\n";
}

bool SightingLog::write(const std::string& path, uint64_t now_ns) const {
  const std::string text = bundle(now_ns);
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) return false;
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (std::fclose(f) != 0 || !ok) return false;
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace tripline
