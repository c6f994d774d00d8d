// Sightings back to the partners who shared an indicator: for every alert whose indicator came
// with a STIX id (a STIX bundle's indicator, or a rule derived from one), the writer thread
// counts it here; sighting_bundle() turns the counts into STIX 2.1 Sighting objects
// (sighting_of_ref, count, first_seen, last_seen, where_sighted_refs = this sensor's identity)
// in a bundle, written to --sightings FILE at the end of a run and with every periodic stats
// event. Ids are name-based (UUID version 3 of sensor, indicator and first sighting), so the
// same sighting written again keeps its id and a consumer can de-duplicate it.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace tripline {

class SightingLog {
 public:
  explicit SightingLog(std::string sensor);

  // Counts one sighting at capture time ts_ns; ids other than "indicator--..." are ignored.
  // Called by the writer thread; bundle() may run on another thread (it locks).
  void record(std::string_view stix_id, uint64_t ts_ns);
  size_t indicators() const;

  // A STIX 2.1 bundle: the sensor's identity, then one sighting per indicator, in id order.
  // `now_ns` (wall clock) is the objects' created/modified time.
  std::string bundle(uint64_t now_ns) const;
  // Writes bundle() to `path` through a temporary file and a rename; false on failure.
  bool write(const std::string& path, uint64_t now_ns) const;

  // "identity--<uuid>" of a sensor name (stable).
  static std::string identity_id(std::string_view sensor);

 private:
  struct Seen {
    uint64_t count = 0;
    uint64_t first_ns = 0;
    uint64_t last_ns = 0;
  };
  std::string sensor_;
  mutable std::mutex mutex_;
  std::map<std::string, Seen, std::less<>> seen_;
};

}  // namespace tripline
