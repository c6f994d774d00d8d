// Where the EVE writer hands finished lines besides the EVE file (NATS JetStream).
#pragma once

#include <string_view>

namespace tripline {

class EventSink {
 public:
  virtual ~EventSink() = default;
  // One EVE JSON line (newline included) and its stable message id. Thread-safe; it returns at
  // once, or waits for room when the sink is lossless (offline replay).
  virtual void publish(std::string_view id, std::string_view line) = 0;
};

}  // namespace tripline
