// Streaming stores for large outputs: the non-temporal block copy that jit::vectorize's large
// calls end with, and the output size from which they are used (the last-level cache's).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <string>

#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <emmintrin.h>
#endif

namespace parjit::jit::detail {
namespace {  // internal linkage: every copy of the backend is self-contained; one is linked in

// Copies `bytes` from `src` to `dst` with non-temporal stores where the host has them: the
// destination's cache lines are written whole, without being read first (no read-for-ownership)
// and without evicting the caller's working set. The unaligned head and the tail are ordinary
// stores. Not ordered with later stores: stream_fence_entry() ends a series of copies.
void stream_copy_entry(void* dst, const void* src, std::size_t bytes) noexcept {
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
#if defined(__x86_64__) || defined(__i386__)
  std::size_t head = (16 - (reinterpret_cast<std::uintptr_t>(d) & 15)) & 15;
  if (head > bytes) head = bytes;
  std::memcpy(d, s, head);
  d += head;
  s += head;
  bytes -= head;
  for (; bytes >= 64; bytes -= 64, d += 64, s += 64) {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + 16));
    const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + 32));
    const __m128i e = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + 48));
    _mm_stream_si128(reinterpret_cast<__m128i*>(d), a);
    _mm_stream_si128(reinterpret_cast<__m128i*>(d + 16), b);
    _mm_stream_si128(reinterpret_cast<__m128i*>(d + 32), c);
    _mm_stream_si128(reinterpret_cast<__m128i*>(d + 48), e);
  }
  for (; bytes >= 16; bytes -= 16, d += 16, s += 16) {
    _mm_stream_si128(reinterpret_cast<__m128i*>(d),
                     _mm_loadu_si128(reinterpret_cast<const __m128i*>(s)));
  }
#endif
  std::memcpy(d, s, bytes);
}

// Makes the streamed stores visible to other threads before the call returns (sfence).
void stream_fence_entry() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  _mm_sfence();
#else
  std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
}

// Outputs of at least this many bytes are streamed: $PARJIT_STREAM_BYTES if set (a decimal
// number of bytes; 0 streams every call that can), else the last-level cache's size (an output
// that large cannot stay in the cache for its reader anyway), else 32 MiB.
std::size_t stream_threshold_entry() noexcept {
  if (const char* e = std::getenv("PARJIT_STREAM_BYTES"); e != nullptr && *e != '\0') {
    char* end = nullptr;
    const unsigned long long v = std::strtoull(e, &end, 10);
    if (end != nullptr && *end == '\0') return static_cast<std::size_t>(v);
  }
  long llc = -1;
#if defined(_SC_LEVEL3_CACHE_SIZE)
  llc = ::sysconf(_SC_LEVEL3_CACHE_SIZE);
#endif
  if (llc <= 0) {  // sysconf may not know it (non-glibc, some VMs): ask sysfs
    for (const char* path : {"/sys/devices/system/cpu/cpu0/cache/index3/size",
                             "/sys/devices/system/cpu/cpu0/cache/index2/size"}) {
      if (llc > 0) break;
      std::ifstream f(path);
      std::string text;
      if (f >> text) {
        char* end = nullptr;
        const long v = std::strtol(text.c_str(), &end, 10);
        if (v > 0 && end != nullptr) llc = (*end == 'K') ? v * 1024 : (*end == 'M') ? v << 20 : v;
      }
    }
  }
  return llc > 0 ? static_cast<std::size_t>(llc) : std::size_t{32} << 20;
}

}  // namespace
}  // namespace parjit::jit::detail
