// Arrays that stream well: an allocator that backs large blocks with transparent huge pages.
#pragma once

#include <cstddef>
#include <limits>
#include <new>
#include <type_traits>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace parjit {

namespace detail {

// Blocks of at least this many bytes are 2 MiB-aligned and advised to use huge pages.
inline constexpr std::size_t huge_page_bytes = std::size_t{2} << 20;
// Smaller blocks: one cache line (and every vector register width up to AVX-512).
inline constexpr std::size_t huge_page_small_alignment = 64;

// The alignment of a block of `bytes` bytes for an element of alignment `align`: allocate and
// deallocate both compute it from the size, so a block is freed the way it was allocated.
constexpr std::align_val_t huge_page_alignment(std::size_t bytes, std::size_t align) noexcept {
  const std::size_t base = bytes >= huge_page_bytes ? huge_page_bytes : huge_page_small_alignment;
  return std::align_val_t{align > base ? align : base};
}

inline void* huge_page_allocate(std::size_t bytes, std::size_t align) {
  void* p = ::operator new(bytes, huge_page_alignment(bytes, align));
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  // A request, not a requirement: where THP is off (or the kernel has none) madvise fails or
  // is ignored and the block keeps 4 KiB pages, which is still correct memory.
  if (bytes >= huge_page_bytes) (void)::madvise(p, bytes, MADV_HUGEPAGE);
#endif
  return p;
}

inline void huge_page_deallocate(void* p, std::size_t bytes, std::size_t align) noexcept {
  ::operator delete(p, bytes, huge_page_alignment(bytes, align));
}

}  // namespace detail

/// A standard allocator for large arrays that the CPU streams through: blocks of 2 MiB or more
/// are 2 MiB-aligned and advised to use transparent huge pages (`madvise(MADV_HUGEPAGE)` on
/// Linux), so a pass over them takes one TLB miss per 2 MiB instead of one per 4 KiB (a nested
/// page walk each on a VM). Where THP is off, or not on Linux, the advice is dropped silently and
/// the block has ordinary pages. Smaller blocks are plain 64-byte-aligned allocations. Memory
/// comes from the global aligned operator new; every instance is equal to every other, of
/// any element type. Throws `std::bad_alloc` when memory runs out, `std::bad_array_new_length`
/// (a `std::bad_alloc`) when `n` exceeds `max_size()` (so `n * sizeof(T)` never overflows).
///
/// Example: `parjit::huge_page_vector<float> a(10'000'000);` then `k(out, a, b)` like any
/// `std::vector`. Thread-safety: stateless; allocate and deallocate from any thread.
template <class T>
class huge_page_allocator {
 public:
  using value_type = T;
  using size_type = std::size_t;
  using difference_type = std::ptrdiff_t;
  using propagate_on_container_move_assignment = std::true_type;
  using is_always_equal = std::true_type;

  constexpr huge_page_allocator() noexcept = default;
  /// Rebinding: an allocator of U converts to one of T (all are equal).
  template <class U>
  constexpr huge_page_allocator(const huge_page_allocator<U>&) noexcept {}

  /// `n` elements of uninitialised storage; 2 MiB-aligned with the huge-page advice from 2 MiB.
  [[nodiscard]] T* allocate(std::size_t n) {
    if (n > max_size()) throw std::bad_array_new_length();
    return static_cast<T*>(detail::huge_page_allocate(n * sizeof(T), alignof(T)));
  }

  /// Frees storage from `allocate(n)`, with the same `n`.
  void deallocate(T* p, std::size_t n) noexcept {
    detail::huge_page_deallocate(p, n * sizeof(T), alignof(T));
  }

  /// The most elements one allocation can hold: `n * sizeof(T)` stays within PTRDIFF_MAX (the
  /// largest object; `std::allocator`'s bound too), so it never overflows.
  [[nodiscard]] constexpr std::size_t max_size() const noexcept {
    return static_cast<std::size_t>(std::numeric_limits<std::ptrdiff_t>::max()) / sizeof(T);
  }
};

/// Every `huge_page_allocator` can free what any other allocated: they compare equal.
template <class T, class U>
constexpr bool operator==(const huge_page_allocator<T>&, const huge_page_allocator<U>&) noexcept {
  return true;
}

/// A `std::vector` whose storage comes from `huge_page_allocator`: for arrays of millions of
/// elements that kernels stream through. Kernels, `std::span` and the algorithms take it like
/// any contiguous range. Example: `parjit::huge_page_vector<float> out(n); k(jit::par, out, a);`
/// Thread-safety: as `std::vector`.
template <class T>
using huge_page_vector = std::vector<T, huge_page_allocator<T>>;

}  // namespace parjit
