#include "core/alert.hpp"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bit>
#include <climits>
#include <ctime>

namespace tripline {

const char* alert_field_name(AlertField f) {
  switch (f) {
    case AlertField::kIpSrc:
      return "ip.src";
    case AlertField::kIpDst:
      return "ip.dst";
    case AlertField::kDnsQuery:
      return "dns.query";
    case AlertField::kTlsSni:
      return "tls.sni";
    case AlertField::kHttpHost:
      return "http.host";
    case AlertField::kHttpUrl:
      return "http.url";
    case AlertField::kJa3Hash:
      return "ja3.hash";
    case AlertField::kJa3sHash:
      return "ja3s.hash";
  }
  return "unknown";
}

namespace {

static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t) &&
              std::atomic<uint32_t>::is_always_lock_free);

uint32_t* futex_word(std::atomic<uint32_t>& a) { return reinterpret_cast<uint32_t*>(&a); }

// Sleeps while the word still holds `expected`, for at most timeout_ns.
void futex_wait(std::atomic<uint32_t>& word, uint32_t expected, long timeout_ns) {
  timespec timeout{0, timeout_ns};
  syscall(SYS_futex, futex_word(word), FUTEX_WAIT_PRIVATE, expected, &timeout, nullptr, 0);
}

void futex_wake_all(std::atomic<uint32_t>& word) {
  syscall(SYS_futex, futex_word(word), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
}

}  // namespace

struct AlertQueue::Slot {
  std::atomic<size_t> sequence;
  Alert alert;
};

AlertQueue::AlertQueue(size_t capacity) {
  const size_t n = std::bit_ceil(capacity < 2 ? size_t{2} : capacity);
  slots_ = new Slot[n];
  mask_ = n - 1;
  wake_mask_ = n >= 4 ? static_cast<uint32_t>(n / 4 - 1) : 0;  // 0: every push wakes
  for (size_t i = 0; i < n; ++i) slots_[i].sequence.store(i, std::memory_order_relaxed);
}

AlertQueue::~AlertQueue() { delete[] slots_; }

bool AlertQueue::try_push(const Alert& alert) {
  size_t pos = enqueue_pos_.load(std::memory_order_relaxed);
  for (;;) {
    Slot& slot = slots_[pos & mask_];
    const size_t seq = slot.sequence.load(std::memory_order_acquire);
    const auto diff = static_cast<intptr_t>(seq) - static_cast<intptr_t>(pos);
    if (diff == 0) {
      if (enqueue_pos_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
        slot.alert = alert;
        slot.sequence.store(pos + 1, std::memory_order_release);
        const uint32_t count = published_.fetch_add(1, std::memory_order_release) + 1;
        if ((count & wake_mask_) == 0) futex_wake_all(published_);
        return true;
      }
    } else if (diff < 0) {
      return false;  // full
    } else {
      pos = enqueue_pos_.load(std::memory_order_relaxed);
    }
  }
}

void AlertQueue::push(const Alert& alert) {
  for (;;) {
    const uint32_t seen = consumed_.load(std::memory_order_acquire);
    if (try_push(alert)) return;
    consumed_.wait(seen, std::memory_order_acquire);  // until the writer frees a slot
  }
}

bool AlertQueue::take(Alert& alert) {
  Slot& slot = slots_[dequeue_pos_ & mask_];
  const size_t seq = slot.sequence.load(std::memory_order_acquire);
  if (seq != dequeue_pos_ + 1) return false;  // empty
  alert = slot.alert;
  slot.sequence.store(dequeue_pos_ + mask_ + 1, std::memory_order_release);
  ++dequeue_pos_;
  consumed_.fetch_add(1, std::memory_order_release);
  consumed_.notify_all();
  return true;
}

bool AlertQueue::try_pop(Alert& alert) { return take(alert); }

bool AlertQueue::pop(Alert& alert) {
  for (;;) {
    const uint32_t seen = published_.load(std::memory_order_acquire);
    if (take(alert)) return true;
    if (closed_.load(std::memory_order_acquire)) {
      return take(alert);  // a push that raced with close() was published before it
    }
    futex_wait(published_, seen, kWriterNapNs);
  }
}

void AlertQueue::close() {
  closed_.store(true, std::memory_order_release);
  published_.fetch_add(1, std::memory_order_release);
  futex_wake_all(published_);
}

}  // namespace tripline
