// Lowers an expression tree (the traced lambda's result) to the explicitly typed `graph`:
// the one walk over the node types that every consumer then shares.
#pragma once

#include <cstdint>
#include <vector>

#include "detail/graph_builder.hpp"
#include "detail/typing.hpp"
#include "graph.hpp"
#include "nodes.hpp"

namespace parjit::expr {

namespace detail {

template <std::size_t I, class T>
std::int32_t lower(graph_builder& b, const arg<I, T>&) {
  node n;
  n.code = op::argument;
  n.type = kind_of<T>;
  n.index = static_cast<std::int32_t>(I);
  n.bits = 0;
  return b.add(n);
}

template <class T>
std::int32_t lower(graph_builder& b, const constant<T>& c) {
  return b.add(node::make_constant(c.value));
}

template <class T, class E>
std::int32_t lower(graph_builder& b, const cast_node<T, E>& c) {
  return b.convert(lower(b, c.operand), kind_of<T>);
}

template <class Op, class E>
std::int32_t lower(graph_builder& b, const unary<Op, E>& u) {
  constexpr scalar_kind t = unary_operand_type(Op::code, kind_of_expression<E>);
  const std::int32_t x = b.convert(lower(b, u.operand), t);
  // The graph has no abs on unsigned types (a backend would lower abs as signed): it is x.
  if constexpr (Op::code == op::abs && is_integral(t) && !is_signed(t)) {
    return x;
  } else {
    return b.add(Op::code, unary_result_type(Op::code, kind_of_expression<E>), x);
  }
}

template <class Op, class L, class R>
std::int32_t lower(graph_builder& b, const binary<Op, L, R>& e) {
  constexpr scalar_kind kl = kind_of_expression<L>;
  constexpr scalar_kind kr = kind_of_expression<R>;
  static_assert(Op::code != op::mod || (is_integral(kl) && is_integral(kr)),
                "parjit: operator % needs integer operands (a float or double operand has no %, "
                "as in C++; use an integer cast or another formula)");
  constexpr scalar_kind t = binary_operand_type(Op::code, kl, kr);
  const std::int32_t l = b.convert(lower(b, e.lhs), t);
  const std::int32_t r = b.convert(lower(b, e.rhs), t);
  return b.add(Op::code, binary_result_type(Op::code, kl, kr), l, r);
}

template <class Op, class A, class B, class C>
std::int32_t lower(graph_builder& b, const ternary<Op, A, B, C>& e) {
  constexpr scalar_kind t = ternary_operand_type(Op::code, kind_of_expression<A>,
                                                 kind_of_expression<B>, kind_of_expression<C>);
  constexpr scalar_kind first_type = Op::code == op::select ? scalar_kind::boolean : t;
  const std::int32_t x = b.convert(lower(b, e.first), first_type);
  const std::int32_t y = b.convert(lower(b, e.second), t);
  const std::int32_t z = b.convert(lower(b, e.third), t);
  return b.add(Op::code, t, x, y, z);
}

}  // namespace detail

/// The graph reduced to its canonical form: only nodes the root depends on, identical nodes
/// merged, in post-order (operands left to right), root last. `to_graph` already returns this
/// form; two graphs of the same tree have equal canonical forms.
/// Throws std::invalid_argument if an operand or the root is not a valid earlier node.
/// Example: `canonical(g) == canonical(canonical(g))`. Thread-safety: a pure function.
inline graph canonical(const graph& g) {
  detail::check_structure(g);
  detail::graph_builder b;
  std::vector<std::int32_t> done(g.nodes.size(), -1);
  const std::int32_t root = detail::copy_canonical(g, g.root, b, done);
  return std::move(b).finish(root);
}

/// The explicitly typed graph of an expression (or of a plain number: a one-constant graph).
/// Inserts the `cast` nodes C++'s implicit conversions imply (a cast of a literal is folded into
/// a constant of the target type), and merges identical nodes, so `a * a` reads argument 0 once.
/// Nodes come in post-order (operands left to right), the root last; equal trees give equal
/// graphs. Example: `to_graph(arg<0, float>{} * 2)` is {a0:float, 2:float, mul:float}.
/// Thread-safety: a pure function.
template <class E>
  requires detail::operand<E>
graph to_graph(const E& e) {
  detail::graph_builder b;
  const std::int32_t root = lower(b, detail::as_expression(e));  // unqualified: ADL finds loops.hpp's
  // Folding a literal's conversion leaves the unconverted literal behind; canonical() drops it.
  return canonical(std::move(b).finish(root));
}

}  // namespace parjit::expr
