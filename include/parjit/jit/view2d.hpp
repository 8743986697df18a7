// jit::view2d: a non-owning 2-D image view (rows with a stride, C interleaved channels) and
// jit::apply2d, which runs any elementwise jit::vectorize kernel over 2-D views row by row.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "../parjit.hpp"
#include "vectorize.hpp"

namespace parjit::jit {

/// A non-owning view of a 2-D image of `T` with `C` interleaved channels: pixel (x, y), channel
/// c lives at `data[y * row_stride + x * C + c]`. `row_stride` counts elements (not bytes) and
/// must be at least `width * C`; 0 means packed rows (`width * C`). A row is contiguous, so a
/// 1-D JIT kernel runs on it (see `apply2d`); a single channel of an interleaved image is not
/// (split it with `split_channels` first).
///
///     std::vector<std::uint8_t> rgb(w * h * 3);
///     jit::view2d<std::uint8_t, 3> img{rgb.data(), w, h};          // packed RGB
///     jit::view2d<float> roi{buf.data() + 8, 100, 50, 1024};         // a window of a wider image
///
/// Thread-safety: a plain value; concurrent writes to the same pixels are the caller's problem.
template <class T, std::size_t C = 1>
struct view2d {
  static_assert(C >= 1, "parjit::jit::view2d: at least one channel");
  using element_type = T;
  static constexpr std::size_t channels = C;

  T* data = nullptr;
  std::size_t width = 0;
  std::size_t height = 0;
  std::size_t row_stride = 0;

  /// Elements from one row to the next (`row_stride`, or `width * C` when it is 0).
  constexpr std::size_t stride() const noexcept { return row_stride ? row_stride : width * C; }
  /// Elements of one row that belong to the image (`width * C`).
  constexpr std::size_t row_elements() const noexcept { return width * C; }
  /// First element of row `y`.
  constexpr T* row(std::size_t y) const noexcept { return data + y * stride(); }
  /// The image part of row `y`.
  constexpr std::span<T> row_span(std::size_t y) const noexcept { return {row(y), width * C}; }
  /// Pixel (x, y), channel c (unchecked).
  constexpr T& operator()(std::size_t x, std::size_t y, std::size_t c = 0) const noexcept {
    return data[y * stride() + x * C + c];
  }
  /// True when rows follow each other without a gap (the whole image is one contiguous range).
  constexpr bool packed() const noexcept { return stride() == width * C; }
  /// True for a 0-pixel image.
  constexpr bool empty() const noexcept { return width == 0 || height == 0; }
  /// The window [x, x + w) x [y, y + h) of this view (checked).
  view2d sub(std::size_t x, std::size_t y, std::size_t w, std::size_t h) const {
    if (x + w > width || y + h > height)
      throw std::invalid_argument("parjit::jit::view2d::sub: window " + std::to_string(w) + "x" +
                                  std::to_string(h) + " at (" + std::to_string(x) + ", " +
                                  std::to_string(y) + ") outside a " + std::to_string(width) +
                                  "x" + std::to_string(height) + " image");
    return view2d{data + y * stride() + x * C, w, h, stride()};
  }
  /// The same view, read-only.
  constexpr operator view2d<const T, C>() const noexcept {
    return view2d<const T, C>{data, width, height, row_stride};
  }
  /// Throws std::invalid_argument if the stride is shorter than a row or the data is missing.
  void validate(const char* what = "view2d") const {
    if (row_stride != 0 && row_stride < width * C)
      throw std::invalid_argument(std::string("parjit::jit::") + what + ": row_stride " +
                                  std::to_string(row_stride) + " < width * channels " +
                                  std::to_string(width * C));
    if (data == nullptr && !empty())
      throw std::invalid_argument(std::string("parjit::jit::") + what + ": null data for a " +
                                  std::to_string(width) + "x" + std::to_string(height) +
                                  " image");
  }
};

namespace detail {

template <class V>
struct is_view2d : std::false_type {};
template <class T, std::size_t C>
struct is_view2d<view2d<T, C>> : std::true_type {};

template <class V>
inline constexpr bool is_view2d_v = is_view2d<std::remove_cvref_t<V>>::value;

// A view argument becomes (row pointer, row elements) for row y; anything else (a scalar
// runtime parameter) is passed unchanged.
template <class A>
auto row_argument(const A& a, std::size_t y) {
  if constexpr (is_view2d_v<A>) {
    return std::tuple(static_cast<const std::remove_const_t<typename A::element_type>*>(a.row(y)),
                      a.row_elements());
  } else {
    return std::tuple<const A&>(a);
  }
}

template <class A>
auto whole_argument(const A& a) {
  if constexpr (is_view2d_v<A>) {
    return std::tuple(static_cast<const std::remove_const_t<typename A::element_type>*>(a.data),
                      a.row_elements() * a.height);
  } else {
    return std::tuple<const A&>(a);
  }
}

template <class Out, class A>
void check_same_shape(const Out& out, const A& a) {
  if constexpr (is_view2d_v<A>) {
    a.validate("apply2d");
    if (a.width != out.width || a.height != out.height || A::channels != Out::channels)
      throw std::invalid_argument(
          "parjit::jit::apply2d: an input is " + std::to_string(a.width) + "x" +
          std::to_string(a.height) + "x" + std::to_string(A::channels) + ", out is " +
          std::to_string(out.width) + "x" + std::to_string(out.height) + "x" +
          std::to_string(Out::channels));
  }
}

// Whether two images in memory share a byte: `h` rows each, row y of image A covers the bytes
// [a + y * sa, a + y * sa + la) (sa >= la > 0), likewise B. Exact, not a bounding-range test
// (the even and the odd rows of one buffer are disjoint), and O(h): for each row of A only the
// first row of B that ends after it starts can meet it, as B's rows are increasing and disjoint.
inline bool rows_intersect(std::uintptr_t a, std::size_t sa, std::size_t la, std::uintptr_t b,
                           std::size_t sb, std::size_t lb, std::size_t h) {
  if (h == 0 || la == 0 || lb == 0) return false;
  if (a + (h - 1) * sa + la <= b || b + (h - 1) * sb + lb <= a) return false;
  for (std::size_t y = 0; y < h; ++y) {
    const std::uintptr_t lo = a + y * sa, hi = lo + la;
    const std::size_t first = lo < b + lb ? 0 : (lo - b - lb) / sb + 1;
    if (first < h && b + first * sb < hi) return true;
  }
  return false;
}

// Input `index` may be `out` itself, pixel for pixel (same start, element size and stride: an
// in-place kernel), but must not share any other byte with it over the whole 2-D extent: rows
// run in parallel chunks, so an input shifted by a row would read rows another chunk writes.
template <class Out, class A>
void check_no_partial_overlap(const Out& out, const A& a, std::size_t index) {
  if constexpr (is_view2d_v<A>) {
    using O = std::remove_const_t<typename Out::element_type>;
    using E = std::remove_const_t<typename A::element_type>;
    const auto ob = reinterpret_cast<std::uintptr_t>(out.data);
    const auto ib = reinterpret_cast<std::uintptr_t>(a.data);
    const std::size_t os = out.stride() * sizeof(O), is = a.stride() * sizeof(E);
    if (ob == ib && sizeof(O) == sizeof(E) && os == is) return;
    if (rows_intersect(ob, os, out.row_elements() * sizeof(O), ib, is,
                       a.row_elements() * sizeof(E), out.height))
      throw std::invalid_argument(
          "parjit::jit::apply2d: input " + std::to_string(index) +
          " partly overlaps out (only out == input, pixel for pixel, is allowed; nothing "
          "written)");
  } else if constexpr (is_table_ref<A>::value) {  // read whole while rows are written
    using O = std::remove_const_t<typename Out::element_type>;
    using E = typename A::element_type;
    if (a.width * a.height == 0) return;
    const auto tb = reinterpret_cast<std::uintptr_t>(a.data);
    const auto te = tb + static_cast<std::size_t>((a.height - 1) * a.row_stride + a.width) * sizeof(E);
    const auto ob = reinterpret_cast<std::uintptr_t>(out.data);
    const auto oe = ob + ((out.height - 1) * out.stride() + out.row_elements()) * sizeof(O);
    if (tb < oe && ob < te)  // bounding ranges: conservative for interleaved buffers
      throw std::invalid_argument("parjit::jit::apply2d: input " + std::to_string(index) +
                                  " (a jit::table) overlaps out: a kernel must not write the "
                                  "table it reads (nothing written)");
  }
}

// The parallel part of for_row_chunks: `body(y0, y1)` on chunks of `rows` rows, on `ex` (not a
// template: see range_body in detail/run_loop.hpp).
inline void for_row_chunks_on(parjit::arena_executor& ex, std::size_t height, std::size_t rows,
                              range_body<std::size_t> body) {
  std::vector<std::size_t> starts;
  for (std::size_t y = 0; y < height; y += rows) starts.push_back(y);
  parjit::parallel_for_each(ex, starts, [&](std::size_t y0) {
    body(y0, std::min(height, y0 + rows));
  });
}

// Rows [0, height) in chunks of about `min_elements` elements, on `ex` (serial if null).
template <class Body>
void for_row_chunks(parjit::arena_executor* ex, std::size_t height, std::size_t row_elements,
                    Body&& body) {
  if (height == 0) return;
  constexpr std::size_t min_elements = 16384;
  const std::size_t per_row = std::max<std::size_t>(row_elements, 1);
  std::size_t rows = std::max<std::size_t>(1, min_elements / per_row);
  if (ex != nullptr) {
    const std::size_t want = 4 * ex->workers();
    rows = std::max(rows, (height + want - 1) / want);
  }
  if (ex == nullptr || rows >= height) {
    body(std::size_t{0}, height);
    return;
  }
  for_row_chunks_on(*ex, height, rows, erase_range_body<std::size_t>(body));
}

// The kernel's row calls, with the row's call_context (jit::x(), jit::y(), jit::index()).
struct row_call {
  template <class F, class... Args>
  static void run(const vectorized<F>& k, const call_context& ctx, Args&&... args) {
    k.call_row(nullptr, ctx, std::forward<Args>(args)...);
  }
  // Whether the kernel reads jit::x() / jit::y() with the operands of a row call.
  template <class F, class... Args>
  static constexpr bool reads_coordinates(const vectorized<F>*, const std::tuple<Args...>*) {
    using ops = decltype(normalize(std::declval<Args>()...));
    return vectorized<F>::reads_coordinates(static_cast<ops*>(nullptr));
  }
};

template <class K, class Out, class... In>
void apply2d(parjit::arena_executor* ex, const K& kernel, const Out& out, const In&... in) {
  static_assert(is_view2d_v<Out>, "parjit::jit::apply2d: `out` must be a jit::view2d");
  out.validate("apply2d");
  (check_same_shape(out, in), ...);
  if (out.empty()) return;
  std::size_t index = 0;
  (check_no_partial_overlap(out, in, ++index), ...);
  const bool all_packed = out.packed() && (... && [](const auto& a) {
    if constexpr (is_view2d_v<decltype(a)>) return a.packed();
    else return true;
  }(in));
  using row_args = decltype(std::tuple_cat(
      std::tuple(static_cast<std::remove_const_t<typename Out::element_type>*>(out.data),
                 out.row_elements()),
      row_argument(in, 0)...));
  constexpr bool coordinates =
      row_call::reads_coordinates(static_cast<const K*>(nullptr), static_cast<row_args*>(nullptr));
  if constexpr (!coordinates) {
    if (all_packed && ex == nullptr) {  // one call: index() is y * row + x as well
      std::apply([&](auto&&... args) { kernel(out.data, out.row_elements() * out.height, args...); },
                 std::tuple_cat(whole_argument(in)...));
      return;
    }
  }
  for_row_chunks(ex, out.height, out.row_elements(), [&](std::size_t y0, std::size_t y1) {
    for (std::size_t y = y0; y < y1; ++y) {
      const call_context ctx{static_cast<std::int64_t>(y * out.row_elements()),
                             static_cast<std::int64_t>(y)};
      std::apply(
          [&](auto&&... args) { row_call::run(kernel, ctx, out.row(y), out.row_elements(), args...); },
          std::tuple_cat(row_argument(in, y)...));
    }
  });
}

}  // namespace detail

/// Runs an elementwise kernel (`jit::vectorize`) over 2-D views: `out(x, y, c) = f(in(x, y,
/// c)...)` for every pixel and channel, one kernel call per row (one call in all when every view
/// is packed). Views must have the same width, height and channel count (else
/// std::invalid_argument); scalar arguments are runtime parameters as with `vectorize`. An input
/// may be `out` itself (in place: same data, stride and element size); an input sharing any
/// other element with `out`, anywhere in the 2-D extent (e.g. the same buffer one row down), is
/// std::invalid_argument and nothing is written. With
/// `jit::par` or an `arena_executor`, rows are cut into chunks that run in parallel.
///
///     auto grey = jit::vectorize([](auto r, auto g, auto b) { return (r + g + b) / 3.0f; });
///     jit::apply2d(grey, jit::view2d<float>{o, w, h, ostride}, r_view, g_view, b_view);
///     jit::apply2d(jit::par, scale, out_view, in_view, 0.5f, 0.25f);
///
/// Thread-safety: as the kernel's; distinct outputs may be written from many threads.
template <class K, class Out, class... In>
void apply2d(const K& kernel, const Out& out, const In&... in) {
  detail::apply2d(nullptr, kernel, out, in...);
}
/// `apply2d` with rows in chunks on `parjit::default_executor()`.
template <class K, class Out, class... In>
void apply2d(par_t, const K& kernel, const Out& out, const In&... in) {
  detail::apply2d(&parjit::default_executor(), kernel, out, in...);
}
/// `apply2d` with rows in chunks on `ex`.
template <class K, class Out, class... In>
void apply2d(parjit::arena_executor& ex, const K& kernel, const Out& out, const In&... in) {
  detail::apply2d(&ex, kernel, out, in...);
}

/// Copies the C interleaved channels of `in` into C single-channel views (planar), so that a
/// kernel can treat each channel differently. Plain C++ (a gather the 1-D JIT cannot express).
///
///     jit::split_channels(rgb_view, {r_view, g_view, b_view});
///
/// Thread-safety: a pure function of its arguments.
template <class T, class U, std::size_t C>
void split_channels(view2d<const T, C> in, const std::array<view2d<U>, C>& planes) {
  for (std::size_t c = 0; c < C; ++c)
    if (planes[c].width != in.width || planes[c].height != in.height)
      throw std::invalid_argument("parjit::jit::split_channels: plane size differs from image");
  for (std::size_t y = 0; y < in.height; ++y) {
    const T* src = in.row(y);
    for (std::size_t c = 0; c < C; ++c) {
      U* dst = planes[c].row(y);
      for (std::size_t x = 0; x < in.width; ++x) dst[x] = static_cast<U>(src[x * C + c]);
    }
  }
}
/// `split_channels` for a non-const view.
template <class T, class U, std::size_t C>
  requires(!std::is_const_v<T>)
void split_channels(view2d<T, C> in, const std::array<view2d<U>, C>& planes) {
  split_channels(view2d<const T, C>(in), planes);
}

}  // namespace parjit::jit
