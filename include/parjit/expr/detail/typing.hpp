// C++'s typing of each operation on element kinds: the type each operand is converted to and the
// result type. The compile-time node types and the lowering to an explicit graph both use these
// functions, so a node's `value_type` and its graph node's type cannot disagree.
#pragma once

#include "../graph.hpp"
#include "../types.hpp"

namespace parjit::expr::detail {

// The kind a unary op's operand is converted to (its result kind, except for `!`).
constexpr scalar_kind unary_operand_type(op o, scalar_kind k) noexcept {
  switch (o) {
    case op::neg: return promote(k);  // -int8 is int, as +x
    case op::logical_not: return scalar_kind::boolean;
    case op::cast: return k;
    case op::abs:
    case op::sign: return is_floating(k) ? k : promote(k);  // std::abs(int8) is int
    default: return math_type(k);  // <cmath>: integer arguments compute in double
  }
}

// Unary ops whose result is bool: `!` and the classification functions (std::isnan(int) is
// std::isnan(double(int)), a bool).
constexpr bool is_predicate(op o) noexcept {
  return o == op::logical_not || o == op::isnan || o == op::isfinite || o == op::isinf ||
         o == op::signbit;
}

constexpr scalar_kind unary_result_type(op o, scalar_kind k) noexcept {
  return is_predicate(o) ? scalar_kind::boolean : unary_operand_type(o, k);
}

constexpr bool is_comparison(op o) noexcept { return o >= op::eq && o <= op::ge; }
constexpr bool is_logical(op o) noexcept {
  return o == op::logical_and || o == op::logical_or || o == op::logical_not;
}

// The kind both operands of a binary op are converted to.
constexpr scalar_kind binary_operand_type(op o, scalar_kind a, scalar_kind b) noexcept {
  switch (o) {
    case op::logical_and:
    case op::logical_or: return scalar_kind::boolean;
    case op::pow:
    case op::atan2:
    case op::hypot:
    case op::copysign:
    case op::fmod: return math_type(a, b);  // pow(float, int) is double
    case op::min:
    case op::max: return select_type(a, b);  // std::common_type_t, as std::min needs one type
    default: return common_type(a, b);  // arithmetic and comparisons
  }
}

constexpr scalar_kind binary_result_type(op o, scalar_kind a, scalar_kind b) noexcept {
  return is_comparison(o) || is_logical(o) ? scalar_kind::boolean : binary_operand_type(o, a, b);
}

// The kind of a ternary op's value operands (select's condition is always bool).
constexpr scalar_kind ternary_operand_type(op o, scalar_kind a, scalar_kind b,
                                           scalar_kind c) noexcept {
  switch (o) {
    case op::select: return select_type(b, c);
    case op::fma: return math_type(a, b, c);
    default: return select_type(a, b, c);  // clamp
  }
}

}  // namespace parjit::expr::detail
