// Finds the JetStream stream that takes a subject, or creates it (--nats-create-stream).
// libnats types stay in the .cpp files that use them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

typedef struct __natsConnection natsConnection;
typedef struct __jsCtx jsCtx;

namespace tripline {

struct StreamCheck {
  std::string url;  // for messages
  std::string subject;
  std::string stream;  // required name; empty: any stream that takes the subject
  bool create = false;
  int64_t duplicate_window_ms = 120000;
};

// True when a stream takes `check.subject` (creating it if asked: `*created` then says so).
// Otherwise `*error`, e.g. "stream for subject X not found on URL; create it or pass
// --nats-create-stream".
bool ensure_stream(natsConnection* connection, jsCtx* js, const StreamCheck& check,
                   std::string* created, std::string* error);

// The stream names of a $JS.API.STREAM.NAMES response ("streams": [...] or null); false and
// `*error` for an error response or one that cannot be read.
bool parse_stream_names(std::string_view json, std::vector<std::string>* names, std::string* error);

}  // namespace tripline
