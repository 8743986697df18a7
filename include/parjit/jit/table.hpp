// jit::table: an array passed whole to a kernel and read inside it at computed indices (gathers:
// `lut[i]`, `img(x, y)`), with an index policy for indices outside it.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <ranges>
#include <type_traits>

#include "../expr/gather.hpp"
#include "../expr/nodes.hpp"
#include "../expr/types.hpp"

namespace parjit::jit {

template <class T, std::size_t C>
struct view2d;  // view2d.hpp

/// Index policy tag for `jit::table`: an index outside the table is never read; the call
/// throws std::out_of_range afterwards, naming the lowest offending element and its index (the
/// default). Thread-safety: a constant.
struct checked_t {
  explicit checked_t() = default;
};
/// See `checked_t`.
inline constexpr checked_t checked{};

/// Index policy for `jit::table`: an index outside the table reads `value` (converted to the
/// table's element type). Made by `jit::constant(v)`. Thread-safety: a value type.
template <class V>
struct constant_policy {
  V value;
};
/// `jit::table(lut, jit::constant(0))`: indices outside the table read 0.
/// Thread-safety: a pure function.
template <class V>
  requires expr::element<V>
constexpr constant_policy<V> constant(V value) noexcept {
  return {value};
}

/// A table argument: `Dims` 1 (`width` elements) or 2 (`height` rows of `width` elements,
/// `row_stride` elements apart), read by gathers with index policy `Policy`; `fill` is the
/// constant policy's value. Non-owning, like std::span: the data must outlive the call.
/// Made by `jit::table`. Thread-safety: a plain value.
template <class T, int Dims, expr::index_policy Policy>
struct table_ref {
  using element_type = T;
  static constexpr int dims = Dims;
  static constexpr expr::index_policy policy = Policy;
  const T* data = nullptr;
  std::int64_t width = 0;
  std::int64_t height = 1;
  std::int64_t row_stride = 0;
  T fill{};
};

namespace detail {
template <class T>
using table_element_t = expr::type_of<expr::kind_of<std::remove_cv_t<T>>>;

template <class P>
struct policy_of;
template <>
struct policy_of<checked_t> {
  static constexpr expr::index_policy value = expr::index_policy::checked;
};
template <>
struct policy_of<expr::clamp_fn> {
  static constexpr expr::index_policy value = expr::index_policy::clamp;
};
template <class V>
struct policy_of<constant_policy<V>> {
  static constexpr expr::index_policy value = expr::index_policy::constant;
};

template <class P>
concept index_policy_tag = requires { policy_of<std::remove_cvref_t<P>>::value; };

template <int Dims, class T, class P>
auto make_table(const T* data, std::int64_t width, std::int64_t height, std::int64_t row_stride,
                const P& policy) {
  using E = table_element_t<T>;
  constexpr expr::index_policy p = policy_of<std::remove_cvref_t<P>>::value;
  table_ref<E, Dims, p> t{reinterpret_cast<const E*>(data), width, height, row_stride, E{}};
  if constexpr (p == expr::index_policy::constant) t.fill = static_cast<E>(policy.value);
  return t;
}
}  // namespace detail

/// Passes a contiguous range (std::vector, std::array, std::span, a C array) whole to a kernel,
/// which reads it as `lut[i]` for any integer expression i; `policy` says what an index outside
/// [0, size) does: `jit::checked` (default: std::out_of_range after the call, naming the lowest
/// offending element; no read out of bounds), `jit::clamp` (the nearest end; the table must not
/// be empty) or `jit::constant(v)` (reads v). A table must not overlap `out`.
///
///     auto gamma = jit::vectorize([](auto v, auto lut) { return lut[v]; });
///     gamma(out_u8, img_u8, jit::table(lut256));
///     gamma(out_u8, img_u8, jit::table(lut256, jit::clamp));
///
/// Thread-safety: a pure function (the table is read, never written).
template <class R, class P = checked_t>
  requires std::ranges::contiguous_range<R> && std::ranges::sized_range<R> &&
           expr::element<std::remove_cv_t<std::ranges::range_value_t<R>>> &&
           detail::index_policy_tag<P>
auto table(R&& range, const P& policy = P{}) {
  return detail::make_table<1>(std::ranges::data(range),
                               static_cast<std::int64_t>(std::ranges::size(range)), 1,
                               static_cast<std::int64_t>(std::ranges::size(range)), policy);
}

/// `jit::table(ptr, n, policy)`: the `n` elements at `ptr` as a 1-D table.
/// Thread-safety: a pure function.
template <class T, class P = checked_t>
  requires expr::element<std::remove_cv_t<T>> && detail::index_policy_tag<P>
auto table(const T* data, std::size_t n, const P& policy = P{}) {
  return detail::make_table<1>(data, static_cast<std::int64_t>(n), 1,
                               static_cast<std::int64_t>(n), policy);
}

/// A 2-D table from a jit::view2d, read as `t(x, y)`: x is the element's column in row y
/// (0 .. width * C - 1: channels are interleaved elements), y the row; the policy applies to
/// each coordinate (`jit::clamp` clamps x and y separately, as image borders replicate).
///
///     auto shift = jit::vectorize([](auto img) { return img(jit::x() + 3, jit::y()); });
///     shift(out_view, jit::table(in_view, jit::clamp));
///
/// Thread-safety: a pure function.
template <class T, std::size_t C, class P = checked_t>
  requires detail::index_policy_tag<P>
auto table(const view2d<T, C>& image, const P& policy = P{}) {
  image.validate("table");
  return detail::make_table<2>(static_cast<const T*>(image.data),
                               static_cast<std::int64_t>(image.width * C),
                               static_cast<std::int64_t>(image.height),
                               static_cast<std::int64_t>(image.stride()), policy);
}

}  // namespace parjit::jit
