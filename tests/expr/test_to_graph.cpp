// Tests of to_graph.hpp: the lowered graph is valid, explicitly typed with C++'s conversions,
// deduplicated, and evaluates exactly as the same generic lambda called on plain numbers.
#include <parjit/expr/to_graph.hpp>

#include <catch2/catch.hpp>

#include <parjit/expr/evaluate.hpp>
#include <parjit/expr/print.hpp>

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#pragma GCC diagnostic ignored "-Wsign-compare"  // kernels compare signed with unsigned on purpose
#pragma GCC diagnostic ignored "-Wbool-operation"

using namespace parjit::expr;
namespace expr = parjit::expr;

namespace {

// Inputs for the differential test: floats in [-10, 10], integers small and never 0 (so the
// kernels may divide by an argument), bools either way.
template <class T>
T input(std::mt19937_64& rng) {
  if constexpr (std::is_same_v<T, bool>) {
    return (rng() & 1) != 0;
  } else if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(std::uniform_real_distribution<double>(-10.0, 10.0)(rng));
  } else if constexpr (std::is_signed_v<T>) {
    const int v = std::uniform_int_distribution<int>(-40, 39)(rng);
    return static_cast<T>(v >= 0 ? v + 1 : v);
  } else {
    return static_cast<T>(std::uniform_int_distribution<int>(1, 80)(rng));
  }
}

int kernels_checked = 0;

// Traces f with placeholders of types T..., lowers it, and compares evaluate() with f called on
// the same plain numbers, bit for bit (any NaN matches any NaN), over 200 random inputs.
template <class... T, class F>
void check_kernel(const char* name, F f) {
  ++kernels_checked;
  INFO("kernel: " << name);
  const graph g = [&]<std::size_t... I>(std::index_sequence<I...>) {
    return to_graph(f(arg<I, T>{}...));
  }(std::index_sequence_for<T...>{});
  INFO("graph: " << to_string(g));
  REQUIRE_NOTHROW(validate(g));
  std::mt19937_64 rng(std::hash<std::string>{}(name));
  for (int i = 0; i < 200; ++i) {
    const std::tuple<T...> xs{input<T>(rng)...};
    const auto expected = std::apply(f, xs);
    using result_t = std::remove_cvref_t<decltype(expected)>;
    REQUIRE(g.type() == kind_of<result_t>);
    const std::array<value, sizeof...(T)> args =
        std::apply([](auto... x) { return std::array<value, sizeof...(T)>{value::of(x)...}; }, xs);
    const value got = evaluate(g, args);
    INFO("expected " << to_string(value::of(expected)) << ", evaluated " << to_string(got));
    REQUIRE(same_value(got, value::of(expected)));
  }
}

}  // namespace

TEST_CASE("to_graph: evaluate equals the lambda on plain numbers, 40 kernels",
          "[expr][to_graph]") {
  using i8 = std::int8_t;
  using u8 = std::uint8_t;
  using i16 = std::int16_t;
  using u16 = std::uint16_t;
  using i32 = std::int32_t;
  using u32 = std::uint32_t;
  using i64 = std::int64_t;
  using u64 = std::uint64_t;
  kernels_checked = 0;
  check_kernel<float, float>("hypot", [](auto a, auto b) { return expr::sqrt(a * a + b * b); });
  check_kernel<float, float, float>("standardise",
                                    [](auto x, auto m, auto sd) { return (x - m) / sd; });
  check_kernel<float>("float times double literal", [](auto a) { return a * 0.5; });
  check_kernel<i32>("affine int", [](auto a) { return a * 3 + 1; });
  check_kernel<i8, i8>("int8 sum promotes", [](auto a, auto b) { return a + b; });
  check_kernel<u8, u8>("uint8 product promotes", [](auto a, auto b) { return a * b - 7; });
  check_kernel<i8>("negate int8", [](auto a) { return -a; });
  check_kernel<u32, u32>("unsigned wraps", [](auto a, auto b) { return a - b * 1000u; });
  check_kernel<i32, u32>("int plus unsigned is unsigned", [](auto a, auto b) { return a + b; });
  check_kernel<i32, u32>("signed/unsigned compare", [](auto a, auto b) { return a < b; });
  check_kernel<i64, u64>("int64 plus uint64", [](auto a, auto b) { return a * b + 1; });
  check_kernel<i16, u16>("int16 ops uint16", [](auto a, auto b) { return (a - b) * (a + b); });
  check_kernel<float, float>("not greater", [](auto a, auto b) { return !(a > b); });
  check_kernel<float, double>("and of compares",
                              [](auto a, auto b) { return (a > 0) && (b < 1.5); });
  check_kernel<i32, i32>("or of equalities",
                         [](auto a, auto b) { return (a == b) || (a != 3); });
  check_kernel<float, float>("bools in arithmetic",
                             [](auto a, auto b) { return (a < b) + (a > b) * 2; });
  check_kernel<float, double>("select max-like",
                              [](auto a, auto b) { return expr::select(a > b, a, b); });
  check_kernel<bool, i32>("select with a literal branch",
                          [](auto c, auto a) { return expr::select(c, a, 2.5); });
  check_kernel<float, i32>("min of float and int", [](auto a, auto b) { return expr::min(a, b); });
  check_kernel<i8, i8>("max of int8 stays int8", [](auto a, auto b) { return expr::max(a, b); });
  check_kernel<float>("clamp to unit", [](auto x) { return expr::clamp(x, 0, 1); });
  check_kernel<double, float, i16>("clamp mixed", [](auto x, auto lo, auto hi) {
    return expr::clamp(x, lo, hi);
  });
  check_kernel<float, float, float>("fma float",
                                    [](auto a, auto b, auto c) { return expr::fma(a, b, c); });
  check_kernel<i32, i32>("fma of integers is double",
                         [](auto a, auto b) { return expr::fma(a, b, 1); });
  check_kernel<double, double, double>("multiply-add is not contracted",
                                       [](auto a, auto b, auto c) { return a * b + c; });
  check_kernel<float>("pow float int is double", [](auto a) { return expr::pow(a, 2); });
  check_kernel<float, float>("pow float float",
                             [](auto a, auto b) { return expr::pow(expr::abs(a), b * 0.25f); });
  check_kernel<float>("gaussian", [](auto a) { return expr::exp(-a * a * 0.5f); });
  check_kernel<double>("log of abs", [](auto a) { return expr::log(expr::abs(a) + 1); });
  check_kernel<float, i32>("log2 and log10", [](auto a, auto b) {
    return expr::log2(a * a + 1) - expr::log10(b * b);
  });
  check_kernel<float, double>("sin cos", [](auto a, auto b) { return expr::sin(a) * expr::cos(b); });
  check_kernel<float>("tan and tanh", [](auto a) { return expr::tan(a * 0.1f) + expr::tanh(a); });
  check_kernel<i8>("abs int8 is int", [](auto a) { return expr::abs(a); });
  check_kernel<u16>("abs of unsigned", [](auto a) { return expr::abs(a) + expr::abs(3u); });
  check_kernel<i32, float>("floor ceil round", [](auto i, auto x) {
    return expr::floor(i) + expr::ceil(x) * expr::round(x * 0.5f);
  });
  check_kernel<i32, i32>("modulo and division", [](auto a, auto b) { return a % b + a / b; });
  check_kernel<u32>("unsigned modulo literal", [](auto a) { return a % 7 + a / 3; });
  check_kernel<i64, i64>("int64 division", [](auto a, auto b) { return a * 1000000007 / b; });
  check_kernel<float>("saturating cast to uint8",
                      [](auto x) { return expr::cast<u8>(x * 255.0f); });
  check_kernel<float, i32>("casts both ways", [](auto x, auto i) {
    return expr::cast<int>(x) + expr::cast<float>(i) * 2;
  });
  check_kernel<double>("cast to bool", [](auto x) { return expr::cast<bool>(x - 0.5) && true; });
  check_kernel<float>("unary plus promotes nothing for float", [](auto x) { return +x * x; });
  check_kernel<u8>("unary plus promotes uint8", [](auto x) { return +x; });
  check_kernel<float>("constant kernel", [](auto) { return 3 * 2.5f; });
  check_kernel<float, float>("shared subexpression", [](auto a, auto b) {
    const auto t = a * b + 1;
    return t * t - t / 2;
  });
  CHECK(kernels_checked >= 30);
}

TEST_CASE("to_graph: C++'s implicit conversions become cast nodes, literals are folded",
          "[expr][to_graph]") {
  const graph g = to_graph(arg<0, int>{} + arg<1, float>{});
  REQUIRE(g.nodes.size() == 4u);
  CHECK(g.nodes[0].code == op::argument);
  CHECK(g.nodes[1].code == op::cast);
  CHECK(g.nodes[1].type == scalar_kind::f32);
  CHECK(g.nodes[2].code == op::argument);
  CHECK(g.nodes[2].index == 1);
  CHECK(g.nodes[3].code == op::add);
  CHECK(g.nodes[3].type == scalar_kind::f32);
  CHECK(g.root == 3);

  // `x * 2` with float x multiplies by the constant 2.0f, as a C++ compiler folds it.
  const graph h = to_graph(arg<0, float>{} * 2);
  REQUIRE(h.nodes.size() == 3u);
  CHECK(h.nodes[1].code == op::constant);
  CHECK(h.nodes[1].type == scalar_kind::f32);
  CHECK(h.nodes[1].value<float>() == 2.0f);

  // A literal that does not fit saturates/wraps exactly as the cast would at run time.
  const graph k = to_graph(expr::cast<std::uint8_t>(arg<0, float>{} * 0 + 1000.0f));
  CHECK(to_string(k) == "uint8(((a0:float * 0:float) + 1000:float))");
  CHECK(to_string(to_graph(expr::cast<std::uint8_t>(1000.0f))) == "255:uint8");

  // math functions of integers compute in double
  const graph s = to_graph(expr::sqrt(arg<0, std::int16_t>{}));
  CHECK(to_string(s) == "sqrt(double(a0:int16))");
  CHECK(s.type() == scalar_kind::f64);
  // comparisons and logic
  CHECK(to_string(to_graph(arg<0, double>{} < 1 && arg<1, int>{})) ==
        "((a0:double < 1:double) && bool(a1:int32))");
  // unsigned abs is the operand itself (no abs node on unsigned types)
  CHECK(to_string(to_graph(expr::abs(arg<0, std::uint64_t>{}))) == "a0:uint64");
  CHECK(to_string(to_graph(expr::abs(arg<0, std::uint8_t>{}))) == "abs(int32(a0:uint8))");
}

TEST_CASE("to_graph: identical subexpressions are one node", "[expr][to_graph]") {
  const auto a = arg<0, float>{};
  const graph g = to_graph(a * a);
  REQUIRE(g.nodes.size() == 2u);  // argument 0 read once
  CHECK(g.nodes[1].operand[0] == 0);
  CHECK(g.nodes[1].operand[1] == 0);

  const graph h = to_graph(expr::sqrt(a * a + a * a) + expr::sqrt(a * a + a * a));
  CHECK(h.nodes.size() == 5u);  // a, a*a, +, sqrt, +
  int arguments = 0;
  for (const node& n : h.nodes) arguments += n.code == op::argument;
  CHECK(arguments == 1);
  // the same literal twice is one constant; the same value in another type is another
  CHECK(to_graph(a * 2.0f + 2.0f).nodes.size() == 4u);
  CHECK(to_graph(a * 2.0f + 2.0).nodes.size() == 6u);  // a, 2f, *, double(*), 2.0, +
}

TEST_CASE("to_graph: graphs are canonical: post-order, root last, equal trees equal graphs",
          "[expr][to_graph]") {
  auto k = [](auto a, auto b) { return expr::select(a > b, a - b, expr::min(a, b) * 2); };
  const graph g1 = to_graph(k(arg<0, double>{}, arg<1, int>{}));
  const graph g2 = to_graph(k(arg<0, double>{}, arg<1, int>{}));
  CHECK(g1 == g2);
  CHECK(canonical(g1) == g1);
  CHECK(g1.root == static_cast<std::int32_t>(g1.nodes.size()) - 1);
  for (std::size_t i = 0; i < g1.nodes.size(); ++i) {
    for (int j = 0; j < arity(g1.nodes[i].code); ++j) {
      CHECK(g1.nodes[i].operand[j] < static_cast<std::int32_t>(i));
    }
  }
  // a plain number is a constant graph
  const graph c = to_graph(2.5f);
  REQUIRE(c.nodes.size() == 1u);
  CHECK(c.result().code == op::constant);
  CHECK(c.type() == scalar_kind::f32);
  // arguments keep their index and type
  const graph a = to_graph(arg<7, std::uint16_t>{});
  CHECK(a.result().index == 7);
  CHECK(a.result().type == scalar_kind::u16);
}
