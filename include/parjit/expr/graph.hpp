// The run-time form of an expression tree: a flat, fully typed node list that every consumer
// (the LLVM lowering, the printer, the hasher, the reference evaluator) walks.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "types.hpp"

namespace parjit::expr {

/// Operation of a graph node. Operand counts: leaves 0, unary 1, binary 2, ternary 3.
enum class op : std::uint8_t {
  // leaves
  argument,  ///< kernel argument `index` (an array element or a runtime scalar)
  constant,  ///< a literal from the traced lambda, baked into the code
  // unary
  neg,          ///< -a
  logical_not,  ///< !a (operand bool)
  cast,         ///< static_cast to `type`; float -> integer saturates, NaN -> 0; -> bool is != 0
  sqrt, exp, log, log2, log10, sin, cos, tan, tanh,
  abs,  ///< integer abs wraps for the minimum value, as two's complement (int32/int64/float/double
        ///< only: to_graph emits no abs on unsigned types, where it is the identity)
  floor, ceil, round,
  log1p, expm1, exp2, cbrt, asin, acos, atan, sinh, cosh, asinh, acosh, atanh, erf, erfc,
  trunc,
  isnan, isfinite, isinf, signbit,  ///< floating operand, result bool (tested on the bits)
  sign,  ///< -1, 0 or +1 in the operand's type (int32/uint32/int64/uint64/float/double); NaN
         ///< stays NaN, -0.0 gives +0.0 (numpy.sign)
  // binary
  add, sub, mul,
  div,  ///< integer: x / 0 == 0, INT_MIN / -1 == INT_MIN (no trap)
  mod,  ///< integers only: x % 0 == 0, INT_MIN % -1 == 0
  eq, ne, lt, le, gt, ge,  ///< result bool; floating compares are ordered except ne
  logical_and, logical_or,  ///< operands bool, no short-circuit (no side effects to skip)
  pow,
  min,  ///< std::min: (b < a) ? b : a (any type; bool and unsigned compare unsigned)
  max,  ///< std::max: (a < b) ? b : a
  atan2, hypot, copysign, fmod,  ///< floating operands, as `<cmath>`
  floor_div,  ///< Python's a // b (rounds toward -inf); integer: x // 0 == 0, MIN // -1 == MIN;
              ///< floating: as numpy.floor_divide (x // 0.0 is x / 0.0)
  floor_mod,  ///< Python's a % b (sign of b); integer: x % 0 == 0; floating: numpy.remainder
              ///< (x % 0.0 is NaN)
  // ternary
  select,  ///< operand[0] bool ? operand[1] : operand[2]
  fma,     ///< a * b + c with one rounding (std::fma)
  clamp,   ///< std::clamp(x, lo, hi): x < lo ? lo : hi < x ? hi : x
  // loops (loops.hpp): appended, so the codes above stay
  index,        ///< leaf: the element's index (int64), jit::index()
  loop_var,     ///< leaf: value `index` of the loop at nesting depth `bits` (carries 0..n-1, a
                ///< fori's counter n), inside that loop's body or condition
  pack,         ///< (a, b): a list of values, pack(pack(v0, v1), v2): a loop's values (under
                ///< `loop`), or as the root, a kernel's several results (jit::tuple)
  loop_result,  ///< carry `index` of the loop node operand 0, after the loop
  loop,         ///< (initial values, next values, control): `index` = number of carries n,
                ///< `bits` = depth | kind << 32 (kind 0: fori, control = pack(lo, hi) in the
                ///< counter's type; 1: loop_while, control = the condition, bool)
  // tables and pixel coordinates (gather.hpp): appended, so the codes above stay
  gather,    ///< (i): element i (int64) of the 1-D table argument `index`; `bits` = index_policy
  gather2,   ///< (x, y): element (x, y) (int64 each) of the 2-D table argument `index`; `bits` as
             ///< gather
  column,    ///< leaf: jit::x(), the element's column in its row of a 2-D call (int64)
  row,       ///< leaf: jit::y(), the element's row in a 2-D call (int64)
};

inline constexpr int op_count = static_cast<int>(op::row) + 1;

/// What a gather (`op::gather`, `op::gather2`) does with an index outside its table.
enum class index_policy : std::uint8_t {
  checked,   ///< no read out of bounds; the JIT call throws std::out_of_range afterwards (the
             ///< reference evaluator at once)
  clamp,     ///< each coordinate is clamped to the table
  constant,  ///< the table's fill value
};

/// The op's name as the printer spells a function call (`"add"`, `"sqrt"`, `"logical_not"`).
constexpr std::string_view name_of(op o) noexcept {
  constexpr std::string_view names[op_count] = {
      "argument", "constant", "neg", "logical_not", "cast", "sqrt", "exp", "log", "log2",
      "log10", "sin", "cos", "tan", "tanh", "abs", "floor", "ceil", "round",
      "log1p", "expm1", "exp2", "cbrt", "asin", "acos", "atan", "sinh", "cosh", "asinh",
      "acosh", "atanh", "erf", "erfc", "trunc", "isnan", "isfinite", "isinf", "signbit", "sign",
      "add", "sub", "mul", "div", "mod", "eq", "ne", "lt", "le", "gt", "ge", "logical_and",
      "logical_or", "pow", "min", "max", "atan2", "hypot", "copysign", "fmod", "floor_div", "floor_mod",
      "select", "fma", "clamp", "index", "loop_var", "pack", "loop_result", "loop", "gather",
      "gather2", "column", "row"};
  const auto i = static_cast<int>(o);
  return i < op_count ? names[i] : std::string_view{"?"};
}

static_assert(name_of(op::sign) == "sign" && name_of(op::floor_mod) == "floor_mod" &&
              name_of(op::clamp) == "clamp" && name_of(op::loop) == "loop" &&
              name_of(op::row) == "row");

/// Number of operands an op takes.
constexpr int arity(op o) noexcept {
  if (o == op::argument || o == op::constant || o == op::index || o == op::loop_var ||
      o == op::column || o == op::row) {
    return 0;
  }
  if (o == op::loop_result || o == op::gather) return 1;
  if (o == op::pack || o == op::gather2) return 2;
  if (o == op::loop) return 3;
  if (o < op::add) return 1;
  if (o < op::select) return 2;
  return 3;
}

/// One node. Invariant (the graph is *explicitly* typed): operands of arithmetic, comparison,
/// min/max/clamp/fma and select's branches already have one common type (the conversions C++
/// would apply are `cast` nodes); `logical_*`, `logical_not` and select's condition take bool;
/// math functions take and return a floating type. Operands refer to earlier nodes.
/// Arithmetic and comparisons only ever see int32/uint32/int64/uint64/float/double operands
/// (C++ promotes narrower types first); `validate` (evaluate.hpp) spells out every rule.
struct node {
  op code = op::constant;
  scalar_kind type = scalar_kind::f64;  ///< type of this node's value
  std::int32_t operand[3] = {-1, -1, -1};
  /// argument, gather, gather2: which kernel argument (0-based); loop_var / loop_result: which
  /// value; loop: how many carries.
  std::int32_t index = 0;
  /// constant: the value's bytes in `type`'s representation (bool: 0 or 1), zero-padded;
  /// loop_var: the loop's depth; loop: depth | kind << 32; gather, gather2: the index_policy.
  std::uint64_t bits = 0;

  template <element T>
  static node make_constant(T value) {
    node n;
    n.code = op::constant;
    n.type = kind_of<T>;
    n.bits = to_bits(value);
    return n;
  }

  /// The constant's value read back as T (T must match `type`).
  template <element T>
  T value() const noexcept {
    return from_bits<T>(bits);
  }

  friend bool operator==(const node&, const node&) = default;
};

/// A typed expression: nodes in dependency order, `root` is the result (usually the last node).
/// The kernel's arguments are the `argument` leaves; their types live on those leaves.
struct graph {
  std::vector<node> nodes;
  std::int32_t root = -1;

  /// Appends a node and returns its index.
  std::int32_t add(const node& n) {
    nodes.push_back(n);
    return static_cast<std::int32_t>(nodes.size() - 1);
  }
  const node& result() const { return nodes.at(static_cast<std::size_t>(root)); }
  scalar_kind type() const { return result().type; }

  friend bool operator==(const graph&, const graph&) = default;
};

/// The graph's results: `{root}`, or for a kernel that returns `jit::tuple(v0, ..., vm-1)` (a
/// root pack(...pack(v0, v1)..., vm-1)) the m values in order. A result is never a pack (a
/// pack's operand 0 is the list so far, operand 1 the next value), so the list is unambiguous.
/// Example: `result_nodes(to_graph(jit::tuple(a, b))).size() == 2`. Thread-safety: pure.
inline std::vector<std::int32_t> result_nodes(const graph& g) {
  std::vector<std::int32_t> r;
  std::int32_t i = g.root;
  const auto n = static_cast<std::int32_t>(g.nodes.size());
  while (i >= 0 && i < n && g.nodes[static_cast<std::size_t>(i)].code == op::pack) {
    r.push_back(g.nodes[static_cast<std::size_t>(i)].operand[1]);
    i = g.nodes[static_cast<std::size_t>(i)].operand[0];
  }
  r.push_back(i);
  return {r.rbegin(), r.rend()};
}

}  // namespace parjit::expr
