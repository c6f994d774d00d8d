// Fuzzes TCP reassembly: the input is a sequence of segments (4-byte offset, 2-byte length,
// 1 flag byte: bit 0 = FIN) over a fixed 64 KiB stream, fed to a small reassembler. Checks
// that delivered bytes are true stream bytes in stream order (runs continue each other
// unless a gap is reported) and that every chunk comes back when the stream is released.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/tcp_reassembly.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tripline;
  ReassemblyConfig config;
  config.chunks = 8;  // small, so the out-of-room paths run
  config.segments = 8;
  config.max_pending_per_stream = 6000;
  TcpReassembler r(config);
  TcpStream s;
  const uint32_t isn = data != nullptr && size >= 4 ? (uint32_t{data[0]} << 24 | data[1]) : 7;
  s.next_seq = isn;
  s.seq_known = true;

  // Byte i of the stream is i*31 mod 256 (31 is odd, so a byte tells its offset mod 256):
  // every delivered run must follow that pattern, and a run without a gap before it must
  // continue exactly where the previous one ended.
  static uint8_t stream_bytes[65536 + 4096];
  for (size_t i = 0; i < sizeof stream_bytes; ++i) stream_bytes[i] = static_cast<uint8_t>(i * 31);
  bool have_last = false;
  uint8_t last = 0;
  auto deliver = [&](const uint8_t* d, uint32_t n, bool gap) {
    if (n == 0) return;
    if (have_last && !gap && d[0] != static_cast<uint8_t>(last + 31)) std::abort();
    for (uint32_t k = 1; k < n; ++k)
      if (d[k] != static_cast<uint8_t>(d[k - 1] + 31)) std::abort();
    last = d[n - 1];
    have_last = true;
  };
  size_t off = 4;
  while (off + 7 <= size) {
    const uint32_t offset = (uint32_t{data[off]} << 8 | data[off + 1]) % 65536;
    const uint32_t len = (uint32_t{data[off + 2]} << 8 | data[off + 3]) % 4096;
    const uint8_t flags = data[off + 4];
    off += 7;
    r.add(s, isn + offset, stream_bytes + offset, len, deliver);
    if (flags & 1) r.flush(s, deliver);
  }
  r.flush(s, deliver);
  r.release(s);
  if (r.free_chunks() != config.chunks || s.pending_bytes != 0) std::abort();
  return 0;
}
