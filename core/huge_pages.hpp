// Large arrays that are read at random (flow table, DIR-24-8 first level): allocated 2 MiB
// aligned and advised for transparent huge pages, so random accesses miss the TLB far less
// often (the kernel's "madvise" THP mode is the common default). Freed with std::free.
#pragma once

#include <cstddef>
#include <cstdlib>

namespace tripline {

// Arrays of 2 MiB or more get 2 MiB alignment and MADV_HUGEPAGE (advice only); smaller ones
// are plain aligned allocations. Throws std::bad_alloc.
void* allocate_huge_pages(size_t bytes);

// For std::vector.
template <class T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) {}
  T* allocate(size_t n) { return static_cast<T*>(allocate_huge_pages(n * sizeof(T))); }
  void deallocate(T* p, size_t) { std::free(p); }
  bool operator==(const HugePageAllocator&) const { return true; }
};

}  // namespace tripline
