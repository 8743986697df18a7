// Loops with carried values (jit::fori, jit::loop_while), jit::tuple and the element's index
// (jit::index()): the traced node types and their lowering to the graph's loop nodes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <tuple>
#include <type_traits>
#include <utility>

#include "detail/graph_builder.hpp"
#include "graph.hpp"
#include "nodes.hpp"
#include "to_graph.hpp"
#include "types.hpp"

#define PARJIT_MSG_LOOP_BODY_COUNT                                                               \
  "parjit: the loop body returns a different number of values than the loop carries. "          \
  "jit::fori(lo, hi, init, body) and jit::loop_while(init, cond, body) call body with the "       \
  "carried values (after fori's counter) and expect one value back per carried value: a single " \
  "value for a single carry, jit::tuple(v0, v1, ...) for a jit::tuple of initial values"

#define PARJIT_MSG_LOOP_BODY_ARITY                                                               \
  "parjit: the loop body (or condition) cannot be called with the loop's values: fori's body "   \
  "takes (i, carried...), loop_while's condition and body take (carried...), one `auto` "        \
  "parameter each (a jit::tuple carry passes its elements as separate parameters)"

namespace parjit::expr {

/// Several values as one: the carry of a loop (`jit::tuple(zr, zi, n)`), a loop body's result,
/// a loop's result, which structured bindings unpack (`auto [zr, zi, n] = jit::fori(...)`), and
/// a kernel's several results (`jit::outs`, tuple reductions).
/// Elements are expressions or plain numbers. Thread-safety: a value type.
template <class... T>
struct tuple {
  std::tuple<T...> items;

  constexpr tuple(const T&... v) : items(v...) {}  // NOLINT: jit::tuple(a, b) is the syntax

  /// Element I (structured bindings use it).
  template <std::size_t I>
  constexpr const auto& get() const& noexcept {
    return std::get<I>(items);
  }
  template <std::size_t I>
  constexpr auto& get() & noexcept {
    return std::get<I>(items);
  }
  template <std::size_t I>
  constexpr auto&& get() && noexcept {
    return std::get<I>(std::move(items));
  }
};
template <class... T>
tuple(T...) -> tuple<T...>;

/// The element's index in the call (0 .. n-1, int64): `jit::index()` inside a kernel.
/// Example: `jit::vectorize([](auto x) { return x * jit::cast<float>(jit::index()); })`.
/// Thread-safety: an empty value type.
template <class Tag = void>
struct element_index {
  using value_type = std::int64_t;
  PARJIT_EXPR_TRACED_VALUE_TRAPS(Tag)
};

/// A loop's value inside its body or condition (a carried value, or fori's counter): value
/// `slot` of the loop at nesting depth `depth`. Made by jit::fori / jit::loop_while.
/// Thread-safety: a value type.
template <element T>
struct loop_var {
  using value_type = T;
  std::int32_t depth = 0;
  std::int32_t slot = 0;
  PARJIT_EXPR_TRACED_VALUE_TRAPS(T)
};

/// A traced loop: initial values, the body's next values (as traced), and the control: fori's
/// bounds (`fori_bounds`) or loop_while's condition. Not an expression itself: `loop_result`s
/// read its final values. Thread-safety: a value type.
template <class Inits, class Next, class Control>
struct loop_node {
  Inits inits;  // std::tuple of expressions: the carries' types
  Next next;    // std::tuple of expressions or numbers (converted to the carries' types)
  Control control;
  std::int32_t depth = 0;
};

/// fori's bounds in the counter's type C. Thread-safety: a value type.
template <element C, class Lo, class Hi>
struct fori_bounds {
  using counter_type = C;
  Lo lo;
  Hi hi;
};

/// Carry K of a loop after the loop (a loop's result). Thread-safety: a value type.
template <std::size_t K, class Loop>
struct loop_result {
  using value_type =
      typename std::remove_cvref_t<std::tuple_element_t<K, decltype(Loop::inits)>>::value_type;
  Loop loop;
  PARJIT_EXPR_TRACED_VALUE_TRAPS(Loop)
};

namespace detail {
template <class T>
struct is_node<element_index<T>> : std::true_type {};
template <class T>
struct is_node<loop_var<T>> : std::true_type {};
template <std::size_t K, class L>
struct is_node<loop_result<K, L>> : std::true_type {};

template <class T>
struct is_tuple : std::false_type {};
template <class... T>
struct is_tuple<tuple<T...>> : std::true_type {};

// The nesting depth of the loop whose body is being traced (the lambda runs on one thread).
inline thread_local std::int32_t loop_depth = 0;
struct loop_depth_guard {
  loop_depth_guard() noexcept { ++loop_depth; }
  ~loop_depth_guard() { --loop_depth; }
  loop_depth_guard(const loop_depth_guard&) = delete;
  loop_depth_guard& operator=(const loop_depth_guard&) = delete;
};

// A carry (one value or a jit::tuple) as a std::tuple of expressions.
template <class V>
constexpr auto carry_items(const V& v) {
  if constexpr (is_tuple<V>::value) {
    return std::apply([](const auto&... x) { return std::make_tuple(as_expression(x)...); },
                      v.items);
  } else {
    static_assert(operand<V>, "parjit: a loop's initial value must be an expression, a number or "
                              "a jit::tuple of them");
    return std::make_tuple(as_expression(v));
  }
}

// The body's result as a std::tuple (numbers stay numbers: lowered as constants).
template <class V>
constexpr auto result_items(const V& v) {
  if constexpr (is_tuple<V>::value) {
    return v.items;
  } else {
    return std::make_tuple(v);
  }
}

template <class Items, std::size_t... Is>
constexpr auto loop_vars(std::int32_t depth, std::index_sequence<Is...>) {
  return std::make_tuple(
      loop_var<typename std::tuple_element_t<Is, Items>::value_type>{depth, std::int32_t(Is)}...);
}

template <class Inits, class Next>
constexpr void check_body_count() {
  static_assert(std::tuple_size_v<Inits> == std::tuple_size_v<Next>, PARJIT_MSG_LOOP_BODY_COUNT);
  [&]<std::size_t... Is>(std::index_sequence<Is...>) {
    static_assert((operand<std::tuple_element_t<Is, Next>> && ...),
                  "parjit: a loop body must return expressions or numbers (or a jit::tuple of "
                  "them)");
  }(std::make_index_sequence<std::tuple_size_v<Next>>{});
}

// The loop's results: one loop_result for a single carry, else a jit::tuple of them.
template <bool Single, class L, std::size_t... Is>
constexpr auto loop_results(const L& l, std::index_sequence<Is...>) {
  if constexpr (Single) {
    return loop_result<0, L>{l};
  } else {
    return tuple<loop_result<Is, L>...>(loop_result<Is, L>{l}...);
  }
}

template <class F, class... A>
constexpr auto call_loop_lambda(const F& f, const std::tuple<A...>& a) {
  static_assert(std::is_invocable_v<const F&, const A&...>, PARJIT_MSG_LOOP_BODY_ARITY);
  if constexpr (std::is_invocable_v<const F&, const A&...>) {
    return std::apply(f, a);
  } else {
    return 0;
  }
}
}  // namespace detail

/// The element's index (int64, 0 for the first element of the call) inside a kernel.
/// Example: `auto ramp = jit::vectorize([](auto x) { return x * jit::cast<float>(jit::index()); });`
/// Thread-safety: a pure function.
constexpr element_index<> index() noexcept { return {}; }

/// `fori(lo, hi, init, body)`: `c = init; for (i = lo; i < hi; ++i) c = body(i, c...); return c;`
/// per element, as JAX's fori_loop. `init` is one value or a `jit::tuple` (then `body` takes
/// `(i, c0, c1, ...)`, returns `jit::tuple(...)` of as many values, and the result unpacks with
/// structured bindings). Each carried value keeps its initial value's type; the body's values
/// are converted to it, as an assignment in C++ would. The bounds are integers: literals,
/// runtime scalars or per-element expressions (the counter has their common type).
/// Example: `jit::fori(0, 28, x, [&](auto, auto x) { return r * x * (1.0f - x); })`.
/// Thread-safety: traces on the calling thread.
template <class Lo, class Hi, class Init, class Body>
  requires detail::operand<Lo> && detail::operand<Hi>
auto fori(const Lo& lo, const Hi& hi, const Init& init, const Body& body) {
  constexpr scalar_kind counter = detail::binary_operand_type(
      op::lt, detail::kind_of_operand<Lo>(), detail::kind_of_operand<Hi>());
  static_assert(is_integral(counter) && counter != scalar_kind::boolean,
                "parjit: jit::fori's bounds must be integers (the counter has their common type)");
  using C = type_of<counter>;
  const auto inits = detail::carry_items(init);
  using Inits = std::remove_cvref_t<decltype(inits)>;
  constexpr std::size_t n = std::tuple_size_v<Inits>;
  const std::int32_t depth = detail::loop_depth;
  auto next = [&] {
    detail::loop_depth_guard guard;
    const auto vars = std::tuple_cat(std::make_tuple(loop_var<C>{depth, std::int32_t(n)}),
                                     detail::loop_vars<Inits>(depth, std::make_index_sequence<n>{}));
    return detail::result_items(detail::call_loop_lambda(body, vars));
  }();
  using Next = decltype(next);
  detail::check_body_count<Inits, Next>();
  const auto l_expr = detail::as_expression(lo);
  const auto h_expr = detail::as_expression(hi);
  using Bounds = fori_bounds<C, decltype(l_expr), decltype(h_expr)>;
  const loop_node<Inits, Next, Bounds> l{inits, next, Bounds{l_expr, h_expr}, depth};
  return detail::loop_results<!detail::is_tuple<Init>::value>(l, std::make_index_sequence<n>{});
}

/// `loop_while(init, cond, body)`: `c = init; while (cond(c...)) c = body(c...); return c;` per
/// element, as JAX's while_loop (no iteration cap: a condition that stays true never returns, as
/// in C++). Carries as in `fori`; `cond` returns a value converted to bool.
/// Example (Mandelbrot): see docs/jit.md; `auto [zr, zi, n] = jit::loop_while(jit::tuple(...),
/// cond, body);`. Thread-safety: traces on the calling thread.
template <class Init, class Cond, class Body>
auto loop_while(const Init& init, const Cond& cond, const Body& body) {
  const auto inits = detail::carry_items(init);
  using Inits = std::remove_cvref_t<decltype(inits)>;
  constexpr std::size_t n = std::tuple_size_v<Inits>;
  const std::int32_t depth = detail::loop_depth;
  detail::loop_depth_guard guard;
  const auto vars = detail::loop_vars<Inits>(depth, std::make_index_sequence<n>{});
  const auto c = detail::as_expression(detail::call_loop_lambda(cond, vars));
  static_assert(detail::operand<decltype(c)>,
                "parjit: jit::loop_while's condition must return an expression or a bool");
  auto next = detail::result_items(detail::call_loop_lambda(body, vars));
  using Next = decltype(next);
  detail::check_body_count<Inits, Next>();
  const loop_node<Inits, Next, decltype(c)> l{inits, next, c, depth};
  return detail::loop_results<!detail::is_tuple<Init>::value>(l, std::make_index_sequence<n>{});
}

namespace detail {

template <class T>
std::int32_t lower(graph_builder& b, const element_index<T>&) {
  node n;
  n.code = op::index;
  n.type = scalar_kind::i64;
  return b.add(n);
}

template <class T>
std::int32_t lower(graph_builder& b, const loop_var<T>& v) {
  node n;
  n.code = op::loop_var;
  n.type = kind_of<T>;
  n.index = v.slot;
  n.bits = static_cast<std::uint64_t>(v.depth);
  return b.add(n);
}

// A pack of the values, each converted to types[k] (or kept as is where none is given).
template <class Items, std::size_t... Is>
std::int32_t lower_pack(graph_builder& b, const Items& items, const scalar_kind* types,
                        std::index_sequence<Is...>) {
  std::int32_t list = -1;
  (
      [&] {
        std::int32_t x = lower(b, as_expression(std::get<Is>(items)));
        if (types != nullptr) x = b.convert(x, types[Is]);
        list = list < 0 ? x : b.add(op::pack, scalar_kind::boolean, list, x);
      }(),
      ...);
  return list;
}

template <class Inits, class Next, class Control>
std::int32_t lower_loop(graph_builder& b, const loop_node<Inits, Next, Control>& l) {
  constexpr std::size_t n = std::tuple_size_v<Inits>;
  constexpr std::array<scalar_kind, n> types = []<std::size_t... Is>(std::index_sequence<Is...>) {
    return std::array<scalar_kind, n>{
        kind_of<typename std::tuple_element_t<Is, Inits>::value_type>...};
  }(std::make_index_sequence<n>{});
  const std::int32_t inits = lower_pack(b, l.inits, types.data(), std::make_index_sequence<n>{});
  const std::int32_t next = lower_pack(b, l.next, types.data(), std::make_index_sequence<n>{});
  std::int32_t control = -1;
  std::uint64_t kind = 0;
  if constexpr (requires { typename Control::counter_type; }) {
    constexpr scalar_kind c = kind_of<typename Control::counter_type>;
    const std::int32_t lo = b.convert(lower(b, l.control.lo), c);
    const std::int32_t hi = b.convert(lower(b, l.control.hi), c);
    control = b.add(op::pack, scalar_kind::boolean, lo, hi);
  } else {
    control = b.convert(lower(b, l.control), scalar_kind::boolean);
    kind = 1;
  }
  node x;
  x.code = op::loop;
  x.type = scalar_kind::boolean;
  x.operand[0] = inits;
  x.operand[1] = next;
  x.operand[2] = control;
  x.index = static_cast<std::int32_t>(n);
  x.bits = static_cast<std::uint64_t>(l.depth) | (kind << 32);
  return b.add(x);
}

template <std::size_t K, class L>
std::int32_t lower(graph_builder& b, const loop_result<K, L>& r) {
  node x;
  x.code = op::loop_result;
  x.type = kind_of<typename loop_result<K, L>::value_type>;
  x.operand[0] = lower_loop(b, r.loop);
  x.index = static_cast<std::int32_t>(K);
  return b.add(x);
}

}  // namespace detail

/// The graph of a kernel that returns several values (`jit::tuple(r, theta)`): each component
/// lowered as `to_graph` would, the root a pack(...pack(v0, v1)..., vm-1) of them (see
/// `result_nodes`); a one-element tuple is its element's graph. Components may share nodes.
/// Example: `result_nodes(to_graph(tuple(a, a * 2))).size() == 2`. Thread-safety: pure.
template <class... T>
  requires(sizeof...(T) >= 1 && (detail::operand<T> && ...))
graph to_graph(const tuple<T...>& t) {
  detail::graph_builder b;
  const std::int32_t root = detail::lower_pack(b, t.items, nullptr, std::index_sequence_for<T...>{});
  return canonical(std::move(b).finish(root));
}

}  // namespace parjit::expr

/// \cond
// Structured bindings of jit::tuple (hidden from the API reference: Doxygen cannot place these).
namespace std {
template <class... T>
struct tuple_size<parjit::expr::tuple<T...>> : integral_constant<size_t, sizeof...(T)> {};
template <size_t I, class... T>
struct tuple_element<I, parjit::expr::tuple<T...>> {
  using type = tuple_element_t<I, tuple<T...>>;
};
}  // namespace std
/// \endcond
