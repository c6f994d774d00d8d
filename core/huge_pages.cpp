#include "core/huge_pages.hpp"

#include <sys/mman.h>

#include <new>

namespace tripline {

void* allocate_huge_pages(size_t bytes) {
  constexpr size_t kHugePage = size_t{2} << 20;
  const size_t align = bytes >= kHugePage ? kHugePage : alignof(std::max_align_t);
  void* memory = std::aligned_alloc(align, (bytes + align - 1) / align * align);
  if (memory == nullptr) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
  if (align == kHugePage) madvise(memory, bytes, MADV_HUGEPAGE);  // advice only
#endif
  return memory;
}

}  // namespace tripline
