// Seeded random generators for property tests of the expression layer and the JIT: valid,
// explicitly typed graphs that use every op, and element values rich in edge cases.
#pragma once

#include <cmath>
#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <span>
#include <vector>

#include <parjit/expr/detail/graph_builder.hpp>
#include <parjit/expr/detail/scalar.hpp>
#include <parjit/expr/evaluate.hpp>
#include <parjit/expr/graph.hpp>

namespace parjit::test {

namespace detail {

// The random draws below are defined in tests/support/random_values.cpp, compiled at the build's
// optimisation level: the expr and jit tests compile their own code at -O0 (COMPILE_LIGHT),
// where the inlined <random> distributions were ~45 % of the vocabulary tests' time.

/// True with probability p.
bool chance(std::mt19937_64& rng, double p);

template <class T>
T pick(std::mt19937_64& rng, std::initializer_list<T> xs) {
  const auto i = std::uniform_int_distribution<std::size_t>(0, xs.size() - 1)(rng);
  return *(xs.begin() + static_cast<std::ptrdiff_t>(i));
}

/// One element of type T (bool, the 8 integer types, float, double); with probability
/// edge_rate an edge case. See random_value.
template <class T>
T random_element(std::mt19937_64& rng, double edge_rate);

}  // namespace detail

/// A table argument of a random graph: its element type and index policy (clamp or constant:
/// random indices leave checked tables at once).
struct table_spec {
  expr::scalar_kind type = expr::scalar_kind::f32;
  expr::index_policy policy = expr::index_policy::clamp;
  int dims = 1;  ///< 2: read as t(x, y) (op::gather2)
};

namespace detail {

class graph_generator {
 public:
  graph_generator(std::mt19937_64& rng, std::span<const expr::scalar_kind> arg_types,
                  std::span<const table_spec> tables = {})
      : rng_(rng), args_(arg_types.begin(), arg_types.end()), tables_(tables.begin(), tables.end()) {}

  std::int32_t make(int depth, expr::scalar_kind want) {
    using expr::op;
    using expr::scalar_kind;
    if (depth <= 0 || chance(rng_, 0.2)) return leaf(depth, want);
    if (depth >= 5 && scopes_.size() < 2 && chance(rng_, 0.15)) return loop(depth, want);
    std::vector<op> choices = {op::cast, op::select, op::min, op::max, op::clamp};
    const bool arith = expr::promote(want) == want;
    if (want == scalar_kind::boolean) {
      for (op o : {op::eq, op::ne, op::lt, op::le, op::gt, op::ge, op::logical_and,
                   op::logical_or, op::logical_not, op::isnan, op::isfinite, op::isinf,
                   op::signbit}) {
        choices.push_back(o);
      }
    }
    if (arith) {
      for (op o : {op::add, op::sub, op::mul, op::div, op::neg, op::sign, op::floor_div,
                   op::floor_mod}) {
        choices.push_back(o);
      }
    }
    if (arith && expr::is_integral(want)) choices.push_back(op::mod);
    if (want == scalar_kind::i32 || want == scalar_kind::i64 || expr::is_floating(want)) {
      choices.push_back(op::abs);
    }
    if (expr::is_floating(want)) {
      for (op o : {op::sqrt, op::exp, op::log, op::log2, op::log10, op::sin, op::cos, op::tan,
                   op::tanh, op::floor, op::ceil, op::round, op::pow, op::fma, op::log1p,
                   op::expm1, op::exp2, op::cbrt, op::asin, op::acos, op::atan, op::sinh,
                   op::cosh, op::asinh, op::acosh, op::atanh, op::erf, op::erfc, op::trunc,
                   op::atan2, op::hypot, op::copysign, op::fmod}) {
        choices.push_back(o);
      }
    }
    const op o = choices[std::uniform_int_distribution<std::size_t>(0, choices.size() - 1)(rng_)];
    switch (o) {
      case op::cast: {
        const auto from = random_kind();
        return b_.add(op::cast, want, make(depth - 1, from));
      }
      case op::eq: case op::ne: case op::lt: case op::le: case op::gt: case op::ge: {
        const auto t = pick(rng_, {scalar_kind::i32, scalar_kind::u32, scalar_kind::i64,
                                   scalar_kind::u64, scalar_kind::f32, scalar_kind::f64});
        const auto l = make(depth - 1, t);
        return b_.add(o, want, l, make(depth - 1, t));
      }
      case op::logical_not:
        return b_.add(o, want, make(depth - 1, want));
      case op::isnan: case op::isfinite: case op::isinf: case op::signbit: {
        const auto t = pick(rng_, {scalar_kind::f32, scalar_kind::f64});
        return b_.add(o, want, make(depth - 1, t));
      }
      case op::select: {
        const auto c = make(depth - 1, scalar_kind::boolean);
        const auto x = make(depth - 1, want);
        return b_.add(o, want, c, x, make(depth - 1, want));
      }
      default: break;
    }
    const int n = expr::arity(o);
    std::int32_t x[3] = {-1, -1, -1};
    for (int k = 0; k < n; ++k) x[k] = make(depth - 1, want);
    return b_.add(o, want, x[0], x[1], x[2]);
  }

  expr::graph finish(std::int32_t root) && { return std::move(b_).finish(root); }

  expr::scalar_kind random_kind() {
    return static_cast<expr::scalar_kind>(
        std::uniform_int_distribution<int>(0, expr::scalar_kind_count - 1)(rng_));
  }

 private:
  // A fori or loop_while (1 to 3 carried values, one of type `want`, nested at most twice) with
  // random bounds (constants or per-element expressions); a loop_while carries a hidden counter
  // that ends it within 4 iterations. Takes `depth` levels like any node.
  std::int32_t loop(int depth, expr::scalar_kind want) {
    using expr::op;
    using expr::scalar_kind;
    const bool is_while = chance(rng_, 0.5);
    // The first value sits n - 1 packs deep under the loop: n <= depth - 2 keeps the depth.
    const int user =
        std::uniform_int_distribution<int>(1, std::min(3, depth - (is_while ? 3 : 2)))(rng_);
    std::vector<scalar_kind> types;
    if (is_while) types.push_back(scalar_kind::i32);  // the hidden counter
    for (int k = 0; k < user; ++k) types.push_back(random_kind());
    const auto result =
        std::uniform_int_distribution<std::size_t>(is_while ? 1 : 0, types.size() - 1)(rng_);
    types[result] = want;
    const int n = static_cast<int>(types.size());
    const int sub = std::max(0, depth - 3 - n);
    auto small = [&](int lo, int hi) {
      return b_.add(expr::node::make_constant(std::uniform_int_distribution<int>(lo, hi)(rng_)));
    };
    std::vector<std::int32_t> init, next;
    for (int k = 0; k < n; ++k) {
      init.push_back(is_while && k == 0 ? small(0, 0) : make(sub, types[static_cast<std::size_t>(k)]));
    }
    std::int32_t control = -1;
    const auto d = static_cast<std::int32_t>(scopes_.size());
    std::vector<scalar_kind> slots = types;
    if (!is_while) {
      const std::int32_t lo = small(-2, 2);
      const std::int32_t hi = chance(rng_, 0.5)
                                  ? small(0, 6)
                                  : b_.add(op::clamp, scalar_kind::i32,
                                           make(std::max(0, sub - 1), scalar_kind::i32),
                                           small(-1, -1), small(6, 6));
      control = b_.add(op::pack, scalar_kind::boolean, lo, hi);
      slots.push_back(scalar_kind::i32);  // the counter
    }
    scopes_.push_back(slots);
    auto var = [&](std::int32_t slot) {
      expr::node v;
      v.code = op::loop_var;
      v.type = slots[static_cast<std::size_t>(slot)];
      v.index = slot;
      v.bits = static_cast<std::uint64_t>(d);
      return b_.add(v);
    };
    for (int k = 0; k < n; ++k) {
      if (is_while && k == 0) {
        next.push_back(b_.add(op::add, scalar_kind::i32, var(0), small(1, 1)));
      } else {
        next.push_back(make(sub, types[static_cast<std::size_t>(k)]));
      }
    }
    if (is_while) {
      const std::int32_t bound = b_.add(op::lt, scalar_kind::boolean, var(0), small(0, 4));
      control = b_.add(op::logical_and, scalar_kind::boolean, bound,
                       make(std::max(0, sub), scalar_kind::boolean));
    }
    scopes_.pop_back();
    auto pack = [&](const std::vector<std::int32_t>& v) {
      std::int32_t list = v[0];
      for (std::size_t k = 1; k < v.size(); ++k) {
        list = b_.add(op::pack, scalar_kind::boolean, list, v[k]);
      }
      return list;
    };
    expr::node l;
    l.code = op::loop;
    l.type = scalar_kind::boolean;
    l.operand[0] = pack(init);
    l.operand[1] = pack(next);
    l.operand[2] = control;
    l.index = n;
    l.bits = static_cast<std::uint64_t>(d) | (std::uint64_t{is_while ? 1u : 0u} << 32);
    expr::node r;
    r.code = op::loop_result;
    r.type = want;
    r.operand[0] = b_.add(l);
    r.index = static_cast<std::int32_t>(result);
    return b_.add(r);
  }

  std::int32_t argument(std::size_t i) {
    expr::node n;
    n.code = expr::op::argument;
    n.type = args_[i];
    n.index = static_cast<std::int32_t>(i);
    return b_.add(n);
  }

  std::int32_t leaf(int depth, expr::scalar_kind want) {
    if (!scopes_.empty() && chance(rng_, 0.5)) {  // a value of an enclosing loop
      const auto d = std::uniform_int_distribution<std::size_t>(0, scopes_.size() - 1)(rng_);
      const auto& slots = scopes_[d];
      const auto slot = std::uniform_int_distribution<std::size_t>(0, slots.size() - 1)(rng_);
      if (slots[slot] == want || depth > 0) {
        expr::node v;
        v.code = expr::op::loop_var;
        v.type = slots[slot];
        v.index = static_cast<std::int32_t>(slot);
        v.bits = d;
        const std::int32_t x = b_.add(v);
        return slots[slot] == want ? x : b_.add(expr::op::cast, want, x);
      }
    }
    if (!tables_.empty() && depth > 1 && chance(rng_, 0.15)) {  // a gather at computed indices
      const auto j = std::uniform_int_distribution<std::size_t>(0, tables_.size() - 1)(rng_);
      expr::node n;
      n.code = tables_[j].dims == 2 ? expr::op::gather2 : expr::op::gather;
      n.type = tables_[j].type;
      n.index = static_cast<std::int32_t>(args_.size() + j);
      n.bits = static_cast<std::uint64_t>(tables_[j].policy);
      n.operand[0] = make(depth - 2, expr::scalar_kind::i64);  // depth - 2: room for a cast
      if (tables_[j].dims == 2) n.operand[1] = make(depth - 2, expr::scalar_kind::i64);
      const std::int32_t x = b_.add(n);
      return n.type == want ? x : b_.add(expr::op::cast, want, x);
    }
    if (chance(rng_, 0.03) && (want == expr::scalar_kind::i64 || depth > 0)) {
      expr::node i;
      i.code = expr::op::index;
      i.type = expr::scalar_kind::i64;
      const std::int32_t x = b_.add(i);
      return want == expr::scalar_kind::i64 ? x : b_.add(expr::op::cast, want, x);
    }
    if (!args_.empty() && chance(rng_, 0.7)) {
      std::vector<std::size_t> same;
      for (std::size_t i = 0; i < args_.size(); ++i) {
        if (args_[i] == want) same.push_back(i);
      }
      if (!same.empty() && chance(rng_, 0.8)) {
        return argument(same[std::uniform_int_distribution<std::size_t>(0, same.size() - 1)(rng_)]);
      }
      if (depth > 0) {  // a cast costs one level of depth
        const auto i = std::uniform_int_distribution<std::size_t>(0, args_.size() - 1)(rng_);
        return b_.add(expr::op::cast, want, argument(i));
      }
    }
    return b_.add(constant(want));
  }

  expr::node constant(expr::scalar_kind k) {
    return expr::detail::with_type(k, [&](auto tag) {
      using T = typename decltype(tag)::type;
      return expr::node::make_constant(random_element<T>(rng_, 0.3));
    });
  }

  std::mt19937_64& rng_;
  std::vector<expr::scalar_kind> args_;
  std::vector<table_spec> tables_;  // arguments args_.size() + j
  std::vector<std::vector<expr::scalar_kind>> scopes_;  // per enclosing loop: its values' types
  expr::detail::graph_builder b_;
};

}  // namespace detail

/// A random valid graph over arguments of the given types (argument i has type arg_types[i]),
/// of depth at most max_depth (leaves have depth 0), with a random result type. Over many calls
/// every op appears, including casts of constants and ops on every type the graph allows, and
/// loops (fori with constant or per-element bounds, loop_while ending within 4 iterations,
/// nested twice at most) with jit::index(), and gathers at computed indices from the `tables`
/// (arguments arg_types.size() + j); identical subtrees are merged. Deterministic for a given
/// rng state.
/// Example: `std::mt19937_64 rng{42}; auto g = random_graph(rng, 5, types);`
/// Thread-safety: uses only rng (one rng per thread).
inline expr::graph random_graph(std::mt19937_64& rng, int max_depth,
                                std::span<const expr::scalar_kind> arg_types,
                                std::span<const table_spec> tables = {}) {
  detail::graph_generator gen(rng, arg_types, tables);
  const auto want = gen.random_kind();
  const auto root = gen.make(max_depth, want);
  return std::move(gen).finish(root);
}

/// A random value of kind k; with probability edge_rate an edge case (0, -0, ±1, min, max,
/// NaN, ±inf, denormals, halfway cases, integer-range limits as floats), else a small or an
/// arbitrary value. Example: `value v = random_value(rng, scalar_kind::f32);`
inline expr::value random_value(std::mt19937_64& rng, expr::scalar_kind k,
                                double edge_rate = 0.25) {
  return expr::detail::with_type(k, [&](auto tag) {
    using T = typename decltype(tag)::type;
    return expr::value::of<T>(detail::random_element<T>(rng, edge_rate));
  });
}

/// One random value per argument type (see random_value).
inline std::vector<expr::value> random_values(std::mt19937_64& rng,
                                              std::span<const expr::scalar_kind> arg_types,
                                              double edge_rate = 0.25) {
  std::vector<expr::value> out;
  out.reserve(arg_types.size());
  for (const auto k : arg_types) out.push_back(random_value(rng, k, edge_rate));
  return out;
}

/// Fills `out` with random elements (as many random_value calls would, in order; defined in
/// random_values.cpp for the element types). Example: `fill_random(rng, std::span(v), 0.1);`
template <class T>
void fill_random(std::mt19937_64& rng, std::span<T> out, double edge_rate = 0.25);

}  // namespace parjit::test
