// The image pipeline's area resize as two parjit JIT kernels (map+jit mode, bench K10): per
// output element a jit::fori over its source taps, reading the image and the weights through
// jit::table, equal bit for bit to resize_area (image_resize.hpp) built without FMA contraction.
#pragma once

#include <parjit/jit.hpp>
#include <parjit/jit/view2d.hpp>
#include <parjit/parallel/huge_page.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "image_resize.hpp"

namespace image_demo {

namespace jit = parjit::jit;

/// The taps of one resize pass, flattened into kernel tables: output element e reads
/// `count[e]` source samples, the k-th at source coordinate `first[e] + step * k` with weight
/// `weights[offset[e] + k]` (`step`: 3 for the horizontal pass over interleaved RGB, 1 for the
/// vertical one); `channel[e]` is the element's colour plane (vertical pass only).
struct area_tables {
  std::vector<std::int32_t> first, count, offset, channel;
  std::vector<float> weights;
};

namespace detail {

inline std::int32_t to_i32(std::size_t v, const char* what) {
  if (v > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
    throw std::invalid_argument(std::string("image_demo::resize_area_jit: ") + what + " " +
                                std::to_string(v) + " exceeds int32");
  return static_cast<std::int32_t>(v);
}

// The horizontal pass's tables, one entry per element of a tmp row (3 * ox + c): the tap of
// output column ox, shifted to channel c of interleaved RGB.
inline area_tables horizontal_tables(std::size_t width, std::size_t size) {
  const auto taps = area_weights(width, size);
  area_tables t;
  for (std::size_t ox = 0; ox < size; ++ox) {
    const auto offset = to_i32(t.weights.size(), "weight count");
    t.weights.insert(t.weights.end(), taps[ox].weights.begin(), taps[ox].weights.end());
    for (std::size_t c = 0; c < 3; ++c) {
      t.first.push_back(to_i32(3 * taps[ox].first + c, "source column"));
      t.count.push_back(to_i32(taps[ox].weights.size(), "tap count"));
      t.offset.push_back(offset);
    }
  }
  return t;
}

// The vertical pass's tables, one entry per row of the output taken as one 2-D image of the
// three planes stacked (row c * size + oy): the tap of output row oy, and channel c.
inline area_tables vertical_tables(std::size_t height, std::size_t size) {
  const auto taps = area_weights(height, size);
  area_tables t;
  for (const auto& tap : taps)
    t.weights.insert(t.weights.end(), tap.weights.begin(), tap.weights.end());
  for (std::size_t c = 0; c < 3; ++c) {
    std::size_t offset = 0;
    for (const auto& tap : taps) {
      t.first.push_back(to_i32(tap.first, "source row"));
      t.count.push_back(to_i32(tap.weights.size(), "tap count"));
      t.offset.push_back(to_i32(offset, "weight count"));
      t.channel.push_back(static_cast<std::int32_t>(c));
      offset += tap.weights.size();
    }
  }
  return t;
}

}  // namespace detail

/// The two passes of the area resize as JIT kernels (compiled at first use, shared by all
/// threads). Both run over 2-D output views, so jit::x() / jit::y() give an element's place
/// directly, and each output element loops over its own taps (jit::fori), carrying the running
/// source index beside the sum. Each kernel's output rows are the elements that share one set of
/// taps: the tap's bounds and weights are then the same in every lane of a vector group (one
/// scalar load each, a counted loop), and only the samples are gathered. So the horizontal pass
/// writes its intermediate transposed (a row per resized column and channel, a column per
/// source row), and the vertical pass reads it back along those rows.
struct resize_kernels {
  /// tmp(y, e) = sum over k < count[e] of weights[offset[e] + k] * src[y * row + first[e] + 3k],
  /// in source order from 0.0f: e = 3 * ox + c is the resized column and channel (tmp's row),
  /// y the source row (tmp's column), `src` the packed RGB bytes, `row` = 3 * width.
  static auto& horizontal() {
    static const auto k = jit::vectorize(
        [](auto src, auto first, auto count, auto offset, auto weights, auto row) {
          const auto e = jit::y();
          const auto o = offset[e];
          // int32 source indices (the sizes are checked to fit): 32-bit gather offsets
          const auto [sum, next] = jit::fori(
              0, count[e], jit::tuple(0.0f, jit::cast<std::int32_t>(jit::x()) * row + first[e]),
              [&](auto k, auto r, auto i) {
                return jit::tuple(r + weights[o + k] * jit::cast<float>(src[i]), i + 3);
              });
          (void)next;
          return sum;
        });
    return k;
  }
  /// out(x, Y) = sum over k < count[Y] of weights[offset[Y] + k] * tmp[(3x + channel[Y]) *
  /// height + first[Y] + k]: Y = c * size + oy is the output row of the three planes stacked as
  /// one image of 3 * size rows, `tmp` the horizontal pass's result (3 * size rows of `height`
  /// floats).
  static auto& vertical() {
    static const auto k = jit::vectorize(
        [](auto tmp, auto first, auto count, auto offset, auto channel, auto weights, auto height) {
          const auto y = jit::y();
          const auto o = offset[y];
          const auto [sum, next] = jit::fori(
              0, count[y],
              jit::tuple(0.0f, (3 * jit::cast<std::int32_t>(jit::x()) + channel[y]) * height + first[y]),
              [&](auto k, auto r, auto i) { return jit::tuple(r + weights[o + k] * tmp[i], i + 1); });
          (void)next;
          return sum;
        });
    return k;
  }
};

namespace detail {
template <class... Policy>
tensor resize_area_jit(const rgb_image& img, std::size_t size, Policy... policy) {
  tensor out{3, size, parjit::huge_page_vector<float>(3 * size * size, 0.0f)};
  if (size == 0 || img.width == 0 || img.height == 0) return out;  // as resize_area: zeros
  to_i32(3 * img.width * img.height, "source size");  // the kernels index in int32
  to_i32(3 * size * img.height, "intermediate size");
  const area_tables h = horizontal_tables(img.width, size);
  const area_tables v = vertical_tables(img.height, size);
  parjit::huge_page_vector<float> tmp(img.height * size * 3);  // transposed: 3 * size rows
  const auto src_row = static_cast<std::int32_t>(3 * img.width);
  const auto height = static_cast<std::int32_t>(img.height);
  resize_kernels::horizontal()(policy..., jit::view2d<float>{tmp.data(), img.height, 3 * size},
                               jit::table(img.pixels), jit::table(h.first), jit::table(h.count),
                               jit::table(h.offset), jit::table(h.weights), src_row);
  resize_kernels::vertical()(policy..., jit::view2d<float>{out.data.data(), size, 3 * size},
                             jit::table(tmp), jit::table(v.first), jit::table(v.count),
                             jit::table(v.offset), jit::table(v.channel), jit::table(v.weights),
                             height);
  return out;
}
}  // namespace detail

/// `resize_area` with both passes as JIT kernels: RGB to size x size, 3 float planes in [0, 255].
/// Each output element sums `r + w * s` over its taps in the same order as the plain loops, so
/// the result equals `resize_area` bit for bit where the plain code is built without FMA
/// contraction (-ffp-contract=off, as image_pipeline and tests/image are); GCC's default
/// contraction (`r += w * s` as one fma) moves the plain result by at most a few float ulps of
/// 255 (tests/image/test_pipeline.cpp measures the bound on a 1920x1080 frame). Tables: the
/// image (u8) and tmp (float) as 1-D tables, the weights as float tables, first / count / offset
/// / channel as int32 tables, all read with jit::table's default checked policy (an index bug throws
/// std::out_of_range, never reads outside). Thread-safety: a pure function of its arguments;
/// callable from many threads.
///
///     tensor t = resize_area_jit(img, 224);             // serial
///     tensor p = resize_area_jit(jit::par, img, 224);   // rows in parallel
inline tensor resize_area_jit(const rgb_image& img, std::size_t size) {
  return detail::resize_area_jit(img, size);
}
/// `resize_area_jit` with each pass's rows cut into chunks on `parjit::default_executor()`.
inline tensor resize_area_jit(jit::par_t, const rgb_image& img, std::size_t size) {
  return detail::resize_area_jit(img, size, jit::par);
}

}  // namespace image_demo
