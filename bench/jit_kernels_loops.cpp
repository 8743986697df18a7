// Baselines of bench/jit_kernels.cpp: K1-K6 as hand-written loops and as naive expression-template
// loops, compiled -O3 -march=native -ffp-contract=off -fno-math-errno (the JIT's semantics).
#include <cmath>
#include <tuple>
#include <type_traits>

#include <parjit/expr/nodes.hpp>

#include "jit_kernels.hpp"

namespace parjit_bench {

void loop_k1(float* out, const float* a, const float* b, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = std::sqrt(a[i] * a[i] + b[i] * b[i]);
}
void loop_k2(float* out, const float* a, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = static_cast<float>(((a[i] * 0.5 + 1.5) * a[i] - 2) * a[i] + 3);
  }
}
void loop_k11(float* out, const float* a, const float* b, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = std::log1p(std::hypot(a[i], b[i])) * std::atan2(b[i], a[i]);
  }
}
void loop_k3(float* out, const float* a, const float* b, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = std::exp(-a[i] * a[i]) * std::sin(b[i]);
}
float loop_k4(const float* a, const float* b, std::size_t n) {
  float s = 0;
  for (std::size_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}
void loop_k5(float* out, const float* a, const float* b, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = a[i] > 0 ? a[i] * b[i] : -a[i];
}
void loop_k6(float* out, const std::uint8_t* r, const std::uint8_t* g, const std::uint8_t* b,
             std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = (0.299f * r[i] + 0.587f * g[i] + 0.114f * b[i]) / 255.0f;
}

namespace {
namespace expr = parjit::expr;
using expr::op;

// A recursive tree walk over the expression-template node types, for element i.
template <class Env>
struct walker {
  const Env& env;
  std::size_t i;

  template <std::size_t I, class T>
  T operator()(const expr::arg<I, T>&) const {
    return std::get<I>(env)[i];
  }
  template <class T>
  T operator()(const expr::constant<T>& c) const {
    return c.value;
  }
  template <class T, class E>
  T operator()(const expr::cast_node<T, E>& c) const {
    return static_cast<T>((*this)(c.operand));
  }
  template <class Op, class E>
  auto operator()(const expr::unary<Op, E>& u) const {
    using R = typename expr::unary<Op, E>::value_type;
    const auto x = static_cast<R>((*this)(u.operand));
    if constexpr (Op::code == op::neg) return static_cast<R>(-x);
    else if constexpr (Op::code == op::sqrt) return std::sqrt(x);
    else if constexpr (Op::code == op::exp) return std::exp(x);
    else if constexpr (Op::code == op::sin) return std::sin(x);
    else static_assert(Op::code == op::neg, "op not needed by K1-K6");
  }
  template <class Op, class L, class R>
  auto operator()(const expr::binary<Op, L, R>& e) const {
    const auto a = (*this)(e.lhs);
    const auto b = (*this)(e.rhs);
    if constexpr (Op::code == op::add) return a + b;
    else if constexpr (Op::code == op::sub) return a - b;
    else if constexpr (Op::code == op::mul) return a * b;
    else if constexpr (Op::code == op::div) return a / b;
    else if constexpr (Op::code == op::gt) return a > b;
    else static_assert(Op::code == op::add, "op not needed by K1-K6");
  }
  template <class Op, class A, class B, class C>
  auto operator()(const expr::ternary<Op, A, B, C>& e) const {
    using T = typename expr::ternary<Op, A, B, C>::value_type;
    static_assert(Op::code == op::select, "op not needed by K1-K6");
    return (*this)(e.first) ? static_cast<T>((*this)(e.second)) : static_cast<T>((*this)(e.third));
  }
};

template <class F, class T0, class... T>
auto tree(const F& f) {
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    return f(expr::arg<0, T0>{}, expr::arg<1 + I, T>{}...);
  }(std::index_sequence_for<T...>{});
}

template <class F, class... T>
void naive_map(const F& f, float* out, std::size_t n, const T*... in) {
  const auto e = tree<F, T...>(f);
  const std::tuple<const T*...> env{in...};
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<float>(walker<decltype(env)>{env, i}(e));
}

using expr::exp;
using expr::select;
using expr::sin;
using expr::sqrt;
}  // namespace

void naive_et_k1(float* out, const float* a, const float* b, std::size_t n) {
  naive_map(k1, out, n, a, b);
}
void naive_et_k2(float* out, const float* a, std::size_t n) { naive_map(k2, out, n, a); }
void naive_et_k3(float* out, const float* a, const float* b, std::size_t n) {
  naive_map(k3, out, n, a, b);
}
float naive_et_k4(const float* a, const float* b, std::size_t n) {
  const auto e = tree<decltype(k4), float, float>(k4);
  const std::tuple<const float*, const float*> env{a, b};
  float s = 0;
  for (std::size_t i = 0; i < n; ++i) s += walker<decltype(env)>{env, i}(e);
  return s;
}
void naive_et_k5(float* out, const float* a, const float* b, std::size_t n) {
  naive_map(k5, out, n, a, b);
}
void naive_et_k6(float* out, const std::uint8_t* r, const std::uint8_t* g, const std::uint8_t* b,
                 std::size_t n) {
  naive_map(k6, out, n, r, g, b);
}

}  // namespace parjit_bench
