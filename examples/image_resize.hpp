// The image pipeline's images (rgb_image, tensor) and its area resize in plain C++, apart from the
// codecs so that benchmarks can use them without stb (bench/jit_kernels' K10 baseline).
#pragma once

#include <parjit/parallel/huge_page.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace image_demo {

/// A decoded image: interleaved 8-bit RGB, rows packed. Pixel buffers are huge_page_vectors: a
/// 1080p frame is 6 MB, and every stage streams through it.
struct rgb_image {
  std::size_t width = 0, height = 0;
  parjit::huge_page_vector<std::uint8_t> pixels;  // width * height * 3
};

/// Planar float image: `channels` planes of size x size, C-order (C, H, W).
struct tensor {
  std::size_t channels = 0, size = 0;
  parjit::huge_page_vector<float> data;
  float* plane(std::size_t c) { return data.data() + c * size * size; }
  const float* plane(std::size_t c) const { return data.data() + c * size * size; }
};

/// One output coordinate of an area resize: source range [first, first + weights.size()).
struct area_tap {
  std::size_t first = 0;
  std::vector<float> weights;
};

/// Area (box) resampling weights from `src` to `dst` samples: output i averages the source
/// interval [i * src / dst, (i + 1) * src / dst) with fractional edge coverage (sums to 1).
inline std::vector<area_tap> area_weights(std::size_t src, std::size_t dst) {
  std::vector<area_tap> taps(dst);
  const double scale = static_cast<double>(src) / static_cast<double>(dst);
  for (std::size_t i = 0; i < dst; ++i) {
    const double a = static_cast<double>(i) * scale, b = static_cast<double>(i + 1) * scale;
    const auto first = static_cast<std::size_t>(std::floor(a));
    const auto last = std::min(src, static_cast<std::size_t>(std::ceil(b)));
    taps[i].first = first;
    for (std::size_t s = first; s < last; ++s) {
      const double lo = std::max(a, static_cast<double>(s));
      const double hi = std::min(b, static_cast<double>(s + 1));
      taps[i].weights.push_back(static_cast<float>((hi - lo) / scale));
    }
  }
  return taps;
}

/// resize_area's horizontal pass over source rows [y0, y1): row y of `tmp` (hx.size() * 3
/// floats, RGB interleaved) gets the weighted sums of row y of `img` along x.
inline void resize_area_horizontal(const rgb_image& img, const std::vector<area_tap>& hx,
                                   float* tmp, std::size_t y0, std::size_t y1) {
  const std::size_t size = hx.size();
  for (std::size_t y = y0; y < y1; ++y) {
    const std::uint8_t* src = img.pixels.data() + y * img.width * 3;
    float* dst = tmp + y * size * 3;
    for (std::size_t x = 0; x < size; ++x) {
      float r = 0, g = 0, b = 0;
      const std::uint8_t* s = src + hx[x].first * 3;
      for (float w : hx[x].weights) {
        r += w * s[0];
        g += w * s[1];
        b += w * s[2];
        s += 3;
      }
      dst[3 * x] = r;
      dst[3 * x + 1] = g;
      dst[3 * x + 2] = b;
    }
  }
}

/// resize_area's vertical pass over output rows [y0, y1): out's planes at row y get the weighted
/// sums of the rows of `tmp` (out.size * 3 floats each) along y.
inline void resize_area_vertical(const float* tmp, const std::vector<area_tap>& vy, tensor& out,
                                 std::size_t y0, std::size_t y1) {
  const std::size_t size = out.size;
  std::vector<float> row(size * 3);
  for (std::size_t y = y0; y < y1; ++y) {
    std::fill(row.begin(), row.end(), 0.0f);
    std::size_t sy = vy[y].first;
    for (float w : vy[y].weights) {
      const float* s = tmp + sy * size * 3;
      for (std::size_t i = 0; i < size * 3; ++i) row[i] += w * s[i];
      ++sy;
    }
    for (std::size_t x = 0; x < size; ++x)
      for (std::size_t c = 0; c < 3; ++c) out.plane(c)[y * size + x] = row[3 * x + c];
  }
}

/// Resizes RGB to size x size (area resampling, aspect not kept) into 3 float planes in
/// [0, 255]. Separable: a horizontal pass per row, then a vertical pass, each output a float sum
/// `r += w * s` over its taps in source order. `resize_area_jit` (image_resize_jit.hpp) runs the
/// same passes as JIT kernels.
inline tensor resize_area(const rgb_image& img, std::size_t size) {
  const auto hx = area_weights(img.width, size), vy = area_weights(img.height, size);
  // rows of the source, resized columns, RGB
  parjit::huge_page_vector<float> tmp(img.height * size * 3);
  resize_area_horizontal(img, hx, tmp.data(), 0, img.height);
  tensor out{3, size, parjit::huge_page_vector<float>(3 * size * size, 0.0f)};
  resize_area_vertical(tmp.data(), vy, out, 0, size);
  return out;
}

}  // namespace image_demo
