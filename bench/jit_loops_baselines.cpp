// Hand-written baselines of the loop kernels K7 (Mandelbrot), K8 (logistic map) in
// bench/jit_kernels_k7k8.cpp and K9 (gamma lookup table), K10 (the image pipeline's area resize,
// examples/image_resize.hpp) in bench/jit_kernels_k9k10.cpp: plain C++ loops compiled -O3
// -march=native -ffp-contract=off, and the same loops on all cores with raw tbb::parallel_for.
#include <cstddef>
#include <cstdint>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "../examples/image_resize.hpp"

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

void loop_k9(std::uint8_t* out, const std::uint8_t* in, const std::uint8_t* lut, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = lut[in[i]];
}

void tbb_loop_k9(std::uint8_t* out, const std::uint8_t* in, const std::uint8_t* lut,
                 std::size_t n) {
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, 16384), [&](const auto& b) {
    loop_k9(out + b.begin(), in + b.begin(), lut, b.size());
  });
}

// K10 is the pipeline's own resize_area; its all-cores twin runs the same two passes over row
// chunks (each chunk calls the serial pass on its rows).
image_demo::tensor loop_k10(const image_demo::rgb_image& img, std::size_t size) {
  return image_demo::resize_area(img, size);
}

image_demo::tensor tbb_loop_k10(const image_demo::rgb_image& img, std::size_t size) {
  const auto hx = image_demo::area_weights(img.width, size);
  const auto vy = image_demo::area_weights(img.height, size);
  parjit::huge_page_vector<float> tmp(img.height * size * 3);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, img.height, 16), [&](const auto& b) {
    image_demo::resize_area_horizontal(img, hx, tmp.data(), b.begin(), b.end());
  });
  image_demo::tensor out{3, size, parjit::huge_page_vector<float>(3 * size * size, 0.0f)};
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, size, 8), [&](const auto& b) {
    image_demo::resize_area_vertical(tmp.data(), vy, out, b.begin(), b.end());
  });
  return out;
}

}  // namespace parjit_bench
