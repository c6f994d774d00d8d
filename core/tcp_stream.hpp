// Per-direction TCP state kept in a flow: reassembly position (core/tcp_reassembly.hpp) and
// the application parser's position (core/app/app_layer.cpp). Plain data.
#pragma once

#include <cstdint>

namespace tripline {

enum class AppProto : uint8_t { kUnknown = 0, kDns, kTls, kHttp, kFailed };
const char* app_proto_name(AppProto p);  // "dns", "tls", "http", "failed"; nullptr if unknown

enum class StreamParser : uint8_t { kDetect = 0, kTls, kTlsServer, kHttp, kDns, kDone };

struct TcpStream {
  static constexpr uint32_t kNoBuffer = 0xFFFFFFFFu;

  uint32_t next_seq = 0;
  bool seq_known = false;
  bool resync = false;  // after a gap: wait for a segment that starts a message
  StreamParser parser = StreamParser::kDetect;
  // Payload inspection of this direction (engine/stream_inspector.hpp): whether its stream
  // has ended, and the worker's slot holding its Hyperscan stream and window.
  bool inspect_ended = false;
  uint32_t inspect_slot = kNoBuffer;
  uint32_t buffer = kNoBuffer;     // index into the worker's stream buffer pool
  uint32_t buffered = 0;           // bytes held in that buffer
  uint32_t skip = 0;               // bytes to pass over before the next message (bodies)
  uint32_t pending = 0xFFFFFFFFu;  // first out-of-order segment waiting (TcpReassembler)
  uint32_t pending_bytes = 0;
};
static_assert(sizeof(TcpStream) == 32);

}  // namespace tripline
