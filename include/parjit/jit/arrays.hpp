// Kernel arguments beyond contiguous ranges: strided arrays (jit::strided) and the several outs
// of a kernel that returns jit::tuple (jit::outs).
#pragma once

#include <cstddef>
#include <cstdint>
#include <ranges>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "../expr/types.hpp"
#include "detail/operands.hpp"

namespace parjit::jit {

/// An array whose element k is `data[k * stride]` (stride in elements, >= 1): every 2nd sample,
/// one channel of an interleaved image, a column of a row-major matrix. Made by `jit::strided`;
/// a kernel argument anywhere an array is (an input of `jit::vectorize` or `jit::reduce`, or
/// `out`, or one of `jit::outs`). It refers to the caller's memory, which must outlive the call.
/// Thread-safety: a value type.
template <class T>
struct strided_view {
  T* data = nullptr;
  std::size_t size = 0;
  std::ptrdiff_t stride = 1;
};

namespace detail {
inline void check_stride(std::ptrdiff_t stride) {
  if (stride <= 0) {
    throw std::invalid_argument("parjit::jit::strided: the stride must be at least 1 element, got " +
                                std::to_string(stride));
  }
}
}  // namespace detail

/// `n` elements `stride` elements apart from `data`: element k is `data[k * stride]`.
/// A stride of 0 or less throws std::invalid_argument here, at the `jit::strided` call.
///
///     hypot(out, jit::strided(a.data(), n, 2), b);   // a[0], a[2], ... , a[2n-2]
///     scale(jit::strided(img.data() + 1, w * h, 3), jit::strided(img.data() + 1, w * h, 3), 0.5f);
///
/// Thread-safety: a pure function.
template <class T>
strided_view<T> strided(T* data, std::size_t n, std::ptrdiff_t stride) {
  static_assert(expr::element<std::remove_cv_t<T>>,
                "parjit::jit::strided: the pointer must point to an element type");
  detail::check_stride(stride);
  return {data, n, stride};
}

/// Every `stride`-th element of a contiguous range, from its first: `ceil(size / stride)`
/// elements. A stride of 0 or less throws std::invalid_argument here.
///
///     auto evens = jit::strided(v, 2);   // v[0], v[2], ...
///
/// Thread-safety: a pure function.
template <class R>
  requires std::ranges::contiguous_range<R> && std::ranges::sized_range<R> &&
           std::ranges::borrowed_range<R>  // not a temporary container: the view outlives it
auto strided(R&& r, std::ptrdiff_t stride) {
  using V = std::remove_reference_t<std::ranges::range_reference_t<R>>;
  static_assert(expr::element<std::remove_cv_t<V>>,
                "parjit::jit::strided: the range's elements must be of an element type");
  detail::check_stride(stride);
  const auto size = static_cast<std::size_t>(std::ranges::size(r));
  const auto s = static_cast<std::size_t>(stride);
  return strided_view<V>{std::ranges::data(r), (size + s - 1) / s, stride};
}

/// The outs of a kernel that returns `jit::tuple(v0, ..., vm-1)`: out k receives value k,
/// converted to its element type as by static_cast. Made by `jit::outs`. Thread-safety: a value
/// type (it refers to the caller's arrays).
template <class... Outs>
struct outs_list {
  std::tuple<Outs...> items;  // detail operands
};

namespace detail {
template <class A>
auto out_operand(A&& a) {
  auto op = make_operand(std::forward<A>(a));
  using O = decltype(op);
  constexpr bool writable = [] {
    if constexpr (is_array_operand<O>::value) {
      return !std::is_const_v<std::remove_pointer_t<decltype(O::data)>>;
    } else {
      return false;
    }
  }();
  static_assert(writable,
                "parjit::jit::outs: each out must be writable: a non-const contiguous range of "
                "an element type, or a jit::strided view of non-const elements");
  return op;
}
}  // namespace detail

/// `k(jit::outs(o0, o1, ...), in...)`: a kernel whose lambda returns `jit::tuple` of as many
/// values writes value k to out k (each a writable contiguous range or a `jit::strided` view;
/// element types may differ). All outs and array inputs must have one size (else
/// std::invalid_argument, nothing written); outs must not overlap each other; an input may be
/// one of the outs (same elements), no other overlap.
///
///     auto polar = jit::vectorize([](auto x, auto y) {
///       return jit::tuple(jit::hypot(x, y), jit::atan2(y, x)); });
///     polar(jit::outs(r, theta), x, y);
///
/// Thread-safety: a pure function.
template <class... A>
auto outs(A&&... a) {
  static_assert(sizeof...(A) >= 1, "parjit::jit::outs: pass at least one out");
  return outs_list<decltype(detail::out_operand(std::forward<A>(a)))...>{
      {detail::out_operand(std::forward<A>(a))...}};
}

}  // namespace parjit::jit
