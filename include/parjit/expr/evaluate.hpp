// The reference evaluator (the oracle the JIT backend is tested against) and the graph validator
// the backend runs before lowering.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "detail/loop_plan.hpp"
#include "detail/scalar.hpp"
#include "graph.hpp"
#include "print.hpp"
#include "types.hpp"

namespace parjit::expr {

/// One element's value of any element type: the type and the value's bytes (as in `node::bits`:
/// the type's representation, zero-padded; bool is 0 or 1).
/// Example: `value v = value::of(2.5f); float f = v.as<float>();`
/// Thread-safety: a plain value type.
struct value {
  scalar_kind type = scalar_kind::f64;
  std::uint64_t bits = 0;

  template <element T>
  static value of(T v) noexcept {
    value r;
    r.type = kind_of<T>;
    r.bits = to_bits(v);
    return r;
  }

  /// The value as T; throws std::invalid_argument if T is not of kind `type`.
  template <element T>
  T as() const {
    if (kind_of<T> != type) {
      throw std::invalid_argument("parjit::expr::value: holds " + std::string(name_of(type)) +
                                  ", read as " + std::string(name_of(kind_of<T>)));
    }
    return from_bits<T>(bits);
  }

  /// Bitwise equality (so NaN == NaN when the payloads match, and 0.0 != -0.0).
  friend bool operator==(const value&, const value&) = default;
};

/// True if a and b have the same type and the same value, counting any two NaNs of that type as
/// the same (their payloads are not part of the semantics) and +0 and -0 as different.
/// Example: `same_value(value::of(NAN), value::of(-NAN))` is true. Thread-safety: pure.
inline bool same_value(const value& a, const value& b) noexcept {
  if (a.type != b.type) return false;
  if (a.bits == b.bits) return true;
  if (a.type == scalar_kind::f32) return std::isnan(a.as<float>()) && std::isnan(b.as<float>());
  if (a.type == scalar_kind::f64) return std::isnan(a.as<double>()) && std::isnan(b.as<double>());
  return false;
}

/// The value as the printer spells a constant: `2.5:float`, `-1:int32`, `true:bool`.
/// Thread-safety: a pure function.
inline std::string to_string(const value& v) {
  node n;
  n.code = op::constant;
  n.type = v.type;
  n.bits = v.bits;
  std::string s;
  detail::append_constant(s, n);
  return s;
}

namespace detail {

[[noreturn]] inline void invalid_node(const graph& g, std::size_t i, const std::string& why) {
  const node& n = g.nodes[i];
  throw std::invalid_argument("parjit::expr::validate: node " + std::to_string(i) + " (" +
                              std::string(name_of(n.code)) + ":" +
                              std::string(name_of(n.type)) + "): " + why);
}

// Types the graph allows arithmetic and comparisons in: C++ promotes everything narrower than
// int first, so a backend never sees i1/i8/i16 arithmetic (and never an i1 signed compare).
constexpr bool is_arithmetic_type(scalar_kind k) noexcept { return promote(k) == k; }

}  // namespace detail

/// Checks the invariants documented on `node` and `graph` and throws std::invalid_argument naming
/// the first offending node (index, op, type, reason). A valid graph: root and operands refer to
/// earlier nodes; unused operand slots are -1; only arguments have an index (>= 0, one type per
/// index), only constants have bits (a bool is 0 or 1, padding zero); arithmetic (`neg add sub mul
/// div floor_div floor_mod sign`) and comparisons take int32/uint32/int64/uint64/float/double
/// operands of one type, `mod` integers of those, `abs` int32/int64/float/double; math
/// functions, `pow` and `fma` floating; `isnan isfinite isinf signbit` a floating operand, bool;
/// `!`, `&&`, `||` and select's condition bool; `min`, `max`, `clamp`, select's branches any
/// one type; comparisons and logical ops give bool, every other op its operands' type; `cast`
/// goes from any type to any type.
/// Example: `validate(to_graph(e))` never throws. Thread-safety: a pure function.
inline void validate(const graph& g) {
  detail::check_structure(g);
  std::vector<int> arg_type;  // per argument index: scalar_kind + 1, or 0 while unseen
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    const node& n = g.nodes[i];
    const int ar = arity(n.code);
    for (int k = ar; k < 3; ++k) {
      if (n.operand[k] != -1) {
        detail::invalid_node(g, i, "unused operand slot " + std::to_string(k) + " is " +
                                       std::to_string(n.operand[k]) + ", not -1");
      }
    }
    if (static_cast<int>(n.type) >= scalar_kind_count) {
      detail::invalid_node(g, i, "unknown type code " + std::to_string(static_cast<int>(n.type)));
    }
    const bool gather = n.code == op::gather || n.code == op::gather2;
    const bool counted = n.code == op::loop_var || n.code == op::loop_result || n.code == op::loop;
    if (n.code != op::argument && !gather && !counted && n.index != 0) {
      detail::invalid_node(g, i, "index " + std::to_string(n.index) + " on a non-argument");
    }
    if (n.code != op::constant && n.code != op::loop_var && n.code != op::loop && !gather &&
        n.bits != 0) {
      detail::invalid_node(g, i, "constant bits on a non-constant");
    }
    auto operand_type = [&](int k) {
      return g.nodes[static_cast<std::size_t>(n.operand[k])].type;
    };
    auto expect_operand = [&](int k, scalar_kind want) {
      const scalar_kind got = operand_type(k);
      if (got != want) {
        detail::invalid_node(g, i,
                             "operand " + std::to_string(k) + " (node " +
                                 std::to_string(n.operand[k]) + ") has type " +
                                 std::string(name_of(got)) + ", expected " +
                                 std::string(name_of(want)));
      }
    };
    auto require = [&](bool ok, const char* what) {
      if (!ok) detail::invalid_node(g, i, what);
    };
    switch (n.code) {
      case op::argument:
      case op::gather:
      case op::gather2: {  // a table argument is read only by gathers of one shape
        require(n.index >= 0, "negative argument index");
        const auto idx = static_cast<std::size_t>(n.index);
        if (arg_type.size() <= idx) arg_type.resize(idx + 1, 0);
        const int shape = n.code == op::argument ? 0 : n.code == op::gather ? 1 : 2;
        const int t = static_cast<int>(n.type) + 1 + 64 * shape;
        if (arg_type[idx] != 0 && arg_type[idx] != t) {
          detail::invalid_node(g, i, "argument " + std::to_string(idx) +
                                         " also appears with another type or as another kind "
                                         "of argument (array, 1-D or 2-D table)");
        }
        arg_type[idx] = t;
        if (gather) {
          require(n.bits <= static_cast<std::uint64_t>(index_policy::constant),
                  "a gather's policy is checked, clamp or constant");
          for (int k = 0; k < ar; ++k) expect_operand(k, scalar_kind::i64);
        }
        break;
      }
      case op::column:
      case op::row: require(n.type == scalar_kind::i64, "x() and y() are int64"); break;
      case op::constant: {
        const int bits = 8 * size_of(n.type);
        if (n.type == scalar_kind::boolean) {
          require(n.bits <= 1, "a bool constant must be 0 or 1");
        } else if (bits < 64) {
          require((n.bits >> bits) == 0, "constant bits beyond the type's size are not zero");
        }
        break;
      }
      case op::cast: break;
      case op::neg:
        require(detail::is_arithmetic_type(n.type), "neg needs int32/uint32/int64/uint64/float/double");
        expect_operand(0, n.type);
        break;
      case op::logical_not:
        require(n.type == scalar_kind::boolean, "! gives bool");
        expect_operand(0, scalar_kind::boolean);
        break;
      case op::abs:
        require(n.type == scalar_kind::i32 || n.type == scalar_kind::i64 || is_floating(n.type),
                "abs needs int32/int64/float/double (unsigned abs is the operand itself)");
        expect_operand(0, n.type);
        break;
      case op::sqrt: case op::exp: case op::log: case op::log2: case op::log10: case op::sin:
      case op::cos: case op::tan: case op::tanh: case op::floor: case op::ceil: case op::round:
      case op::log1p: case op::expm1: case op::exp2: case op::cbrt: case op::asin:
      case op::acos: case op::atan: case op::sinh: case op::cosh: case op::asinh:
      case op::acosh: case op::atanh: case op::erf: case op::erfc: case op::trunc:
        require(is_floating(n.type), "a math function needs a float or double operand");
        expect_operand(0, n.type);
        break;
      case op::isnan: case op::isfinite: case op::isinf: case op::signbit:
        require(n.type == scalar_kind::boolean, "a classification function gives bool");
        require(is_floating(operand_type(0)), "a classification function needs a float or "
                                              "double operand");
        break;
      case op::sign:
        require(detail::is_arithmetic_type(n.type),
                "sign needs int32/uint32/int64/uint64/float/double");
        expect_operand(0, n.type);
        break;
      case op::atan2: case op::hypot: case op::copysign: case op::fmod:
        require(is_floating(n.type), "a math function needs float or double operands");
        expect_operand(0, n.type);
        expect_operand(1, n.type);
        break;
      case op::floor_div: case op::floor_mod:
        require(detail::is_arithmetic_type(n.type),
                "floor_div and floor_mod need int32/uint32/int64/uint64/float/double operands");
        expect_operand(0, n.type);
        expect_operand(1, n.type);
        break;
      case op::add: case op::sub: case op::mul: case op::div:
        require(detail::is_arithmetic_type(n.type),
                "arithmetic needs int32/uint32/int64/uint64/float/double operands");
        expect_operand(0, n.type);
        expect_operand(1, n.type);
        break;
      case op::mod:
        require(detail::is_arithmetic_type(n.type) && is_integral(n.type),
                "% needs int32/uint32/int64/uint64 operands");
        expect_operand(0, n.type);
        expect_operand(1, n.type);
        break;
      case op::eq: case op::ne: case op::lt: case op::le: case op::gt: case op::ge:
        require(n.type == scalar_kind::boolean, "a comparison gives bool");
        require(detail::is_arithmetic_type(operand_type(0)),
                "a comparison needs int32/uint32/int64/uint64/float/double operands");
        expect_operand(1, operand_type(0));
        break;
      case op::logical_and: case op::logical_or:
        require(n.type == scalar_kind::boolean, "&& and || give bool");
        expect_operand(0, scalar_kind::boolean);
        expect_operand(1, scalar_kind::boolean);
        break;
      case op::pow:
        require(is_floating(n.type), "pow needs float or double operands");
        expect_operand(0, n.type);
        expect_operand(1, n.type);
        break;
      case op::min: case op::max:
        expect_operand(0, n.type);
        expect_operand(1, n.type);
        break;
      case op::select:
        expect_operand(0, scalar_kind::boolean);
        expect_operand(1, n.type);
        expect_operand(2, n.type);
        break;
      case op::fma:
        require(is_floating(n.type), "fma needs float or double operands");
        [[fallthrough]];
      case op::clamp:
        expect_operand(0, n.type);
        expect_operand(1, n.type);
        expect_operand(2, n.type);
        break;
      case op::index:
        require(n.type == scalar_kind::i64, "index() is int64");
        break;
      case op::loop_var: break;  // checked with its loop (make_loop_plan)
      case op::pack:
      case op::loop:
        require(n.type == scalar_kind::boolean, "a pack or loop node has type bool");
        break;
      case op::loop_result: {
        const node& l = g.nodes[static_cast<std::size_t>(n.operand[0])];
        require(l.code == op::loop, "loop_result reads a loop node");
        require(n.index >= 0 && n.index < l.index, "loop_result's index is not a carry");
        const auto inits = detail::unpack(g, l.operand[0], l.index, n.operand[0]);
        expect_operand(0, scalar_kind::boolean);
        require(g.nodes[static_cast<std::size_t>(inits[static_cast<std::size_t>(n.index)])].type ==
                    n.type,
                "loop_result's type differs from the carried value's");
        break;
      }
    }
  }
  for (const std::int32_t r : result_nodes(g)) {  // a tuple root: values, not loops
    if (g.nodes[static_cast<std::size_t>(r)].code == op::loop) {
      detail::invalid_node(g, static_cast<std::size_t>(r), "a loop node is not a result");
    }
  }
  (void)detail::make_loop_plan(g);  // the loops' structure and scoping
}

namespace detail {

template <class T>
value eval_unary(op o, T a) {
  if constexpr (std::is_floating_point_v<T>) {
    switch (o) {
      case op::neg: return value::of<T>(negate(a));
      case op::abs: return value::of<T>(absolute(a));
      case op::sqrt: return value::of<T>(std::sqrt(a));
      case op::exp: return value::of<T>(std::exp(a));
      case op::log: return value::of<T>(std::log(a));
      case op::log2: return value::of<T>(std::log2(a));
      case op::log10: return value::of<T>(std::log10(a));
      case op::sin: return value::of<T>(std::sin(a));
      case op::cos: return value::of<T>(std::cos(a));
      case op::tan: return value::of<T>(std::tan(a));
      case op::tanh: return value::of<T>(std::tanh(a));
      case op::floor: return value::of<T>(std::floor(a));
      case op::ceil: return value::of<T>(std::ceil(a));
      case op::round: return value::of<T>(std::round(a));
      case op::log1p: return value::of<T>(std::log1p(a));
      case op::expm1: return value::of<T>(std::expm1(a));
      case op::exp2: return value::of<T>(std::exp2(a));
      case op::cbrt: return value::of<T>(std::cbrt(a));
      case op::asin: return value::of<T>(std::asin(a));
      case op::acos: return value::of<T>(std::acos(a));
      case op::atan: return value::of<T>(std::atan(a));
      case op::sinh: return value::of<T>(std::sinh(a));
      case op::cosh: return value::of<T>(std::cosh(a));
      case op::asinh: return value::of<T>(std::asinh(a));
      case op::acosh: return value::of<T>(std::acosh(a));
      case op::atanh: return value::of<T>(std::atanh(a));
      case op::erf: return value::of<T>(std::erf(a));
      case op::erfc: return value::of<T>(std::erfc(a));
      case op::trunc: return value::of<T>(std::trunc(a));
      case op::isnan: return value::of<bool>(std::isnan(a));
      case op::isfinite: return value::of<bool>(std::isfinite(a));
      case op::isinf: return value::of<bool>(std::isinf(a));
      case op::signbit: return value::of<bool>(std::signbit(a));
      case op::sign: return value::of<T>(sign(a));
      default: break;
    }
  } else if constexpr (std::is_same_v<T, bool>) {
    if (o == op::logical_not) return value::of<bool>(!a);
  } else {
    if (o == op::neg) return value::of<T>(negate(a));
    if (o == op::abs) return value::of<T>(absolute(a));
    if (o == op::sign) return value::of<T>(sign(a));
  }
  throw std::logic_error("parjit::expr::evaluate: unary op on an unsupported type");
}

template <class T>
value eval_binary(op o, T a, T b) {
  switch (o) {
    case op::eq: return value::of<bool>(a == b);
    case op::ne: return value::of<bool>(a != b);
    case op::lt: return value::of<bool>(a < b);
    case op::le: return value::of<bool>(a <= b);
    case op::gt: return value::of<bool>(a > b);
    case op::ge: return value::of<bool>(a >= b);
    case op::min: return value::of<T>(minimum(a, b));
    case op::max: return value::of<T>(maximum(a, b));
    default: break;
  }
  if constexpr (std::is_same_v<T, bool>) {
    if (o == op::logical_and) return value::of<bool>(a && b);
    if (o == op::logical_or) return value::of<bool>(a || b);
  } else {
    switch (o) {
      case op::add: return value::of<T>(add(a, b));
      case op::sub: return value::of<T>(subtract(a, b));
      case op::mul: return value::of<T>(multiply(a, b));
      case op::div: return value::of<T>(divide(a, b));
      case op::floor_div: return value::of<T>(floor_divide(a, b));
      case op::floor_mod: return value::of<T>(floor_modulo(a, b));
      default: break;
    }
    if constexpr (std::is_integral_v<T>) {
      if (o == op::mod) return value::of<T>(remainder(a, b));
    } else {
      switch (o) {
        case op::pow: return value::of<T>(std::pow(a, b));
        case op::atan2: return value::of<T>(std::atan2(a, b));
        case op::hypot: return value::of<T>(std::hypot(a, b));
        case op::copysign: return value::of<T>(std::copysign(a, b));
        case op::fmod: return value::of<T>(std::fmod(a, b));
        default: break;
      }
    }
  }
  throw std::logic_error("parjit::expr::evaluate: binary op on an unsupported type");
}

template <class T>
value eval_ternary(op o, bool cond, T a, T b, T c) {
  switch (o) {
    case op::select: return value::of<T>(cond ? b : c);
    case op::clamp: return value::of<T>(clamp(a, b, c));
    case op::fma:
      if constexpr (std::is_floating_point_v<T>) return value::of<T>(std::fma(a, b, c));
      break;
    default: break;
  }
  throw std::logic_error("parjit::expr::evaluate: ternary op on an unsupported type");
}

inline value convert_value(const value& v, scalar_kind to) {
  return with_type(v.type, [&](auto from) {
    using from_t = typename decltype(from)::type;
    const from_t x = v.as<from_t>();
    return with_type(to, [&](auto target) {
      using to_t = typename decltype(target)::type;
      return value::of<to_t>(convert<to_t>(x));
    });
  });
}

}  // namespace detail

/// A table argument's contents for the reference evaluator: `height` rows of `width` elements of
/// `type`, `row_stride` elements apart (a 1-D table has height 1); `fill` is read by gathers with
/// index_policy::constant outside the table. Thread-safety: a plain value type.
struct table_contents {
  scalar_kind type = scalar_kind::f32;
  const void* data = nullptr;
  std::int64_t width = 0;
  std::int64_t height = 1;
  std::int64_t row_stride = 0;
  value fill{};
};

/// Where the evaluated element sits: `jit::index()`, `jit::x()`, `jit::y()`, and the contents of
/// table arguments (`tables[k]` for argument k; entries of other arguments are not read).
/// Thread-safety: a plain value type (the tables are the caller's).
struct element_position {
  std::int64_t index = 0;
  std::int64_t x = 0;
  std::int64_t y = 0;
  std::span<const table_contents> tables{};
};

namespace detail {

// Evaluates nodes one step at a time: in index order without loops; with loops, scope by scope
// as the loop plan says (the order the backend's code computes them in).
struct reference_machine {
  const graph& g;
  const loop_plan& plan;
  std::span<const value> args;
  element_position at;
  std::vector<value> v;
  std::vector<std::vector<value>> env;      // per depth: the running loop's values
  std::vector<std::vector<value>> results;  // per loop: its final carried values

  void run(const std::vector<std::int32_t>& list) {
    for (std::int32_t i : list) {
      const std::int32_t s = plan.scope_of[static_cast<std::size_t>(i)];
      if (s >= 0) {
        run_loop(plan.loops[static_cast<std::size_t>(s)], results[static_cast<std::size_t>(s)]);
      } else {
        step(i);
      }
    }
  }

  std::vector<value> values(const std::vector<std::int32_t>& nodes) const {
    std::vector<value> r;
    for (std::int32_t i : nodes) r.push_back(v[static_cast<std::size_t>(i)]);
    return r;
  }

  void run_loop(const loop_scope& s, std::vector<value>& out) {
    run(s.before);
    std::vector<value> c = values(s.init);
    auto& e = env[static_cast<std::size_t>(s.depth)];
    if (s.is_while) {
      for (;;) {
        e = c;
        run(s.cond_steps);
        if (!v[static_cast<std::size_t>(s.cond)].as<bool>()) break;
        run(s.body_steps);
        c = values(s.next);
      }
    } else {
      with_type(v[static_cast<std::size_t>(s.lo)].type, [&](auto t) {
        using C = typename decltype(t)::type;
        if constexpr (std::is_integral_v<C> && !std::is_same_v<C, bool>) {
          const C hi = v[static_cast<std::size_t>(s.hi)].as<C>();
          for (C i = v[static_cast<std::size_t>(s.lo)].as<C>(); i < hi; ++i) {
            e = c;
            e.push_back(value::of<C>(i));
            run(s.body_steps);
            c = values(s.next);
          }
        }
      });
    }
    out = std::move(c);
  }

  value gather(const node& n, std::int64_t x, std::int64_t y) const {
    const auto k = static_cast<std::size_t>(n.index);
    if (k >= at.tables.size() || at.tables[k].type != n.type ||
        (at.tables[k].data == nullptr && at.tables[k].width * at.tables[k].height != 0)) {
      throw std::invalid_argument("parjit::expr::evaluate: the graph gathers from argument " +
                                  std::to_string(k) + " but no table of type " +
                                  std::string(name_of(n.type)) + " is given for it");
    }
    const table_contents& t = at.tables[k];
    const auto policy = static_cast<index_policy>(n.bits);
    const bool inside = x >= 0 && x < t.width && y >= 0 && y < t.height;
    if (!inside) {
      if (policy == index_policy::constant) return t.fill;
      if (policy == index_policy::checked || t.width == 0 || t.height == 0) {
        throw std::out_of_range("parjit::expr::evaluate: gather from argument " +
                                std::to_string(k) + " at (" + std::to_string(x) + ", " +
                                std::to_string(y) + "), outside its " + std::to_string(t.width) +
                                " x " + std::to_string(t.height) + " elements");
      }
      x = x < 0 ? 0 : x >= t.width ? t.width - 1 : x;
      y = y < 0 ? 0 : y >= t.height ? t.height - 1 : y;
    }
    return with_type(n.type, [&](auto tag) {
      using T = typename decltype(tag)::type;
      T e;
      std::memcpy(&e, static_cast<const unsigned char*>(t.data) +
                          static_cast<std::size_t>(y * t.row_stride + x) * sizeof(T),
                  sizeof(T));
      return value::of<T>(e);
    });
  }

  void step(std::int32_t index) {
    const auto i = static_cast<std::size_t>(index);
    const node& n = g.nodes[i];
    auto in = [&](int k) -> const value& { return v[static_cast<std::size_t>(n.operand[k])]; };
    switch (n.code) {
      case op::index: v[i] = value::of<std::int64_t>(at.index); return;
      case op::column: v[i] = value::of<std::int64_t>(at.x); return;
      case op::row: v[i] = value::of<std::int64_t>(at.y); return;
      case op::gather:
      case op::gather2: v[i] = gather(n, in(0).as<std::int64_t>(),
                                      n.code == op::gather2 ? in(1).as<std::int64_t>() : 0);
        return;
      case op::loop_var:
        v[i] = env[static_cast<std::size_t>(n.bits)].at(static_cast<std::size_t>(n.index));
        return;
      case op::loop_result:
        v[i] = results[static_cast<std::size_t>(plan.scope_of[static_cast<std::size_t>(
            n.operand[0])])][static_cast<std::size_t>(n.index)];
        return;
      case op::pack:
      case op::loop: return;  // run by run_loop
      default: break;
    }
    switch (arity(n.code)) {
      case 0:
        if (n.code == op::constant) {
          v[i] = value{n.type, n.bits};
        } else {
          const auto idx = static_cast<std::size_t>(n.index);
          if (idx >= args.size()) {
            throw std::invalid_argument("parjit::expr::evaluate: the graph reads argument " +
                                        std::to_string(idx) + " but " +
                                        std::to_string(args.size()) + " were given");
          }
          if (args[idx].type != n.type) {
            throw std::invalid_argument(
                "parjit::expr::evaluate: argument " + std::to_string(idx) + " has type " +
                std::string(name_of(args[idx].type)) + ", the graph reads " +
                std::string(name_of(n.type)));
          }
          v[i] = args[idx];
        }
        break;
      case 1:
        if (n.code == op::cast) {
          v[i] = convert_value(in(0), n.type);
        } else {
          v[i] = with_type(in(0).type, [&](auto t) {
            using T = typename decltype(t)::type;
            return eval_unary<T>(n.code, in(0).as<T>());
          });
        }
        break;
      case 2:
        v[i] = with_type(in(0).type, [&](auto t) {
          using T = typename decltype(t)::type;
          return eval_binary<T>(n.code, in(0).as<T>(), in(1).as<T>());
        });
        break;
      default:
        v[i] = with_type(in(1).type, [&](auto t) {
          using T = typename decltype(t)::type;
          if (n.code == op::select) {
            return eval_ternary<T>(n.code, in(0).as<bool>(), T{}, in(1).as<T>(), in(2).as<T>());
          }
          return eval_ternary<T>(n.code, false, in(0).as<T>(), in(1).as<T>(), in(2).as<T>());
        });
        break;
    }
  }
};

// One evaluation of a validated graph, given its loop plan and result nodes (evaluate_results
// computes them per call, `evaluator` once).
inline std::vector<value> run_reference(const graph& g, const loop_plan& plan,
                                        std::span<const std::int32_t> result_nodes,
                                        std::span<const value> args, const element_position& at) {
  reference_machine m{g, plan, args, at, std::vector<value>(g.nodes.size()), {}, {}};
  if (!plan.has_loops) {
    for (std::size_t i = 0; i < g.nodes.size(); ++i) m.step(static_cast<std::int32_t>(i));
  } else {
    m.env.resize(64);
    m.results.resize(plan.loops.size());
    m.run(plan.top);
  }
  std::vector<value> r;
  r.reserve(result_nodes.size());
  for (const std::int32_t i : result_nodes) r.push_back(m.v[static_cast<std::size_t>(i)]);
  return r;
}

}  // namespace detail

/// Evaluates a graph for one element, op by op, with exactly the semantics the JIT implements
/// (wrapping integers, x / 0 == 0, saturating casts, ordered compares, std::min/max/clamp/round/
/// fma, no contraction), and returns its results: one value, or for a graph of a kernel that
/// returns `jit::tuple(...)` one value per component (see `result_nodes`). `args[i]` is argument
/// i's value and must have its type.
/// Throws std::invalid_argument for an invalid graph (see `validate`), too few arguments or an
/// argument of the wrong type. Build code using it with -ffp-contract=off (GCC contracts by
/// default). Loops run as the plain C++ loops they stand for; `at` gives `jit::index()`,
/// `jit::x()`, `jit::y()` and the tables gathers read (a checked gather outside its table throws
/// std::out_of_range). `args` is indexed by argument number: a table argument's entry is not
/// read (give any value).
/// Example: `evaluate_results(to_graph(jit::tuple(a, a * 2)), args, {}).size() == 2`.
/// Thread-safety: a pure function.
inline std::vector<value> evaluate_results(const graph& g, std::span<const value> args,
                                           const element_position& at) {
  validate(g);
  return detail::run_reference(g, detail::make_loop_plan(g), result_nodes(g), args, at);
}

/// `evaluate_results(g, args, {.index = element_index})`: an element without tables or 2-D
/// position. Thread-safety: a pure function.
inline std::vector<value> evaluate_results(const graph& g, std::span<const value> args,
                                           std::int64_t element_index = 0) {
  return evaluate_results(g, args, element_position{element_index, 0, 0, {}});
}

/// As `evaluate_results` for a graph with one result: its value (for a tuple graph, the first
/// component's). Example: `evaluate(to_graph(a * 2), std::array{value::of(1.5f)}, {})`.
/// Thread-safety: a pure function.
inline value evaluate(const graph& g, std::span<const value> args, const element_position& at) {
  return evaluate_results(g, args, at).front();
}

/// `evaluate(g, args, {.index = element_index})`: an element without tables or 2-D position.
/// Example: `evaluate(to_graph(a * 2), std::array{value::of(1.5f)}).as<float>() == 3`.
/// Thread-safety: a pure function.
inline value evaluate(const graph& g, std::span<const value> args,
                      std::int64_t element_index = 0) {
  return evaluate(g, args, element_position{element_index, 0, 0, {}});
}

/// A graph prepared for evaluation at many elements: `evaluate` validates the graph, plans its
/// loops and finds its results on every call; an evaluator does that once, when it is made, and
/// then evaluates like `evaluate_results` / `evaluate` (same semantics, same exceptions for bad
/// arguments). Use it to compare a kernel with the reference over whole arrays.
/// Throws std::invalid_argument from the constructor for an invalid graph (see `validate`).
/// Example: `const evaluator ref(to_graph(a * 2));` then `ref(args, i)` for each element i.
/// Thread-safety: const member functions may run concurrently; the graph is copied in.
class evaluator {
 public:
  explicit evaluator(graph g)
      : g_((validate(g), std::move(g))), plan_(detail::make_loop_plan(g_)),
        results_(result_nodes(g_)) {}

  /// The graph evaluated.
  const expr::graph& source() const noexcept { return g_; }

  /// As `evaluate_results(source(), args, at)`.
  std::vector<value> results(std::span<const value> args, const element_position& at) const {
    return detail::run_reference(g_, plan_, results_, args, at);
  }
  /// As `evaluate_results(source(), args, element_index)`.
  std::vector<value> results(std::span<const value> args, std::int64_t element_index = 0) const {
    return results(args, element_position{element_index, 0, 0, {}});
  }
  /// As `evaluate(source(), args, at)`: the first result.
  value operator()(std::span<const value> args, const element_position& at) const {
    return results(args, at).front();
  }
  /// As `evaluate(source(), args, element_index)`.
  value operator()(std::span<const value> args, std::int64_t element_index = 0) const {
    return results(args, element_index).front();
  }

 private:
  expr::graph g_;
  detail::loop_plan plan_;
  std::vector<std::int32_t> results_;
};

}  // namespace parjit::expr
