// jit::stencil: a 2-D neighbourhood kernel `f(p)` reading p(dx, dy), compiled once as a 1-D
// jit::vectorize kernel over offset rows (interior) with the frame evaluated in plain C++.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "../parjit.hpp"
#include "vectorize.hpp"
#include "view2d.hpp"
#include "vocabulary.hpp"

namespace parjit::jit {

/// What a stencil reads outside the image (`jit::stencil(f, jit::border::clamp)`).
namespace border {

/// The border rules.
enum class mode {
  clamp,     ///< the nearest edge pixel (OpenCV BORDER_REPLICATE, numpy 'edge')
  constant,  ///< a fixed value (numpy 'constant')
  reflect,   ///< mirrored about the edge pixel, which is not repeated: ... c b | a b c ...
             ///< (OpenCV BORDER_REFLECT_101, numpy 'reflect', scipy.ndimage 'mirror')
  skip,      ///< frame pixels (whose neighbourhood leaves the image) are not written
};

/// A border rule: a mode and, for `constant`, its value (converted to the input's element type).
/// Thread-safety: a plain value.
struct rule {
  mode kind = mode::clamp;
  double value = 0.0;
  friend bool operator==(const rule&, const rule&) = default;
};

/// Outside pixels read as the nearest edge pixel.
inline constexpr rule clamp{mode::clamp, 0.0};
/// Outside pixels mirrored about the edge (edge not repeated); a 1-pixel axis reads its pixel.
inline constexpr rule reflect{mode::reflect, 0.0};
/// Frame pixels are left as they are in `out`.
inline constexpr rule skip{mode::skip, 0.0};
/// Outside pixels read as `value` (converted to the input's element type).
constexpr rule constant(double value) { return rule{mode::constant, value}; }

}  // namespace border

namespace detail {

struct tap {
  int dx = 0;
  int dy = 0;
  friend bool operator==(const tap&, const tap&) = default;
};

// Stencils up to 5x5 (25 distinct neighbours); kernels are instantiated for these arities only
// and padded with the centre row, so a user TU compiles a handful of traces, not 25.
inline constexpr std::array<std::size_t, 3> stencil_arities{5, 9, 25};

template <std::size_t N, class... A>
auto pick_tap(std::size_t index, const A&... a) {
  // select(true/false constants) folds away in LLVM's instcombine: p(dx, dy) costs one load.
  const auto& args = std::forward_as_tuple(a...);
  if constexpr (N + 1 == sizeof...(A)) {
    return std::get<N>(args);
  } else {
    return jit::select(index == N, std::get<N>(args), pick_tap<N + 1>(index, a...));
  }
}

// The traced function: its N arguments are the neighbour rows, in the order of `taps`.
template <class F>
struct tap_function {
  F f;
  std::shared_ptr<const std::vector<tap>> taps;

  template <class... A>
  auto operator()(const A&... a) const {
    auto p = [&](int dx, int dy) {
      std::size_t i = 0;
      while (i < taps->size() && !((*taps)[i] == tap{dx, dy})) ++i;
      return pick_tap<0>(i, a...);
    };
    return f(p);
  }
};

// As the JIT converts a result to `out`'s type: static_cast, except float -> integer saturates
// and NaN -> 0, and -> bool is != 0.
template <class O, class R>
O convert_result(R r) {
  if constexpr (std::same_as<O, bool>) {
    return r != R{};
  } else if constexpr (std::integral<O> && std::floating_point<R>) {
    if (std::isnan(r)) return O{0};
    if (r <= static_cast<R>(std::numeric_limits<O>::min())) return std::numeric_limits<O>::min();
    if (r >= static_cast<R>(std::numeric_limits<O>::max())) return std::numeric_limits<O>::max();
    return static_cast<O>(r);
  } else {
    return static_cast<O>(r);
  }
}

// The index of coordinate i (maybe outside [0, n)) under a clamp or reflect rule; n >= 1.
inline std::ptrdiff_t border_index(std::ptrdiff_t i, std::ptrdiff_t n, border::mode m) {
  if (i >= 0 && i < n) return i;
  if (m == border::mode::clamp || n == 1) return std::clamp<std::ptrdiff_t>(i, 0, n - 1);
  const std::ptrdiff_t period = 2 * (n - 1);
  std::ptrdiff_t k = i % period;
  if (k < 0) k += period;
  return k < n ? k : period - k;
}

}  // namespace detail

/// A 2-D stencil kernel made by `jit::stencil`: `k(out, in)` sets `out(x, y) = f(p)` where
/// `p(dx, dy)` reads `in(x + dx, y + dy)`, with the border rule for reads outside the image.
/// `out` and `in` are single-channel `view2d`s of the same size (any element types, strides >=
/// width) that do not overlap. Interior pixels run a JIT kernel compiled once per element-type
/// pair (one call per row); frame pixels (within the stencil's reach of an edge) evaluate the
/// same lambda on plain numbers in C++. At most 25 distinct offsets (5x5).
///
///     auto blur = jit::stencil([](auto p) {
///       return (p(-1, 0) + p(1, 0) + p(0, -1) + p(0, 1) + 4 * p(0, 0)) / 8; }, jit::border::clamp);
///     blur(out_view, in_view);              // serial
///     blur(jit::par, out_view, in_view);    // row chunks on parjit::default_executor()
///     blur(pool, out_view, in_view);        // ... or on an arena_executor
///
/// The offsets are learnt by calling `f` once with a recording `p` (returning int 1); `f` must
/// read the same offsets whatever the values. Thread-safety: as `vectorize`: any number of
/// threads may call one stencil at once.
template <class F>
class stencil_kernel {
 public:
  stencil_kernel(F f, border::rule b, options opts = {})
      : f_(std::move(f)), border_(b) {
    auto taps = std::make_shared<std::vector<detail::tap>>();
    auto record = [&](int dx, int dy) {
      if (std::find(taps->begin(), taps->end(), detail::tap{dx, dy}) == taps->end())
        taps->push_back({dx, dy});
      return 1;
    };
    (void)f_(record);
    if (taps->empty()) taps->push_back({0, 0});
    if (taps->size() > detail::stencil_arities.back())
      throw std::invalid_argument("parjit::jit::stencil: " + std::to_string(taps->size()) +
                                  " distinct offsets; at most " +
                                  std::to_string(detail::stencil_arities.back()) + " supported");
    for (const auto& t : *taps) {
      min_dx_ = std::min(min_dx_, t.dx);
      max_dx_ = std::max(max_dx_, t.dx);
      min_dy_ = std::min(min_dy_, t.dy);
      max_dy_ = std::max(max_dy_, t.dy);
    }
    taps_ = taps;
    kernel_ = std::make_shared<const vectorized<detail::tap_function<F>>>(
        detail::tap_function<F>{f_, taps_}, opts);
  }

  /// `k(out, in)`: serial.
  template <class O, class T>
  void operator()(view2d<O> out, view2d<T> in) const {
    run(nullptr, out, view2d<const T>(in));
  }
  /// `k(jit::par, out, in)`: row chunks on `parjit::default_executor()`. Same results as serial.
  template <class O, class T>
  void operator()(par_t, view2d<O> out, view2d<T> in) const {
    run(&parjit::default_executor(), out, view2d<const T>(in));
  }
  /// `k(pool, out, in)`: row chunks on `ex`.
  template <class O, class T>
  void operator()(parjit::arena_executor& ex, view2d<O> out, view2d<T> in) const {
    run(&ex, out, view2d<const T>(in));
  }

  /// The distinct offsets `f` reads, in first-read order.
  std::vector<std::pair<int, int>> offsets() const {
    std::vector<std::pair<int, int>> r;
    for (const auto& t : *taps_) r.emplace_back(t.dx, t.dy);
    return r;
  }
  /// The border rule.
  border::rule border_rule() const noexcept { return border_; }
  /// Statistics of the interior kernel (specialisations, compile ms, calls = rows run).
  jit::stats stats() const { return kernel_->stats(); }
  /// Optimised LLVM IR of the interior kernel's specialisations so far.
  std::string ir() const { return kernel_->ir(); }

 private:
  template <class O, class T>
  void run(parjit::arena_executor* ex, view2d<O> out, view2d<const T> in) const {
    static_assert(!std::is_const_v<O>, "parjit::jit::stencil: `out` must be writable");
    out.validate("stencil");
    in.validate("stencil");
    if (out.width != in.width || out.height != in.height)
      throw std::invalid_argument("parjit::jit::stencil: out is " + std::to_string(out.width) +
                                  "x" + std::to_string(out.height) + ", in is " +
                                  std::to_string(in.width) + "x" + std::to_string(in.height));
    if (out.empty()) return;
    const auto* ob = reinterpret_cast<const unsigned char*>(out.data);
    const auto* oe = reinterpret_cast<const unsigned char*>(out.row(out.height - 1) + out.width);
    const auto* ib = reinterpret_cast<const unsigned char*>(in.data);
    const auto* ie = reinterpret_cast<const unsigned char*>(in.row(in.height - 1) + in.width);
    if (ob < ie && ib < oe)
      throw std::invalid_argument("parjit::jit::stencil: out and in overlap (a stencil reads "
                                  "neighbours, it cannot run in place)");
    const auto w = static_cast<std::ptrdiff_t>(in.width);
    const auto h = static_cast<std::ptrdiff_t>(in.height);
    // Interior: x in [x0, x1), y in [y0, y1), every neighbour inside the image.
    const std::ptrdiff_t x0 = -min_dx_, x1 = w - max_dx_;
    const std::ptrdiff_t y0 = -min_dy_, y1 = h - max_dy_;
    const bool has_interior = x0 < x1 && y0 < y1;
    const std::size_t n = taps_->size();
    const std::size_t arity =
        *std::find_if(detail::stencil_arities.begin(), detail::stencil_arities.end(),
                      [&](std::size_t a) { return a >= n; });
    auto interior = [&](O* dst, const T* centre, std::size_t len) {
      if (arity == 5) interior_call<5>(dst, centre, len, in.stride());
      else if (arity == 9) interior_call<9>(dst, centre, len, in.stride());
      else interior_call<25>(dst, centre, len, in.stride());
    };
    // Packed images (and a border that writes the frame): one kernel call per row chunk over
    // the contiguous run from the chunk's first interior pixel to its last. The frame columns
    // inside that run get values computed from wrapped-around neighbours (every read stays
    // inside the image) and are then overwritten by the frame pass below.
    const bool band = border_.kind != border::mode::skip && out.packed() && in.packed();
    detail::for_row_chunks(ex, out.height, out.width, [&](std::size_t ya, std::size_t yb) {
      const auto a = std::max<std::ptrdiff_t>(static_cast<std::ptrdiff_t>(ya), y0);
      const auto b = std::min<std::ptrdiff_t>(static_cast<std::ptrdiff_t>(yb), y1);
      if (band && has_interior && a < b) {
        const std::ptrdiff_t first = a * w + x0, last = (b - 1) * w + x1;
        interior(out.data + first, in.data + first, static_cast<std::size_t>(last - first));
      }
      for (std::size_t yu = ya; yu < yb; ++yu) {
        const auto y = static_cast<std::ptrdiff_t>(yu);
        if (has_interior && y >= y0 && y < y1) {
          if (!band)
            interior(out.row(yu) + x0, in.row(yu) + x0, static_cast<std::size_t>(x1 - x0));
          frame_span(out, in, y, 0, x0);
          frame_span(out, in, y, x1, w);
        } else {
          frame_span(out, in, y, 0, w);
        }
      }
    });
  }

  // One kernel call: dst[i] = f(neighbours of centre[i]); tap k reads centre + dy * stride + dx.
  template <std::size_t N, class O, class T>
  void interior_call(O* dst, const T* centre, std::size_t len, std::size_t stride) const {
    std::array<const T*, N> rows;
    const auto& taps = *taps_;
    const auto st = static_cast<std::ptrdiff_t>(stride);
    for (std::size_t i = 0; i < N; ++i)
      rows[i] = i < taps.size() ? centre + taps[i].dy * st + taps[i].dx : centre;
    // Pointer + size form: (dst, len, rows[0], len, rows[1], len, ...).
    [&]<std::size_t... Is>(std::index_sequence<Is...>) {
      std::apply([&](const auto&... args) { (*kernel_)(dst, len, args...); },
                 std::tuple_cat(std::tuple<const T*, std::size_t>(rows[Is], len)...));
    }(std::make_index_sequence<N>{});
  }

  template <class O, class T>
  void frame_span(view2d<O> out, view2d<const T> in, std::ptrdiff_t y, std::ptrdiff_t xa,
                  std::ptrdiff_t xb) const {
    if (border_.kind == border::mode::skip) return;
    const auto w = static_cast<std::ptrdiff_t>(in.width);
    const auto h = static_cast<std::ptrdiff_t>(in.height);
    const T fill = detail::convert_result<T>(border_.value);
    O* dst = out.row(static_cast<std::size_t>(y));
    for (std::ptrdiff_t x = xa; x < xb; ++x) {
      auto p = [&](int dx, int dy) -> T {
        std::ptrdiff_t xx = x + dx, yy = y + dy;
        if (border_.kind == border::mode::constant) {
          if (xx < 0 || xx >= w || yy < 0 || yy >= h) return fill;
        } else {
          xx = detail::border_index(xx, w, border_.kind);
          yy = detail::border_index(yy, h, border_.kind);
        }
        return in.row(static_cast<std::size_t>(yy))[xx];
      };
      dst[x] = detail::convert_result<O>(f_(p));
    }
  }

  F f_;
  border::rule border_;
  std::shared_ptr<const std::vector<detail::tap>> taps_;
  std::shared_ptr<const vectorized<detail::tap_function<F>>> kernel_;
  int min_dx_ = 0, max_dx_ = 0, min_dy_ = 0, max_dy_ = 0;
};

/// Makes a 2-D stencil kernel from a generic lambda `f(p)` that reads neighbours with
/// `p(dx, dy)` (literal offsets, at most 25 distinct) in parjit's vocabulary, and a border rule
/// (`border::clamp`, `border::constant(v)`, `border::reflect`, `border::skip`). See
/// `stencil_kernel`.
///
///     auto sharpen = jit::stencil([](auto p) {
///       return 5 * p(0, 0) - p(-1, 0) - p(1, 0) - p(0, -1) - p(0, 1); }, jit::border::reflect);
///
/// Thread-safety: a pure function.
template <class F>
stencil_kernel<std::decay_t<F>> stencil(F&& f, border::rule b = border::clamp,
                                        options opts = {}) {
  detail::check_captures<std::decay_t<F>>();
  return stencil_kernel<std::decay_t<F>>(std::forward<F>(f), b, opts);
}

}  // namespace parjit::jit
