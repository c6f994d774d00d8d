// DPDK ports as Sources: the EAL (once per process), ports configured with N RX queues and a
// symmetric RSS key, and one DpdkQueueSource per RX queue, polled by exactly one thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "capture/source.hpp"

struct rte_mbuf;
struct rte_mempool;

namespace tripline {

// Toeplitz key 0x6d5a repeated: the hash is the same for (a, b) and (b, a), so both
// directions of a flow land on the same queue (Woo and Park, "Scalable TCP Session
// Monitoring with Symmetric Receive-side Scaling"). 52 bytes covers every device's key size.
constexpr size_t kMaxRssKey = 52;
std::array<uint8_t, kMaxRssKey> symmetric_rss_key();

struct DpdkPortsConfig {
  std::vector<std::string> eal_args;  // EAL arguments; "tripline" is prepended as argv[0]
  std::vector<uint16_t> ports;        // empty = every port the EAL found
  // RX queues per port. 0 = every queue the device offers (devices with RSS: at most one per
  // hardware thread; net_pcap offers one per rx_pcap= file).
  uint16_t queues_per_port = 1;
  uint16_t burst = 32;  // packets per rte_eth_rx_burst, at most PacketBatch::kCapacity
  uint32_t mbufs_per_queue = 8191;
  uint16_t rx_descriptors = 1024;  // adjusted to the device's limits
};

struct DpdkPortCounters {
  uint16_t port = 0;
  std::string name;  // device name, e.g. "net_pcap0" or "0000:3b:00.0"
  uint64_t ipackets = 0, ibytes = 0, imissed = 0, ierrors = 0, rx_nombuf = 0;
};

// One RX queue. receive() and release() are called by the one thread that polls the queue,
// strictly alternating: the queue owns a single batch and the mbufs behind it.
class DpdkQueueSource final : public Source {
 public:
  ~DpdkQueueSource() override;
  DpdkQueueSource(const DpdkQueueSource&) = delete;
  DpdkQueueSource& operator=(const DpdkQueueSource&) = delete;

  // One rte_eth_rx_burst; never blocks. Returns the queue's batch, with count == 0 when
  // nothing had arrived (poll again); nullptr only once stop() was called (a port has no end
  // of input).
  // Timestamps are the wall clock (CLOCK_REALTIME) at the burst, also set as clock_ns;
  // ordinals count this queue's packets from 1; input is the queue's index among all queues.
  PacketBatch* receive() override;
  // Frees the batch's mbufs in one rte_pktmbuf_free_bulk. Must precede the next receive().
  void release(PacketBatch* batch) override;
  std::vector<InputReport> reports() const override;
  // Makes the next receive() return nullptr. Thread-safe and async-signal-safe.
  void stop() override { stopped_.store(true, std::memory_order_relaxed); }

  uint16_t port() const { return port_; }
  uint16_t queue() const { return queue_; }
  uint16_t index() const { return index_; }
  const std::string& name() const { return name_; }

 private:
  friend class DpdkPorts;
  DpdkQueueSource(uint16_t port, uint16_t queue, uint16_t index, uint16_t burst, std::string name);

  uint16_t port_, queue_, index_, burst_;
  std::atomic<bool> stopped_{false};
  uint64_t ordinal_ = 0;
  uint64_t bytes_ = 0;
  std::unique_ptr<PacketBatch> batch_;
  std::array<rte_mbuf*, PacketBatch::kCapacity> mbufs_{};
  std::string name_;
};

// The EAL and the ports it found. open() initialises the EAL, then configures and starts every
// selected port with its RX queues (RSS with a symmetric key where the device has RSS), one
// mbuf pool per queue on the port's NUMA socket, promiscuous mode on. The destructor stops and
// closes the ports, frees the pools and cleans up the EAL (which cannot be initialised again
// in the same process).
class DpdkPorts {
 public:
  // nullptr and *error set when the EAL or a port could not be set up.
  static std::unique_ptr<DpdkPorts> open(const DpdkPortsConfig& config, std::string* error);
  ~DpdkPorts();
  DpdkPorts(const DpdkPorts&) = delete;
  DpdkPorts& operator=(const DpdkPorts&) = delete;

  // Every queue of every port, in port order then queue order; index() is the position here.
  const std::vector<std::unique_ptr<DpdkQueueSource>>& queues() const { return queues_; }
  // rte_eth_stats_get for every port.
  std::vector<DpdkPortCounters> stats() const;

  // Gives the calling thread an lcore id if it has none, so mempool caches work for it. True
  // if it did: call unregister_thread() before the thread ends. False when the thread already
  // had one or none was free (the thread still works, without a mempool cache).
  static bool register_thread();
  static void unregister_thread();

 private:
  DpdkPorts() = default;
  void close();

  std::vector<uint16_t> ports_;
  std::vector<std::string> port_names_;
  std::vector<rte_mempool*> pools_;
  std::vector<std::unique_ptr<DpdkQueueSource>> queues_;
};

}  // namespace tripline
