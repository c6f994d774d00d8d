#include "core/alert.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace tripline {
namespace {

TEST(AlertQueue, EveryAlertFromEveryProducerArrivesOnceAndInProducerOrder) {
  constexpr int kProducers = 4;
  constexpr uint64_t kPerProducer = 20000;
  AlertQueue queue(64);  // small: producers must wait for the consumer
  std::vector<uint64_t> next(kProducers, 0);
  uint64_t received = 0;
  bool in_order = true;
  std::thread consumer([&] {
    Alert a;
    while (queue.pop(a)) {
      in_order &= a.pcap_cnt == next[a.worker];
      next[a.worker] = a.pcap_cnt + 1;
      ++received;
    }
  });
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&queue, p] {
      Alert a;
      a.worker = static_cast<uint16_t>(p);
      for (uint64_t i = 0; i < kPerProducer; ++i) {
        a.pcap_cnt = i;
        queue.push(a);
      }
    });
  }
  for (auto& t : producers) t.join();
  queue.close();
  consumer.join();
  EXPECT_EQ(received, kProducers * kPerProducer);
  EXPECT_TRUE(in_order);
  for (int p = 0; p < kProducers; ++p) EXPECT_EQ(next[p], kPerProducer);
}

TEST(AlertQueue, TryPushFailsWhenFullAndSucceedsAfterPop) {
  AlertQueue queue(2);
  Alert a;
  EXPECT_TRUE(queue.try_push(a));
  EXPECT_TRUE(queue.try_push(a));
  EXPECT_FALSE(queue.try_push(a));
  Alert out;
  ASSERT_TRUE(queue.pop(out));
  EXPECT_TRUE(queue.try_push(a));
}

TEST(AlertQueue, PopReturnsFalseAfterCloseWhenDrained) {
  AlertQueue queue(4);
  Alert a;
  a.pcap_cnt = 7;
  queue.push(a);
  queue.close();
  Alert out;
  ASSERT_TRUE(queue.pop(out));
  EXPECT_EQ(out.pcap_cnt, 7u);
  EXPECT_FALSE(queue.pop(out));
}

}  // namespace
}  // namespace tripline
