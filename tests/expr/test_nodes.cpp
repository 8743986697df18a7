// Tests of nodes.hpp: expression types follow C++'s typing of the same code on plain numbers, and
// every function computes the documented plain-number result.
#include <parjit/expr/nodes.hpp>

#include <catch2/catch.hpp>

#include <climits>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "element_types.hpp"

// The typing checks apply every operator to every pair of types on plain numbers too, which is
// exactly what these warnings are about.
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wbool-operation"
#pragma GCC diagnostic ignored "-Wint-in-bool-context"

using namespace parjit::expr;
namespace expr = parjit::expr;
using parjit::test::for_each_pair;
using parjit::test::for_each_type;

namespace {

// kind_of_expression of f applied to placeholders equals the kind of f applied to numbers.
template <class... T, class F>
bool typed_like_cpp(F f) {
  using traced = decltype(f(arg<0, T>{}...));
  using plain = decltype(f(T{}...));
  static_assert(expression<traced>);
  static_assert(!expression<plain>);
  return kind_of_expression<traced> == kind_of<std::remove_cvref_t<plain>>;
}

}  // namespace

TEST_CASE("nodes: expression is satisfied by nodes only", "[expr][nodes]") {
  STATIC_REQUIRE(expression<arg<0, float>>);
  STATIC_REQUIRE(expression<constant<int>>);
  STATIC_REQUIRE(expression<decltype(arg<0, float>{} + 1)>);
  STATIC_REQUIRE(expression<decltype(expr::cast<int>(arg<0, float>{}))>);
  STATIC_REQUIRE(expression<const decltype(-arg<0, int>{})&>);
  STATIC_REQUIRE(!expression<float>);
  STATIC_REQUIRE(!expression<int>);
  STATIC_REQUIRE(!expression<min_fn>);
  STATIC_REQUIRE(std::is_empty_v<arg<3, double>>);
  STATIC_REQUIRE(std::is_empty_v<ops::add>);
  STATIC_REQUIRE(std::is_same_v<std::remove_cv_t<decltype(expr::min)>, min_fn>);
  STATIC_REQUIRE(std::is_same_v<std::remove_cv_t<decltype(expr::max)>, max_fn>);
  STATIC_REQUIRE(max_fn::code == op::max);
  STATIC_REQUIRE(kind_of_expression<double> == scalar_kind::f64);
  STATIC_REQUIRE(kind_of_expression<decltype(arg<0, std::int8_t>{} + arg<1, std::int8_t>{})> ==
                 scalar_kind::i32);
}

TEST_CASE("nodes: binary operators are typed as C++ types them, all 121 pairs",
          "[expr][nodes]") {
  for_each_pair([&]<class A, class B>() {
    INFO(name_of(kind_of<A>) << " op " << name_of(kind_of<B>));
    CHECK(typed_like_cpp<A, B>([](auto a, auto b) { return a + b; }));
    CHECK(typed_like_cpp<A, B>([](auto a, auto b) { return a - b; }));
    CHECK(typed_like_cpp<A, B>([](auto a, auto b) { return a * b; }));
    CHECK(typed_like_cpp<A, B>([](auto a, auto b) { return a / b; }));
    if constexpr (std::is_integral_v<A> && std::is_integral_v<B>) {
      CHECK(typed_like_cpp<A, B>([](auto a, auto b) { return a % b; }));
    }
    CHECK(typed_like_cpp<A, B>([](auto a, auto b) { return a == b; }));
    CHECK(typed_like_cpp<A, B>([](auto a, auto b) { return a <= b; }));
    CHECK(typed_like_cpp<A, B>([](auto a, auto b) { return a && b; }));
    CHECK(typed_like_cpp<A, B>([](auto a, auto b) { return a || b; }));
    CHECK(typed_like_cpp<A, B>([](auto a, auto b) { return expr::min(a, b); }));
    CHECK(typed_like_cpp<A, B>([](auto a, auto b) { return expr::max(a, b); }));
    CHECK(typed_like_cpp<A, B>([](auto a, auto b) { return expr::pow(a, b); }));
    CHECK(typed_like_cpp<A, B>([](auto a, auto b) { return expr::select(a > b, a, b); }));
    CHECK(typed_like_cpp<A, B>([](auto a, auto b) { return expr::clamp(a, b, a); }));
    CHECK(typed_like_cpp<A, B>([](auto a, auto b) { return expr::fma(a, b, a); }));
    // an expression with a plain literal: the literal keeps its own C++ type
    CHECK(typed_like_cpp<A>([](auto a) { return a + B{1}; }));
    CHECK(typed_like_cpp<A>([](auto a) { return B{1} * a; }));
    CHECK(typed_like_cpp<A>([](auto a) { return expr::max(a, B{1}); }));
  });
}

TEST_CASE("nodes: unary operators and functions are typed as C++ types them", "[expr][nodes]") {
  for_each_type([&]<class T>() {
    INFO(name_of(kind_of<T>));
    CHECK(typed_like_cpp<T>([](auto a) { return -a; }));
    CHECK(typed_like_cpp<T>([](auto a) { return +a; }));
    CHECK(typed_like_cpp<T>([](auto a) { return !a; }));
    CHECK(typed_like_cpp<T>([](auto a) { return expr::sqrt(a); }));
    CHECK(typed_like_cpp<T>([](auto a) { return expr::exp(a); }));
    CHECK(typed_like_cpp<T>([](auto a) { return expr::log(a); }));
    CHECK(typed_like_cpp<T>([](auto a) { return expr::log2(a); }));
    CHECK(typed_like_cpp<T>([](auto a) { return expr::log10(a); }));
    CHECK(typed_like_cpp<T>([](auto a) { return expr::sin(a); }));
    CHECK(typed_like_cpp<T>([](auto a) { return expr::cos(a); }));
    CHECK(typed_like_cpp<T>([](auto a) { return expr::tan(a); }));
    CHECK(typed_like_cpp<T>([](auto a) { return expr::tanh(a); }));
    CHECK(typed_like_cpp<T>([](auto a) { return expr::abs(a); }));
    CHECK(typed_like_cpp<T>([](auto a) { return expr::floor(a); }));
    CHECK(typed_like_cpp<T>([](auto a) { return expr::ceil(a); }));
    CHECK(typed_like_cpp<T>([](auto a) { return expr::round(a); }));
    CHECK(typed_like_cpp<T>([](auto a) { return expr::cast<std::uint16_t>(a); }));
    CHECK(typed_like_cpp<T>([](auto a) { return expr::select(true, a, 0.5f); }));
    CHECK(typed_like_cpp<T>([](auto a) { return a * 0.5; }));
  });
  // The examples of the contract, spelled out.
  using f = arg<0, float>;
  STATIC_REQUIRE(kind_of_expression<decltype(f{} * 0.5)> == scalar_kind::f64);
  STATIC_REQUIRE(kind_of_expression<decltype(f{} * 0.5f)> == scalar_kind::f32);
  STATIC_REQUIRE(kind_of_expression<decltype(expr::pow(f{}, 2))> == scalar_kind::f64);
  STATIC_REQUIRE(kind_of_expression<decltype(expr::abs(arg<0, std::int8_t>{}))> ==
                 scalar_kind::i32);
  STATIC_REQUIRE(kind_of_expression<decltype(expr::floor(arg<0, int>{}))> == scalar_kind::f64);
  STATIC_REQUIRE(kind_of_expression<decltype(expr::fma(1, 2, arg<0, int>{}))> ==
                 scalar_kind::f64);
  STATIC_REQUIRE(kind_of_expression<decltype(f{} < 1)> == scalar_kind::boolean);
}

TEST_CASE("nodes: functions on plain numbers give the plain C++ result", "[expr][nodes]") {
  SECTION("cmath functions are the <cmath> ones") {
    // Arguments read through volatile: both sides call libm at run time. With literals GCC may
    // fold one side at compile time (correctly rounded, MPFR) and call glibc's tanhf for the
    // other (1 ulp off), depending on the optimisation level.
    volatile float half_f = 0.5f, two_f = 2.0f, tenth3_f = 0.3f;
    volatile double one_and_half = 1.5;
    STATIC_REQUIRE(std::is_same_v<decltype(expr::sqrt(2.0f)), float>);
    CHECK(expr::sqrt(2.0f) == std::sqrt(2.0f));
    CHECK(expr::sqrt(2) == std::sqrt(2.0));
    CHECK(expr::exp(one_and_half) == std::exp(one_and_half));
    CHECK(expr::tanh(tenth3_f) == std::tanh(tenth3_f));
    CHECK(expr::pow(two_f, half_f) == std::pow(two_f, half_f));
    STATIC_REQUIRE(std::is_same_v<decltype(expr::pow(2.0f, 3)), double>);
    CHECK(expr::floor(-2.5) == -3.0);
    CHECK(expr::ceil(-2.5f) == -2.0f);
  }
  SECTION("round is half away from zero") {
    CHECK(expr::round(2.5) == 3.0);
    CHECK(expr::round(-2.5) == -3.0);
    CHECK(expr::round(0.5f) == 1.0f);
    CHECK(expr::round(3) == 3.0);
  }
  SECTION("abs: integers stay integers after promotion and the minimum wraps") {
    STATIC_REQUIRE(std::is_same_v<decltype(expr::abs(std::int8_t{-5})), int>);
    CHECK(expr::abs(std::int8_t{-128}) == 128);
    CHECK(expr::abs(INT_MIN) == INT_MIN);
    CHECK(expr::abs(std::numeric_limits<std::int64_t>::min()) ==
          std::numeric_limits<std::int64_t>::min());
    CHECK(expr::abs(4000000000u) == 4000000000u);
    CHECK(expr::abs(-2.5f) == 2.5f);
  }
  SECTION("fma rounds once") {
    const double a = 1.0 + std::ldexp(1.0, -30), b = 1.0 - std::ldexp(1.0, -30), c = -1.0;
    CHECK(expr::fma(a, b, c) == -std::ldexp(1.0, -60));
    STATIC_REQUIRE(std::is_same_v<decltype(expr::fma(1, 2, 3)), double>);
    CHECK(expr::fma(2, 3, 4) == 10.0);
  }
  SECTION("min, max, clamp are std's, in the common type") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    CHECK(expr::min(1, 2.5) == 1.0);
    STATIC_REQUIRE(std::is_same_v<decltype(expr::min(1, 2.5)), double>);
    STATIC_REQUIRE(std::is_same_v<decltype(expr::max(std::int8_t{1}, std::int8_t{2})),
                                  std::int8_t>);
    CHECK(std::isnan(expr::min(nan, 1.0)));
    CHECK(expr::min(1.0, nan) == 1.0);
    CHECK(std::isnan(expr::max(nan, 1.0)));
    CHECK(expr::max(1.0, nan) == 1.0);
    CHECK(expr::max(-1, 3u) == 4294967295u);  // as C++: -1 converts to unsigned
    CHECK(expr::clamp(5, 0, 3) == 3);
    CHECK(expr::clamp(-5, 0, 3) == 0);
    CHECK(expr::clamp(0.25f, 0, 1) == 0.25f);
    CHECK(std::isnan(expr::clamp(nan, 0.0, 1.0)));
  }
  SECTION("select has the type of c ? a : b") {
    CHECK(expr::select(true, 1, 2.5) == 1.0);
    STATIC_REQUIRE(std::is_same_v<decltype(expr::select(true, 1, 2.5)), double>);
    CHECK(expr::select(0.0, 1, 2) == 2);
    CHECK(expr::select(std::numeric_limits<float>::quiet_NaN(), 1, 2) == 1);  // NaN is true
  }
  SECTION("cast saturates from floating, tests != 0 to bool") {
    CHECK(expr::cast<int>(1e30) == INT_MAX);
    CHECK(expr::cast<int>(-1e30) == INT_MIN);
    CHECK(expr::cast<int>(std::numeric_limits<double>::quiet_NaN()) == 0);
    CHECK(expr::cast<int>(-2.9) == -2);
    CHECK(expr::cast<std::uint8_t>(300.0f) == 255);
    CHECK(expr::cast<std::uint8_t>(-3.0f) == 0);
    CHECK(expr::cast<std::uint64_t>(1e20) == std::numeric_limits<std::uint64_t>::max());
    CHECK(expr::cast<std::int64_t>(9.3e18f) == std::numeric_limits<std::int64_t>::max());
    CHECK(expr::cast<bool>(std::numeric_limits<float>::quiet_NaN()) == true);
    CHECK(expr::cast<bool>(-0.0) == false);
    CHECK(expr::cast<std::uint8_t>(300) == 44);  // integer -> integer truncates
    CHECK(expr::cast<float>(16777217) == 16777216.0f);
  }
}

TEST_CASE("nodes: literals become constants of their own type and keep their value",
          "[expr][nodes]") {
  const auto e = arg<0, float>{} * 0.5;
  STATIC_REQUIRE(std::is_same_v<std::remove_cv_t<decltype(e.rhs)>, constant<double>>);
  CHECK(e.rhs.value == 0.5);
  const auto s = expr::select(arg<0, bool>{}, 3u, arg<1, int>{});
  CHECK(s.second.value == 3u);
  STATIC_REQUIRE(kind_of_expression<decltype(s)> == scalar_kind::u32);
}
