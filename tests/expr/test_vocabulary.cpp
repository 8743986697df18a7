// Tests of the numpy / numba vocabulary in the expression layer: <cmath> typing of every new
// function over every element type (and pair), the plain-number path equal to the reference
// evaluator bit for bit, and comparisons of two bools still allowed.
#include <parjit/expr.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <random>
#include <type_traits>

#include "element_types.hpp"
#include "support/random_graph.hpp"

using namespace parjit::expr;
namespace expr = parjit::expr;
using parjit::test::for_each_pair;
using parjit::test::for_each_type;

namespace {

template <class... T, class F>
bool typed_like_cpp(F f) {
  using traced = decltype(f(arg<0, T>{}...));
  using plain = decltype(f(T{}...));
  return kind_of_expression<traced> == kind_of<std::remove_cvref_t<plain>>;
}

// f on plain numbers equals the evaluator on f's graph, for many random values (edge cases
// included): the lambda is a second oracle.
template <class... T, class F>
bool plain_equals_evaluator(F f, std::uint64_t seed) {
  const graph g = [&]<std::size_t... I>(std::index_sequence<I...>) {
    return to_graph(f(arg<I, T>{}...));
  }(std::index_sequence_for<T...>{});
  std::mt19937_64 rng(seed);
  for (int k = 0; k < 300; ++k) {
    const std::array<value, sizeof...(T)> args{parjit::test::random_value(rng, kind_of<T>)...};
    const auto plain = [&]<std::size_t... I>(std::index_sequence<I...>) {
      return value::of(f(args[I].template as<T>()...));
    }(std::index_sequence_for<T...>{});
    if (!same_value(evaluate(g, args), plain)) return false;
  }
  return true;
}

}  // namespace

#define PARJIT_UNARY_CASES(X)                                                                   \
  X(log1p) X(expm1) X(exp2) X(cbrt) X(asin) X(acos) X(atan) X(sinh) X(cosh) X(asinh) X(acosh)   \
  X(atanh) X(erf) X(erfc) X(trunc) X(isnan) X(isfinite) X(isinf) X(signbit) X(sign)
#define PARJIT_BINARY_CASES(X) \
  X(atan2) X(hypot) X(copysign) X(fmod) X(floor_div) X(floor_mod) X(true_div)

TEST_CASE("vocabulary: typed as <cmath> and equal to the evaluator, every type",
          "[expr][vocabulary]") {
  for_each_type([&]<class T>() {
    INFO(name_of(kind_of<T>));
#define PARJIT_CHECK_UNARY(fn)                                                        \
  CHECK(typed_like_cpp<T>([](auto a) { return expr::fn(a); }));                       \
  CHECK(plain_equals_evaluator<T>([](auto a) { return expr::fn(a); }, __LINE__));
    PARJIT_UNARY_CASES(PARJIT_CHECK_UNARY)
#undef PARJIT_CHECK_UNARY
  });
  for_each_pair([&]<class A, class B>() {
    INFO(name_of(kind_of<A>) << ", " << name_of(kind_of<B>));
#define PARJIT_CHECK_BINARY(fn)                                                       \
  CHECK(typed_like_cpp<A, B>([](auto a, auto b) { return expr::fn(a, b); }));        \
  CHECK(plain_equals_evaluator<A, B>([](auto a, auto b) { return expr::fn(a, b); }, __LINE__));
    PARJIT_BINARY_CASES(PARJIT_CHECK_BINARY)
#undef PARJIT_CHECK_BINARY
  });
}

TEST_CASE("vocabulary: classification gives bool, sign and Python division keep the type",
          "[expr][vocabulary]") {
  STATIC_REQUIRE(std::is_same_v<decltype(expr::isnan(arg<0, float>{}))::value_type, bool>);
  STATIC_REQUIRE(std::is_same_v<decltype(expr::isinf(arg<0, int>{}))::value_type, bool>);
  STATIC_REQUIRE(std::is_same_v<decltype(expr::sign(arg<0, std::int8_t>{}))::value_type, int>);
  STATIC_REQUIRE(
      std::is_same_v<decltype(expr::sign(arg<0, std::uint64_t>{}))::value_type, std::uint64_t>);
  STATIC_REQUIRE(
      std::is_same_v<decltype(expr::floor_div(arg<0, std::int8_t>{}, 2))::value_type, int>);
  STATIC_REQUIRE(std::is_same_v<decltype(expr::true_div(arg<0, int>{}, 2))::value_type, double>);
  STATIC_REQUIRE(
      std::is_same_v<decltype(expr::true_div(arg<0, float>{}, 2))::value_type, float>);
  CHECK(expr::sign(-0.0) == 0.0);
  CHECK(!std::signbit(expr::sign(-0.0)));
  CHECK(std::isnan(expr::sign(std::nan(""))));
  CHECK(expr::sign(std::uint8_t{7}) == 1);
  CHECK(expr::floor_div(-7, 2) == -4);
  CHECK(expr::floor_mod(-7, 2) == 1);
  CHECK(expr::floor_div(-7.5, 2.0) == -4.0);
  CHECK(expr::floor_mod(7.5, -2.0) == -0.5);
  CHECK(expr::true_div(7, 2) == 3.5);
  CHECK(to_string(expr::floor_div(arg<0, int>{}, 2)) == "floor_div(a0:int32, 2:int32)");
  CHECK(to_string(expr::isnan(arg<0, int>{})) == "isnan(double(a0:int32))");
}

TEST_CASE("comparisons: two bool expressions may be compared", "[expr][vocabulary]") {
  const arg<0, float> a;
  const arg<1, float> b;
  const auto same_side = (a < 0.0f) == (b < 0.0f);
  STATIC_REQUIRE(std::is_same_v<decltype(same_side)::value_type, bool>);
  const auto chained_properly = 0.0f < a && a < 1.0f;
  CHECK(to_string(chained_properly) == "((0:float < a0:float) && (a0:float < 1:float))");
  const arg<2, bool> m;
  const auto with_bool_arg = (a < b) != m;  // a bool argument is a bool: allowed
  STATIC_REQUIRE(std::is_same_v<decltype(with_bool_arg)::value_type, bool>);
}
