// Expression-template nodes (placeholders, constants, operations), the operators and math
// functions that build them from a traced generic lambda, and the same functions on plain numbers.
#pragma once

#include <cmath>
#include <cstddef>
#include <type_traits>

#include "detail/diagnostics.hpp"
#include "detail/scalar.hpp"
#include "detail/typing.hpp"
#include "graph.hpp"
#include "types.hpp"

namespace parjit::expr {

/// An operation as an empty tag type: `op_tag<op::add>`; `ops::add` etc. name them.
/// Thread-safety: a constant.
template <op O>
struct op_tag {
  static constexpr op code = O;
};

/// The operation tags used in node types (`binary<ops::add, L, R>`).
namespace ops {
using neg = op_tag<op::neg>;
using logical_not = op_tag<op::logical_not>;
using sqrt = op_tag<op::sqrt>;
using exp = op_tag<op::exp>;
using log = op_tag<op::log>;
using log2 = op_tag<op::log2>;
using log10 = op_tag<op::log10>;
using sin = op_tag<op::sin>;
using cos = op_tag<op::cos>;
using tan = op_tag<op::tan>;
using tanh = op_tag<op::tanh>;
using abs = op_tag<op::abs>;
using floor = op_tag<op::floor>;
using ceil = op_tag<op::ceil>;
using round = op_tag<op::round>;
using log1p = op_tag<op::log1p>;
using expm1 = op_tag<op::expm1>;
using exp2 = op_tag<op::exp2>;
using cbrt = op_tag<op::cbrt>;
using asin = op_tag<op::asin>;
using acos = op_tag<op::acos>;
using atan = op_tag<op::atan>;
using sinh = op_tag<op::sinh>;
using cosh = op_tag<op::cosh>;
using asinh = op_tag<op::asinh>;
using acosh = op_tag<op::acosh>;
using atanh = op_tag<op::atanh>;
using erf = op_tag<op::erf>;
using erfc = op_tag<op::erfc>;
using trunc = op_tag<op::trunc>;
using isnan = op_tag<op::isnan>;
using isfinite = op_tag<op::isfinite>;
using isinf = op_tag<op::isinf>;
using signbit = op_tag<op::signbit>;
using sign = op_tag<op::sign>;
using atan2 = op_tag<op::atan2>;
using hypot = op_tag<op::hypot>;
using copysign = op_tag<op::copysign>;
using fmod = op_tag<op::fmod>;
using floor_div = op_tag<op::floor_div>;
using floor_mod = op_tag<op::floor_mod>;
using add = op_tag<op::add>;
using sub = op_tag<op::sub>;
using mul = op_tag<op::mul>;
using div = op_tag<op::div>;
using mod = op_tag<op::mod>;
using eq = op_tag<op::eq>;
using ne = op_tag<op::ne>;
using lt = op_tag<op::lt>;
using le = op_tag<op::le>;
using gt = op_tag<op::gt>;
using ge = op_tag<op::ge>;
using logical_and = op_tag<op::logical_and>;
using logical_or = op_tag<op::logical_or>;
using pow = op_tag<op::pow>;
using min = op_tag<op::min>;
using max = op_tag<op::max>;
using select = op_tag<op::select>;
using fma = op_tag<op::fma>;
using clamp = op_tag<op::clamp>;
}  // namespace ops

template <std::size_t I, element T>
struct arg;
template <element T>
struct constant;
template <class Op, class E>
struct unary;
template <class Op, class L, class R>
struct binary;
template <class Op, class A, class B, class C>
struct ternary;
template <element T, class E>
struct cast_node;

namespace detail {
template <class T>
struct is_node : std::false_type {};
template <std::size_t I, class T>
struct is_node<arg<I, T>> : std::true_type {};
template <class T>
struct is_node<constant<T>> : std::true_type {};
template <class Op, class E>
struct is_node<unary<Op, E>> : std::true_type {};
template <class Op, class L, class R>
struct is_node<binary<Op, L, R>> : std::true_type {};
template <class Op, class A, class B, class C>
struct is_node<ternary<Op, A, B, C>> : std::true_type {};
template <class T, class E>
struct is_node<cast_node<T, E>> : std::true_type {};
}  // namespace detail

/// Satisfied by every node type (placeholders, constants, operations), not by plain numbers.
/// Example: `static_assert(expression<decltype(arg<0, float>{} * 2)>);`
template <class E>
concept expression = detail::is_node<std::remove_cvref_t<E>>::value;

namespace detail {
template <class T>
concept operand = expression<T> || element<std::remove_cvref_t<T>>;

template <class T>
constexpr scalar_kind kind_of_operand() {
  using U = std::remove_cvref_t<T>;
  if constexpr (expression<U>) {
    return kind_of<typename U::value_type>;
  } else {
    return kind_of<U>;
  }
}
}  // namespace detail

/// The element type an expression type (or a plain number type) evaluates to, as C++ would type
/// the same code on plain numbers.
/// Example: `kind_of_expression<decltype(arg<0, std::int8_t>{} + arg<1, std::int8_t>{})>` is i32.
/// Thread-safety: a constant.
template <class E>
  requires detail::operand<E>
inline constexpr scalar_kind kind_of_expression = detail::kind_of_operand<E>();

/// Placeholder for kernel argument `I` of element type `T`; the JIT calls the traced lambda with
/// `arg<0, float>{}, arg<1, float>{}, ...`. Example: `auto e = arg<0, float>{} * 2.0f;`
/// Thread-safety: an empty value type.
template <std::size_t I, element T>
struct arg {
  using value_type = T;
  static constexpr std::size_t index = I;
  PARJIT_EXPR_TRACED_VALUE_TRAPS(T)
};

/// A literal of the traced lambda (`x * 0.5` holds `constant<double>{0.5}`).
/// Thread-safety: a value type.
template <element T>
struct constant {
  using value_type = T;
  T value{};
  PARJIT_EXPR_TRACED_VALUE_TRAPS(T)
};

/// `Op` applied to one operand: `-e`, `!e`, `sqrt(e)`, ... `value_type` is C++'s result type.
/// Example: `sqrt(arg<0, int>{})` is `unary<ops::sqrt, arg<0, int>>` with value_type double.
/// Thread-safety: a value type.
template <class Op, class E>
struct unary {
  using value_type = type_of<detail::unary_result_type(Op::code, kind_of_expression<E>)>;
  E operand;
  PARJIT_EXPR_TRACED_VALUE_TRAPS(Op)
};

/// `Op` applied to two operands: arithmetic, comparisons, `&&`, `||`, `pow`, `min`, `max`.
/// Example: `arg<0, float>{} * 2` is `binary<ops::mul, arg<0, float>, constant<int>>`.
/// Thread-safety: a value type.
template <class Op, class L, class R>
struct binary {
  using value_type = type_of<detail::binary_result_type(Op::code, kind_of_expression<L>,
                                                        kind_of_expression<R>)>;
  L lhs;
  R rhs;
  PARJIT_EXPR_TRACED_VALUE_TRAPS(Op)
};

/// `Op` applied to three operands: `select(c, a, b)`, `fma(a, b, c)`, `clamp(x, lo, hi)`.
/// Example: `select(x > 0, x, 0)` with float x is a ternary<ops::select, ...> of value_type float.
/// Thread-safety: a value type.
template <class Op, class A, class B, class C>
struct ternary {
  using value_type = type_of<detail::ternary_operand_type(
      Op::code, kind_of_expression<A>, kind_of_expression<B>, kind_of_expression<C>)>;
  A first;
  B second;
  C third;
  PARJIT_EXPR_TRACED_VALUE_TRAPS(Op)
};

/// `cast<T>(e)`: the operand converted to T (float -> integer saturates, NaN -> 0).
/// Example: `cast<std::uint8_t>(x)` is `cast_node<std::uint8_t, decltype(x)>`.
/// Thread-safety: a value type.
template <element T, class E>
struct cast_node {
  using value_type = T;
  E operand;
  PARJIT_EXPR_TRACED_VALUE_TRAPS(E)
};

namespace detail {
template <class T>
constexpr auto as_expression(const T& x) {
  if constexpr (expression<T>) {
    return x;
  } else {
    return constant<T>{x};
  }
}
template <class T>
using as_expression_t = decltype(as_expression(std::declval<const T&>()));

template <class... T>
concept any_expression = (expression<T> || ...);
// At least one expression among operands that are all expressions or numbers: the operators
// must not capture plain-number arithmetic.
template <class L, class R>
concept mixed = operand<L> && operand<R> && any_expression<L, R>;


template <class Op, class E>
constexpr auto make_unary(const E& e) {
  return unary<Op, E>{e};
}
template <class Op, class L, class R>
constexpr auto make_binary(const L& l, const R& r) {
  return binary<Op, as_expression_t<L>, as_expression_t<R>>{as_expression(l), as_expression(r)};
}
template <class Op, class A, class B, class C>
constexpr auto make_ternary(const A& a, const B& b, const C& c) {
  return ternary<Op, as_expression_t<A>, as_expression_t<B>, as_expression_t<C>>{
      as_expression(a), as_expression(b), as_expression(c)};
}

template <class E>
struct is_comparison_node : std::false_type {};
template <op O, class L, class R>
struct is_comparison_node<binary<op_tag<O>, L, R>>
    : std::bool_constant<O == op::eq || O == op::ne || O == op::lt || O == op::le ||
                         O == op::gt || O == op::ge> {};

// `a < b < c`: one side is a comparison and the other is not a bool (comparing two bools, as in
// `(a < b) == (c < d)`, stays allowed).
template <class L, class R>
inline constexpr bool comparison_chain =
    (is_comparison_node<L>::value && kind_of_operand<R>() != scalar_kind::boolean) ||
    (is_comparison_node<R>::value && kind_of_operand<L>() != scalar_kind::boolean);

template <op O, class L, class R>
constexpr auto make_comparison(const L& l, const R& r) {
  static_assert(!comparison_chain<L, R>, PARJIT_MSG_COMPARISON_CHAIN);
  return make_binary<op_tag<O>>(l, r);
}
}  // namespace detail

// --- operators ---------------------------------------------------------------------------------
// Each takes two expressions or an expression and a plain number (which becomes a constant of
// its own C++ type: `x * 0.5` multiplies by a double). Thread-safety: pure functions.

/// `a + b`. Example: `arg<0, float>{} + 1` has type float.
template <class L, class R>
  requires detail::mixed<L, R>
constexpr auto operator+(const L& l, const R& r) {
  return detail::make_binary<ops::add>(l, r);
}
/// `a - b`.
template <class L, class R>
  requires detail::mixed<L, R>
constexpr auto operator-(const L& l, const R& r) {
  return detail::make_binary<ops::sub>(l, r);
}
/// `a * b`. Example: `arg<0, float>{} * 0.5` has type double, as in C++.
template <class L, class R>
  requires detail::mixed<L, R>
constexpr auto operator*(const L& l, const R& r) {
  return detail::make_binary<ops::mul>(l, r);
}
/// `a / b`; integer `x / 0` is 0 and `MIN / -1` is MIN.
template <class L, class R>
  requires detail::mixed<L, R>
constexpr auto operator/(const L& l, const R& r) {
  return detail::make_binary<ops::div>(l, r);
}
/// `a % b` on integers (`x % 0` is 0); a floating operand is a compile-time error, as in C++.
template <class L, class R>
  requires detail::mixed<L, R>
constexpr auto operator%(const L& l, const R& r) {
  static_assert(is_integral(kind_of_expression<L>) && is_integral(kind_of_expression<R>),
                "parjit: operator % needs integer operands (a float or double operand has no %, "
                "as in C++; use an integer cast or another formula)");
  return detail::make_binary<ops::mod>(l, r);
}
/// `a == b` (bool).
template <class L, class R>
  requires detail::mixed<L, R>
constexpr auto operator==(const L& l, const R& r) {
  return detail::make_comparison<op::eq>(l, r);
}
/// `a != b` (bool; true when either is NaN).
template <class L, class R>
  requires detail::mixed<L, R>
constexpr auto operator!=(const L& l, const R& r) {
  return detail::make_comparison<op::ne>(l, r);
}
/// `a < b` (bool; false when either is NaN).
template <class L, class R>
  requires detail::mixed<L, R>
constexpr auto operator<(const L& l, const R& r) {
  return detail::make_comparison<op::lt>(l, r);
}
/// `a <= b`.
template <class L, class R>
  requires detail::mixed<L, R>
constexpr auto operator<=(const L& l, const R& r) {
  return detail::make_comparison<op::le>(l, r);
}
/// `a > b`.
template <class L, class R>
  requires detail::mixed<L, R>
constexpr auto operator>(const L& l, const R& r) {
  return detail::make_comparison<op::gt>(l, r);
}
/// `a >= b`.
template <class L, class R>
  requires detail::mixed<L, R>
constexpr auto operator>=(const L& l, const R& r) {
  return detail::make_comparison<op::ge>(l, r);
}
/// `a && b`: operands convert to bool (`!= 0`); both sides are always evaluated.
template <class L, class R>
  requires detail::mixed<L, R>
constexpr auto operator&&(const L& l, const R& r) {
  return detail::make_binary<ops::logical_and>(l, r);
}
/// `a || b`: operands convert to bool (`!= 0`); both sides are always evaluated.
template <class L, class R>
  requires detail::mixed<L, R>
constexpr auto operator||(const L& l, const R& r) {
  return detail::make_binary<ops::logical_or>(l, r);
}
/// `-e`; integral promotion first (`-int8` is int), integer negation wraps.
template <expression E>
constexpr auto operator-(const E& e) {
  return detail::make_unary<ops::neg>(e);
}
/// `!e` (bool).
template <expression E>
constexpr auto operator!(const E& e) {
  return detail::make_unary<ops::logical_not>(e);
}
/// `+e`: integral promotion (`+int8` is int).
template <expression E>
constexpr auto operator+(const E& e) {
  return cast_node<type_of<promote(kind_of_expression<E>)>, E>{e};
}

// Assignments to a traced value are mistakes in a kernel (see PARJIT_MSG_TRACED_ASSIGN): these
// exist only to say so, instead of "no match for operator+=".
#define PARJIT_EXPR_ASSIGNMENT_TRAP(symbol)                                            \
  template <expression E, class V>                                                     \
  constexpr auto& operator symbol(E& e, const V&) {                                    \
    static_assert(detail::traced_misuse<E, V>, PARJIT_MSG_TRACED_ASSIGN);              \
    return e;                                                                          \
  }
PARJIT_EXPR_ASSIGNMENT_TRAP(+=)
PARJIT_EXPR_ASSIGNMENT_TRAP(-=)
PARJIT_EXPR_ASSIGNMENT_TRAP(*=)
PARJIT_EXPR_ASSIGNMENT_TRAP(/=)
PARJIT_EXPR_ASSIGNMENT_TRAP(%=)
#undef PARJIT_EXPR_ASSIGNMENT_TRAP
template <expression E>
constexpr auto& operator++(E& e) {
  static_assert(detail::traced_misuse<E>, PARJIT_MSG_TRACED_ASSIGN);
  return e;
}
template <expression E>
constexpr auto& operator--(E& e) {
  static_assert(detail::traced_misuse<E>, PARJIT_MSG_TRACED_ASSIGN);
  return e;
}
template <expression E>
constexpr auto operator++(E& e, int) {
  static_assert(detail::traced_misuse<E>, PARJIT_MSG_TRACED_ASSIGN);
  return e;
}
template <expression E>
constexpr auto operator--(E& e, int) {
  static_assert(detail::traced_misuse<E>, PARJIT_MSG_TRACED_ASSIGN);
  return e;
}

// --- functions -----------------------------------------------------------------------------------
// Each works on expressions (giving a node) and on plain numbers (giving the plain C++ result
// with the same semantics, so a kernel lambda can run on numbers as an oracle).
// Thread-safety: pure functions.

#define PARJIT_EXPR_CMATH_FUNCTION(name)                       \
  template <class A>                                          \
    requires detail::operand<A>                               \
  auto name(const A& a) {                                     \
    if constexpr (expression<A>) {                            \
      return detail::make_unary<ops::name>(a);                \
    } else {                                                  \
      return std::name(a);                                    \
    }                                                         \
  }

/// `sqrt(e)` as `std::sqrt`: float stays float, integers compute in double.
/// Example: `sqrt(arg<0, float>{} * arg<0, float>{})`; `sqrt(2.0f) == std::sqrt(2.0f)`.
PARJIT_EXPR_CMATH_FUNCTION(sqrt)
/// `exp(e)` as `std::exp`.
PARJIT_EXPR_CMATH_FUNCTION(exp)
/// `log(e)` as `std::log`.
PARJIT_EXPR_CMATH_FUNCTION(log)
/// `log2(e)` as `std::log2`.
PARJIT_EXPR_CMATH_FUNCTION(log2)
/// `log10(e)` as `std::log10`.
PARJIT_EXPR_CMATH_FUNCTION(log10)
/// `sin(e)` as `std::sin`.
PARJIT_EXPR_CMATH_FUNCTION(sin)
/// `cos(e)` as `std::cos`.
PARJIT_EXPR_CMATH_FUNCTION(cos)
/// `tan(e)` as `std::tan`.
PARJIT_EXPR_CMATH_FUNCTION(tan)
/// `tanh(e)` as `std::tanh`.
PARJIT_EXPR_CMATH_FUNCTION(tanh)
/// `floor(e)` as `std::floor` (of an integer: double).
PARJIT_EXPR_CMATH_FUNCTION(floor)
/// `ceil(e)` as `std::ceil` (of an integer: double).
PARJIT_EXPR_CMATH_FUNCTION(ceil)
/// `round(e)` as `std::round`: halfway cases away from zero (of an integer: double).
PARJIT_EXPR_CMATH_FUNCTION(round)

/// `log1p(e)` as `std::log1p`: log(1 + e), accurate near 0.
PARJIT_EXPR_CMATH_FUNCTION(log1p)
/// `expm1(e)` as `std::expm1`: exp(e) - 1, accurate near 0.
PARJIT_EXPR_CMATH_FUNCTION(expm1)
/// `exp2(e)` as `std::exp2`.
PARJIT_EXPR_CMATH_FUNCTION(exp2)
/// `cbrt(e)` as `std::cbrt` (cube root; negative operands allowed).
PARJIT_EXPR_CMATH_FUNCTION(cbrt)
/// `asin(e)` as `std::asin`.
PARJIT_EXPR_CMATH_FUNCTION(asin)
/// `acos(e)` as `std::acos`.
PARJIT_EXPR_CMATH_FUNCTION(acos)
/// `atan(e)` as `std::atan`.
PARJIT_EXPR_CMATH_FUNCTION(atan)
/// `sinh(e)` as `std::sinh`.
PARJIT_EXPR_CMATH_FUNCTION(sinh)
/// `cosh(e)` as `std::cosh`.
PARJIT_EXPR_CMATH_FUNCTION(cosh)
/// `asinh(e)` as `std::asinh`.
PARJIT_EXPR_CMATH_FUNCTION(asinh)
/// `acosh(e)` as `std::acosh`.
PARJIT_EXPR_CMATH_FUNCTION(acosh)
/// `atanh(e)` as `std::atanh`.
PARJIT_EXPR_CMATH_FUNCTION(atanh)
/// `erf(e)` as `std::erf`.
PARJIT_EXPR_CMATH_FUNCTION(erf)
/// `erfc(e)` as `std::erfc`.
PARJIT_EXPR_CMATH_FUNCTION(erfc)
/// `trunc(e)` as `std::trunc`: rounds toward zero (of an integer: double).
PARJIT_EXPR_CMATH_FUNCTION(trunc)
/// `isnan(e)` as `std::isnan`: bool (of an integer: false). Exact under every option: it tests
/// the operand's bits, so `fastmath` does not fold it away.
PARJIT_EXPR_CMATH_FUNCTION(isnan)
/// `isfinite(e)` as `std::isfinite`: bool (of an integer: true). Tests the bits, as `isnan`.
PARJIT_EXPR_CMATH_FUNCTION(isfinite)
/// `isinf(e)` as `std::isinf`: bool (of an integer: false). Tests the bits, as `isnan`.
PARJIT_EXPR_CMATH_FUNCTION(isinf)
/// `signbit(e)` as `std::signbit`: bool, true for -0.0 and negative NaNs (of an integer: e < 0).
PARJIT_EXPR_CMATH_FUNCTION(signbit)

#undef PARJIT_EXPR_CMATH_FUNCTION

#define PARJIT_EXPR_CMATH_FUNCTION2(name)                     \
  template <class A, class B>                                 \
    requires detail::operand<A> && detail::operand<B>         \
  auto name(const A& a, const B& b) {                         \
    if constexpr (detail::any_expression<A, B>) {             \
      return detail::make_binary<ops::name>(a, b);            \
    } else {                                                  \
      return std::name(a, b);                                 \
    }                                                         \
  }

/// `atan2(y, x)` as `std::atan2`: float only when both are float (else double).
/// Example: `atan2(b, a)`; `atan2(0.0, -0.0) == pi`.
PARJIT_EXPR_CMATH_FUNCTION2(atan2)
/// `hypot(a, b)` as `std::hypot`: sqrt(a*a + b*b) without overflow or underflow.
PARJIT_EXPR_CMATH_FUNCTION2(hypot)
/// `copysign(a, b)` as `std::copysign`: |a| with the sign bit of b.
PARJIT_EXPR_CMATH_FUNCTION2(copysign)
/// `fmod(a, b)` as `std::fmod`: the C remainder (sign of a); `fmod(x, 0)` is NaN.
PARJIT_EXPR_CMATH_FUNCTION2(fmod)

#undef PARJIT_EXPR_CMATH_FUNCTION2

/// `sign(e)` as `numpy.sign`: -1, 0 or +1 in the operand's type (integers promote, as for abs);
/// NaN stays NaN, -0.0 gives +0.0, unsigned gives 0 or 1. Example: `sign(-2.5f) == -1.0f`.
template <class A>
  requires detail::operand<A>
auto sign(const A& a) {
  if constexpr (expression<A>) {
    return detail::make_unary<ops::sign>(a);
  } else {
    using promoted = std::conditional_t<std::is_floating_point_v<A>, A, decltype(+a)>;
    return detail::sign(static_cast<promoted>(a));
  }
}

/// `floor_div(a, b)`: Python's `a // b` (numba's `//`), in C++'s common type of a and b: the
/// quotient rounded toward minus infinity (`floor_div(-7, 2) == -4`, where `-7 / 2 == -3`).
/// Integers never trap: `x // 0 == 0`, `MIN // -1 == MIN` (as numpy). Floating: as
/// numpy.floor_divide (`floor_div(-7.5, 2.0) == -4.0`; `x // 0.0` is `x / 0.0`).
template <class A, class B>
  requires detail::operand<A> && detail::operand<B>
auto floor_div(const A& a, const B& b) {
  if constexpr (detail::any_expression<A, B>) {
    return detail::make_binary<ops::floor_div>(a, b);
  } else {
    using common = decltype(a + b);
    return detail::floor_divide(static_cast<common>(a), static_cast<common>(b));
  }
}

/// `floor_mod(a, b)`: Python's `a % b` (numba's `%`), in C++'s common type: the remainder has
/// b's sign (`floor_mod(-7, 2) == 1`, where `-7 % 2 == -1`); `a == floor_div(a, b) * b +
/// floor_mod(a, b)`. Integers: `x % 0 == 0`. Floating: as numpy.remainder (`x % 0.0` is NaN).
template <class A, class B>
  requires detail::operand<A> && detail::operand<B>
auto floor_mod(const A& a, const B& b) {
  if constexpr (detail::any_expression<A, B>) {
    return detail::make_binary<ops::floor_mod>(a, b);
  } else {
    using common = decltype(a + b);
    return detail::floor_modulo(static_cast<common>(a), static_cast<common>(b));
  }
}

/// `true_div(a, b)`: Python's `a / b`: two integer operands divide as double
/// (`true_div(7, 2) == 3.5`); with a floating operand it is C++'s `a / b` (`float / int` stays
/// float). Example: `true_div(count, total)` for integer arrays gives a double ratio.
template <class A, class B>
  requires detail::operand<A> && detail::operand<B>
auto true_div(const A& a, const B& b) {
  constexpr bool integers = is_integral(detail::kind_of_operand<A>()) &&
                            is_integral(detail::kind_of_operand<B>());
  if constexpr (detail::any_expression<A, B>) {
    if constexpr (integers) {
      return detail::make_binary<ops::div>(cast_node<double, detail::as_expression_t<A>>{
                                               detail::as_expression(a)},
                                           cast_node<double, detail::as_expression_t<B>>{
                                               detail::as_expression(b)});
    } else {
      return detail::make_binary<ops::div>(a, b);
    }
  } else if constexpr (integers) {
    return static_cast<double>(a) / static_cast<double>(b);
  } else {
    return a / b;
  }
}

/// `abs(e)`: floating as `std::abs`; an integer stays an integer after promotion, and the
/// minimum value wraps (`abs(INT_MIN) == INT_MIN`); unsigned is unchanged.
/// Example: `abs(std::int8_t{-5})` is `int{5}`.
template <class A>
  requires detail::operand<A>
auto abs(const A& a) {
  if constexpr (expression<A>) {
    return detail::make_unary<ops::abs>(a);
  } else if constexpr (std::is_floating_point_v<A>) {
    return std::abs(a);
  } else {
    using promoted = decltype(+a);
    return detail::absolute(static_cast<promoted>(a));
  }
}

/// `pow(a, b)` as `std::pow`: float only when both are float (`pow(float, int)` is double).
template <class A, class B>
  requires detail::operand<A> && detail::operand<B>
auto pow(const A& a, const B& b) {
  if constexpr (detail::any_expression<A, B>) {
    return detail::make_binary<ops::pow>(a, b);
  } else {
    return std::pow(a, b);
  }
}

/// `fma(a, b, c)`: a * b + c rounded once, as `std::fma` (of integers: double).
template <class A, class B, class C>
  requires detail::operand<A> && detail::operand<B> && detail::operand<C>
auto fma(const A& a, const B& b, const C& c) {
  if constexpr (detail::any_expression<A, B, C>) {
    return detail::make_ternary<ops::fma>(a, b, c);
  } else {
    return std::fma(a, b, c);
  }
}

/// The type of `clamp`: `clamp(x, lo, hi)` in `std::common_type_t<X, L, H>` is
/// `x < lo ? lo : (hi < x ? hi : x)`; also the index policy `jit::table(t, jit::clamp)`.
/// Thread-safety: stateless.
struct clamp_fn {
  template <class X, class L, class H>
    requires detail::operand<X> && detail::operand<L> && detail::operand<H>
  constexpr auto operator()(const X& x, const L& lo, const H& hi) const {
    if constexpr (detail::any_expression<X, L, H>) {
      return detail::make_ternary<ops::clamp>(x, lo, hi);
    } else {
      using common = std::common_type_t<X, L, H>;
      return detail::clamp(static_cast<common>(x), static_cast<common>(lo),
                           static_cast<common>(hi));
    }
  }
};

/// `clamp(x, lo, hi)` on expressions or numbers.
/// Example: `clamp(arg<0, float>{}, 0.0f, 1.0f)`; `clamp(5, 0, 3) == 3`.
inline constexpr clamp_fn clamp{};

/// `select(c, a, b)`: `c ? a : b` with both branches evaluated; the condition converts to bool
/// (`!= 0`), the result has the type of C++'s `c ? a : b`.
/// Example: `select(x > 0, x, 0.0f)`; `select(true, 1, 2.5) == 1.0`.
template <class C, class A, class B>
  requires detail::operand<C> && detail::operand<A> && detail::operand<B>
auto select(const C& c, const A& a, const B& b) {
  if constexpr (detail::any_expression<C, A, B>) {
    return detail::make_ternary<ops::select>(c, a, b);
  } else {
    using common = std::common_type_t<A, B>;
    return detail::convert<bool>(c) ? static_cast<common>(a) : static_cast<common>(b);
  }
}

/// `cast<T>(e)`: as `static_cast<T>`, except that float -> integer saturates (NaN -> 0) and
/// -> bool is `!= 0`. Example: `cast<std::uint8_t>(x * 255.0f)`; `cast<int>(1e30) == INT_MAX`.
template <element T, class A>
  requires detail::operand<A>
constexpr auto cast(const A& a) {
  if constexpr (expression<A>) {
    return cast_node<T, A>{a};
  } else {
    return detail::convert<T>(a);
  }
}

/// The type of `min`: `min(a, b)` is `(b < a) ? b : a` in `std::common_type_t<A, B>` (std::min,
/// so `min(x, NaN)` is x and `min(NaN, x)` is NaN); also the `min` reduction tag of the JIT.
/// Thread-safety: stateless.
struct min_fn {
  static constexpr op code = op::min;
  template <class A, class B>
    requires detail::operand<A> && detail::operand<B>
  constexpr auto operator()(const A& a, const B& b) const {
    if constexpr (detail::any_expression<A, B>) {
      return detail::make_binary<ops::min>(a, b);
    } else {
      using common = std::common_type_t<A, B>;
      return detail::minimum(static_cast<common>(a), static_cast<common>(b));
    }
  }
};

/// The type of `max`: `max(a, b)` is `(a < b) ? b : a` in `std::common_type_t<A, B>` (std::max);
/// also the `max` reduction tag of the JIT. Thread-safety: stateless.
struct max_fn {
  static constexpr op code = op::max;
  template <class A, class B>
    requires detail::operand<A> && detail::operand<B>
  constexpr auto operator()(const A& a, const B& b) const {
    if constexpr (detail::any_expression<A, B>) {
      return detail::make_binary<ops::max>(a, b);
    } else {
      using common = std::common_type_t<A, B>;
      return detail::maximum(static_cast<common>(a), static_cast<common>(b));
    }
  }
};

/// `min(a, b)` on expressions or numbers. Example: `expr::min(x, 1.0f)`.
inline constexpr min_fn min{};
/// `max(a, b)` on expressions or numbers. Example: `expr::max(x, 0.0f)`.
inline constexpr max_fn max{};

}  // namespace parjit::expr
