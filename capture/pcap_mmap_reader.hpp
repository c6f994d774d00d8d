// Classic pcap (not pcapng) read straight out of a byte span — a memory-mapped file — with
// libpcap's rules and libpcap's wording for every way a file can be broken.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "core/packet.hpp"

namespace tripline {

// Pure: no I/O, no allocation except for a diagnostic. Views point into the span, which must
// outlive them. Covers version 2.4 files in either byte order, micro- or nanosecond, of the
// link types the decoder understands; open() leaves anything else to libpcap.
class PcapMmapReader {
 public:
  enum class Header : uint8_t {
    kOk,          // records follow; read() them
    kNotClassic,  // not something this reader takes (pcapng, other magic, version, link type)
    kError,       // a classic pcap header that libpcap would refuse too; message() says why
  };
  enum class Status : uint8_t {
    kOk,         // more records may follow
    kEnd,        // the file ended cleanly after the last record
    kTruncated,  // the file ends inside a record header or its data
    kInvalid,    // a record libpcap refuses (capture length beyond any sane snaplen)
  };

  // The largest capture length libpcap accepts for these link types (MAXIMUM_SNAPLEN).
  static constexpr uint32_t kMaxSnaplen = 262144;

  Header open(std::span<const uint8_t> file);

  // Fills up to `max` views (data, caplen, wirelen, ts_ns, linktype; not ordinal or input) and
  // returns how many. Stops early, with status() kOk, before a record that would take the
  // views' caplen total past `max_bytes` (PcapFileSource cuts batches where its arenas would);
  // otherwise fewer than `max` means the end of the file or a bad record: see status(). The
  // views of records before a bad one are valid.
  uint32_t read(PacketView* out, uint32_t max, size_t max_bytes = SIZE_MAX);

  Status status() const { return status_; }
  // libpcap's text for an open() kError or a kTruncated / kInvalid status.
  const std::string& message() const { return message_; }
  uint16_t linktype() const { return linktype_; }  // DLT value (LINKTYPE_RAW 101 gives 12)
  uint32_t snaplen() const { return snaplen_; }    // as libpcap adjusts it
  bool swapped() const { return swapped_; }
  bool nanosecond() const { return nanosecond_; }
  size_t offset() const { return offset_; }  // where the next record starts

 private:
  void fail(Status status, std::string message);

  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t offset_ = 0;
  size_t prefetched_ = 0;
  uint32_t snaplen_ = 0;
  uint16_t linktype_ = 0;
  bool swapped_ = false;
  bool nanosecond_ = false;
  Status status_ = Status::kEnd;
  std::string message_;
};

}  // namespace tripline
