// Fuzzes the memory-mapped classic pcap reader on its own (views stay inside the input, the
// byte budget holds) and against libpcap reading the same bytes: same packets, same errors.
#include <pcap/pcap.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include "capture/pcap_mmap_reader.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using tripline::PcapMmapReader;
  PcapMmapReader reader;
  const PcapMmapReader::Header header = reader.open({data, size});

  // libpcap on the same bytes, from memory.
  pcap_t* pcap = nullptr;
  std::string open_error;
  if (size > 0) {
    std::FILE* f = fmemopen(const_cast<uint8_t*>(data), size, "rb");
    if (f == nullptr) return 0;
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    pcap = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (pcap == nullptr) {
      std::fclose(f);
      open_error = errbuf;
    }
  }
  if (header == PcapMmapReader::Header::kError) {
    check(pcap == nullptr);
    if (size > 0) check(open_error == reader.message());
  }
  if (header != PcapMmapReader::Header::kOk) {
    if (pcap != nullptr) pcap_close(pcap);
    return 0;
  }
  check(pcap != nullptr);
  check(pcap_datalink(pcap) == reader.linktype());

  // Bursts of varying size and byte budget, as PcapFileSource asks for them.
  tripline::PacketView views[16];
  uint32_t burst = 1;
  for (;;) {
    const size_t budget = burst % 3 == 0 ? 4096 : SIZE_MAX;
    const uint32_t n = reader.read(views, burst, budget);
    size_t taken = 0;
    for (uint32_t i = 0; i < n; ++i) {
      const tripline::PacketView& v = views[i];
      check(v.data >= data && v.data + v.caplen <= data + size);
      check(v.caplen <= reader.snaplen() && v.caplen <= PcapMmapReader::kMaxSnaplen);
      taken += v.caplen;
      pcap_pkthdr* h = nullptr;
      const u_char* bytes = nullptr;
      check(pcap_next_ex(pcap, &h, &bytes) == 1);
      check(h->caplen == v.caplen && h->len == v.wirelen);
      check(static_cast<uint64_t>(h->ts.tv_sec) * 1000000000ull +
                static_cast<uint64_t>(h->ts.tv_usec) ==
            v.ts_ns);
      check(v.caplen == 0 || std::memcmp(bytes, v.data, v.caplen) == 0);
    }
    check(taken <= budget);
    check(reader.offset() <= size);
    if (reader.status() != PcapMmapReader::Status::kOk) break;
    if (n == 0 && budget == SIZE_MAX) __builtin_trap();  // no progress without a reason
    burst = burst % 16 + 1;
  }
  pcap_pkthdr* h = nullptr;
  const u_char* bytes = nullptr;
  const int rc = pcap_next_ex(pcap, &h, &bytes);
  if (reader.status() == PcapMmapReader::Status::kEnd) {
    check(rc == PCAP_ERROR_BREAK);
  } else {
    check(rc == PCAP_ERROR);
    check(reader.message() == pcap_geterr(pcap));
  }
  pcap_close(pcap);
  return 0;
}
