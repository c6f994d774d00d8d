// Fuzzes the packet decoder, defragmentation, flow table and app-layer streams together:
// the first byte picks the link type, the rest is one frame. Several frames per input
// are fed through one worker-like chain so state (fragments, TCP streams) carries over.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>

#include "core/app/app_layer.hpp"
#include "core/decode.hpp"
#include "core/defrag.hpp"
#include "core/flow_table.hpp"

namespace {

constexpr uint16_t kLinkTypes[] = {1, 0, 12, 108, 113, 228, 229, 276};

void release(tripline::Flow& flow, void* app) {
  static_cast<tripline::AppLayer*>(app)->release(flow);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tripline;
  static Defragmenter defrag(Defragmenter::Config{8, 1'000'000'000});
  static AppLayer app(4);
  static FlowTable flows(64, FlowTimeouts{}, &release, &app);
  static uint64_t now = 0;
  if (size < 3) return 0;
  // Frames are separated by 2-byte big-endian lengths, so one input can carry a sequence.
  const uint16_t linktype = kLinkTypes[data[0] % std::size(kLinkTypes)];
  size_t off = 1;
  while (off + 2 <= size) {
    const size_t len = std::min<size_t>((data[off] << 8) | data[off + 1], size - off - 2);
    off += 2;
    PacketView view;
    view.data = data + off;
    view.caplen = view.wirelen = static_cast<uint32_t>(len);
    view.linktype = linktype;
    view.ts_ns = now += 1000;
    off += len;
    DecodedPacket decoded;
    decode_packet(view, decoded);
    if (decoded.outcome != DecodeOutcome::kDecoded) continue;
    const DecodedPacket* p = &decoded;
    DecodedPacket whole;
    if (decoded.is_fragment) {
      uint32_t length = 0;
      const uint8_t* datagram = defrag.add(decoded, view.ts_ns, &length);
      if (datagram == nullptr) continue;
      decode_ip(datagram, length, whole);
      if (whole.outcome != DecodeOutcome::kDecoded || whole.is_fragment) continue;
      p = &whole;
    }
    bool is_new = false, to_server = false;
    Flow& flow = flows.lookup(*p, view.ts_ns, &is_new, &to_server);
    AppFields fields;
    app.inspect(flow, to_server, *p, fields);
  }
  return 0;
}
