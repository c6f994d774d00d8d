#include "engine/payload_ceiling.hpp"

#include <chrono>
#include <cstring>
#include <map>
#include <string>

#include "core/decode.hpp"
#include "core/flow_table.hpp"

namespace tripline {

PayloadCeiling::PayloadCeiling(const std::vector<PacketView>& packets,
                               const SignatureEngine* engine)
    : engine_(engine) {
  std::map<std::string, uint32_t> stream_of;  // flow key + direction -> stream
  DecodedPacket p;
  for (const PacketView& packet : packets) {
    decode_packet(packet, p);
    if (p.outcome != DecodeOutcome::kDecoded || !p.has_l4 || p.payload_length == 0 || p.is_fragment)
      continue;
    uint32_t stream = kDatagram;
    if (p.ip_proto == kProtoTcp) {
      bool from_lo = false;
      const FlowKey key = FlowKey::from_packet(p, &from_lo);
      std::string id(reinterpret_cast<const char*>(&key), sizeof key);
      id.push_back(from_lo ? 1 : 0);
      stream = stream_of.try_emplace(id, static_cast<uint32_t>(stream_of.size())).first->second;
    } else if (p.ip_proto != kProtoUdp) {
      continue;
    }
    pieces_.push_back({p.payload, p.payload_length, stream});
    payload_bytes_ += p.payload_length;
  }
  streams_ = static_cast<uint32_t>(stream_of.size());
}

double PayloadCeiling::scan(uint64_t* hits) const {
  *hits = 0;
  if (engine_ == nullptr) return 0;
  const HyperscanPrefilter& hs = engine_->prefilter();
  std::vector<StreamHandle> streams(hs.has_stream_database() ? streams_ : 0);
  for (StreamHandle& s : streams) hs.open_stream(s);
  PrefilterScratch scratch = hs.make_scratch();
  uint64_t count = 0;
  auto on_hit = [&count](uint32_t, uint64_t) { ++count; };
  auto on_candidate = [&count](uint32_t) { ++count; };
  const auto start = std::chrono::steady_clock::now();
  for (const Piece& piece : pieces_) {
    const std::string_view bytes(reinterpret_cast<const char*>(piece.data), piece.length);
    if (piece.stream == kDatagram)
      hs.scan_block(SigBuffer::kPacket, bytes, scratch, on_candidate);
    else if (!streams.empty())
      hs.scan_stream(streams[piece.stream], bytes, scratch, on_hit);
  }
  for (StreamHandle& s : streams) hs.reset_stream(s, scratch, on_hit);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  *hits = count;
  return seconds;
}

}  // namespace tripline
