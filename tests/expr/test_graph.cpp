// Tests of graph.hpp: op arity and names, constant bit storage, graph construction and equality.
#include <parjit/expr/graph.hpp>

#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <string>

using namespace parjit::expr;

TEST_CASE("graph: every op has a distinct name and the documented arity", "[expr][graph]") {
  std::set<std::string> names;
  for (int i = 0; i < op_count; ++i) names.insert(std::string(name_of(static_cast<op>(i))));
  CHECK(names.size() == static_cast<std::size_t>(op_count));
  CHECK(names.count("?") == 0);
  CHECK(arity(op::argument) == 0);
  CHECK(arity(op::constant) == 0);
  CHECK(arity(op::neg) == 1);
  CHECK(arity(op::cast) == 1);
  CHECK(arity(op::round) == 1);
  CHECK(arity(op::add) == 2);
  CHECK(arity(op::max) == 2);
  CHECK(arity(op::select) == 3);
  CHECK(arity(op::clamp) == 3);
  CHECK(name_of(op::logical_and) == "logical_and");
}

TEMPLATE_TEST_CASE("graph: a constant node stores its value exactly", "[expr][graph]", bool,
                   std::int8_t, std::uint8_t, std::int16_t, std::uint16_t, std::int32_t,
                   std::uint32_t, std::int64_t, std::uint64_t, float, double) {
  using lim = std::numeric_limits<TestType>;
  for (TestType v : {lim::min(), lim::max(), lim::lowest(), TestType(1), TestType(0)}) {
    const node n = node::make_constant(v);
    CHECK(n.code == op::constant);
    CHECK(n.type == kind_of<TestType>);
    CHECK(n.value<TestType>() == v);
    if (sizeof(TestType) < 8) CHECK((n.bits >> (8 * sizeof(TestType))) == 0);  // zero-padded
  }
  CHECK(node::make_constant(true).bits == 1);
}

TEST_CASE("graph: -0.0 and 0.0 are different constants, a NaN keeps its bits", "[expr][graph]") {
  CHECK(node::make_constant(0.0) != node::make_constant(-0.0));
  // NaNs with a sign and a payload, quiet and signalling: the node keeps every bit.
  for (const std::uint32_t pattern : {0x7fc00000u, 0xffc12345u, 0x7f800001u, 0xff9abcdeu}) {
    const float f = std::bit_cast<float>(pattern);
    const node n = node::make_constant(f);
    INFO(std::hex << pattern);
    CHECK(n.bits == pattern);  // zero-padded to 64 bits
    CHECK(std::bit_cast<std::uint32_t>(n.value<float>()) == pattern);
  }
  for (const std::uint64_t pattern : {0x7ff8000000000000ull, 0xfff8000000abcdefull, 0x7ff0000000000001ull}) {
    const node n = node::make_constant(std::bit_cast<double>(pattern));
    INFO(std::hex << pattern);
    CHECK(n.bits == pattern);
    CHECK(std::bit_cast<std::uint64_t>(n.value<double>()) == pattern);
  }
  // Two NaNs that differ only in payload are different constants (hash-consing keeps both).
  CHECK(node::make_constant(std::bit_cast<float>(0x7fc00001u)) !=
        node::make_constant(std::bit_cast<float>(0x7fc00002u)));
}

TEST_CASE("graph: add appends and result is the root", "[expr][graph]") {
  graph g;
  node a;
  a.code = op::argument;
  a.type = scalar_kind::f32;
  const auto i = g.add(a);
  node s;
  s.code = op::sqrt;
  s.type = scalar_kind::f32;
  s.operand[0] = i;
  g.root = g.add(s);
  CHECK(g.nodes.size() == 2u);
  CHECK(g.result().code == op::sqrt);
  CHECK(g.type() == scalar_kind::f32);
  graph h = g;
  CHECK(h == g);
  h.nodes[1].code = op::exp;
  CHECK(h != g);
}
