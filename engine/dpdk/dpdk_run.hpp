// DPDK capture: EAL, ports with N RX queues and a symmetric RSS key, and one worker per
// queue polling run-to-completion (no dispatcher thread). Built only when libdpdk is found
// (CMake targets tripline_dpdk_capture and tripline_dpdk; macro TRIPLINE_HAVE_DPDK).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/pipeline.hpp"
#include "engine/rule_versions.hpp"

namespace tripline {

struct DpdkRunOptions {
  std::vector<std::string> eal_args;  // as after `--` on the command line (argv[0] added)
  std::vector<uint16_t> ports;        // empty = every port EAL found
  uint16_t queues_per_port = 1;       // RX queues per port; one worker each. 0 = all the
                                      // device offers (RSS: at most one per core; net_pcap:
                                      // one per rx_pcap= file)
  uint16_t burst = 32;
  uint32_t mbufs_per_queue = 8191;
  double idle_exit_seconds = 0;        // > 0: stop once no queue received for this long
  uint16_t rx_descriptors = 1024;      // per RX queue, adjusted to the device's limits
  size_t alert_queue_capacity = 8192;  // alerts beyond this are shed (counted), never waited on
  WorkerConfig worker;                 // lossless=false: alerts are shed when the queue is full
  double stats_interval_seconds = 0;   // > 0: call on_stats that often (periodic EVE stats)
  StatsFn on_stats;
};

struct DpdkPortStats {
  uint16_t port = 0;
  uint64_t ipackets = 0, ibytes = 0, imissed = 0, ierrors = 0, rx_nombuf = 0;
};

struct DpdkReport {
  PipelineReport pipeline;  // per_worker = per queue
  std::vector<DpdkPortStats> ports;
  std::string error;  // non-empty: EAL or port setup failed, nothing ran
};

// Runs until `stop` becomes true (SIGINT/SIGTERM) or the idle timeout; then every packet
// received is processed and every alert written before returning. Workers move to each rule
// set published to `versions` while they run (hot reload), between two bursts.
DpdkReport run_dpdk(const DpdkRunOptions& options, RuleVersions& versions, EveWriter& writer,
                    const std::atomic<bool>& stop);

}  // namespace tripline
