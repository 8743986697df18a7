// Tests of print.hpp: the text is canonical (a usable cache key), exact for every literal, and the
// hash is stable across processes.
#include <parjit/expr/print.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <set>
#include <string>

using namespace parjit::expr;
namespace expr = parjit::expr;

namespace {
template <class F>
std::string text_of(F f) {
  return to_string(f(arg<0, float>{}, arg<1, float>{}));
}
}  // namespace

TEST_CASE("print: the documented spelling", "[expr][print]") {
  const auto a = arg<0, float>{};
  const auto b = arg<1, float>{};
  CHECK(to_string(expr::sqrt(a * a + b * b)) ==
        "sqrt(((a0:float * a0:float) + (a1:float * a1:float)))");
  CHECK(to_string(a + 1) == "(a0:float + 1:float)");
  CHECK(to_string(a * 0.1) == "(double(a0:float) * 0.1:double)");
  CHECK(to_string(expr::select(a > b, -a, expr::min(b, 3))) ==
        "select((a0:float > a1:float), (-a0:float), min(a1:float, 3:float))");
  CHECK(to_string(!(arg<2, bool>{}) || true) == "((!a2:bool) || true:bool)");
  CHECK(to_string(expr::cast<std::int8_t>(a) % -3) == "(int32(int8(a0:float)) % -3:int32)");
  CHECK(to_string(expr::fma(a, b, 1.5f)) == "fma(a0:float, a1:float, 1.5:float)");
  CHECK(to_string(expr::clamp(a, 0.0f, 1.0f)) == "clamp(a0:float, 0:float, 1:float)");
}

TEST_CASE("print: shared subexpressions are printed once", "[expr][print]") {
  const auto x = arg<0, std::int8_t>{};
  const auto y = (x + 1) * (x + 1);
  CHECK(to_string(y * y) ==
        "t0 = (int32(a0:int8) + 1:int32); t1 = (t0 * t0); (t1 * t1)");
  // the text stays linear in the size of the graph (the tree has 4096 leaves, the graph 13 nodes)
  auto square = [](auto e) { return e * e; };
  auto deep = [&](auto self, auto e, auto n) {
    if constexpr (decltype(n)::value == 0) {
      return e;
    } else {
      return self(self, square(e), std::integral_constant<int, decltype(n)::value - 1>{});
    }
  };
  const std::string s = to_string(deep(deep, arg<0, double>{}, std::integral_constant<int, 12>{}));
  CHECK(s.size() < 400);
  CHECK(s.rfind("t0 = (a0:double * a0:double); ", 0) == 0);
}

TEST_CASE("print: equal trees print equally and hash equally", "[expr][print]") {
  auto k = [](auto a, auto b) { return expr::exp(a * 0.5f) + expr::max(a, b) / 3; };
  const graph g1 = to_graph(k(arg<0, float>{}, arg<1, float>{}));
  const graph g2 = to_graph(k(arg<0, float>{}, arg<1, float>{}));
  CHECK(to_string(g1) == to_string(g2));
  CHECK(hash(g1) == hash(g2));

  // A hand-built graph with duplicate and dead nodes prints as its canonical form.
  graph h;
  node a;
  a.code = op::argument;
  a.type = scalar_kind::f64;
  const auto a0 = h.add(a);
  const auto dead = h.add(node::make_constant(42.0));
  const auto a0_again = h.add(a);
  node m;
  m.code = op::mul;
  m.type = scalar_kind::f64;
  m.operand[0] = a0;
  m.operand[1] = a0_again;
  h.root = h.add(m);
  (void)dead;
  CHECK(to_string(h) == to_string(to_graph(arg<0, double>{} * arg<0, double>{})));
  CHECK(hash(h) == hash(to_graph(arg<0, double>{} * arg<0, double>{})));
  CHECK(canonical(h).nodes.size() == 2u);
}

TEST_CASE("print: any change of a literal, type, op or argument changes text and hash",
          "[expr][print]") {
  const graph base = to_graph(arg<0, float>{} * 2.0f + 1.0f);
  const graph variants[] = {
      to_graph(arg<0, float>{} * 2.5f + 1.0f),                      // literal
      to_graph(arg<0, float>{} * 2.0f + 1.0000001f),                // last bit of a literal
      to_graph(arg<0, double>{} * 2.0f + 1.0f),                     // argument type
      to_graph(arg<1, float>{} * 2.0f + 1.0f),                      // argument index
      to_graph(arg<0, float>{} * 2.0f - 1.0f),                      // op
      to_graph(arg<0, float>{} * 2.0 + 1.0f),                       // literal type
      to_graph(1.0f + arg<0, float>{} * 2.0f),                      // operand order
      to_graph(expr::cast<float>(arg<0, float>{} * 2.0f + 1.0f)),   // identity cast: same!
  };
  std::set<std::string> texts{to_string(base)};
  std::set<std::uint64_t> hashes{hash(base)};
  for (std::size_t i = 0; i + 1 < std::size(variants); ++i) {
    INFO(to_string(variants[i]));
    CHECK(texts.insert(to_string(variants[i])).second);
    CHECK(hashes.insert(hash(variants[i])).second);
  }
  CHECK(to_string(variants[std::size(variants) - 1]) == to_string(base));

  // -0.0 vs 0.0, and NaNs with different payloads, are different constants
  CHECK(to_string(to_graph(0.0)) != to_string(to_graph(-0.0)));
  CHECK(to_string(to_graph(-0.0)) == "-0:double");
  double nan1 = std::numeric_limits<double>::quiet_NaN();
  std::uint64_t bits;
  std::memcpy(&bits, &nan1, 8);
  bits |= 1;
  double nan2;
  std::memcpy(&nan2, &bits, 8);
  CHECK(to_string(to_graph(nan1)) == "nan(0x7ff8000000000000):double");
  CHECK(to_string(to_graph(nan1)) != to_string(to_graph(nan2)));
  CHECK(to_string(to_graph(std::numeric_limits<float>::infinity())) == "inf:float");
  CHECK(to_string(to_graph(-std::numeric_limits<double>::infinity())) == "-inf:double");
  CHECK(to_string(to_graph(1u)) != to_string(to_graph(1)));
  CHECK(to_string(to_graph(true)) == "true:bool");
  CHECK(to_string(to_graph(std::int64_t{-9223372036854775807 - 1})) ==
        "-9223372036854775808:int64");
}

TEST_CASE("print: floating literals print exactly and read back to the same bits",
          "[expr][print]") {
  for (double v : {0.1, 1.0 / 3.0, 1e-320, 5e-324, 1.7976931348623157e308, -2.5e-8, 123456789.0}) {
    const std::string s = to_string(to_graph(v));
    INFO(s);
    REQUIRE(s.size() > 7);
    CHECK(s.substr(s.size() - 7) == ":double");
    CHECK(std::strtod(s.substr(0, s.size() - 7).c_str(), nullptr) == v);
  }
  CHECK(to_string(to_graph(0.1)) == "0.1:double");
  CHECK(to_string(to_graph(0.1f)) == "0.1:float");
  const std::string f = to_string(to_graph(1e-45f));
  CHECK(std::strtof(f.substr(0, f.size() - 6).c_str(), nullptr) == 1e-45f);
}

TEST_CASE("print: the hash is stable across runs and processes", "[expr][print]") {
  // Pinned: a change here invalidates every on-disk JIT cache, so it must be deliberate.
  const graph g = to_graph(expr::sqrt(arg<0, float>{} * arg<0, float>{} +
                                      arg<1, float>{} * arg<1, float>{}));
  CHECK(hash(g) == 0xc39f32640727e118ull);
  // FNV-1a 64 of the text, computed here independently
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : to_string(g)) h = (h ^ c) * 1099511628211ull;
  CHECK(hash(g) == h);
}

TEST_CASE("print: broken graphs are reported, not crashed on", "[expr][print]") {
  graph g;
  CHECK_THROWS_AS(to_string(g), std::invalid_argument);  // no root
  g.add(node::make_constant(1));
  node n;
  n.code = op::neg;
  n.type = scalar_kind::i32;
  n.operand[0] = 5;
  g.root = g.add(n);
  CHECK_THROWS_AS(to_string(g), std::invalid_argument);  // operand out of range
}

TEST_CASE("print: text_of helper covers commutation", "[expr][print]") {
  // a + b and b + a are different graphs (no algebraic canonicalisation)
  CHECK(text_of([](auto a, auto b) { return a + b; }) !=
        text_of([](auto a, auto b) { return b + a; }));
}

TEST_CASE("print: a graph 300,000 levels deep prints without a recursion per level",
          "[expr][print]") {
  // x = a0; then x = (x + a1) 300,000 times: the printer, canonical() and hash() all walk it.
  constexpr int depth = 300000;
  graph g;
  node a0;
  a0.code = op::argument;
  a0.type = scalar_kind::f32;
  node a1 = a0;
  a1.index = 1;
  std::int32_t x = g.add(a0);
  const std::int32_t y = g.add(a1);
  for (int k = 0; k < depth; ++k) {
    node n;
    n.code = op::add;
    n.type = scalar_kind::f32;
    n.operand[0] = x;
    n.operand[1] = y;
    x = g.add(n);
  }
  g.root = x;
  const graph c = canonical(g);
  CHECK(c.nodes.size() == g.nodes.size());
  CHECK(c.root == static_cast<std::int32_t>(c.nodes.size()) - 1);
  std::string want(depth, '(');
  want += "a0:float";
  for (int k = 0; k < depth; ++k) want += " + a1:float)";
  CHECK(to_string(g) == want);
  CHECK(hash(g) == hash(c));
}

TEST_CASE("print: deep chains of every operand shape keep their spelling", "[expr][print]") {
  // Prefix, cast, call and infix forms nested 50,000 deep; the text is checked against the same
  // pattern built by string concatenation.
  constexpr int depth = 50000;
  graph g;
  node a0;
  a0.code = op::argument;
  a0.type = scalar_kind::f64;
  std::int32_t x = g.add(a0);
  std::string want = "a0:double";
  auto add = [&](op code, scalar_kind t, std::int32_t p, std::int32_t q = -1,
                 std::int32_t r = -1) {
    node n;
    n.code = code;
    n.type = t;
    n.operand[0] = p;
    n.operand[1] = q;
    n.operand[2] = r;
    return g.add(n);
  };
  const std::int32_t one = g.add(node::make_constant(1.0));
  // Building the expected text by wrapping is quadratic: only the first 100 levels are spelt
  // out in full; the rest is checked at both ends.
  constexpr int spelt = 100;
  for (int k = 0; k < depth; ++k) {
    const bool spell = k < spelt;
    switch (k % 4) {
      case 0:
        x = add(op::neg, scalar_kind::f64, x);
        if (spell) want = "(-" + want + ")";
        break;
      case 1:
        x = add(op::fma, scalar_kind::f64, one, x, one);
        if (spell) want = "fma(1:double, " + want + ", 1:double)";
        break;
      case 2:
        x = add(op::cast, scalar_kind::f32, x);
        x = add(op::cast, scalar_kind::f64, x);
        if (spell) want = "double(float(" + want + "))";
        break;
      default:
        x = add(op::mul, scalar_kind::f64, one, x);
        if (spell) want = "(1:double * " + want + ")";
        break;
    }
    if (k == spelt - 1) {
      graph shallow = g;
      shallow.root = x;
      CHECK(to_string(shallow) == want);
    }
  }
  g.root = x;
  const std::string text = to_string(g);
  CHECK(text.size() > static_cast<std::size_t>(depth) * 8);
  CHECK(text.starts_with("(1:double * double(float(fma(1:double, (-"));
  CHECK(text.ends_with("), 1:double))))"));
  CHECK(to_string(canonical(g)) == text);
}
