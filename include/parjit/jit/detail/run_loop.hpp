// Running a compiled elementwise loop: serially, or in chunks of whole blocks on an arena (so par
// gives the same bits as serial), and with streaming stores for large outputs. Used by
// detail/call.hpp and the call forms.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "../../parallel/detail/executor_internals.hpp"
#include "../../parallel/executor.hpp"
#include "../compile.hpp"

namespace parjit::jit::detail {
// Parallel chunks of an elementwise loop start at multiples of `parallel_block` elements, a
// multiple of every vector-loop step, so each element takes the same path (vector body, vector
// epilogue or scalar tail, which may differ in the last bit for libmvec functions) as in a
// serial call: par and serial results are identical. A chunk has at least `parallel_grain`
// elements; smaller loops run on the calling thread.
inline constexpr std::int64_t parallel_block = 4096;
inline constexpr std::int64_t parallel_grain = 16384;

// A chunk body `body(begin, end)` as a function pointer and its object, for the non-template
// parallel parts of run_chunks and for_row_chunks (view2d.hpp): they are compiled once for all
// kernels instead of instantiating oneTBB's parallel_for per kernel and call form (that was
// most of the code, and of the compile time, each kernel added), at the price of one indirect
// call per chunk.
template <class Index>
struct range_body {
  void (*call)(void*, Index, Index);
  void* body;
  void operator()(Index begin, Index end) const { call(body, begin, end); }
};
template <class Index, class Body>
range_body<Index> erase_range_body(Body& body) {
  return {[](void* b, Index begin, Index end) { (*static_cast<Body*>(b))(begin, end); },
          const_cast<void*>(static_cast<const void*>(std::addressof(body)))};
}

// The parallel part of run_chunks: `body(begin, end)` on chunks of whole blocks of `block`
// elements (at least `grain` elements each) on the executor's arena.
inline void run_chunks_on(parjit::arena_executor& ex, std::int64_t n, std::int64_t block,
                          std::int64_t grain, range_body<std::int64_t> body) {
  const std::int64_t blocks = (n + block - 1) / block;
  const std::int64_t grain_blocks = std::max<std::int64_t>(1, grain / block);
  ex.arena().execute([&] {
    tbb::parallel_for(tbb::blocked_range<std::int64_t>(0, blocks, grain_blocks),
                      [&](const tbb::blocked_range<std::int64_t>& r) {
                        body(r.begin() * block, std::min(n, r.end() * block));
                      });
  });
}

// Runs body(begin, end) over [0, n): serially without an executor (a direct call), else in
// chunks of whole blocks of `block` elements (at least `grain` elements each) on the executor's
// arena.
template <class Body>
void run_chunks(parjit::arena_executor* ex, std::int64_t n, std::int64_t block,
                std::int64_t grain, Body&& body) {
  if (ex == nullptr || n <= grain) {
    body(std::int64_t{0}, n);
    return;
  }
  run_chunks_on(*ex, n, block, grain, erase_range_body<std::int64_t>(body));
}

// Streaming stores. An elementwise call whose output has at least streaming_threshold() bytes,
// starts on a 64-byte boundary and is none of its inputs runs the kernel's streamed
// specialisation (access::streamed: non-temporal stores in the compiled loop, streaming.hpp in
// the backend), then a store fence per chunk (vectorized::run_streamed).
inline std::atomic<std::size_t>& streaming_threshold_state() {
  static std::atomic<std::size_t> bytes{backend().stream_threshold()};
  return bytes;
}

}  // namespace parjit::jit::detail
