#include "capture/dpdk/dpdk_ports.hpp"

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <thread>

namespace tripline {
namespace {

// The EAL can be initialised once per process, and not again after rte_eal_cleanup().
enum class EalState { kNever, kUp, kFailed, kCleanedUp };
std::mutex eal_mutex;
EalState eal_state = EalState::kNever;
std::vector<std::string> eal_argv_storage;  // the EAL may keep pointers into argv

std::string dpdk_error(const std::string& what, int code) {
  return what + ": " + rte_strerror(code < 0 ? -code : code);
}

bool init_eal(const std::vector<std::string>& args, std::string* error) {
  std::lock_guard lock(eal_mutex);
  switch (eal_state) {
    case EalState::kUp:
      return true;
    case EalState::kFailed:
      *error = "DPDK EAL initialisation failed earlier in this process";
      return false;
    case EalState::kCleanedUp:
      *error = "DPDK EAL cannot be initialised twice in one process";
      return false;
    case EalState::kNever:
      break;
  }
  eal_argv_storage.clear();
  eal_argv_storage.push_back("tripline");
  eal_argv_storage.insert(eal_argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : eal_argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  // rte_eal_init pins the calling thread to the main lcore's core, and every thread created
  // from it afterwards would inherit that one core: give the thread its cores back.
  cpu_set_t cores;
  const bool have_cores = pthread_getaffinity_np(pthread_self(), sizeof cores, &cores) == 0;
  // The EAL prints its usage and (Linux) its log to stdout, where EVE alerts may go: point
  // stdout at stderr while it initialises, and its log stream at stderr afterwards.
  std::fflush(stdout);
  const int saved_stdout = dup(STDOUT_FILENO);
  if (saved_stdout >= 0) dup2(STDERR_FILENO, STDOUT_FILENO);
  const int rc = rte_eal_init(static_cast<int>(argv.size() - 1), argv.data());
  const int init_errno = rte_errno;
  std::fflush(stdout);
  if (saved_stdout >= 0) {
    dup2(saved_stdout, STDOUT_FILENO);
    ::close(saved_stdout);
  }
  if (rc < 0) {
    eal_state = EalState::kFailed;
    *error = dpdk_error("DPDK EAL initialisation failed (EAL arguments after --)", init_errno);
    return false;
  }
  rte_openlog_stream(stderr);
  if (have_cores) pthread_setaffinity_np(pthread_self(), sizeof cores, &cores);
  eal_state = EalState::kUp;
  return true;
}

void cleanup_eal() {
  std::lock_guard lock(eal_mutex);
  if (eal_state != EalState::kUp) return;
  rte_eal_cleanup();
  eal_state = EalState::kCleanedUp;
}

uint64_t realtime_ns() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace

std::array<uint8_t, kMaxRssKey> symmetric_rss_key() {
  std::array<uint8_t, kMaxRssKey> key{};
  for (size_t i = 0; i < key.size(); ++i) key[i] = (i % 2 == 0) ? 0x6d : 0x5a;
  return key;
}

DpdkQueueSource::DpdkQueueSource(uint16_t port, uint16_t queue, uint16_t index, uint16_t burst,
                                 std::string name)
    : port_(port),
      queue_(queue),
      index_(index),
      burst_(std::min<uint16_t>(std::max<uint16_t>(burst, 1), PacketBatch::kCapacity)),
      batch_(std::make_unique<PacketBatch>()),
      name_(std::move(name)) {}

DpdkQueueSource::~DpdkQueueSource() {
  if (batch_->count != 0) release(batch_.get());
}

PacketBatch* DpdkQueueSource::receive() {
  if (stopped_.load(std::memory_order_relaxed)) return nullptr;
  PacketBatch& batch = *batch_;
  const uint16_t n = rte_eth_rx_burst(port_, queue_, mbufs_.data(), burst_);
  batch.count = n;
  if (n == 0) return &batch;
  const uint64_t now = realtime_ns();
  batch.clock_ns = now;
  for (uint16_t k = 0; k < n; ++k) {
    if (k + 4 < n) rte_prefetch0(mbufs_[k + 4]);
    const rte_mbuf* m = mbufs_[k];
    PacketView& v = batch.packets[k];
    v.data = rte_pktmbuf_mtod(m, const uint8_t*);
    v.caplen = m->data_len;  // the first segment; chained mbufs are matched on it alone
    v.wirelen = m->pkt_len;
    v.ts_ns = now;
    v.ordinal = ++ordinal_;
    v.linktype = static_cast<uint16_t>(LinkType::kEthernet);
    v.input = index_;
    bytes_ += m->pkt_len;
  }
  return &batch;
}

void DpdkQueueSource::release(PacketBatch* batch) {
  if (batch->count != 0) rte_pktmbuf_free_bulk(mbufs_.data(), batch->count);
  batch->count = 0;
}

std::vector<InputReport> DpdkQueueSource::reports() const {
  InputReport r;
  r.name = name_;
  r.packets = ordinal_;
  r.bytes = bytes_;
  return {r};
}

std::unique_ptr<DpdkPorts> DpdkPorts::open(const DpdkPortsConfig& config, std::string* error) {
  if (!init_eal(config.eal_args, error)) return nullptr;
  std::unique_ptr<DpdkPorts> self(new DpdkPorts());

  std::vector<uint16_t> ports = config.ports;
  if (ports.empty()) {
    uint16_t p;
    RTE_ETH_FOREACH_DEV(p) ports.push_back(p);
  }
  if (ports.empty()) {
    *error = "DPDK found no ports (give a device with -a or --vdev in the EAL arguments)";
    return nullptr;
  }

  const auto key = symmetric_rss_key();
  for (const uint16_t port : ports) {
    if (!rte_eth_dev_is_valid_port(port)) {
      *error = "DPDK port " + std::to_string(port) + " does not exist (" +
               std::to_string(rte_eth_dev_count_avail()) + " ports found)";
      return nullptr;
    }
    char name_buf[RTE_ETH_NAME_MAX_LEN] = {};
    rte_eth_dev_get_name_by_port(port, name_buf);
    const std::string name = name_buf;
    const std::string what = "DPDK port " + std::to_string(port) + " (" + name + ")";

    rte_eth_dev_info info{};
    if (const int rc = rte_eth_dev_info_get(port, &info); rc != 0) {
      *error = dpdk_error(what + ": device info", rc);
      return nullptr;
    }
    const uint64_t rss_hf =
        (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
    uint16_t queues = config.queues_per_port;
    if (queues == 0) {
      queues = info.max_rx_queues;
      if (rss_hf != 0)
        queues = static_cast<uint16_t>(
            std::min<unsigned>(queues, std::max(1u, std::thread::hardware_concurrency())));
    }
    if (queues == 0 || queues > info.max_rx_queues) {
      *error = what + ": " + std::to_string(queues) + " RX queues asked, the device offers " +
               std::to_string(info.max_rx_queues);
      return nullptr;
    }

    rte_eth_conf conf{};
    if (queues > 1 && rss_hf != 0) {
      conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
      conf.rx_adv_conf.rss_conf.rss_key = const_cast<uint8_t*>(key.data());
      conf.rx_adv_conf.rss_conf.rss_key_len = static_cast<uint8_t>(
          info.hash_key_size != 0 && info.hash_key_size <= kMaxRssKey ? info.hash_key_size : 40);
      conf.rx_adv_conf.rss_conf.rss_hf = rss_hf;
    }
    if (const int rc = rte_eth_dev_configure(port, queues, 0, &conf); rc != 0) {
      *error = dpdk_error(what + ": configure with " + std::to_string(queues) + " RX queues", rc);
      return nullptr;
    }
    // From here on the port needs closing on failure.
    self->ports_.push_back(port);
    self->port_names_.push_back(name);

    uint16_t rx_desc = config.rx_descriptors, tx_desc = 0;
    if (const int rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &rx_desc, &tx_desc); rc != 0) {
      *error = dpdk_error(what + ": descriptor counts", rc);
      return nullptr;
    }
    int socket = rte_eth_dev_socket_id(port);
    if (socket < 0) socket = SOCKET_ID_ANY;
    for (uint16_t q = 0; q < queues; ++q) {
      const std::string pool_name = "tl_p" + std::to_string(port) + "_q" + std::to_string(q);
      const unsigned cache = std::min<unsigned>(256, config.mbufs_per_queue / 2);
      rte_mempool* pool = rte_pktmbuf_pool_create(pool_name.c_str(), config.mbufs_per_queue, cache,
                                                  0, RTE_MBUF_DEFAULT_BUF_SIZE, socket);
      if (pool == nullptr) {
        *error = dpdk_error(what + ": mbuf pool for queue " + std::to_string(q) + " (" +
                                std::to_string(config.mbufs_per_queue) + " mbufs)",
                            rte_errno);
        return nullptr;
      }
      self->pools_.push_back(pool);
      if (const int rc = rte_eth_rx_queue_setup(port, q, rx_desc, static_cast<unsigned>(socket),
                                                nullptr, pool);
          rc != 0) {
        *error = dpdk_error(what + ": RX queue " + std::to_string(q), rc);
        return nullptr;
      }
      const auto index = static_cast<uint16_t>(self->queues_.size());
      self->queues_.push_back(std::unique_ptr<DpdkQueueSource>(
          new DpdkQueueSource(port, q, index, config.burst, name + ":" + std::to_string(q))));
    }
    if (const int rc = rte_eth_dev_start(port); rc != 0) {
      *error = dpdk_error(what + ": start", rc);
      return nullptr;
    }
    // Not every device has a promiscuous mode (net_pcap files do not need one).
    (void)rte_eth_promiscuous_enable(port);
  }
  return self;
}

DpdkPorts::~DpdkPorts() {
  close();
  cleanup_eal();
}

void DpdkPorts::close() {
  // Mbufs held by the queues' batches go back to their pools before the pools go.
  queues_.clear();
  for (const uint16_t port : ports_) {
    (void)rte_eth_dev_stop(port);
    (void)rte_eth_dev_close(port);
  }
  ports_.clear();
  for (rte_mempool* pool : pools_) rte_mempool_free(pool);
  pools_.clear();
}

std::vector<DpdkPortCounters> DpdkPorts::stats() const {
  std::vector<DpdkPortCounters> out;
  for (size_t i = 0; i < ports_.size(); ++i) {
    DpdkPortCounters c;
    c.port = ports_[i];
    c.name = port_names_[i];
    rte_eth_stats s{};
    if (rte_eth_stats_get(ports_[i], &s) == 0) {
      c.ipackets = s.ipackets;
      c.ibytes = s.ibytes;
      c.imissed = s.imissed;
      c.ierrors = s.ierrors;
      c.rx_nombuf = s.rx_nombuf;
    }
    out.push_back(std::move(c));
  }
  return out;
}

bool DpdkPorts::register_thread() {
  return rte_lcore_id() == LCORE_ID_ANY && rte_thread_register() == 0;
}

void DpdkPorts::unregister_thread() { rte_thread_unregister(); }

}  // namespace tripline
