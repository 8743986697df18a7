// Tests of tests/support/random_graph.hpp (shared with the JIT's property test): its graphs are
// valid, use every op, respect the depth bound, and evaluate without undefined behaviour.
#include "support/random_graph.hpp"

#include <catch2/catch.hpp>

#include <parjit/expr/evaluate.hpp>
#include <parjit/expr/print.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <random>
#include <set>
#include <vector>

using namespace parjit::expr;
using parjit::test::random_graph;
using parjit::test::random_value;
using parjit::test::random_values;

namespace {

int depth_of(const graph& g) {
  std::vector<int> d(g.nodes.size(), 0);
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    for (int k = 0; k < arity(g.nodes[i].code); ++k) {
      d[i] = std::max(d[i], d[static_cast<std::size_t>(g.nodes[i].operand[k])] + 1);
    }
  }
  return d[static_cast<std::size_t>(g.root)];
}

}  // namespace

TEST_CASE("random_graph: 2,000 seeded graphs are valid, shallow enough, and use every op",
          "[expr][random_graph]") {
  std::mt19937_64 rng(20240611);
  const std::vector<std::vector<scalar_kind>> signatures = {
      {scalar_kind::f32, scalar_kind::f32},
      {scalar_kind::f64, scalar_kind::i32, scalar_kind::boolean},
      {scalar_kind::u8, scalar_kind::i64, scalar_kind::u64, scalar_kind::f32},
      {scalar_kind::i8, scalar_kind::u16, scalar_kind::i16, scalar_kind::u32},
      {},
  };
  std::set<op> ops_seen;
  std::set<scalar_kind> result_types;
  for (int i = 0; i < 2000; ++i) {
    const auto& sig = signatures[static_cast<std::size_t>(i) % signatures.size()];
    const int max_depth = 1 + i % 6;
    // every third graph may gather from a 1-D and a 2-D table (arguments after sig's)
    const parjit::test::table_spec tables[] = {
        {scalar_kind::u8, parjit::expr::index_policy::clamp, 1},
        {scalar_kind::f64, parjit::expr::index_policy::constant, 2}};
    const graph g = random_graph(rng, max_depth, sig,
                                 i % 3 == 0 ? std::span<const parjit::test::table_spec>(tables)
                                            : std::span<const parjit::test::table_spec>());
    INFO("graph " << i << ": " << to_string(g));
    REQUIRE_NOTHROW(validate(g));
    REQUIRE(depth_of(g) <= max_depth);
    for (const node& n : g.nodes) {
      ops_seen.insert(n.code);
      if (n.code == op::argument) {
        REQUIRE(static_cast<std::size_t>(n.index) < sig.size());
        REQUIRE(n.type == sig[static_cast<std::size_t>(n.index)]);
      }
    }
    result_types.insert(g.type());
  }
  // Every op but jit::x() / jit::y() (column, row), which only 2-D calls make: test_tables.cpp.
  CHECK(ops_seen.size() == static_cast<std::size_t>(op_count) - 2);
  CHECK(ops_seen.count(op::gather) == 1);
  CHECK(ops_seen.count(op::gather2) == 1);
  CHECK(result_types.size() == static_cast<std::size_t>(scalar_kind_count));
}

TEST_CASE("random_graph: the same seed gives the same graphs", "[expr][random_graph]") {
  const std::array sig{scalar_kind::f32, scalar_kind::i32};
  std::mt19937_64 a(7), b(7);
  for (int i = 0; i < 50; ++i) CHECK(random_graph(a, 5, sig) == random_graph(b, 5, sig));
}

TEST_CASE("random_graph: evaluating random graphs on edge-case inputs is well defined",
          "[expr][random_graph]") {
  // Under -fsanitize=undefined this is the check that the evaluator never overflows a signed
  // integer or converts an out-of-range float.
  std::mt19937_64 rng(99);
  const std::array sig{scalar_kind::f32, scalar_kind::i32, scalar_kind::u64, scalar_kind::f64,
                       scalar_kind::i8, scalar_kind::boolean};
  for (int i = 0; i < 1000; ++i) {
    const graph g = random_graph(rng, 6, sig);
    INFO("graph " << i << ": " << to_string(g));
    const graph c = canonical(g);
    for (int j = 0; j < 8; ++j) {
      const auto args = random_values(rng, sig, 0.5);
      const value v = evaluate(g, args);
      REQUIRE(v.type == g.type());
      REQUIRE(same_value(v, evaluate(c, args)));  // dedupe and reordering keep the meaning
    }
  }
}

TEST_CASE("random_graph: random values include every edge case", "[expr][random_graph]") {
  std::mt19937_64 rng(5);
  bool nan = false, pinf = false, ninf = false, denormal = false, neg_zero = false;
  bool imin = false, imax = false, zero = false, minus_one = false;
  for (int i = 0; i < 4000; ++i) {
    const double d = random_value(rng, scalar_kind::f64).as<double>();
    nan |= std::isnan(d);
    pinf |= d == INFINITY;
    ninf |= d == -INFINITY;
    denormal |= std::fpclassify(d) == FP_SUBNORMAL;
    neg_zero |= d == 0 && std::signbit(d);
    const auto k = random_value(rng, scalar_kind::i32).as<std::int32_t>();
    imin |= k == INT32_MIN;
    imax |= k == INT32_MAX;
    zero |= k == 0;
    minus_one |= k == -1;
  }
  CHECK(nan);
  CHECK(pinf);
  CHECK(ninf);
  CHECK(denormal);
  CHECK(neg_zero);
  CHECK(imin);
  CHECK(imax);
  CHECK(zero);
  CHECK(minus_one);
  CHECK(random_value(rng, scalar_kind::u16).type == scalar_kind::u16);
}
