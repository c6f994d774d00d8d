// One generated flow, fully planned before its first packet is written: endpoints, the
// packets (flags, sequence numbers, payload slices, time gaps) and the application fields
// each packet shows. FlowBuilder turns application messages into a TCP session or UDP exchange.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench/trafficgen/packet_builder.hpp"
#include "bench/trafficgen/protocols.hpp"
#include "bench/trafficgen/random.hpp"

namespace tripline::trafficgen {

// An application field a packet shows, matched against the indicators when it is written.
struct AppField {
  enum class Kind : uint8_t { kDnsQuery, kTlsSni, kHttpRequest };
  Kind kind;
  uint32_t packet;     // index in Flow::packets
  std::string name;    // DNS name, SNI, or the Host header value (may carry ":port")
  std::string target;  // HTTP request target
};

struct PacketPlan {
  uint64_t gap_us;  // after the flow's previous packet (or the flow's start)
  uint32_t payload_offset;
  uint32_t payload_length;
  uint32_t seq;
  uint32_t ack;
  uint16_t ip_id;
  uint16_t window;
  uint8_t tcp_flags;
  bool from_client;
};

struct Flow {
  FlowEndpoints endpoints;
  std::vector<PacketPlan> packets;
  Bytes payload;
  std::vector<AppField> fields;

  void clear() {
    endpoints = FlowEndpoints{};
    packets.clear();
    payload.clear();
    fields.clear();
  }
};

class FlowBuilder {
 public:
  // rtt_us: round-trip time between capture point and the far side, drives the gaps.
  FlowBuilder(Flow& flow, Rng& rng, uint32_t rtt_us);

  // TCP three-way handshake (no-op for UDP).
  void open();
  // One application message; TCP segments it at the MSS and acknowledges every second
  // segment. think_us is the gap before its first packet. Returns the index of the packet
  // holding its last byte (where a parser sees the complete message).
  uint32_t send(bool from_client, const Bytes& message, uint64_t think_us);
  // FIN from one side, FIN from the other, last ACK (no-op for UDP).
  void close(bool client_first);

  void show(AppField::Kind kind, uint32_t packet, std::string name, std::string target = {});

 private:
  void emit(bool from_client, uint8_t flags, uint32_t offset, uint32_t length, uint64_t gap_us);
  void flush_ack(bool receiver_is_client);

  Flow& flow_;
  Rng& rng_;
  uint32_t rtt_us_;
  bool tcp_;
  uint32_t next_seq_[2];  // [0] client, [1] server
  uint16_t ip_id_[2];
  uint16_t window_[2];
  uint32_t unacked_[2] = {0, 0};  // segments received by side i not yet acknowledged
};

}  // namespace tripline::trafficgen
