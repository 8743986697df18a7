// Tests of jit::strided (strided inputs and outs, in place, overlap and stride checks), jit::outs
// with kernels returning jit::tuple (element types, size mismatches, par == serial) and tuple
// reductions (equal to the scalar reductions bit for bit): against plain C++ loops and the
// reference evaluator.
#include "jit/jit_support.hpp"

#include <array>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <tuple>
#include <vector>

namespace {

using namespace parjit::jit_test;

const std::size_t sizes[] = {0, 1, 7, 8, 9, 1000, large_size};

// Bit-for-bit equality, counting any two NaNs as equal (their payloads are not specified).
template <class T>
bool same(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (a != a && b != b) return true;
  }
  return std::memcmp(&a, &b, sizeof(T)) == 0;
}

// `c * b - a` converted to T, as C++ computes it with wrapping integers (the kernel's meaning).
template <class T>
T step(T c, T a, T b) {
  using P = decltype(c * b - a);
  if constexpr (std::is_integral_v<P>) {
    using U = std::make_unsigned_t<P>;
    const U r = static_cast<U>(static_cast<U>(static_cast<P>(c)) * static_cast<U>(static_cast<P>(b))) -
                static_cast<U>(static_cast<P>(a));
    return static_cast<T>(static_cast<P>(r));
  } else {
    return static_cast<T>(c * b - a);
  }
}

// The pure expression (a loop LLVM vectorises) and a loop kernel (explicit vector groups,
// gathers and scatters for strided arrays) of the same family.
const auto pure_kernel = [](auto a, auto b) { return a * b - a; };
const auto loop_kernel = [](auto a, auto b) {
  return jit::fori(0, 2, a, [&](auto, auto c) { return c * b - a; });
};

template <class T>
T sentinel() {
  return static_cast<T>(37);
}

// out[k * so] = f(a[k * si], b[k]) for every k; the other elements of out's buffer untouched.
template <class T, class K>
void check_strided(const K& kernel, bool loop, std::size_t si, std::size_t so, std::size_t n,
                   bool par) {
  std::mt19937_64 rng(n * 7 + si * 3 + so);
  const array<T> a = random_array<T>(rng, n * si);
  const array<T> b = random_array<T>(rng, n);
  array<T> out(n * so, sentinel<T>());
  auto in = jit::strided(a.data(), n, static_cast<std::ptrdiff_t>(si));
  auto o = jit::strided(out.data(), n, static_cast<std::ptrdiff_t>(so));
  if (par) {
    kernel(jit::par, o, in, b);
  } else {
    kernel(o, in, b);
  }
  std::size_t bad = 0, first = 0;
  for (std::size_t k = 0; k < n * so; ++k) {
    T want = sentinel<T>();
    if (k % so == 0) {
      const std::size_t i = k / so;
      const T x = a[i * si];
      want = loop ? step<T>(step<T>(x, x, b[i]), x, b[i]) : step<T>(x, x, b[i]);
    }
    if (!same(out[k], want) && bad++ == 0) first = k;
  }
  INFO("n = " << n << ", in stride " << si << ", out stride " << so << (loop ? ", loop" : "")
              << (par ? ", par" : "") << ": " << bad << " wrong, first at " << first);
  CHECK(bad == 0);
}

using strided_types = std::tuple<float, double, std::int32_t, std::uint8_t, std::int64_t,
                                 std::uint16_t>;

TEMPLATE_LIST_TEST_CASE("strided: inputs and outs of strides 1, 2, 3 equal a plain loop",
                        "[jit][strided]", strided_types) {
  const std::pair<std::size_t, std::size_t> strides[] = {{1, 1}, {2, 2}, {3, 3}, {1, 2},
                                                         {2, 1}, {3, 1}, {1, 3}};
  auto pure = jit::vectorize(pure_kernel);
  auto loop = jit::vectorize(loop_kernel);
  for (const auto& [si, so] : strides) {
    for (const std::size_t n : sizes) {
      check_strided<TestType>(pure, false, si, so, n, false);
      check_strided<TestType>(loop, true, si, so, n, false);
    }
  }
  // Strided and contiguous operands are different signatures (a stride-1 view included).
  std::mt19937_64 rng(1);
  const array<TestType> a = random_array<TestType>(rng, 9), b = random_array<TestType>(rng, 9);
  array<TestType> o1(9), o2(9), o3(9);
  pure(o1, a, b);
  pure(o2, jit::strided(a.data(), 9, 1), b);
  pure(jit::strided(o3, 1), a, b);
  for (std::size_t i = 0; i < 9; ++i) {
    const TestType want = step<TestType>(a[i], a[i], b[i]);
    CHECK(same(o1[i], want));
    CHECK(same(o2[i], want));
    CHECK(same(o3[i], want));
  }
  CHECK(pure.stats().specializations == 4);
  CHECK_THAT(pure.ir(), Catch::Contains("[::stride]"));
}

TEMPLATE_LIST_TEST_CASE("strided: par equals serial bit for bit on 1e6 + 3 elements",
                        "[jit][strided]", strided_types) {
  auto pure = jit::vectorize(pure_kernel);
  auto loop = jit::vectorize(loop_kernel);
  check_strided<TestType>(pure, false, 2, 3, large_size, true);
  check_strided<TestType>(loop, true, 3, 2, large_size, true);
}

TEST_CASE("strided: equals the reference evaluator element for element", "[jit][strided]") {
  auto k = jit::vectorize([](auto a, auto b) { return jit::select(a < b, a * b, a - b); });
  const expr::graph g = trace<float, float>(
      [](auto a, auto b) { return jit::select(a < b, a * b, a - b); }, std::index_sequence<0, 1>{});
  for (const std::size_t n : small_sizes) {
    std::mt19937_64 rng(n);
    const array<float> a = random_array<float>(rng, 2 * n), b = random_array<float>(rng, 3 * n);
    array<float> out(n);
    k(out, jit::strided(a, 2), jit::strided(b.data(), n, 3));
    const expr::evaluator reference(g);
    for (std::size_t i = 0; i < n; ++i) {
      const expr::value args[] = {expr::value::of(a[2 * i]), expr::value::of(b[3 * i])};
      REQUIRE(expr::same_value(expr::value::of(out[i]), reference(args)));
    }
  }
}

TEST_CASE("strided: in place, interleaved views, overlap and stride errors", "[jit][strided]") {
  auto k = jit::vectorize(pure_kernel);
  const std::size_t n = 1001;
  std::vector<float> buf(2 * n), b(n, 3.0f);
  for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<float>(i);
  const std::vector<float> before = buf;

  SECTION("in place: the same data and stride") {
    auto v = jit::strided(buf.data(), n, 2);
    k(v, v, b);
    for (std::size_t i = 0; i < buf.size(); ++i) {
      CHECK(buf[i] == (i % 2 == 0 ? before[i] * 3.0f - before[i] : before[i]));
    }
  }
  SECTION("interleaved: reading the odd elements, writing the even ones") {
    k(jit::strided(buf.data(), n, 2), jit::strided(buf.data() + 1, n, 2), b);
    for (std::size_t i = 0; i < buf.size(); ++i) {
      CHECK(buf[i] == (i % 2 == 0 ? before[i + 1] * 3.0f - before[i + 1] : before[i]));
    }
  }
  SECTION("partial overlaps: std::invalid_argument, nothing written") {
    CHECK_THROWS_AS(k(jit::strided(buf.data(), n - 1, 2), jit::strided(buf.data() + 2, n - 1, 2),
                      std::span(b).first(n - 1)),
                    std::invalid_argument);
    CHECK_THROWS_AS(k(jit::strided(buf.data(), n, 2), std::span(buf).subspan(3, n), b),
                    std::invalid_argument);
    CHECK_THROWS_AS(k(std::span(buf).first(n), jit::strided(buf.data(), n, 2), b),
                    std::invalid_argument);
    CHECK(buf == before);
  }
  SECTION("a stride of 0 or less: std::invalid_argument at jit::strided") {
    CHECK_THROWS_AS(jit::strided(buf.data(), n, 0), std::invalid_argument);
    CHECK_THROWS_AS(jit::strided(buf.data(), n, -1), std::invalid_argument);
    CHECK_THROWS_AS(jit::strided(buf, 0), std::invalid_argument);
    CHECK_THROWS_AS(jit::strided(buf, -2), std::invalid_argument);
  }
  SECTION("size mismatch with out: std::invalid_argument, nothing written") {
    CHECK_THROWS_AS(k(jit::strided(buf, 2), jit::strided(buf.data() + 1, n - 1, 2), b),
                    std::invalid_argument);
    CHECK(buf == before);
  }
  SECTION("the range form takes every stride-th element, ceil(size / stride) of them") {
    std::vector<double> v(10);
    CHECK(jit::strided(v, 3).size == 4);
    CHECK(jit::strided(v, 10).size == 1);
    CHECK(jit::strided(v, 11).size == 1);
    std::span<double> empty;
    CHECK(jit::strided(empty, 2).size == 0);
  }
}

TEST_CASE("strided: reductions over strided inputs equal those of a contiguous copy",
          "[jit][strided][reduce]") {
  auto sum = jit::reduce(jit::sum, [](auto x, auto y) { return x * y; });
  auto hi = jit::reduce(jit::max, [](auto x) { return x; });
  for (const std::size_t n : sizes) {
    std::mt19937_64 rng(n + 5);
    array<float> a(3 * n);
    std::uniform_real_distribution<float> d(-1.0f, 1.0f);
    for (auto& x : a) x = d(rng);
    std::vector<float> even(n), third(n);
    for (std::size_t i = 0; i < n; ++i) {
      even[i] = a[2 * i];
      third[i] = a[3 * i];
    }
    const float want = sum(even, third);
    CHECK(same(sum(jit::strided(a.data(), n, 2), jit::strided(a.data(), n, 3)), want));
    CHECK(same(sum(jit::par, jit::strided(a.data(), n, 2), third), want));
    if (n > 0) CHECK(same(hi(jit::strided(a.data(), n, 3)), hi(third)));
  }
}

// ---- jit::outs and jit::tuple results ----

TEST_CASE("outs: each value goes to its out, converted to the out's element type",
          "[jit][outs]") {
  auto k = jit::vectorize([](auto x, auto y) {
    return jit::tuple(x + y, x * y, jit::cast<std::int32_t>(x) - 1);
  });
  auto kl = jit::vectorize([](auto x, auto y) {  // the loop path: explicit vector groups
    auto [s, p] = jit::fori(0, 1, jit::tuple(x, y), [&](auto, auto s, auto p) {
      return jit::tuple(s + p, s * p);
    });
    return jit::tuple(s, p, jit::cast<std::int32_t>(x) - 1);
  });
  for (const std::size_t n : sizes) {
    std::mt19937_64 rng(n + 1);
    std::uniform_real_distribution<float> d(-100.0f, 100.0f);
    std::vector<float> x(n), y(n);
    for (std::size_t i = 0; i < n; ++i) {
      x[i] = d(rng);
      y[i] = d(rng);
    }
    for (int variant = 0; variant < 4; ++variant) {
      std::vector<double> s(n, -1.0);
      std::vector<float> p(n, -1.0f);
      std::vector<std::int64_t> c(n, -1);
      const bool par = variant % 2 == 1;
      auto run = [&](const auto& kernel) {
        if (par) {
          kernel(jit::par, jit::outs(s, p, c), x, y);
        } else {
          kernel(jit::outs(s, p, c), x, y);
        }
      };
      if (variant < 2) {
        run(k);
      } else {
        run(kl);
      }
      std::size_t bad = 0;
      for (std::size_t i = 0; i < n; ++i) {
        bad += !same(s[i], static_cast<double>(x[i] + y[i])) || !same(p[i], x[i] * y[i]) ||
               c[i] != static_cast<std::int64_t>(static_cast<std::int32_t>(x[i]) - 1);
      }
      INFO("n = " << n << ", variant " << variant);
      CHECK(bad == 0);
    }
  }
}

template <class E>
using value_t = expr::type_of<expr::kind_of_expression<E>>;

TEST_CASE("outs: equal the reference evaluator's results", "[jit][outs]") {
  const auto f = [](auto a, auto b) { return jit::tuple(a + b, a * b, a / b, jit::min(a, b)); };
  auto k = jit::vectorize(f);
  auto check = [&]<class T>(T) {
    const expr::graph g = trace<T, T>(f, std::index_sequence<0, 1>{});
    REQUIRE(expr::result_nodes(g).size() == 4);
    using A = expr::arg<0, T>;
    using B = expr::arg<1, T>;
    for (const std::size_t n : small_sizes) {
      std::mt19937_64 rng(n + 11);
      const array<T> a = random_array<T>(rng, n), b = random_array<T>(rng, n);
      array<value_t<decltype(A{} + B{})>> o0(n);
      array<value_t<decltype(A{} * B{})>> o1(n);
      array<value_t<decltype(A{} / B{})>> o2(n);
      array<value_t<decltype(jit::min(A{}, B{}))>> o3(n);
      k(jit::outs(o0, o1, o2, o3), a, b);
      const expr::evaluator reference(g);
      for (std::size_t i = 0; i < n; ++i) {
        const expr::value args[] = {expr::value::of(a[i]), expr::value::of(b[i])};
        const std::vector<expr::value> want = reference.results(args);
        REQUIRE(want.size() == 4);
        CHECK(expr::same_value(expr::value::of(o0[i]), want[0]));
        CHECK(expr::same_value(expr::value::of(o1[i]), want[1]));
        CHECK(expr::same_value(expr::value::of(o2[i]), want[2]));
        CHECK(expr::same_value(expr::value::of(o3[i]), want[3]));
      }
    }
  };
  check(float{});
  check(double{});
  check(std::int32_t{});
  check(std::uint8_t{});
}

TEST_CASE("outs: a tuple's graph is a root pack of its values; validate and print it",
          "[jit][outs]") {
  const expr::arg<0, float> a;
  const expr::graph g = expr::to_graph(jit::tuple(a + 1.0f, a, 2));
  const std::vector<std::int32_t> r = expr::result_nodes(g);
  REQUIRE(r.size() == 3);
  CHECK(g.nodes[static_cast<std::size_t>(r[1])].code == expr::op::argument);
  CHECK(g.nodes[static_cast<std::size_t>(r[2])].type == expr::scalar_kind::i32);
  CHECK_NOTHROW(expr::validate(g));
  CHECK(expr::to_string(g) == "pack(pack((a0:float + 1:float), a0:float), 2:int32)");
  const expr::value args[] = {expr::value::of(0.5f)};
  const std::vector<expr::value> v = expr::evaluate_results(g, args);
  REQUIRE(v.size() == 3);
  CHECK(v[0].as<float>() == 1.5f);
  CHECK(v[1].as<float>() == 0.5f);
  CHECK(v[2].as<std::int32_t>() == 2);
  CHECK(expr::evaluate(g, args).as<float>() == 1.5f);
  // One value: the value's own graph.
  CHECK(expr::to_graph(jit::tuple(a * 2.0f)) == expr::to_graph(a * 2.0f));
}

TEST_CASE("outs: polar coordinates, strided outs interleaved in one buffer, par == serial",
          "[jit][outs][strided]") {
  auto polar = jit::vectorize(
      [](auto x, auto y) { return jit::tuple(jit::hypot(x, y), jit::atan2(y, x)); });
  const std::size_t n = large_size;
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<float> d(-10.0f, 10.0f);
  std::vector<float> x(n), y(n);
  for (std::size_t i = 0; i < n; ++i) {
    x[i] = d(rng);
    y[i] = d(rng);
  }
  std::vector<float> r(n), theta(n), rp(n), tp(n);
  polar(jit::outs(r, theta), x, y);
  polar(jit::par, jit::outs(rp, tp), x, y);
  CHECK(r == rp);
  CHECK(theta == tp);
  std::size_t bad = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double er = std::abs(r[i] - std::hypot(x[i], y[i])) / std::hypot(x[i], y[i]);
    const double et = std::abs(theta[i] - std::atan2(y[i], x[i]));
    bad += !(er < 1e-6) || !(et < 1e-5);
  }
  CHECK(bad == 0);
  // r and theta interleaved: z[2i] = r, z[2i + 1] = theta, in double. Another specialisation,
  // which LLVM may vectorise differently (libmvec's vector hypotf vs scalar libm: a few ulp).
  std::vector<double> z(2 * n, 0.0), zp(2 * n, 0.0);
  polar(jit::outs(jit::strided(z.data(), n, 2), jit::strided(z.data() + 1, n, 2)), x, y);
  polar(jit::par, jit::outs(jit::strided(zp.data(), n, 2), jit::strided(zp.data() + 1, n, 2)), x, y);
  CHECK(z == zp);
  std::size_t mismatched = 0;
  for (std::size_t i = 0; i < n; ++i) {
    mismatched += static_cast<float>(z[2 * i]) != z[2 * i] ||  // a float, converted
                  ulp_distance(static_cast<float>(z[2 * i]), r[i]) > 4 ||
                  ulp_distance(static_cast<float>(z[2 * i + 1]), theta[i]) > 4;
  }
  CHECK(mismatched == 0);
  // The allocating form returns one vector per value.
  auto [ra, ta] = polar(x, y);
  CHECK(ra == r);
  CHECK(ta == theta);
}

TEST_CASE("outs: size mismatches and overlaps throw std::invalid_argument, nothing written",
          "[jit][outs]") {
  auto k = jit::vectorize([](auto x) { return jit::tuple(x + 1.0f, x * 2.0f); });
  std::vector<float> x(100, 1.0f), a(100, -1.0f), b(101, -1.0f), c(99, -1.0f);
  std::vector<double> e(100, -1.0);
  // Each refusal is std::invalid_argument whose message names what is wrong.
  auto refused = [](auto&& call, const char* says) {
    try {
      call();
      FAIL("no exception");
    } catch (const std::invalid_argument& error) {
      CHECK_THAT(error.what(), Catch::Contains(says) && Catch::Contains("nothing written"));
    }
  };
  refused([&] { k(jit::outs(a, b), x); }, "out 1 has 101 elements but out 0 has 100");
  refused([&] { k(jit::outs(e, c), x); }, "out 1 has 99 elements but out 0 has 100");
  refused([&] { k(jit::outs(std::span(b).first(100), a), std::span(x).first(99)); },
          "input 1 has 99 elements but out has 100");
  refused([&] { k(jit::outs(a, a), x); }, "out 0 and out 1 overlap");  // the same out twice
  refused([&] {
    k(jit::outs(std::span(a).first(50), std::span(a).subspan(25, 50)), std::span(x).first(50));
  }, "out 0 and out 1 overlap");
  refused([&] {
    k(jit::outs(std::span(a).first(50), std::span(e).first(50)), std::span(a).subspan(10, 50));
  }, "input 1 partly overlaps out 0 (only out == input");
  auto add = jit::vectorize([](auto p, auto q) { return p + q; });
  refused([&] { (void)add(x, c); }, "input 2 has 99 elements but input 1 has 100");  // allocating
  CHECK(a == std::vector<float>(100, -1.0f));
  CHECK(b == std::vector<float>(101, -1.0f));
  CHECK(c == std::vector<float>(99, -1.0f));
  CHECK(e == std::vector<double>(100, -1.0));
  // An input may be one of the outs (in place).
  std::vector<float> v(100, 3.0f);
  k(jit::outs(v, e), v);
  CHECK(v == std::vector<float>(100, 4.0f));
  CHECK(e == std::vector<double>(100, 6.0));
}

// ---- tuple reductions ----

template <class T>
void check_tuple_reductions() {
  auto both = jit::reduce(jit::sum, [](auto x) { return jit::tuple(x, x * x); });
  auto first = jit::reduce(jit::sum, [](auto x) { return x; });
  auto second = jit::reduce(jit::sum, [](auto x) { return x * x; });
  auto extremes = jit::reduce(jit::max, [](auto x, auto y) { return jit::tuple(x - y, y); });
  auto max_first = jit::reduce(jit::max, [](auto x, auto y) { return x - y; });
  auto max_second = jit::reduce(jit::max, [](auto, auto y) { return y; });
  auto wide = jit::reduce<double>(jit::sum, [](auto x) {  // with a loop, in double
    return jit::tuple(x, jit::fori(0, 2, x, [](auto, auto c) { return c * 0.5f; }));
  });
  for (const std::size_t n : sizes) {
    std::mt19937_64 rng(n + 17);
    const array<T> a = random_array<T>(rng, n, 0.0), b = random_array<T>(rng, n, 0.0);
    const auto [s, s2] = both(a);
    const auto [ps, ps2] = both(jit::par, a);
    static_assert(std::is_same_v<std::remove_const_t<decltype(s)>, decltype(first(a))>);
    static_assert(std::is_same_v<std::remove_const_t<decltype(s2)>, decltype(second(a))>);
    INFO("n = " << n);
    CHECK(same(s, first(a)));
    CHECK(same(s2, second(a)));
    CHECK(same(ps, s));
    CHECK(same(ps2, s2));
    if (n > 0) {
      const auto [m, my] = extremes(a, b);
      CHECK(same(m, max_first(a, b)));
      CHECK(same(my, max_second(a, b)));
      const auto [pm, pmy] = extremes(jit::par, a, b);
      CHECK(same(pm, m));
      CHECK(same(pmy, my));
    } else {
      CHECK_THROWS_AS(extremes(a, b), std::invalid_argument);
    }
    if constexpr (std::is_floating_point_v<T>) {
      const auto [w, w2] = wide(a);
      static_assert(std::is_same_v<std::remove_const_t<decltype(w2)>, double>);
      CHECK(same(w, jit::reduce<double>(jit::sum, [](auto x) { return x; })(a)));
      CHECK(same(w2, jit::reduce<double>(jit::sum, [](auto x) {
                       return jit::fori(0, 2, x, [](auto, auto c) { return c * 0.5f; });
                     })(a)));
    }
  }
}

using reduction_types = std::tuple<float, double, std::int32_t, std::uint8_t, std::int64_t>;

TEMPLATE_LIST_TEST_CASE("tuple reductions: each value equals its scalar reduction bit for bit",
                        "[jit][reduce][outs]", reduction_types) {
  check_tuple_reductions<TestType>();
}

TEST_CASE("tuple reductions: empty input gives the identities; plain loop references",
          "[jit][reduce][outs]") {
  auto moments = jit::reduce(jit::sum, [](auto x) { return jit::tuple(x, x * x, 1); });
  const std::vector<std::uint8_t> none;
  CHECK(moments(none) == std::tuple<int, int, int>{0, 0, 0});
  std::vector<std::uint8_t> v(1000003);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<std::uint8_t>(i * 7);
  long long s = 0, s2 = 0;
  for (const std::uint8_t x : v) {
    s += x;
    s2 += x * x;
  }
  const auto [a, b, c] = moments(jit::par, v);
  CHECK(a == static_cast<int>(s));
  CHECK(static_cast<std::uint32_t>(b) == static_cast<std::uint32_t>(s2));  // int wraps
  CHECK(c == 1000003);
}

}  // namespace
