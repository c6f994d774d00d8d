// NATS JetStream output: every line handed over goes to a stream with its stable id as
// Nats-Msg-Id, asynchronously, a bounded number in flight; what the broker does not
// acknowledge goes to the spool and is resent, oldest first, once it is back.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "output/event_sink.hpp"
#include "output/spool.hpp"

namespace tripline {

struct NatsConfig {
  std::string url;      // one URL or a comma-separated list (cluster seeds)
  std::string subject;  // where every line is published
  std::string stream;   // empty: any stream that takes the subject (created with a derived name)
  bool create_stream = false;
  int64_t duplicate_window_ms = 120000;  // for a stream created here
  std::string token;
  std::string user, password;
  std::string creds_file;  // JWT + seed (.creds), as nsc writes it
  std::string nkey_file;   // a user nkey: the seed (SU...) and its public key (U...)
  std::string tls_ca, tls_cert, tls_key;
  std::string client_name = "tripline";
  size_t max_pending = 1024;      // published, not yet acknowledged (one batch)
  size_t queue_capacity = 65536;  // lines handed over, not yet taken by the sink thread
  bool lossless = true;           // offline: publish() waits when the queue is full; live: sheds
  int64_t ack_timeout_ms = 5000;  // a batch not acknowledged by then goes to the spool
  int64_t connect_timeout_ms = 2000;
  int64_t reconnect_wait_ms = 500;
  // Start even when the broker is unreachable (alerts are spooled until it is reachable):
  // set when the spool survives a restart.
  bool start_offline = false;
  std::function<void(const std::string&)> log;  // progress and problems, one line each
};

struct NatsCounters {
  uint64_t published = 0;      // acknowledged by the stream (resent ones included)
  uint64_t duplicates = 0;     // acknowledged as duplicates (already in the stream)
  uint64_t spooled = 0;        // written to the spool
  uint64_t resent = 0;         // acknowledged from the spool
  uint64_t shed = 0;           // live: dropped because the in-process queue was full
  uint64_t spool_dropped = 0;  // dropped because the spool was full or could not be written
  uint64_t left_in_spool = 0;  // at close: waiting in the spool for the next run
};

class NatsSink final : public EventSink {
 public:
  // Connects, checks the stream (or creates it) and starts the sink thread, which resends
  // what `spool` holds first. nullptr and `*error` (one sentence) on failure.
  static std::unique_ptr<NatsSink> start(const NatsConfig& config, std::unique_ptr<Spool> spool,
                                         std::string* error);
  ~NatsSink() override;
  NatsSink(const NatsSink&) = delete;
  NatsSink& operator=(const NatsSink&) = delete;

  void publish(std::string_view id, std::string_view line) override;

  // Publishes what is queued and what the spool holds while the broker takes it, spools the
  // rest, and stops. False when lines were lost (spool full, or a memory spool left
  // non-empty); `counters()` says how many, and how many a live capture shed.
  bool close();
  NatsCounters counters() const;

  struct Impl;

 private:
  explicit NatsSink(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The stream name --nats-create-stream uses when none is given: the subject in upper case,
// '.' as '_', wildcards dropped ("tripline.alerts.s1" -> "TRIPLINE_ALERTS_S1").
std::string default_stream_name(std::string_view subject);

}  // namespace tripline
