// Parallel baselines of bench/jit_kernels.cpp: the hand-written loops on chunks, with raw oneTBB.
#include <cstdint>
#include <functional>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/parallel_reduce.h>

#include "jit_kernels.hpp"

namespace parjit_bench {
namespace {

// jit::par's smallest chunk (detail::parallel_grain), so both split the same work alike.
constexpr std::size_t grain = 16384;

template <class F>
void chunks(std::size_t n, F f) {
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, grain),
                    [&](const tbb::blocked_range<std::size_t>& r) { f(r.begin(), r.size()); });
}

}  // namespace

void tbb_loop_k1(float* out, const float* a, const float* b, std::size_t n) {
  chunks(n, [=](std::size_t i, std::size_t m) { loop_k1(out + i, a + i, b + i, m); });
}
void tbb_loop_k2(float* out, const float* a, std::size_t n) {
  chunks(n, [=](std::size_t i, std::size_t m) { loop_k2(out + i, a + i, m); });
}
void tbb_loop_k3(float* out, const float* a, const float* b, std::size_t n, bool fastmath) {
  const auto loop = fastmath ? &loop_fastmath_k3 : &loop_k3;
  chunks(n, [=](std::size_t i, std::size_t m) { loop(out + i, a + i, b + i, m); });
}
float tbb_loop_k4(const float* a, const float* b, std::size_t n, bool fastmath) {
  const auto loop = fastmath ? &loop_fastmath_k4 : &loop_k4;
  return tbb::parallel_reduce(
      tbb::blocked_range<std::size_t>(0, n, grain), 0.0f,
      [=](const tbb::blocked_range<std::size_t>& r, float s) {
        return s + loop(a + r.begin(), b + r.begin(), r.size());
      },
      std::plus<float>{});
}
void tbb_loop_k5(float* out, const float* a, const float* b, std::size_t n) {
  chunks(n, [=](std::size_t i, std::size_t m) { loop_k5(out + i, a + i, b + i, m); });
}
void tbb_loop_k6(float* out, const std::uint8_t* r, const std::uint8_t* g, const std::uint8_t* b,
                 std::size_t n) {
  chunks(n, [=](std::size_t i, std::size_t m) { loop_k6(out + i, r + i, g + i, b + i, m); });
}

}  // namespace parjit_bench
