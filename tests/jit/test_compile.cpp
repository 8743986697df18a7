// jit::compile on hand-built graphs: signatures, the kernel ABI, compile_error for graphs the
// backend or LLVM rejects, and release of compiled code.
#include "jit_support.hpp"

#include <unistd.h>

#include <filesystem>

#include <parjit/jit/cache.hpp>

using namespace parjit::jit_test;
namespace expr = parjit::expr;
namespace jit = parjit::jit;
using expr::op;
using expr::scalar_kind;

namespace {
expr::node argument(std::int32_t index, scalar_kind t) {
  expr::node n;
  n.code = op::argument;
  n.type = t;
  n.index = index;
  return n;
}
expr::node apply(op code, scalar_kind t, std::int32_t a, std::int32_t b = -1, std::int32_t c = -1) {
  expr::node n;
  n.code = code;
  n.type = t;
  n.operand[0] = a;
  n.operand[1] = b;
  n.operand[2] = c;
  return n;
}
}  // namespace

TEST_CASE("compile: a hand-built graph runs on any index range", "[jit]") {
  expr::graph g;  // a0 * a1 + 1
  const auto a = g.add(argument(0, scalar_kind::f64));
  const auto b = g.add(argument(1, scalar_kind::f64));
  const auto m = g.add(apply(op::mul, scalar_kind::f64, a, b));
  const auto one = g.add(expr::node::make_constant(1.0));
  g.root = g.add(apply(op::add, scalar_kind::f64, m, one));
  const jit::signature sig{{{scalar_kind::f64, false}, {scalar_kind::f64, true}}, scalar_kind::f64};
  const jit::compiled_kernel k = jit::compile(g, sig);
  REQUIRE(k);
  CHECK(k.compile_ms() > 0.0);
  CHECK(k.phases().trace_ms == 0.0);  // tracing is the caller's
  CHECK(k.phases().total_ms() > 0.0);
  CHECK(k.phases().total_ms() <= k.compile_ms() + 1e-9);
  CHECK_THAT(k.ir(), Catch::Contains("elementwise (double[], double scalar) -> double"));
  std::vector<double> x(100), out(100, -1.0);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<double>(i);
  const double s = 3.0;
  const void* args[] = {x.data(), &s};
  k(10, 20, out.data(), args);
  for (std::size_t i = 0; i < out.size(); ++i) {
    CHECK(out[i] == ((i >= 10 && i < 20) ? x[i] * 3.0 + 1.0 : -1.0));
  }
}

TEST_CASE("compile: a graph the backend or LLVM rejects throws compile_error", "[jit]") {
  const jit::signature f32x1{{{scalar_kind::f32, false}}, scalar_kind::f32};
  SECTION("% on floating operands") {
    expr::graph g;
    const auto a = g.add(argument(0, scalar_kind::f32));
    g.root = g.add(apply(op::mod, scalar_kind::f32, a, a));
    CHECK_THROWS_AS(jit::compile(g, f32x1), jit::compile_error);
  }
  SECTION("operands of different types (a missing cast)") {
    expr::graph g;
    const auto a = g.add(argument(0, scalar_kind::f32));
    const auto c = g.add(expr::node::make_constant(2.0));
    g.root = g.add(apply(op::add, scalar_kind::f32, a, c));
    try {
      jit::compile(g, f32x1);
      FAIL("no exception");
    } catch (const jit::compile_error& e) {
      CHECK_THAT(e.what(), Catch::Contains("parjit::jit"));
    }
  }
  SECTION("an argument the call does not pass, or of another type") {
    expr::graph g;
    g.root = g.add(argument(1, scalar_kind::f32));
    CHECK_THROWS_AS(jit::compile(g, f32x1), jit::compile_error);
    expr::graph h;
    h.root = h.add(argument(0, scalar_kind::f64));
    CHECK_THROWS_AS(jit::compile(h, f32x1), jit::compile_error);
  }
  SECTION("an operand that refers forward, an empty graph") {
    expr::graph g;
    g.add(argument(0, scalar_kind::f32));
    g.root = g.add(apply(op::neg, scalar_kind::f32, 5));
    CHECK_THROWS_AS(jit::compile(g, f32x1), jit::compile_error);
    CHECK_THROWS_AS(jit::compile(expr::graph{}, f32x1), jit::compile_error);
  }
  SECTION("a reduction accumulating in bool") {
    expr::graph g;
    g.root = g.add(argument(0, scalar_kind::f32));
    const jit::signature s{{{scalar_kind::f32, false}}, scalar_kind::boolean, jit::kernel_kind::sum};
    CHECK_THROWS_AS(jit::compile(g, s), jit::compile_error);
  }
  SECTION("the session survives errors") {
    expr::graph g;
    g.root = g.add(argument(0, scalar_kind::f32));
    std::vector<float> x{1, 2}, o(2);
    const void* args[] = {x.data()};
    jit::compile(g, f32x1)(0, 2, o.data(), args);
    CHECK(o == x);
  }
}

TEST_CASE("compile: machine code is released with the last kernel copy", "[jit]") {
  const jit::signature sig{{{scalar_kind::i32, false}}, scalar_kind::i32};
  auto graph_plus = [](std::int32_t c) {
    expr::graph g;
    const auto a = g.add(argument(0, scalar_kind::i32));
    const auto k = g.add(expr::node::make_constant(c));
    g.root = g.add(apply(op::add, scalar_kind::i32, a, k));
    return g;
  };
  auto run = [](const jit::compiled_kernel& k, std::int32_t x) {
    std::int32_t o = 0;
    const void* args[] = {&x};
    k(0, 1, &o, args);
    return o;
  };
  SECTION("a copy keeps the code alive") {
    for (int i = 0; i < 50; ++i) {
      jit::compiled_kernel k = jit::compile(graph_plus(i), sig);
      jit::compiled_kernel copy = k;
      k = {};
      CHECK(run(copy, 5) == 5 + i);
    }
  }
  SECTION("the session unlinks the code when the last copy goes") {
    // Seen through the public API: with the cache on, an identical kernel still linked in this
    // process is shared (origin cache_hit, the same entry point), even with the disk entry gone;
    // once every copy is dropped the session has unlinked it, and the same graph compiles again.
    struct cache_switch_on {  // the tests' PARJIT_CACHE=0 kill switch, lifted for this section
      cache_switch_on() { ::unsetenv("PARJIT_CACHE"); }
      ~cache_switch_on() { ::setenv("PARJIT_CACHE", "0", 1); }
    } on;
    const std::string dir = (std::filesystem::temp_directory_path() /
                             ("parjit_test_release_" + std::to_string(::getpid()))).string();
    std::filesystem::remove_all(dir);
    const jit::options opts{.cache = true, .cache_dir = dir};
    const expr::graph g = graph_plus(424242);
    jit::compiled_kernel first = jit::compile(g, sig, opts);
    REQUIRE(first.origin() == jit::code_origin::cache_miss);
    jit::compiled_kernel copy = first;
    first = {};
    jit::compiled_kernel second = jit::compile(g, sig, opts);
    CHECK(second.origin() == jit::code_origin::cache_hit);
    CHECK(second.function() == copy.function());
    jit::cache::clear(dir);
    REQUIRE(jit::cache::info(dir).entries == 0);
    jit::compiled_kernel third = jit::compile(g, sig, opts);
    CHECK(third.origin() == jit::code_origin::cache_hit);  // still linked here, not from disk
    CHECK(third.function() == copy.function());
    CHECK(run(third, 1) == 424243);
    copy = {};
    second = {};
    CHECK(run(third, 2) == 424244);  // two copies gone, one left: still callable
    third = {};
    jit::compiled_kernel again = jit::compile(g, sig, opts);
    CHECK(again.origin() == jit::code_origin::cache_miss);  // unlinked, so compiled afresh
    CHECK(run(again, 3) == 424245);
    again = {};
    std::filesystem::remove_all(dir);
  }
}
