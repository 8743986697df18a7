// The machine's practical memory bandwidth for bench/jit_kernels.cpp: STREAM-style copy and triad
// (McCalpin's STREAM), hand-written with non-temporal (streaming) stores, serial and on all cores.
#include <cstddef>
#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include <parjit/parallel/executor.hpp>

#include "jit_kernels.hpp"

namespace parjit_bench {
namespace {

// Streaming stores write whole cache lines past the caches: no read for ownership of `out`.
// They need an aligned address, so a scalar head runs up to the vector width's alignment.
#if defined(__AVX512F__)
constexpr std::size_t lanes = 16;
inline void store_nt(float* p, __m512 v) { _mm512_stream_ps(p, v); }
inline __m512 load(const float* p) { return _mm512_loadu_ps(p); }
inline __m512 triad_op(__m512 b, float s, __m512 c) {  // STREAM's triad: b + s * c
  return _mm512_add_ps(b, _mm512_mul_ps(_mm512_set1_ps(s), c));
}
#elif defined(__AVX__)
constexpr std::size_t lanes = 8;
inline void store_nt(float* p, __m256 v) { _mm256_stream_ps(p, v); }
inline __m256 load(const float* p) { return _mm256_loadu_ps(p); }
inline __m256 triad_op(__m256 b, float s, __m256 c) {
  return _mm256_add_ps(b, _mm256_mul_ps(_mm256_set1_ps(s), c));
}
#elif defined(__SSE2__)
constexpr std::size_t lanes = 4;
inline void store_nt(float* p, __m128 v) { _mm_stream_ps(p, v); }
inline __m128 load(const float* p) { return _mm_loadu_ps(p); }
inline __m128 triad_op(__m128 b, float s, __m128 c) {
  return _mm_add_ps(b, _mm_mul_ps(_mm_set1_ps(s), c));
}
#else
constexpr std::size_t lanes = 0;  // no intrinsics: plain stores (clang could use its builtin)
#endif

// Elements before `out + i` reaches the vector width's alignment (all of them if never).
std::size_t head_of(const float* out, std::size_t n) {
  if constexpr (lanes == 0) {
    return n;
  } else {
    const auto misalign = reinterpret_cast<std::uintptr_t>(out) % (lanes * sizeof(float));
    const std::size_t head = misalign == 0 ? 0 : (lanes * sizeof(float) - misalign) / sizeof(float);
    return head < n ? head : n;
  }
}

// The serial loops on [0, n); parallel cases call them per chunk.
void copy_chunk(float* out, const float* a, std::size_t n) {
  std::size_t i = 0;
  for (const std::size_t h = head_of(out, n); i < h; ++i) out[i] = a[i];
#if defined(__SSE2__)
  for (; i + lanes <= n; i += lanes) store_nt(out + i, load(a + i));
#endif
  for (; i < n; ++i) out[i] = a[i];
#if defined(__SSE2__)
  _mm_sfence();  // streaming stores are weakly ordered: make them visible before returning
#endif
}

void triad_chunk(float* out, const float* b, const float* c, float s, std::size_t n) {
  std::size_t i = 0;
  for (const std::size_t h = head_of(out, n); i < h; ++i) out[i] = b[i] + s * c[i];
#if defined(__SSE2__)
  for (; i + lanes <= n; i += lanes) store_nt(out + i, triad_op(load(b + i), s, load(c + i)));
#endif
  for (; i < n; ++i) out[i] = b[i] + s * c[i];
#if defined(__SSE2__)
  _mm_sfence();
#endif
}

// jit::par's smallest chunk, on the executor jit::par uses.
constexpr std::size_t grain = 16384;

template <class F>
void par_chunks(std::size_t n, F f) {
  parjit::default_executor().for_each_chunk(n, grain,
                                            [&](std::size_t b, std::size_t e) { f(b, e - b); });
}

}  // namespace

void stream_copy(float* out, const float* a, std::size_t n) { copy_chunk(out, a, n); }

void stream_triad(float* out, const float* b, const float* c, float s, std::size_t n) {
  triad_chunk(out, b, c, s, n);
}

void par_stream_copy(float* out, const float* a, std::size_t n) {
  par_chunks(n, [=](std::size_t i, std::size_t m) { copy_chunk(out + i, a + i, m); });
}

void par_stream_triad(float* out, const float* b, const float* c, float s, std::size_t n) {
  par_chunks(n, [=](std::size_t i, std::size_t m) { triad_chunk(out + i, b + i, c + i, s, m); });
}

}  // namespace parjit_bench
