// The kernel vocabulary of numpy / numba habits, differentially: every function over every element
// type at sizes 0, 1, 7, 8, 9, 1000 and 1e6 + 3 (NaN, +-Inf, +-0, subnormals and domain edges
// included), JIT result vs the same lambda on plain numbers (glibc's scalar functions), within
// the stated ulp bound; Python's // and % from a table of Python's own results; the allocating
// call; classification under fastmath; captures frozen on purpose.
#include "jit_support.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <map>

using namespace parjit::jit_test;
namespace expr = parjit::expr;
namespace jit = parjit::jit;

namespace {

// The ulp bound the vocabulary is tested to, against glibc's scalar function, with vector math
// on (the default; libmvec's vector variants). Exact functions (trunc, copysign, fmod, the
// classification functions, sign, floor_div, floor_mod, true_div) are tested bit for bit, and
// so is every function with `vector_math = false` (the random-tree test).
constexpr std::uint64_t vocabulary_ulps = 4;

constexpr std::size_t sizes[] = {0, 1, 7, 8, 9, 1000, large_size};

// Largest ulp distance seen per function (printed at the end, for the documentation).
std::map<std::string, std::uint64_t>& worst() {
  static std::map<std::string, std::uint64_t> m;
  return m;
}

template <class T>
std::vector<T> edge_values() {
  using lim = std::numeric_limits<T>;
  if constexpr (std::is_floating_point_v<T>) {
    return {T(-1), T(1), T(0), T(-0.0), lim::infinity(), -lim::infinity(), lim::quiet_NaN(),
            -lim::quiet_NaN(), lim::denorm_min(), -lim::denorm_min(), lim::min(), -lim::min(),
            lim::max(), lim::lowest(), T(0.5), T(-0.5), T(2), T(-2), T(1e-8), T(-1e-8), T(10),
            T(-10), T(88.7), T(710), T(-710), T(0.99999994), T(1.0000001), T(3), T(-3), T(100),
            T(-100), T(27), T(-6), T(1e-30), T(7.5), T(-7.5)};
  } else if constexpr (std::is_same_v<T, bool>) {
    return {false, true};
  } else {
    return {T(0), T(1), T(-1), lim::min(), lim::max(), T(2), T(-2), T(7), T(-7)};
  }
}

// Seeded random values (10% edge cases) with the domain edges at the front.
template <class T>
array<T> inputs(std::uint64_t seed, std::size_t n) {
  std::mt19937_64 rng(seed);
  array<T> a = random_array<T>(rng, n, 0.1);
  const auto edges = edge_values<T>();
  std::copy_n(edges.begin(), std::min(n, edges.size()), a.begin());
  return a;
}

template <class R>
bool close(R got, R want, std::uint64_t ulps, std::uint64_t& seen) {
  if constexpr (std::is_floating_point_v<R>) {
    const std::uint64_t d = ulp_distance(got, want);
    if (d != ~std::uint64_t{0}) seen = std::max(seen, d);
    if (std::isnan(got) || std::isnan(want)) return std::isnan(got) && std::isnan(want);
    if (d == 0) return std::signbit(got) == std::signbit(want);  // -0 vs +0 matters
    return d <= ulps;
  } else {
    return got == want;
  }
}

template <class R, class... A>
std::string show(std::size_t i, R got, R want, const A&... a) {
  std::string s = "element " + std::to_string(i) + ": got " + expr::to_string(expr::value::of(got)) +
                  ", want " + expr::to_string(expr::value::of(want)) + "; args";
  ((s += " " + expr::to_string(expr::value::of(a))), ...);
  return s;
}

// k(in...) (the allocating form) vs f on plain numbers, element by element.
template <class... T, class F>
void check_function(const char* name, F f, std::uint64_t ulps, jit::options opts = {}) {
  auto k = jit::vectorize(f, opts);
  using R = decltype(f(T{}...));
  static_assert(expr::element<R>, "the vocabulary on plain numbers gives plain numbers");
  std::string types;
  ((types += std::string(expr::name_of(expr::kind_of<T>)) + " "), ...);
  std::uint64_t seed = 1;
  for (const std::size_t n : sizes) {
    auto next_seed = [&] { return seed++ * 7919 + n; };  // braced init: left to right
    std::tuple<array<T>...> in{inputs<T>(next_seed(), n)...};
    // Binary functions: the edges of the first operand against every edge of the second.
    if constexpr (sizeof...(T) == 2) {
      auto& a = std::get<0>(in);
      auto& b = std::get<1>(in);
      using A = std::tuple_element_t<0, std::tuple<T...>>;
      using B = std::tuple_element_t<1, std::tuple<T...>>;
      const auto ea = edge_values<A>();
      const auto eb = edge_values<B>();
      std::size_t i = 0;
      for (std::size_t x = 0; x < 12 && x < ea.size(); ++x) {
        for (std::size_t y = 0; y < 12 && y < eb.size() && i < n; ++y, ++i) {
          a[i] = ea[x];
          b[i] = eb[y];
        }
      }
    }
    const std::vector<R> got = std::apply([&](auto&... a) { return k(a...); }, in);
    REQUIRE(got.size() == n);
    std::size_t bad = 0;
    std::string first;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const R want = std::apply([&](auto&... a) { return f(a[i]...); }, in);
      if (!close<R>(got[i], want, ulps, seen) && bad++ == 0) {
        first = std::apply([&](auto&... a) { return show<R>(i, got[i], want, a[i]...); }, in);
      }
    }
    auto& w = worst()[name];
    w = std::max(w, seen);
    INFO(name << "(" << types << ") -> " << expr::name_of(expr::kind_of<R>) << ", n = " << n
              << ": " << bad << " elements beyond " << ulps << " ulp; " << first);
    CHECK(bad == 0);
  }
}

template <class F>
void unary_over_every_type(const char* name, F f, std::uint64_t ulps) {
  parjit::test::for_each_type([&]<class T>() { check_function<T>(name, f, ulps); });
}

template <class F>
void binary_over_types(const char* name, F f, std::uint64_t ulps) {
  parjit::test::for_each_type([&]<class T>() { check_function<T, T>(name, f, ulps); });
  check_function<float, std::int32_t>(name, f, ulps);
  check_function<std::int8_t, double>(name, f, ulps);
  check_function<double, float>(name, f, ulps);
  check_function<std::uint32_t, std::int32_t>(name, f, ulps);
  check_function<std::int64_t, std::uint8_t>(name, f, ulps);
}

}  // namespace

#define PARJIT_UNARY(fn, ulps) \
  unary_over_every_type(#fn, [](auto x) { return jit::fn(x); }, ulps)
#define PARJIT_BINARY(fn, ulps) \
  binary_over_types(#fn, [](auto x, auto y) { return jit::fn(x, y); }, ulps)

TEST_CASE("vocabulary: transcendentals over every element type within the ulp bound",
          "[jit][vocabulary]") {
  PARJIT_UNARY(log1p, vocabulary_ulps);
  PARJIT_UNARY(expm1, vocabulary_ulps);
  PARJIT_UNARY(exp2, vocabulary_ulps);
  PARJIT_UNARY(cbrt, vocabulary_ulps);
  PARJIT_UNARY(asin, vocabulary_ulps);
  PARJIT_UNARY(acos, vocabulary_ulps);
  PARJIT_UNARY(atan, vocabulary_ulps);
  PARJIT_UNARY(sinh, vocabulary_ulps);
  PARJIT_UNARY(cosh, vocabulary_ulps);
  PARJIT_UNARY(asinh, vocabulary_ulps);
  PARJIT_UNARY(acosh, vocabulary_ulps);
  PARJIT_UNARY(atanh, vocabulary_ulps);
  PARJIT_UNARY(erf, vocabulary_ulps);
  PARJIT_UNARY(erfc, vocabulary_ulps);
  PARJIT_BINARY(atan2, vocabulary_ulps);
  PARJIT_BINARY(hypot, vocabulary_ulps);
  std::string summary = "largest ulp distance from glibc's scalar function:";
  for (const auto& [name, ulps] : worst()) summary += " " + name + " " + std::to_string(ulps);
  std::printf("%s\n", summary.c_str());
}

TEST_CASE("vocabulary: exact functions over every element type, bit for bit", "[jit][vocabulary]") {
  PARJIT_UNARY(trunc, 0);
  PARJIT_UNARY(isnan, 0);
  PARJIT_UNARY(isfinite, 0);
  PARJIT_UNARY(isinf, 0);
  PARJIT_UNARY(signbit, 0);
  PARJIT_UNARY(sign, 0);
  PARJIT_BINARY(copysign, 0);
  PARJIT_BINARY(fmod, 0);
  PARJIT_BINARY(floor_div, 0);
  PARJIT_BINARY(floor_mod, 0);
  PARJIT_BINARY(true_div, 0);
}

TEST_CASE("vocabulary: results are typed as <cmath>", "[jit][vocabulary]") {
  std::vector<float> f(3, 1.5f);
  std::vector<std::int8_t> i8(3, 3);
  auto lg = jit::vectorize([](auto x) { return jit::log1p(x); });
  STATIC_REQUIRE(std::is_same_v<decltype(lg(f)), std::vector<float>>);
  STATIC_REQUIRE(std::is_same_v<decltype(lg(i8)), std::vector<double>>);
  auto at = jit::vectorize([](auto y, auto x) { return jit::atan2(y, x); });
  STATIC_REQUIRE(std::is_same_v<decltype(at(f, f)), std::vector<float>>);
  STATIC_REQUIRE(std::is_same_v<decltype(at(f, i8)), std::vector<double>>);
  auto nan = jit::vectorize([](auto x) { return jit::isnan(x); });
  STATIC_REQUIRE(std::is_same_v<decltype(nan(f)), std::vector<bool>>);
  auto sg = jit::vectorize([](auto x) { return jit::sign(x); });
  STATIC_REQUIRE(std::is_same_v<decltype(sg(i8)), std::vector<int>>);
  auto fd = jit::vectorize([](auto x, auto y) { return jit::floor_div(x, y); });
  STATIC_REQUIRE(std::is_same_v<decltype(fd(i8, i8)), std::vector<int>>);
  auto td = jit::vectorize([](auto x, auto y) { return jit::true_div(x, y); });
  STATIC_REQUIRE(std::is_same_v<decltype(td(i8, i8)), std::vector<double>>);
  STATIC_REQUIRE(std::is_same_v<decltype(td(f, i8)), std::vector<float>>);
  CHECK(td(i8, std::vector<std::int8_t>(3, 2)) == std::vector<double>(3, 1.5));
}

TEST_CASE("vocabulary: domain edges, with and without vector math", "[jit][vocabulary]") {
  constexpr double inf = std::numeric_limits<double>::infinity();
  const double pi = std::acos(-1.0);
  for (const bool vector_math : {true, false}) {
    INFO("vector_math " << vector_math);
    const jit::options opts{.vector_math = vector_math};
    // A long array of one value runs the vector loop, not only the scalar tail.
    auto fill = [](std::size_t n, double v) { return std::vector<double>(n, v); };
    const std::size_t n = 1003;
    auto lg = jit::vectorize([](auto x) { return jit::log1p(x); }, opts);
    CHECK(lg(fill(n, -1.0))[500] == -inf);
    CHECK(std::isnan(lg(fill(n, -2.0))[500]));
    auto ac = jit::vectorize([](auto x) { return jit::acosh(x); }, opts);
    const auto one = ac(fill(n, 1.0));
    CHECK(one[500] == 0.0);
    CHECK(!std::signbit(one[500]));
    auto ath = jit::vectorize([](auto x) { return jit::atanh(x); }, opts);
    CHECK(ath(fill(n, 1.0))[500] == inf);
    CHECK(ath(fill(n, -1.0))[500] == -inf);
    auto at2 = jit::vectorize([](auto y, auto x) { return jit::atan2(y, x); }, opts);
    const auto pp = at2(fill(n, 0.0), fill(n, 0.0));
    const auto pm = at2(fill(n, 0.0), fill(n, -0.0));
    const auto mp = at2(fill(n, -0.0), fill(n, 0.0));
    const auto mm = at2(fill(n, -0.0), fill(n, -0.0));
    CHECK((pp[500] == 0.0 && !std::signbit(pp[500])));
    CHECK(pm[500] == pi);
    CHECK((mp[500] == 0.0 && std::signbit(mp[500])));
    CHECK(mm[500] == -pi);
    auto fm = jit::vectorize([](auto x, auto y) { return jit::fmod(x, y); }, opts);
    CHECK(std::isnan(fm(fill(n, 5.0), fill(n, 0.0))[500]));
    CHECK(std::isnan(fm(fill(n, inf), fill(n, 2.0))[500]));
    CHECK(fm(fill(n, -7.5), fill(n, 2.0))[500] == -1.5);
    auto hy = jit::vectorize([](auto x, auto y) { return jit::hypot(x, y); }, opts);
    CHECK(hy(fill(n, inf), fill(n, std::nan("")))[500] == inf);  // C: hypot(inf, NaN) is inf
    CHECK(hy(fill(n, 3e300), fill(n, 4e300))[500] == 5e300);     // no overflow
    auto er = jit::vectorize([](auto x) { return jit::erfc(x); }, opts);
    CHECK(er(fill(n, inf))[500] == 0.0);
    CHECK(er(fill(n, -inf))[500] == 2.0);
    auto cb = jit::vectorize([](auto x) { return jit::cbrt(x); }, opts);
    CHECK(std::abs(cb(fill(n, -27.0))[500] + 3.0) <= 1e-15);  // glibc: -3 within 1 ulp
    auto as = jit::vectorize([](auto x) { return jit::asin(x); }, opts);
    CHECK(std::isnan(as(fill(n, 1.5))[500]));
  }
}

TEST_CASE("vocabulary: floor_div and floor_mod equal Python's // and %", "[jit][vocabulary]") {
  // {a, b, a // b, a % b} as printed by CPython 3.11.
  struct int_case {
    std::int32_t a, b, q, r;
  };
  const int_case ints[] = {
      {7, 2, 3, 1},
      {-7, 2, -4, 1},
      {7, -2, -4, -1},
      {-7, -2, 3, -1},
      {0, 3, 0, 0},
      {0, -3, 0, 0},
      {6, 3, 2, 0},
      {-6, 3, -2, 0},
      {6, -3, -2, 0},
      {1, 5, 0, 1},
      {-1, 5, -1, 4},
      {1, -5, -1, -4},
      {-1, -5, 0, -1},
      {2147483647, -2, -1073741824, -1},
      {-2147483648, 7, -306783379, 5},
      {-2147483647, 2147483647, -1, 0},
  };
  constexpr double inf = std::numeric_limits<double>::infinity();
  struct float_case {
    double a, b, q, r;
  };
  const float_case floats[] = {
      {7.5, 2.0, 3.0, 1.5},
      {-7.5, 2.0, -4.0, 0.5},
      {7.5, -2.0, -4.0, -0.5},
      {-7.5, -2.0, 3.0, -1.5},
      {0.0, 3.0, 0.0, 0.0},
      {-0.0, 3.0, -0.0, 0.0},
      {0.0, -3.0, -0.0, -0.0},
      {1.0, 0.1, 9.0, 0.09999999999999995},
      {-1.0, 0.1, -10.0, 5.551115123125783e-17},
      {5.0, inf, 0.0, 5.0},
      {-5.0, inf, -1.0, inf},
      {5.0, -inf, -1.0, -inf},
      {1e+308, 1e-308, inf, 3.498445546245627e-309},
      {-3.0, 3.0, -1.0, 0.0},
      {3.0, -3.0, -1.0, -0.0},
      {0.5, 0.25, 2.0, 0.0},
      {-1e-300, 1e+300, -1.0, 1e+300},
  };
  auto fd = jit::vectorize([](auto a, auto b) { return jit::floor_div(a, b); });
  auto fm = jit::vectorize([](auto a, auto b) { return jit::floor_mod(a, b); });
  // Repeated so that the vector loop runs them (1000 elements), then checked element by element.
  auto repeat = [](const auto& cases, auto member) {
    using V = std::remove_cvref_t<decltype(cases[0].*member)>;
    std::vector<V> v;
    for (int k = 0; k < 60; ++k) {
      for (const auto& c : cases) v.push_back(c.*member);
    }
    return v;
  };
  {
    const auto a = repeat(ints, &int_case::a), b = repeat(ints, &int_case::b);
    const auto q = fd(a, b), r = fm(a, b);
    for (std::size_t i = 0; i < a.size(); ++i) {
      const int_case& c = ints[i % std::size(ints)];
      INFO(c.a << " // " << c.b);
      REQUIRE(q[i] == c.q);
      REQUIRE(r[i] == c.r);
      REQUIRE(jit::floor_div(c.a, c.b) == c.q);  // the plain-number path
      REQUIRE(jit::floor_mod(c.a, c.b) == c.r);
    }
  }
  {
    const auto a = repeat(floats, &float_case::a), b = repeat(floats, &float_case::b);
    const auto q = fd(a, b), r = fm(a, b);
    for (std::size_t i = 0; i < a.size(); ++i) {
      const float_case& c = floats[i % std::size(floats)];
      INFO(c.a << " // " << c.b);
      REQUIRE(q[i] == c.q);
      REQUIRE(std::signbit(q[i]) == std::signbit(c.q));
      REQUIRE(r[i] == c.r);
      REQUIRE(std::signbit(r[i]) == std::signbit(c.r));
      REQUIRE(jit::floor_div(c.a, c.b) == c.q);
      REQUIRE(jit::floor_mod(c.a, c.b) == c.r);
    }
  }
}

TEST_CASE("vocabulary: division by zero never traps and gives the documented values",
          "[jit][vocabulary]") {
  const std::vector<std::int32_t> a{7, -7, 0, std::numeric_limits<std::int32_t>::min(), 5};
  const std::vector<std::int32_t> zero(5, 0), minus_one(5, -1);
  auto fd = jit::vectorize([](auto x, auto y) { return jit::floor_div(x, y); });
  auto fm = jit::vectorize([](auto x, auto y) { return jit::floor_mod(x, y); });
  auto td = jit::vectorize([](auto x, auto y) { return jit::true_div(x, y); });
  CHECK(fd(a, zero) == std::vector<std::int32_t>(5, 0));
  CHECK(fm(a, zero) == std::vector<std::int32_t>(5, 0));
  CHECK(fd(a, minus_one) ==
        std::vector<std::int32_t>{-7, 7, 0, std::numeric_limits<std::int32_t>::min(), -5});
  CHECK(fm(a, minus_one) == std::vector<std::int32_t>(5, 0));
  const auto t = td(a, zero);  // integers divide as double: IEEE results
  CHECK(t[0] == std::numeric_limits<double>::infinity());
  CHECK(t[1] == -std::numeric_limits<double>::infinity());
  CHECK(std::isnan(t[2]));
  const std::vector<std::uint32_t> u{7, 0}, uz{0, 0};
  CHECK(fd(u, uz) == std::vector<std::uint32_t>{0, 0});
  CHECK(fm(u, uz) == std::vector<std::uint32_t>{0, 0});
  const std::vector<double> x{1.0, -1.0, 0.0}, dz(3, 0.0);
  const auto q = fd(x, dz), r = fm(x, dz);  // numpy: x / 0.0 and fmod(x, 0.0)
  CHECK(q[0] == std::numeric_limits<double>::infinity());
  CHECK(q[1] == -std::numeric_limits<double>::infinity());
  CHECK(std::isnan(q[2]));
  CHECK((std::isnan(r[0]) && std::isnan(r[1]) && std::isnan(r[2])));
}

TEST_CASE("vocabulary: isnan, isinf, isfinite, signbit stay exact under fastmath",
          "[jit][vocabulary]") {
  constexpr float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> x;
  for (int k = 0; k < 100; ++k) {
    for (float v : {nan, -nan, inf, -inf, 0.0f, -0.0f, 1.5f, -2.0f, 1e-45f, 3e38f}) x.push_back(v);
  }
  const jit::options fast{.fastmath = true};
  auto nan_k = jit::vectorize([](auto v) { return jit::isnan(v); }, fast);
  auto inf_k = jit::vectorize([](auto v) { return jit::isinf(v); }, fast);
  auto fin_k = jit::vectorize([](auto v) { return jit::isfinite(v); }, fast);
  auto sgn_k = jit::vectorize([](auto v) { return jit::signbit(v); }, fast);
  // The common use: replace non-finite values.
  auto clean = jit::vectorize(
      [](auto v) { return jit::select(jit::isfinite(v), v, 0.0f); }, fast);
  const auto n = nan_k(x), i = inf_k(x), f = fin_k(x), s = sgn_k(x);
  const auto c = clean(x);
  for (std::size_t k = 0; k < x.size(); ++k) {
    INFO("x = " << x[k]);
    CHECK(n[k] == std::isnan(x[k]));
    CHECK(i[k] == std::isinf(x[k]));
    CHECK(f[k] == std::isfinite(x[k]));
    CHECK(s[k] == std::signbit(x[k]));
    CHECK(c[k] == (std::isfinite(x[k]) ? x[k] : 0.0f));
  }
}

TEST_CASE("allocating call: k(in...) returns the expression's element type", "[jit][vocabulary]") {
  std::mt19937_64 rng(12);
  const auto a = random_array<float>(rng, 50000), b = random_array<float>(rng, 50000);
  auto k = jit::vectorize([](auto x, auto y) { return jit::log1p(jit::hypot(x, y)) * jit::atan2(y, x); });
  const std::vector<float> serial = k(a, b);
  const std::vector<float> par = k(jit::par, a, b);
  parjit::arena_executor pool{2};
  const std::vector<float> on_pool = k(pool, a, b);
  std::vector<float> out(a.size());
  k(out, a, b);  // the out form gives the same bits
  REQUIRE(serial.size() == a.size());
  CHECK(std::memcmp(serial.data(), par.data(), serial.size() * sizeof(float)) == 0);
  CHECK(std::memcmp(serial.data(), on_pool.data(), serial.size() * sizeof(float)) == 0);
  CHECK(std::memcmp(serial.data(), out.data(), serial.size() * sizeof(float)) == 0);
  CHECK(k.stats().specializations == 1);  // the out form and the allocating form share one

  // Runtime scalars mix in; integer types promote as in C++; sizes must match.
  auto axpy = jit::vectorize([](auto x, auto alpha, auto y) { return alpha * x + y; });
  const std::vector<std::int8_t> i8{1, 2, 3};
  const std::vector<std::int8_t> j8{10, 20, 30};
  const auto r = axpy(i8, 2, j8);
  STATIC_REQUIRE(std::is_same_v<decltype(r), const std::vector<int>>);
  CHECK(r == std::vector<int>{12, 24, 36});
  CHECK_THROWS_AS(axpy(i8, 2, std::vector<std::int8_t>(4)), std::invalid_argument);
  CHECK(axpy(std::vector<std::int8_t>{}, 2, std::vector<std::int8_t>{}).empty());
  // bool results come back as std::vector<bool>.
  auto positive = jit::vectorize([](auto x) { return x > 0.0f; });
  CHECK(positive(std::vector<float>{-1.0f, 2.0f, 0.0f}) == std::vector<bool>{false, true, false});
  // Pointer + size inputs.
  CHECK(axpy(i8.data(), i8.size(), 1, j8) == std::vector<int>{11, 22, 33});
  // A variadic lambda takes both counts: it is called in the out form (out stays the output).
  auto total = jit::vectorize([](auto... x) { return (x + ...); });
  std::vector<int> into(3, 99);
  total(into, i8, j8);
  CHECK(into == std::vector<int>{11, 22, 33});
  total(jit::par, into, i8, i8);
  CHECK(into == std::vector<int>{2, 4, 6});
}

TEST_CASE("frozen captures: values are baked in per kernel object", "[jit][vocabulary]") {
  std::vector<float> a{1.0f, 2.0f, 3.0f};
  float scale = 2.0f;
  auto twice = jit::vectorize(jit::frozen([scale](auto x) { return x * scale; }));
  scale = 10.0f;
  auto ten = jit::vectorize(jit::frozen([scale](auto x) { return x * scale; }));
  CHECK(twice(a) == std::vector<float>{2.0f, 4.0f, 6.0f});
  CHECK(ten(a) == std::vector<float>{10.0f, 20.0f, 30.0f});
  // The recommended spelling: a runtime scalar argument, no recompilation.
  auto scaled = jit::vectorize([](auto x, auto s) { return x * s; });
  CHECK(scaled(a, 2.0f) == std::vector<float>{2.0f, 4.0f, 6.0f});
  CHECK(scaled(a, 10.0f) == std::vector<float>{10.0f, 20.0f, 30.0f});
  CHECK(scaled.stats().specializations == 1);
}

TEST_CASE("vocabulary: the lambda is a second oracle on plain numbers", "[jit][vocabulary]") {
  auto f = [](auto x, auto y) {
    return jit::log1p(jit::hypot(x, y)) * jit::atan2(y, x) + jit::floor_mod(x, 2.0) +
           jit::select(jit::isnan(y), 0.0, jit::sign(y));
  };
  auto k = jit::vectorize(f, jit::options{.vector_math = false});
  std::mt19937_64 rng(3);
  const auto a = random_array<double>(rng, 1000), b = random_array<double>(rng, 1000);
  const std::vector<double> r = k(a, b);
  std::size_t bad = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double want = f(a[i], b[i]);
    if (!(r[i] == want || (std::isnan(r[i]) && std::isnan(want)))) ++bad;
  }
  CHECK(bad == 0);  // bit for bit without vector math
}
