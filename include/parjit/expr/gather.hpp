// Gathers from tables (`lut[i]`, `img(x, y)` on a kernel argument passed as jit::table) and the
// pixel coordinates of a 2-D call (jit::x(), jit::y()): the traced node types and their lowering
// to the graph's gather / gather2 / column / row nodes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "detail/graph_builder.hpp"
#include "graph.hpp"
#include "loops.hpp"
#include "nodes.hpp"
#include "to_graph.hpp"
#include "types.hpp"

#define PARJIT_MSG_TABLE_WITHOUT_INDEX                                                           \
  "parjit: a jit::table argument is used without an index: a table is read element by "        \
  "element inside the kernel, as lut[i] (1-D tables) or t(x, y) (2-D tables), with integer "    \
  "indices; pass arrays read at the element's own index as plain arguments instead"

#define PARJIT_MSG_TABLE_INDEX_TYPE                                                              \
  "parjit: a table index must be an integer expression or number (convert with "               \
  "jit::cast<std::int64_t>(v), which saturates floats)"

#define PARJIT_MSG_TABLE_DIMS                                                                    \
  "parjit: lut[i] reads a 1-D table (jit::table(range)), t(x, y) a 2-D one "                   \
  "(jit::table(view2d)); the table argument has the other shape"

#define PARJIT_MSG_COORDINATE_OUTSIDE_2D                                                         \
  "parjit::jit: jit::x() and jit::y() are the element's column and row in a kernel run over "    \
  "2-D views (an `out` that is a jit::view2d, or jit::apply2d); a 1-D call or a reduction has "  \
  "no rows: use jit::index()"

namespace parjit::expr {

template <std::size_t I, element T, index_policy P, class Idx>
struct gather_node;
template <std::size_t I, element T, index_policy P, class X, class Y>
struct gather2_node;

/// The placeholder of a table argument (kernel argument I, elements of T, `Dims` 1 or 2,
/// `Policy` for indices outside the table): not a value, only indexed.
/// `lut[i]` (1-D) and `t(x, y)` (2-D) read one element per kernel element.
/// Thread-safety: an empty value type.
template <std::size_t I, element T, int Dims, index_policy Policy>
struct table_arg {
  using value_type = T;  // so that misuse (`lut * 2`) traces and the lowering names the mistake
  static constexpr std::size_t index = I;
  static constexpr int dims = Dims;
  static constexpr index_policy policy = Policy;

  template <class Idx>
  constexpr auto operator[](const Idx& i) const {
    static_assert(Dims == 1, PARJIT_MSG_TABLE_DIMS);
    static_assert(detail::operand<Idx> && is_integral(detail::kind_of_operand<Idx>()) &&
                      detail::kind_of_operand<Idx>() != scalar_kind::boolean,
                  PARJIT_MSG_TABLE_INDEX_TYPE);
    const auto e = detail::as_expression(i);
    return gather_node<I, T, Policy, std::remove_cvref_t<decltype(e)>>{e};
  }
  template <class X, class Y>
  constexpr auto operator()(const X& x, const Y& y) const {
    static_assert(Dims == 2, PARJIT_MSG_TABLE_DIMS);
    static_assert(detail::operand<X> && is_integral(detail::kind_of_operand<X>()) &&
                      detail::kind_of_operand<X>() != scalar_kind::boolean &&
                      detail::operand<Y> && is_integral(detail::kind_of_operand<Y>()) &&
                      detail::kind_of_operand<Y>() != scalar_kind::boolean,
                  PARJIT_MSG_TABLE_INDEX_TYPE);
    const auto ex = detail::as_expression(x);
    const auto ey = detail::as_expression(y);
    return gather2_node<I, T, Policy, std::remove_cvref_t<decltype(ex)>,
                        std::remove_cvref_t<decltype(ey)>>{ex, ey};
  }
  PARJIT_EXPR_TRACED_VALUE_TRAPS(T)
};

/// `lut[i]`: element i of 1-D table argument I. Thread-safety: a value type.
template <std::size_t I, element T, index_policy P, class Idx>
struct gather_node {
  using value_type = T;
  Idx i;
  PARJIT_EXPR_TRACED_VALUE_TRAPS(T)
};

/// `t(x, y)`: element x of row y of 2-D table argument I. Thread-safety: a value type.
template <std::size_t I, element T, index_policy P, class X, class Y>
struct gather2_node {
  using value_type = T;
  X x;
  Y y;
  PARJIT_EXPR_TRACED_VALUE_TRAPS(T)
};

/// `jit::x()` (Axis 0) and `jit::y()` (Axis 1): the element's column in its row and its row, in
/// a kernel run over 2-D views. Thread-safety: an empty value type.
template <int Axis>
struct coordinate {
  using value_type = std::int64_t;
  PARJIT_EXPR_TRACED_VALUE_TRAPS(coordinate)
};

/// The column (0 .. width * channels - 1) of the element in its row, int64, in a kernel whose
/// `out` is a jit::view2d (each channel of a pixel is an element).
/// Example: `jit::vectorize([](auto img) { return img(jit::x(), jit::y()); })`.
/// Thread-safety: a pure function.
constexpr coordinate<0> x() noexcept { return {}; }
/// The row of the element, int64, in a kernel whose `out` is a jit::view2d. See `x()`.
/// Thread-safety: a pure function.
constexpr coordinate<1> y() noexcept { return {}; }

namespace detail {
template <std::size_t I, class T, int D, index_policy P>
struct is_node<table_arg<I, T, D, P>> : std::true_type {};
template <std::size_t I, class T, index_policy P, class Idx>
struct is_node<gather_node<I, T, P, Idx>> : std::true_type {};
template <std::size_t I, class T, index_policy P, class X, class Y>
struct is_node<gather2_node<I, T, P, X, Y>> : std::true_type {};
template <int A>
struct is_node<coordinate<A>> : std::true_type {};

template <class T>
inline constexpr bool table_misuse = false;

template <std::size_t I, class T, int D, index_policy P>
std::int32_t lower(graph_builder&, const table_arg<I, T, D, P>&) {
  static_assert(table_misuse<T>, PARJIT_MSG_TABLE_WITHOUT_INDEX);
  return -1;
}

template <std::size_t I, class T, index_policy P, class Idx>
std::int32_t lower(graph_builder& b, const gather_node<I, T, P, Idx>& g) {
  node n;
  n.code = op::gather;
  n.type = kind_of<T>;
  n.operand[0] = b.convert(lower(b, g.i), scalar_kind::i64);
  n.index = static_cast<std::int32_t>(I);
  n.bits = static_cast<std::uint64_t>(P);
  return b.add(n);
}

template <std::size_t I, class T, index_policy P, class X, class Y>
std::int32_t lower(graph_builder& b, const gather2_node<I, T, P, X, Y>& g) {
  node n;
  n.code = op::gather2;
  n.type = kind_of<T>;
  n.operand[0] = b.convert(lower(b, g.x), scalar_kind::i64);
  n.operand[1] = b.convert(lower(b, g.y), scalar_kind::i64);
  n.index = static_cast<std::int32_t>(I);
  n.bits = static_cast<std::uint64_t>(P);
  return b.add(n);
}

template <int A>
std::int32_t lower(graph_builder& b, const coordinate<A>&) {
  node n;
  n.code = A == 0 ? op::column : op::row;
  n.type = scalar_kind::i64;
  return b.add(n);
}

// Whether an expression type reads jit::x() or jit::y() (anywhere, loops included).
template <class T>
struct uses_coordinates : std::false_type {};
template <int A>
struct uses_coordinates<coordinate<A>> : std::true_type {};
template <template <class...> class Tpl, class... A>
struct uses_coordinates<Tpl<A...>> : std::bool_constant<(uses_coordinates<A>::value || ...)> {};
template <std::size_t I, class T, index_policy P, class Idx>
struct uses_coordinates<gather_node<I, T, P, Idx>> : uses_coordinates<Idx> {};
template <std::size_t I, class T, index_policy P, class X, class Y>
struct uses_coordinates<gather2_node<I, T, P, X, Y>>
    : std::bool_constant<uses_coordinates<X>::value || uses_coordinates<Y>::value> {};
template <std::size_t K, class L>
struct uses_coordinates<loop_result<K, L>> : uses_coordinates<L> {};
template <class T, class E>
struct uses_coordinates<cast_node<T, E>> : uses_coordinates<E> {};
}  // namespace detail

/// True when the traced expression type E reads `jit::x()` or `jit::y()`.
template <class E>
inline constexpr bool uses_coordinates = detail::uses_coordinates<std::remove_cvref_t<E>>::value;

}  // namespace parjit::expr
