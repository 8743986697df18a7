// Tests of the umbrella <parjit/expr.hpp>: a kernel traced, lowered, printed and evaluated
// through the one include, as the JIT layer uses it.
#include <parjit/expr.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <cmath>

namespace expr = parjit::expr;

TEST_CASE("expr: a traced kernel runs end to end through the umbrella header", "[expr]") {
  auto kernel = [](auto x, auto m, auto sd) {
    return expr::clamp((x - m) / sd, -3.0f, 3.0f) * 0.5f + expr::max(m, 0);
  };
  const expr::graph g = expr::to_graph(
      kernel(expr::arg<0, float>{}, expr::arg<1, float>{}, expr::arg<2, float>{}));
  REQUIRE_NOTHROW(expr::validate(g));
  CHECK(g.type() == expr::scalar_kind::f32);
  CHECK(expr::to_string(g) ==
        "((clamp(((a0:float - a1:float) / a2:float), -3:float, 3:float) * 0.5:float) + "
        "max(a1:float, 0:float))");
  const std::array args{expr::value::of(10.0f), expr::value::of(2.0f), expr::value::of(0.5f)};
  CHECK(expr::evaluate(g, args).as<float>() == kernel(10.0f, 2.0f, 0.5f));
  CHECK(kernel(10.0f, 2.0f, 0.5f) == 3.5f);
  CHECK(expr::hash(g) == expr::hash(expr::canonical(g)));
}
