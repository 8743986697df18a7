// Hand-written baselines of the loop kernels K7 (Mandelbrot) and K8 (logistic map) in
// bench/jit_kernels_k7k8.cpp: plain C++ loops compiled -O3 -march=native -ffp-contract=off, and
// the same loops on all cores with raw tbb::parallel_for.
#include <cstddef>
#include <cstdint>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

namespace parjit_bench {

void loop_k7(std::int32_t* counts, const float* cr, const float* ci, std::int32_t max_iter,
             std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    float zr = 0.0f, zi = 0.0f;
    std::int32_t k = 0;
    while (zr * zr + zi * zi <= 4.0f && k < max_iter) {
      const float r = zr * zr - zi * zi + cr[i];
      zi = 2.0f * zr * zi + ci[i];
      zr = r;
      ++k;
    }
    counts[i] = k;
  }
}

void loop_k8(float* out, const float* x, float r, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    float v = x[i];
    for (int k = 0; k < 28; ++k) v = r * v * (1.0f - v);
    out[i] = v;
  }
}

void tbb_loop_k7(std::int32_t* counts, const float* cr, const float* ci, std::int32_t max_iter,
                 std::size_t n) {
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, 4096), [&](const auto& r) {
    loop_k7(counts + r.begin(), cr + r.begin(), ci + r.begin(), max_iter, r.size());
  });
}

void tbb_loop_k8(float* out, const float* x, float r, std::size_t n) {
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, 16384), [&](const auto& b) {
    loop_k8(out + b.begin(), x + b.begin(), r, b.size());
  });
}

}  // namespace parjit_bench
