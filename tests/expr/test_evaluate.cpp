// Tests of evaluate.hpp: the reference evaluator's edge semantics (the ones the JIT must match)
// and the validator's rejection of broken graphs.
#include <parjit/expr/evaluate.hpp>

#include <catch2/catch.hpp>

#include <parjit/expr/loops.hpp>
#include <parjit/expr/to_graph.hpp>

#include <array>
#include <climits>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

using namespace parjit::expr;
namespace expr = parjit::expr;

namespace {

// Evaluates f traced over placeholders of the argument types, on these argument values.
template <class... T, class F>
auto eval(F f, T... x) {
  const graph g = [&]<std::size_t... I>(std::index_sequence<I...>) {
    return to_graph(f(arg<I, T>{}...));
  }(std::index_sequence_for<T...>{});
  const std::array<value, sizeof...(T)> args{value::of(x)...};
  const value v = evaluate(g, args);
  return v.as<type_of<kind_of_expression<decltype(f(arg<0, T>{}...))>>>();
}

constexpr double qnan = std::numeric_limits<double>::quiet_NaN();
constexpr double inf = std::numeric_limits<double>::infinity();
constexpr std::int64_t i64_min = std::numeric_limits<std::int64_t>::min();

}  // namespace

TEST_CASE("evaluate: integer division and remainder never trap", "[expr][evaluate]") {
  auto div = [](auto a, auto b) { return a / b; };
  auto mod = [](auto a, auto b) { return a % b; };
  CHECK(eval(div, 7, 0) == 0);
  CHECK(eval(mod, 7, 0) == 0);
  CHECK(eval(div, INT_MIN, -1) == INT_MIN);
  CHECK(eval(mod, INT_MIN, -1) == 0);
  CHECK(eval(div, i64_min, std::int64_t{-1}) == i64_min);
  CHECK(eval(mod, i64_min, std::int64_t{-1}) == 0);
  CHECK(eval(div, 7u, 0u) == 0u);
  CHECK(eval(mod, 7u, 0u) == 0u);
  CHECK(eval(div, -7, 2) == -3);  // truncates toward zero
  CHECK(eval(mod, -7, 2) == -1);
  CHECK(eval(div, std::int8_t{-128}, std::int8_t{-1}) == 128);  // int8 promotes: no overflow
  CHECK(eval(div, 1.0, 0.0) == inf);
}

TEST_CASE("evaluate: integer arithmetic wraps", "[expr][evaluate]") {
  CHECK(eval([](auto a) { return a + 1; }, INT_MAX) == INT_MIN);
  CHECK(eval([](auto a) { return -a; }, INT_MIN) == INT_MIN);
  CHECK(eval([](auto a) { return a * a; }, 65536) == 0);
  CHECK(eval([](auto a) { return a - 1u; }, 0u) == UINT_MAX);
  CHECK(eval([](auto a) { return expr::abs(a); }, INT_MIN) == INT_MIN);
  CHECK(eval([](auto a) { return expr::abs(a); }, i64_min) == i64_min);
  CHECK(eval([](auto a) { return a * 3; }, i64_min + 1) == i64_min + 3);
}

TEST_CASE("evaluate: casts saturate from floating, truncate between integers",
          "[expr][evaluate]") {
  auto to_i32 = [](auto x) { return expr::cast<std::int32_t>(x); };
  auto to_u8 = [](auto x) { return expr::cast<std::uint8_t>(x); };
  auto to_u64 = [](auto x) { return expr::cast<std::uint64_t>(x); };
  auto to_i64 = [](auto x) { return expr::cast<std::int64_t>(x); };
  auto to_bool = [](auto x) { return expr::cast<bool>(x); };
  CHECK(eval(to_i32, 1e10) == INT_MAX);
  CHECK(eval(to_i32, -1e10) == INT_MIN);
  CHECK(eval(to_i32, qnan) == 0);
  CHECK(eval(to_i32, inf) == INT_MAX);
  CHECK(eval(to_i32, -inf) == INT_MIN);
  CHECK(eval(to_i32, 2147483520.0f) == 2147483520);
  CHECK(eval(to_i32, 2147483647.9) == INT_MAX);
  CHECK(eval(to_i32, -2147483648.9) == INT_MIN);
  CHECK(eval(to_i32, -0.9) == 0);
  CHECK(eval(to_i32, -2.9f) == -2);
  CHECK(eval(to_u8, 300.0f) == 255);
  CHECK(eval(to_u8, -1.0f) == 0);
  CHECK(eval(to_u8, 255.9) == 255);
  CHECK(eval(to_u64, 1.8446744073709552e19) == std::numeric_limits<std::uint64_t>::max());
  CHECK(eval(to_u64, 1.8446744073709550e19) == 18446744073709549568ull);
  CHECK(eval(to_i64, 9.3e18f) == std::numeric_limits<std::int64_t>::max());
  CHECK(eval(to_i64, -9.3e18) == i64_min);
  CHECK(eval(to_bool, static_cast<float>(qnan)) == true);
  CHECK(eval(to_bool, -0.0) == false);
  CHECK(eval(to_bool, 256) == true);  // != 0, not truncation
  CHECK(eval(to_u8, 300) == 44);      // integer -> integer truncates
  CHECK(eval([](auto x) { return expr::cast<std::int8_t>(x); }, 200u) == -56);
  CHECK(eval([](auto x) { return expr::cast<std::int32_t>(x); }, 4000000000u) == -294967296);
  CHECK(eval([](auto x) { return expr::cast<float>(x); }, 16777217) == 16777216.0f);
  CHECK(eval([](auto x) { return expr::cast<float>(x); }, 1e300) == static_cast<float>(inf));
}

TEST_CASE("evaluate: floating compares are ordered except !=", "[expr][evaluate]") {
  CHECK(eval([](auto a, auto b) { return a < b; }, qnan, 1.0) == false);
  CHECK(eval([](auto a, auto b) { return a >= b; }, qnan, 1.0) == false);
  CHECK(eval([](auto a, auto b) { return a == b; }, qnan, qnan) == false);
  CHECK(eval([](auto a, auto b) { return a != b; }, qnan, qnan) == true);
  CHECK(eval([](auto a, auto b) { return a != b; }, qnan, 1.0f) == true);
  CHECK(eval([](auto a) { return !a; }, qnan) == false);  // NaN converts to true
  CHECK(eval([](auto a, auto b) { return a == b; }, 0.0, -0.0) == true);
  CHECK(eval([](auto a, auto b) { return a < b; }, -1, 1u) == false);  // -1 becomes UINT_MAX
}

TEST_CASE("evaluate: min, max, clamp with NaN are std's", "[expr][evaluate]") {
  auto mn = [](auto a, auto b) { return expr::min(a, b); };
  auto mx = [](auto a, auto b) { return expr::max(a, b); };
  CHECK(std::isnan(eval(mn, qnan, 1.0)));
  CHECK(eval(mn, 1.0, qnan) == 1.0);
  CHECK(std::isnan(eval(mx, qnan, 1.0)));
  CHECK(eval(mx, 1.0, qnan) == 1.0);
  CHECK(!std::signbit(eval(mn, 0.0, -0.0)));  // -0 < 0 is false: the first operand
  CHECK(std::signbit(eval(mn, -0.0, 0.0)));
  CHECK(!std::signbit(eval(mx, 0.0, -0.0)));
  auto cl = [](auto x, auto lo, auto hi) { return expr::clamp(x, lo, hi); };
  CHECK(std::isnan(eval(cl, qnan, 0.0, 1.0)));
  CHECK(eval(cl, 5.0, 0.0, 1.0) == 1.0);
  CHECK(eval(cl, -5, 0, 3) == 0);
  CHECK(eval(mx, true, false) == true);
  CHECK(eval(mn, std::int8_t{-5}, std::int8_t{3}) == -5);
}

TEST_CASE("evaluate: round is half away from zero; fma rounds once; no contraction",
          "[expr][evaluate]") {
  auto rnd = [](auto x) { return expr::round(x); };
  CHECK(eval(rnd, 2.5) == 3.0);
  CHECK(eval(rnd, -2.5) == -3.0);
  CHECK(eval(rnd, 0.5f) == 1.0f);
  CHECK(eval(rnd, -0.5f) == -1.0f);
  CHECK(eval(rnd, std::nextafter(1.5, 0.0)) == 1.0);  // not 0.5 + x then floor
  CHECK(eval(rnd, 7) == 7.0);
  const double a = 1.0 + std::ldexp(1.0, -30), b = 1.0 - std::ldexp(1.0, -30), c = -1.0;
  CHECK(eval([](auto x, auto y, auto z) { return expr::fma(x, y, z); }, a, b, c) ==
        -std::ldexp(1.0, -60));
  CHECK(eval([](auto x, auto y, auto z) { return x * y + z; }, a, b, c) == 0.0);
  CHECK(std::isnan(eval([](auto x) { return expr::sqrt(x); }, -1.0f)));
  CHECK(eval([](auto x) { return expr::floor(x); }, -0.5) == -1.0);
}

TEST_CASE("evaluate: select takes the branch, logical ops convert with != 0",
          "[expr][evaluate]") {
  auto sel = [](auto c, auto a, auto b) { return expr::select(c, a, b); };
  CHECK(eval(sel, true, 1, 2.5) == 1.0);
  CHECK(eval(sel, false, 1, 2.5) == 2.5);
  CHECK(eval(sel, 0.0, 1, 2) == 2);
  CHECK(eval(sel, qnan, 1, 2) == 1);
  CHECK(eval([](auto a, auto b) { return a && b; }, 2, 0.5) == true);
  CHECK(eval([](auto a, auto b) { return a || b; }, 0, -0.0) == false);
}

TEST_CASE("evaluate: arguments are checked", "[expr][evaluate]") {
  const graph g = to_graph(arg<0, float>{} + arg<1, int>{});
  const std::array good{value::of(1.5f), value::of(2)};
  CHECK(evaluate(g, good).as<float>() == 3.5f);
  const std::array short_args{value::of(1.5f)};
  CHECK_THROWS_AS(evaluate(g, short_args), std::invalid_argument);
  const std::array wrong_type{value::of(1.5), value::of(2)};
  CHECK_THROWS_AS(evaluate(g, wrong_type), std::invalid_argument);
  CHECK_THROWS_AS(value::of(1.5f).as<double>(), std::invalid_argument);
  CHECK(value::of(std::int8_t{-1}).bits == 0xffu);
  CHECK(same_value(value::of(qnan), value::of(-qnan)));
  CHECK(!same_value(value::of(0.0), value::of(-0.0)));
  CHECK(!same_value(value::of(1.0f), value::of(1.0)));
  CHECK(to_string(value::of(2.5f)) == "2.5:float");
}

TEST_CASE("evaluator: prepared once, it evaluates as evaluate does", "[expr][evaluate]") {
  const arg<0, float> a;
  const arg<1, int> b;
  // A tuple of three results, one from a loop: every path of the prepared evaluation.
  const graph g = to_graph(expr::tuple(
      a * 2.0f + b, fori(0, b, a, [](auto, auto x) { return x * 0.5f + 1.0f; }), b % 3));
  const evaluator ref(g);
  CHECK(ref.source().nodes.size() == g.nodes.size());
  for (int i = -4; i < 12; ++i) {
    const std::array args{value::of(0.25f * static_cast<float>(i) - 1.0f), value::of(i)};
    const std::vector<value> want = evaluate_results(g, args, i);
    const std::vector<value> got = ref.results(args, i);
    REQUIRE(got.size() == 3);
    for (std::size_t k = 0; k < 3; ++k) CHECK(same_value(got[k], want[k]));
    CHECK(same_value(ref(args, i), evaluate(g, args, i)));
  }
  // The same checks as evaluate: too few arguments, a wrong type; an invalid graph on making.
  const std::array short_args{value::of(1.5f)};
  CHECK_THROWS_AS(ref(short_args), std::invalid_argument);
  const std::array wrong_type{value::of(1.5), value::of(2)};
  CHECK_THROWS_AS(ref.results(wrong_type), std::invalid_argument);
  graph broken = g;
  broken.root = static_cast<std::int32_t>(broken.nodes.size());
  CHECK_THROWS_AS(evaluator(broken), std::invalid_argument);
}

namespace {

// A valid graph: select(a0:float < 1:float, sqrt(a0), a0 % ...) built by hand, to be broken.
graph valid_graph() {
  graph g;
  node a;
  a.code = op::argument;
  a.type = scalar_kind::f32;
  const auto a0 = g.add(a);                                   // 0
  const auto one = g.add(node::make_constant(1.0f));          // 1
  node lt;
  lt.code = op::lt;
  lt.type = scalar_kind::boolean;
  lt.operand[0] = a0;
  lt.operand[1] = one;
  const auto c = g.add(lt);                                   // 2
  node s;
  s.code = op::sqrt;
  s.type = scalar_kind::f32;
  s.operand[0] = a0;
  const auto r = g.add(s);                                    // 3
  node sel;
  sel.code = op::select;
  sel.type = scalar_kind::f32;
  sel.operand[0] = c;
  sel.operand[1] = r;
  sel.operand[2] = a0;
  g.root = g.add(sel);                                        // 4
  return g;
}

struct broken_case {
  const char* what;
  std::function<void(graph&)> damage;
  const char* message_part;
};

}  // namespace

TEST_CASE("validate: rejects broken graphs and names the node", "[expr][evaluate]") {
  REQUIRE_NOTHROW(validate(valid_graph()));
  const broken_case cases[] = {
      {"root out of range", [](graph& g) { g.root = 9; }, "root"},
      {"no root", [](graph& g) { g.root = -1; }, "root"},
      {"forward operand", [](graph& g) { g.nodes[3].operand[0] = 4; }, "node 3"},
      {"negative operand", [](graph& g) { g.nodes[2].operand[1] = -1; }, "node 2"},
      {"operand type mismatch", [](graph& g) { g.nodes[1] = node::make_constant(1.0); }, "node 2"},
      {"math function on int",
       [](graph& g) {
         g.nodes[0].type = scalar_kind::i32;
         g.nodes[1] = node::make_constant(1);
         g.nodes[3].type = scalar_kind::i32;
         g.nodes[4].type = scalar_kind::i32;
       },
       "node 3 (sqrt:int32)"},
      {"comparison not bool", [](graph& g) { g.nodes[2].type = scalar_kind::i32; }, "node 2"},
      {"select condition not bool",
       [](graph& g) { g.nodes[4].operand[0] = 0; }, "node 4 (select:float)"},
      {"branch type differs", [](graph& g) { g.nodes[4].type = scalar_kind::f64; }, "node 4"},
      {"mod on float", [](graph& g) { g.nodes[3].code = op::mod; g.nodes[3].operand[1] = 1; },
       "node 3 (mod:float)"},
      {"unused operand slot set", [](graph& g) { g.nodes[3].operand[2] = 0; }, "node 3"},
      {"bits on a non-constant", [](graph& g) { g.nodes[3].bits = 1; }, "node 3"},
      {"index on a non-argument", [](graph& g) { g.nodes[3].index = 2; }, "node 3"},
      {"negative argument index", [](graph& g) { g.nodes[0].index = -1; }, "node 0"},
      {"bool constant of 2",
       [](graph& g) {
         g.nodes[1] = node::make_constant(true);
         g.nodes[1].bits = 2;
       },
       "node 1"},
      {"constant padding not zero", [](graph& g) { g.nodes[1].bits |= 1ull << 40; }, "node 1"},
      {"unknown op", [](graph& g) { g.nodes[3].code = static_cast<op>(200); }, "node 3"},
      {"unknown type", [](graph& g) { g.nodes[3].type = static_cast<scalar_kind>(77); }, "node 3"},
      {"argument with two types",
       [](graph& g) {
         node a;
         a.code = op::argument;
         a.type = scalar_kind::f64;
         g.add(a);
       },
       "node 5"},
      {"arithmetic on int8",
       [](graph& g) {
         node a;
         a.code = op::argument;
         a.type = scalar_kind::i8;
         a.index = 1;
         const auto x = g.add(a);
         node s;
         s.code = op::add;
         s.type = scalar_kind::i8;
         s.operand[0] = x;
         s.operand[1] = x;
         g.add(s);
       },
       "node 6 (add:int8)"},
      {"abs on unsigned",
       [](graph& g) {
         node a;
         a.code = op::argument;
         a.type = scalar_kind::u32;
         a.index = 1;
         const auto x = g.add(a);
         node s;
         s.code = op::abs;
         s.type = scalar_kind::u32;
         s.operand[0] = x;
         g.add(s);
       },
       "node 6 (abs:uint32)"},
      {"logical and of floats",
       [](graph& g) {
         node s;
         s.code = op::logical_and;
         s.type = scalar_kind::boolean;
         s.operand[0] = 0;
         s.operand[1] = 0;
         g.add(s);
       },
       "node 5 (logical_and:bool)"},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    graph g = valid_graph();
    c.damage(g);
    try {
      validate(g);
      FAIL("validate accepted a broken graph");
    } catch (const std::invalid_argument& e) {
      INFO(e.what());
      CHECK(std::string(e.what()).find(c.message_part) != std::string::npos);
    }
    CHECK_THROWS_AS(evaluate(g, std::array{value::of(1.0f)}), std::invalid_argument);
  }
}
