// The packet path allocates nothing after start: a worker processes a generated capture,
// raising indicator and signature alerts, with every C++ heap allocation on its thread
// counted. (PCRE2, a C library, allocates with malloc: with its JIT it does not per match.)
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <new>
#include <thread>

#include "capture/memory_source.hpp"
#include "core/loaders.hpp"
#include "engine/worker.hpp"
#include "tests/test_support.hpp"

namespace {
thread_local bool counting = false;
thread_local uint64_t allocations = 0;
}  // namespace

// Every replaceable form, so the sanitizers never see our free() pair with their new.
void* operator new(size_t n) {
  if (counting) ++allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t n) { return operator new(n); }
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  if (counting) ++allocations;
  return std::malloc(n == 0 ? 1 : n);
}
void* operator new[](size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void* operator new(size_t n, std::align_val_t a) {
  if (counting) ++allocations;
  const size_t align = static_cast<size_t>(a);
  if (void* p = std::aligned_alloc(align, (n + align - 1) / align * align)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t n, std::align_val_t a) { return operator new(n, a); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { std::free(p); }

namespace tripline {
namespace {

TEST(WorkerHotPath, ProcessingPacketsAndRaisingAlertsDoesNotAllocate) {
  test::TempDir dir;
  const auto pcap = dir.path() / "gen.pcap";
  const std::string rules_path = std::string(TRIPLINE_SOURCE_DIR) + "/rules/demo/demo.list";
  const std::string cmd = std::string(TRIPLINE_TRAFFICGEN_PATH) + " --out " + pcap.string() +
                          " --truth /dev/null --packets 20000 --seed 3 --inject " + rules_path +
                          " 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  MemorySource source({pcap.string()});
  // Indicators and Suricata rules (field buffers, datagram payload, pcre, header-only).
  const auto signatures = dir.path() / "sig.rules";
  std::ofstream(signatures)
      << "alert dns any any -> any any (msg:\"d\"; dns.query; content:\"malware-c2\"; "
         "nocase; sid:1;)\n"
         "alert http any any -> any any (msg:\"p\"; http.uri; pcre:\"/stage\\d\\.bin$/\"; "
         "sid:2;)\n"
         "alert udp any any -> any 53 (msg:\"u\"; content:\"|07|example\"; sid:3;)\n"
         "alert ip any any -> 192.0.2.10 any (msg:\"h\"; sid:4;)\n";
  RuleSet set;
  load_rules_path(rules_path, set);
  load_rules_path(signatures.string(), set);
  ASSERT_EQ(set.signatures().size(), 4u);
  CompiledRules rules(set);

  AlertQueue alerts(16);  // small, so the worker also waits on a full queue
  uint64_t received = 0, signature_alerts = 0;
  std::thread writer([&] {
    Alert a;
    while (alerts.pop(a)) {
      ++received;
      signature_alerts += (a.indicator & Alert::kSignatureBit) != 0;
    }
  });
  WorkerConfig config;
  config.max_flows = 16;  // small, so flows are also evicted on the way
  Worker worker(0, rules, alerts, config);
  DecodedPacket decoded;

  counting = true;
  for (const PacketView& p : source.packets()) {
    decode_packet(p, decoded);
    worker.process(p, decoded);
    worker.expire(p.ts_ns);
  }
  counting = false;
  const uint64_t counted = allocations;

  alerts.close();
  writer.join();
  const WorkerStats stats = worker.stats();
  EXPECT_EQ(counted, 0u);
  EXPECT_EQ(stats.packets, 20000u);
  EXPECT_GT(stats.alerts, 10u);
  EXPECT_EQ(received, stats.alerts);
  EXPECT_GT(signature_alerts, 3u);
  EXPECT_GT(stats.flows.evicted + stats.flows.timed_out, 0u);
}

}  // namespace
}  // namespace tripline
