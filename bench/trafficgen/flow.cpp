#include "bench/trafficgen/flow.hpp"

#include <algorithm>

namespace tripline::trafficgen {

FlowBuilder::FlowBuilder(Flow& flow, Rng& rng, uint32_t rtt_us)
    : flow_(flow), rng_(rng), rtt_us_(rtt_us), tcp_(flow.endpoints.proto == kProtoTcp) {
  const uint64_t r = rng_.next();
  next_seq_[0] = static_cast<uint32_t>(r);
  next_seq_[1] = static_cast<uint32_t>(r >> 32);
  const uint64_t s = rng_.next();
  ip_id_[0] = static_cast<uint16_t>(s);
  ip_id_[1] = static_cast<uint16_t>(s >> 16);
  // No window scaling is negotiated, so these are byte counts: well above the two
  // unacknowledged segments the builder ever has in flight.
  window_[0] = static_cast<uint16_t>(rng_.between(29200, 65535));
  window_[1] = static_cast<uint16_t>(rng_.between(29200, 65535));
}

void FlowBuilder::emit(bool from_client, uint8_t flags, uint32_t offset, uint32_t length,
                       uint64_t gap_us) {
  const int me = from_client ? 0 : 1;
  const int peer = 1 - me;
  PacketPlan p{};
  p.gap_us = gap_us;
  p.payload_offset = offset;
  p.payload_length = length;
  p.from_client = from_client;
  p.ip_id = ip_id_[me]++;
  if (tcp_) {
    p.tcp_flags = flags;
    p.seq = next_seq_[me];
    p.ack = (flags & kTcpAck) ? next_seq_[peer] : 0;
    p.window = (flags & kTcpSyn) ? 64240 : window_[me];
    next_seq_[me] += length + ((flags & (kTcpSyn | kTcpFin)) ? 1 : 0);
    if (flags & kTcpAck) unacked_[me] = 0;
    if (length != 0) ++unacked_[peer];
  }
  flow_.packets.push_back(p);
}

void FlowBuilder::open() {
  if (!tcp_) return;
  emit(true, kTcpSyn, 0, 0, 0);
  emit(false, kTcpSyn | kTcpAck, 0, 0, rtt_us_ / 2);
  emit(true, kTcpAck, 0, 0, rtt_us_ / 2);
}

void FlowBuilder::flush_ack(bool receiver_is_client) {
  const int receiver = receiver_is_client ? 0 : 1;
  if (unacked_[receiver] == 0) return;
  emit(receiver_is_client, kTcpAck, 0, 0, std::min<uint64_t>(rtt_us_ / 2 + 40, 40000));
}

uint32_t FlowBuilder::send(bool from_client, const Bytes& message, uint64_t think_us) {
  const auto offset = static_cast<uint32_t>(flow_.payload.size());
  flow_.payload.insert(flow_.payload.end(), message.begin(), message.end());
  const auto total = static_cast<uint32_t>(message.size());
  if (!tcp_) {
    emit(from_client, 0, offset, total, think_us);
    return static_cast<uint32_t>(flow_.packets.size() - 1);
  }
  // Data the sender has not yet acknowledged rides on its first segment; a pending ACK
  // the receiver owes from an earlier message of this sender goes out first.
  flush_ack(!from_client);
  const uint32_t mss = flow_.endpoints.client.family == 6 ? 1440 : 1460;
  uint32_t sent = 0;
  uint64_t gap = think_us;
  while (sent < total || total == 0) {
    const uint32_t n = std::min(mss, total - sent);
    const bool last = sent + n == total;
    emit(from_client, static_cast<uint8_t>(kTcpAck | (last ? kTcpPsh : 0)), offset + sent, n, gap);
    sent += n;
    gap = rng_.between(8, 150);
    const int receiver = from_client ? 1 : 0;
    if (unacked_[receiver] >= 2 && !last) emit(!from_client, kTcpAck, 0, 0, rng_.between(5, 60));
    if (total == 0) break;
  }
  return static_cast<uint32_t>(flow_.packets.size() - 1);
}

void FlowBuilder::close(bool client_first) {
  if (!tcp_) return;
  flush_ack(true);
  flush_ack(false);
  emit(client_first, kTcpFin | kTcpAck, 0, 0, rng_.between(50, 2000));
  emit(!client_first, kTcpFin | kTcpAck, 0, 0, rtt_us_ / 2 + rng_.between(10, 300));
  emit(client_first, kTcpAck, 0, 0, rtt_us_ / 2);
}

void FlowBuilder::show(AppField::Kind kind, uint32_t packet, std::string name, std::string target) {
  flow_.fields.push_back(AppField{kind, packet, std::move(name), std::move(target)});
}

}  // namespace tripline::trafficgen
