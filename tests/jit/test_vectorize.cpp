// jit::vectorize: hand-written kernels against the reference evaluator over element types, mixes
// and sizes; call forms, runtime scalars, in place, size and overlap errors, par == serial.
#include "jit_support.hpp"

#include <parjit/parallel/huge_page.hpp>

#include <array>
#include <climits>
#include <numeric>
#include <span>

using namespace parjit::jit_test;
namespace expr = parjit::expr;
namespace jit = parjit::jit;

namespace {
constexpr std::uint64_t transcendental_ulps = 8;  // libmvec vs scalar libm (glibc: <= 4 each)
}

TEST_CASE("vectorize: the benchmark kernels K1-K6 match the reference at every size", "[jit]") {
  const std::initializer_list<std::size_t> sizes = {0, 1, 7, 8, 9, 1000, large_size};
  SECTION("K1 hypot") {
    check_kernel<float, float, float>([](auto a, auto b) { return jit::sqrt(a * a + b * b); },
                                      sizes, 1);
  }
  SECTION("K2 polynomial (double constants promote)") {
    check_kernel<float, float>([](auto a) { return ((a * 0.5 + 1.5) * a - 2) * a + 3; }, sizes, 2);
  }
  SECTION("K3 exp * sin within the ulp bound") {
    check_kernel<float, float, float>([](auto a, auto b) { return jit::exp(-a * a) * jit::sin(b); },
                                      sizes, 3, {}, transcendental_ulps);
  }
  SECTION("K3 exp * sin without vector math is exact") {
    check_kernel<float, float, float>([](auto a, auto b) { return jit::exp(-a * a) * jit::sin(b); },
                                      {0, 9, 1000}, 3, {.vector_math = false});
  }
  SECTION("K5 select") {
    check_kernel<float, float, float>([](auto a, auto b) { return jit::select(a > 0, a * b, -a); },
                                      sizes, 5);
  }
  SECTION("K6 uint8 RGB to float grey") {
    check_kernel<float, std::uint8_t, std::uint8_t, std::uint8_t>(
        [](auto r, auto g, auto b) { return (0.299f * r + 0.587f * g + 0.114f * b) / 255.0f; },
        sizes, 6);
  }
}

namespace {
// A reference that shares no code with the library: the kernel's own lambda called on plain
// numbers (expr's functions on numbers are <cmath>'s; test_nodes.cpp checks that), element by
// element, compared bit for bit with the JIT (scalar libm: vector_math off).
template <class Out, class... In, class F>
void check_against_plain_cpp(const F& f, std::uint64_t seed) {
  auto k = jit::vectorize(f, {.vector_math = false});
  for (const std::size_t n : {1ul, 9ul, 1000ul}) {
    std::mt19937_64 rng(seed + n);
    std::tuple<std::vector<In>...> data{[&] {
      std::vector<In> v(n);
      for (auto& x : v) x = static_cast<In>(std::uniform_real_distribution<double>(-50, 50)(rng));
      return v;
    }()...};
    std::vector<Out> out(n);
    std::apply([&](auto&... d) { k(out, d...); }, data);
    std::size_t bad = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const Out want = std::apply([&](auto&... d) { return static_cast<Out>(f(d[i]...)); }, data);
      if (std::memcmp(&want, &out[i], sizeof(Out)) != 0 && bad++ == 0) {
        UNSCOPED_INFO("first difference at " << i << ": got " << +out[i] << ", want " << +want);
      }
    }
    INFO("n = " << n);
    CHECK(bad == 0);
  }
}
}  // namespace

TEST_CASE("vectorize: kernels equal their lambda run as plain C++", "[jit]") {
  using i8 = std::int8_t;
  using u8 = std::uint8_t;
  check_against_plain_cpp<float, float, float>([](auto a, auto b) { return jit::sqrt(a * a + b * b); }, 1);
  check_against_plain_cpp<double, float>([](auto a) { return ((a * 0.5 + 1.5) * a - 2) * a + 3; }, 2);
  check_against_plain_cpp<float, float, float>([](auto a, auto b) { return jit::exp(-a * a) * jit::sin(b); }, 3);
  check_against_plain_cpp<double, double, double>([](auto a, auto b) { return jit::min(a, b) / jit::max(b, 1.5) + jit::abs(a); }, 4);
  check_against_plain_cpp<int, i8, u8>([](auto a, auto b) { return a * b - a; }, 5);
  check_against_plain_cpp<float, float>([](auto x) { return jit::floor(x) + jit::round(x * 0.25f); }, 6);
}

// 60+ hand-written kernels in five test cases (each a ctest entry with its own time limit: the
// ASan build runs them several times slower).
namespace {
const std::initializer_list<std::size_t> every_size = {0, 1, 7, 8, 9, 1000, large_size};
using i8 = std::int8_t;
using u8 = std::uint8_t;
using i16 = std::int16_t;
using u16 = std::uint16_t;
using i32 = std::int32_t;
using u32 = std::uint32_t;
using i64 = std::int64_t;
using u64 = std::uint64_t;
}  // namespace

TEST_CASE("vectorize: hand-written kernels: arithmetic, conversions, division", "[jit]") {
  const auto sizes = every_size;
  std::uint64_t seed = 100;
  // arithmetic and C++'s conversions
  check_kernel<double, double, double>([](auto a, auto b) { return a * b + a - b / a; }, sizes, ++seed);
  check_kernel<float, float, double>([](auto a, auto b) { return a * b; }, sizes, ++seed);
  check_kernel<i32, i8, u8>([](auto a, auto b) { return a * b - a; }, sizes, ++seed);
  check_kernel<i64, i16, u16>([](auto a, auto b) { return (a + b) * (a - b); }, sizes, ++seed);
  check_kernel<u32, i32, u32>([](auto a, auto b) { return a + b; }, sizes, ++seed);
  check_kernel<i64, i64, u32>([](auto a, auto b) { return a * b; }, sizes, ++seed);
  check_kernel<u64, u64, i8>([](auto a, auto b) { return a - b; }, sizes, ++seed);
  check_kernel<i32, bool, bool>([](auto a, auto b) { return a + b; }, sizes, ++seed);
  check_kernel<float, bool, float>([](auto m, auto x) { return m * x; }, sizes, ++seed);
  // integer division and remainder, including by zero and INT_MIN / -1
  check_kernel<i32, i32, i32>([](auto a, auto b) { return a / b; }, sizes, ++seed);
  check_kernel<i32, i32, i32>([](auto a, auto b) { return a % b; }, sizes, ++seed);
  check_kernel<i64, i64, i64>([](auto a, auto b) { return a / b + a % b; }, sizes, ++seed);
  check_kernel<u64, u64, u64>([](auto a, auto b) { return a / b + a % b; }, sizes, ++seed);
  check_kernel<u32, u8, u32>([](auto a, auto b) { return a / b; }, sizes, ++seed);
}

TEST_CASE("vectorize: hand-written kernels: comparisons, select, min, max, clamp, casts", "[jit]") {
  const auto sizes = every_size;
  std::uint64_t seed = 114;
  // comparisons, logic, select
  check_kernel<bool, float, float>([](auto a, auto b) { return a < b || a != a; }, sizes, ++seed);
  check_kernel<bool, double, double>([](auto a, auto b) { return (a >= b) && !(a == b); }, sizes, ++seed);
  check_kernel<bool, i32, u32>([](auto a, auto b) { return a <= b; }, sizes, ++seed);
  check_kernel<u8, i16, u8>([](auto a, auto b) { return jit::select(a > 3, a, b); }, sizes, ++seed);
  check_kernel<float, bool, float>([](auto c, auto x) { return jit::select(c, x, -x); }, sizes, ++seed);
  // min / max / clamp with std semantics (NaN order matters)
  check_kernel<float, float, float>([](auto a, auto b) { return jit::min(a, b) + jit::max(b, a); }, sizes, ++seed);
  check_kernel<double, double>([](auto x) { return jit::clamp(x, -1.0, 1.0); }, sizes, ++seed);
  check_kernel<i16, i16, i16>([](auto a, auto b) { return jit::min(a, b); }, sizes, ++seed);
  check_kernel<u64, u64, u64>([](auto a, auto b) { return jit::max(a, b); }, sizes, ++seed);
  // casts: saturating float -> int, -> bool is != 0
  check_kernel<u8, float>([](auto x) { return x * 255.0f; }, sizes, ++seed);
  check_kernel<i32, double>([](auto x) { return jit::cast<std::int32_t>(x); }, sizes, ++seed);
  check_kernel<u64, float>([](auto x) { return jit::cast<std::uint64_t>(x); }, sizes, ++seed);
  check_kernel<bool, double>([](auto x) { return jit::cast<bool>(x); }, sizes, ++seed);
  check_kernel<i8, i64>([](auto x) { return jit::cast<std::int8_t>(x); }, sizes, ++seed);
  check_kernel<float, u64>([](auto x) { return jit::cast<float>(x); }, sizes, ++seed);
  check_kernel<double, i64>([](auto x) { return x * 0.5; }, sizes, ++seed);
}

TEST_CASE("vectorize: hand-written kernels: neg, abs, rounding, fma, sqrt", "[jit]") {
  const auto sizes = every_size;
  std::uint64_t seed = 130;
  // neg, abs (wrapping for INT_MIN), rounding functions, fma, sqrt
  check_kernel<i32, i32>([](auto x) { return -jit::abs(x); }, sizes, ++seed);
  check_kernel<i64, i64>([](auto x) { return jit::abs(x); }, sizes, ++seed);
  check_kernel<float, float>([](auto x) { return jit::abs(x) - x; }, sizes, ++seed);
  check_kernel<double, double>([](auto x) { return jit::floor(x) + jit::ceil(x) * jit::round(x); }, sizes, ++seed);
  check_kernel<float, float, float, float>([](auto a, auto b, auto c) { return jit::fma(a, b, c); }, sizes, ++seed);
  check_kernel<double, double, double>([](auto a, auto b) { return jit::sqrt(a) / b; }, sizes, ++seed);
  check_kernel<double, i32>([](auto x) { return jit::sqrt(x); }, sizes, ++seed);
}

// Transcendentals: exact without vector math; with it, each function is within the bound
// (single functions and products: a sum of two could cancel and magnify an ulp).
namespace {
void check_transcendentals(bool vm, std::uint64_t seed) {
  const auto sizes = every_size;
  const jit::options o{.vector_math = vm};
  const std::uint64_t u = vm ? transcendental_ulps : 0;
  check_kernel<float, float>([](auto x) { return jit::exp(x); }, sizes, ++seed, o, u);
  check_kernel<double, double>([](auto x) { return jit::exp(x); }, sizes, ++seed, o, u);
  check_kernel<float, float>([](auto x) { return jit::log(x); }, sizes, ++seed, o, u);
  check_kernel<double, double>([](auto x) { return jit::log(x); }, sizes, ++seed, o, u);
  check_kernel<float, float>([](auto x) { return jit::sin(x) * jit::cos(x); }, sizes, ++seed, o,
                             u);
  check_kernel<double, double>([](auto x) { return jit::sin(x); }, sizes, ++seed, o, u);
  check_kernel<double, double>([](auto x) { return jit::cos(x); }, sizes, ++seed, o, u);
  check_kernel<float, float>([](auto x) { return jit::tan(x); }, sizes, ++seed, o, u);
  check_kernel<double, double>([](auto x) { return jit::tanh(x); }, sizes, ++seed, o, u);
  check_kernel<float, float>([](auto x) { return jit::tanh(x); }, sizes, ++seed, o, u);
  check_kernel<float, float>([](auto x) { return jit::log2(x); }, sizes, ++seed, o, u);
  check_kernel<double, double>([](auto x) { return jit::log10(x); }, sizes, ++seed, o, u);
  check_kernel<float, float, float>([](auto x, auto y) { return jit::pow(x, y); }, sizes, ++seed,
                                    o, u);
  check_kernel<double, double, double>([](auto x, auto y) { return jit::pow(x, y); }, sizes,
                                       ++seed, o, u);
}
}  // namespace

TEST_CASE("vectorize: hand-written kernels: transcendentals, scalar libm", "[jit]") {
  check_transcendentals(false, 137);
}

TEST_CASE("vectorize: hand-written kernels: transcendentals, vector math", "[jit]") {
  check_transcendentals(true, 151);
}

TEST_CASE("vectorize: one generic kernel over every element type and pair", "[jit]") {
  const std::initializer_list<std::size_t> sizes = {9, 100};
  std::uint64_t seed = 500;
  parjit::test::for_each_type([&]<class T>() {
    check_kernel<T, T, T>([](auto a, auto b) { return jit::select(a < b, b, a); }, sizes, ++seed);
    check_kernel<double, T, T>([](auto a, auto b) { return a * b + a; }, sizes, ++seed);
    check_kernel<T, T>([](auto a) { return -a; }, sizes, ++seed);
    check_kernel<bool, T, T>([](auto a, auto b) { return a != b; }, sizes, ++seed);
  });
  parjit::test::for_each_type([&]<class A>() {
    parjit::test::for_each_type([&]<class B>() {
      check_kernel<float, A, B>([](auto a, auto b) { return a - b; }, {9}, ++seed);
    });
  });
}

TEST_CASE("vectorize: scalars are runtime parameters and broadcast", "[jit]") {
  std::vector<float> x{1, 2, 3, 4, 5, 6, 7, 8, 9}, out(9);
  auto scale = jit::vectorize([](auto v, auto m, auto sd) { return (v - m) / sd; });
  scale(out, x, 0.5f, 0.25f);
  for (std::size_t i = 0; i < x.size(); ++i) CHECK(out[i] == (x[i] - 0.5f) / 0.25f);
  scale(out, x, 1.5f, 2.0f);
  for (std::size_t i = 0; i < x.size(); ++i) CHECK(out[i] == (x[i] - 1.5f) / 2.0f);
  CHECK(scale.stats().specializations == 1);  // new values, same types: no recompile
  CHECK(scale.stats().calls == 2);
  scale(out, x, 1.0, 2.0);  // double scalars: a new signature
  CHECK(scale.stats().specializations == 2);
  for (std::size_t i = 0; i < x.size(); ++i) CHECK(out[i] == static_cast<float>((x[i] - 1.0) / 2.0));

  SECTION("a runtime bool selects") {
    auto pick = jit::vectorize([](auto c, auto a, auto b) { return jit::select(c, a, b); });
    std::vector<int> a{1, 2, 3}, b{10, 20, 30}, o(3);
    pick(o, true, a, b);
    CHECK(o == std::vector<int>{1, 2, 3});
    pick(o, false, a, b);
    CHECK(o == std::vector<int>{10, 20, 30});
    CHECK(pick.stats().specializations == 1);
  }
  SECTION("all-scalar and constant kernels fill out") {
    auto add = jit::vectorize([](auto a, auto b) { return a + b; });
    std::vector<double> o(1000);
    add(o, 1.5, 2);
    for (double v : o) CHECK(v == 3.5);
    auto seven = jit::vectorize([] { return 7; });
    std::vector<std::uint8_t> o8(77);
    seven(o8);
    for (auto v : o8) CHECK(v == 7);
  }
}

TEST_CASE("vectorize: inputs may be any contiguous range or pointer + size", "[jit]") {
  auto twice = jit::vectorize([](auto a, auto b) { return a + b; });
  std::array<float, 5> a{1, 2, 3, 4, 5};
  float b[5] = {10, 20, 30, 40, 50};
  std::vector<float> o(5);
  twice(o, a, b);
  CHECK(o == std::vector<float>{11, 22, 33, 44, 55});
  twice(std::span<float>(o), std::span<const float>(a), 1.0f);
  CHECK(o == std::vector<float>{2, 3, 4, 5, 6});
  twice(o.data(), o.size(), a.data(), a.size(), &b[0], 5);
  CHECK(o == std::vector<float>{11, 22, 33, 44, 55});
}

TEST_CASE("vectorize: huge_page_vector is a contiguous range in and out", "[jit]") {
  static_assert(jit::detail::element_range<parjit::huge_page_vector<float>&>);
  static_assert(jit::detail::element_range<const parjit::huge_page_vector<std::uint8_t>&>);
  auto k1 = jit::vectorize([](auto a, auto b) { return jit::sqrt(a * a + b * b); });
  // 1000 elements: the small (64-byte aligned) path; 2^20 + 3 floats: the 2 MiB-aligned path.
  for (const std::size_t n : {std::size_t{1000}, (std::size_t{1} << 20) + 3}) {
    std::mt19937_64 rng(n);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    parjit::huge_page_vector<float> a(n), b(n), out(n), par_out(n);
    std::vector<float> plain_b(n), expected(n);
    for (std::size_t i = 0; i < n; ++i) {
      a[i] = u(rng);
      b[i] = plain_b[i] = u(rng);
      expected[i] = std::sqrt(a[i] * a[i] + b[i] * b[i]);
    }
    k1(out, a, b);
    k1(jit::par, par_out, a, plain_b);  // mixed with a std::vector input
    CHECK(std::equal(out.begin(), out.end(), expected.begin()));
    CHECK(std::equal(par_out.begin(), par_out.end(), expected.begin()));
    const std::vector<float> allocated = k1(a, b);  // the allocating form reads it too
    CHECK(std::equal(allocated.begin(), allocated.end(), expected.begin()));
    auto dot = jit::reduce(jit::sum, [](auto x, auto y) { return x * y; });
    const double squares = std::inner_product(a.begin(), a.end(), a.begin(), 0.0);
    CHECK(dot(a, a) == Approx(squares).epsilon(1e-4));
  }
}

TEST_CASE("vectorize: in place, size mismatch and overlap", "[jit]") {
  auto k = jit::vectorize([](auto a, auto b) { return a * 2 + b; });
  std::vector<double> a(1000), b(1000);
  for (std::size_t i = 0; i < a.size(); ++i) {
    a[i] = static_cast<double>(i);
    b[i] = 0.5;
  }
  SECTION("out == input is fine") {
    k(a, a, b);
    for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i] == 2.0 * static_cast<double>(i) + 0.5);
    k(jit::par, b, a, b);
    CHECK(b[3] == a[3] * 2 + 0.5);
  }
  SECTION("in place takes the vector loop: no run-time overlap check sends it to the scalar one") {
    // The call contract (an input is out itself or disjoint from it) makes the elementwise loop
    // free of dependences between elements; LLVM's overlap check failed for out == input.
    k(a, a, b);
    const std::string ir = k.ir();
    CHECK(ir.find("llvm.loop.parallel_accesses") != std::string::npos);
    CHECK(ir.find("vector.body") != std::string::npos);
    CHECK(ir.find("vector.memcheck") == std::string::npos);
  }
  SECTION("a size mismatch names the sizes and writes nothing") {
    std::vector<double> out(1000, -1.0), short_b(999);
    try {
      k(out, a, short_b);
      FAIL("no exception");
    } catch (const std::invalid_argument& e) {
      CHECK_THAT(e.what(), Catch::Contains("999") && Catch::Contains("1000"));
    }
    CHECK_THROWS_AS(k(jit::par, out, short_b, a), std::invalid_argument);
    for (double v : out) CHECK(v == -1.0);
  }
  SECTION("a partial overlap is an error and writes nothing") {
    const std::vector<double> saved = a;
    std::span<double> shifted(a.data() + 1, 999);
    std::span<const double> head(a.data(), 999);
    CHECK_THROWS_AS(k(shifted, head, std::span<const double>(b.data(), 999)),
                    std::invalid_argument);
    CHECK(a == saved);
    // the same bytes seen as another element type also overlap partly
    auto to_int = jit::vectorize([](auto x) { return x; });
    std::span<std::int32_t> as_int(reinterpret_cast<std::int32_t*>(a.data()), 1000);
    CHECK_THROWS_AS(to_int(as_int, std::span<const double>(a.data(), 1000)), std::invalid_argument);
    CHECK(a == saved);
  }
}

TEST_CASE("vectorize: integer division by zero is defined and does not trap", "[jit]") {
  auto div = jit::vectorize([](auto a, auto b) { return a / b; });
  auto mod = jit::vectorize([](auto a, auto b) { return a % b; });
  std::vector<std::int32_t> a{7, -7, INT_MIN, INT_MIN, 5}, b{0, 0, -1, 0, 2}, q(5), r(5);
  div(q, a, b);
  mod(r, a, b);
  CHECK(q == std::vector<std::int32_t>{0, 0, INT_MIN, 0, 2});
  CHECK(r == std::vector<std::int32_t>{0, 0, 0, 0, 1});
  std::vector<std::uint64_t> ua{9, 9}, ub{0, 4}, uq(2);
  div(uq, ua, ub);
  CHECK(uq == std::vector<std::uint64_t>{0, 2});
}

TEST_CASE("vectorize: par and an arena give the serial result bit for bit", "[jit]") {
  std::mt19937_64 rng(77);
  const std::size_t n = large_size;
  auto a = random_array<float>(rng, n), b = random_array<float>(rng, n);
  std::vector<float> serial(n), par(n), pool_out(n);
  auto k = jit::vectorize([](auto x, auto y) { return jit::exp(-x * x) * jit::sin(y) + x / y; });
  k(serial, a, b);
  k(jit::par, par, a, b);
  parjit::arena_executor pool{2};
  k(pool, pool_out, a, b);
  CHECK(std::memcmp(serial.data(), par.data(), n * sizeof(float)) == 0);
  CHECK(std::memcmp(serial.data(), pool_out.data(), n * sizeof(float)) == 0);
  CHECK(k.stats().specializations == 1);  // serial and par share one specialisation
  CHECK(k.stats().calls == 3);
  check_kernel<double, double, std::int32_t>([](auto x, auto i) { return x * i - i / 3; },
                                             {large_size}, 78, {}, 0, /*par=*/true);
}

// Without fastmath the one contraction is of a product exact in its type (optimise.hpp): the
// same bits as the multiply and the add, over every edge value (inf, NaN, denormals, max).
TEST_CASE("vectorize: exact products fuse with their adds, and only those", "[jit]") {
  const auto fused = [](auto a, auto b) { return a * 0.5 + b; };  // float a widened: exact
  const auto squares = [](auto a, auto b) {
    return jit::cast<double>(a) * jit::cast<double>(a) + b;  // 24 + 24 bits: exact
  };
  const auto huge = [](auto a, auto b) { return a * 0x1p1000 + b; };  // may overflow: not fused
  const auto tenth = [](auto a, auto b) { return a * 0.1 + b; };      // 0.1: 53 bits, not fused
  const auto ints = [](auto i, auto b) { return i * 3.0 + b; };       // int32 to double: exact
  const auto tiny = [](auto i, auto b) { return i * 0x1p-1030 + b; };  // may be subnormal: not
  const std::initializer_list<std::size_t> sizes{0, 1, 7, 8, 9, 1000};
  check_kernel<double, float, double>(fused, sizes, 81);
  check_kernel<double, float, double>(squares, sizes, 82);
  check_kernel<double, float, double>(huge, sizes, 83);
  check_kernel<double, float, double>(tenth, sizes, 84);
  check_kernel<double, std::int32_t, double>(ints, sizes, 85);
  check_kernel<double, std::int32_t, double>(tiny, sizes, 87);
  check_kernel<float, float>([](auto a) { return ((a * 0.5 + 1.5) * a - 2) * a + 3; },
                             sizes, 86);  // K2
  const auto ir_of = [](auto f, auto a) {
    auto k = jit::vectorize(f);
    std::vector<double> b(64, 1.0), o(64);
    k(o, a, b);
    return k.ir();
  };
  const std::vector<float> f(64, 1.5f);
  const std::vector<std::int32_t> i(64, 7);
  CHECK_THAT(ir_of(fused, f), Catch::Contains("fmuladd"));
  CHECK_THAT(ir_of(squares, f), Catch::Contains("fmuladd"));
  CHECK_THAT(ir_of(ints, i), Catch::Contains("fmuladd"));
  CHECK_THAT(ir_of(huge, f), !Catch::Contains("fmuladd") && !Catch::Contains("llvm.fma"));
  CHECK_THAT(ir_of(tenth, f), !Catch::Contains("fmuladd") && !Catch::Contains("llvm.fma"));
  CHECK_THAT(ir_of(tiny, i), !Catch::Contains("fmuladd") && !Catch::Contains("llvm.fma"));
}

TEST_CASE("vectorize: ir(), assembly() and fastmath", "[jit]") {
  auto k = jit::vectorize([](auto a, auto b, auto c) { return a * b + c; });
  CHECK(k.ir().empty());
  std::vector<double> a(64, 1.0), o(64);
  k(o, a, a, a);
  const std::string ir = k.ir();
  CHECK_THAT(ir, Catch::Contains("fmul") && Catch::Contains("fadd"));
  CHECK_THAT(ir, !Catch::Contains("llvm.fma") && !Catch::Contains("fmuladd"));  // no contraction
  CHECK_THAT(k.assembly(), Catch::Contains("vmul"));
  auto fast = jit::vectorize([](auto a, auto b, auto c) { return a * b + c; },
                             jit::options{.fastmath = true});
  fast(o, a, a, a);
  CHECK_THAT(fast.ir(), Catch::Contains("fast"));
  CHECK(o[0] == 2.0);
  auto e = jit::vectorize([](auto x) { return jit::exp(x); });
  std::vector<float> f(100, 0.0f), fo(100);
  e(fo, f);
  CHECK(fo[99] == 1.0f);
#if defined(__x86_64__) && defined(__linux__)
  CHECK_THAT(e.ir(), Catch::Contains("_ZGV"));  // libmvec
#endif
}

namespace {
// Sets jit::streaming_threshold for a scope.
struct streaming_threshold_guard {
  std::size_t old = jit::streaming_threshold();
  explicit streaming_threshold_guard(std::size_t bytes) { jit::streaming_threshold(bytes); }
  ~streaming_threshold_guard() { jit::streaming_threshold(old); }
};
}  // namespace

TEST_CASE("vectorize: streaming stores above the threshold give the same bits", "[jit]") {
  std::mt19937_64 rng(91);
  // libmvec (vector and scalar paths differ in the last bit): a split that moved an element from
  // the vector loop to the scalar tail would show.
  auto k = jit::vectorize([](auto x, auto y) { return jit::exp(-x * x) * jit::sin(y) + x / y; });
  auto grey = jit::vectorize(
      [](auto r, auto g, auto b) { return (0.299f * r + 0.587f * g + 0.114f * b) / 255.0f; });
  // Computes in double, stores float: its streamed stores are the two narrowed halves.
  auto poly = jit::vectorize([](auto x) { return ((x * 0.5 + 1.5) * x - 2) * x + 3; });
  for (const std::size_t n : {std::size_t{1}, std::size_t{7}, std::size_t{4095}, std::size_t{4096},
                              std::size_t{4097}, std::size_t{10007}, large_size}) {
    CAPTURE(n);
    auto a = random_array<float>(rng, n), b = random_array<float>(rng, n);
    auto r = random_array<std::uint8_t>(rng, n), g = random_array<std::uint8_t>(rng, n);
    std::vector<float> plain(n), plain_grey(n), plain_poly(n);
    {
      streaming_threshold_guard never(SIZE_MAX);
      k(plain, a, b);
      grey(plain_grey, r, g, r);
      poly(plain_poly, a);
    }
    const auto before = k.stats().streamed_calls;
    streaming_threshold_guard always(0);
    // out at a 2 MiB boundary (streamed: the streamed specialisation, every full vector store
    // non-temporal) and one float past it (off a 64-byte boundary: the ordinary specialisation),
    // serial and par; nothing is written outside out.
    for (const std::size_t shift : {std::size_t{0}, std::size_t{1}}) {
      CAPTURE(shift);
      parjit::huge_page_vector<float> buf(n + 2, -1.0f), buf_par(n + 2, -1.0f),
          buf_grey(n + 2, -1.0f), buf_poly(n + 2, -1.0f), buf_poly_par(n + 2, -1.0f);
      k(std::span<float>(buf.data() + shift, n), a, b);
      k(jit::par, std::span<float>(buf_par.data() + shift, n), a, b);
      grey(std::span<float>(buf_grey.data() + shift, n), r, g, r);
      poly(std::span<float>(buf_poly.data() + shift, n), a);
      poly(jit::par, std::span<float>(buf_poly_par.data() + shift, n), a);
      CHECK(std::memcmp(plain.data(), buf.data() + shift, n * sizeof(float)) == 0);
      CHECK(std::memcmp(plain.data(), buf_par.data() + shift, n * sizeof(float)) == 0);
      CHECK(std::memcmp(plain_grey.data(), buf_grey.data() + shift, n * sizeof(float)) == 0);
      CHECK(std::memcmp(plain_poly.data(), buf_poly.data() + shift, n * sizeof(float)) == 0);
      CHECK(std::memcmp(plain_poly.data(), buf_poly_par.data() + shift, n * sizeof(float)) == 0);
      for (const auto* v : {&buf, &buf_par, &buf_grey, &buf_poly, &buf_poly_par}) {
        if (shift == 1) CHECK((*v)[0] == -1.0f);
        CHECK((*v)[n + shift] == -1.0f);
      }
    }
    CHECK(k.stats().streamed_calls == before + 2);
  }
  // Two specialisations each: the ordinary loop and the streamed one. Only the streamed one has
  // non-temporal stores (x86-64: movntps and kin).
  CHECK(k.stats().specializations == 2);
  CHECK(grey.stats().specializations == 2);
  CHECK(poly.stats().specializations == 2);
#if defined(__x86_64__)
  {
    auto ordinary = jit::vectorize(
        [](auto r, auto g, auto b) { return (0.299f * r + 0.587f * g + 0.114f * b) / 255.0f; });
    std::vector<std::uint8_t> r(100, 1);
    std::vector<float> o(100);
    ordinary(o, r, r, r);
    CHECK_THAT(ordinary.assembly(), !Catch::Contains("movnt"));
    CHECK_THAT(grey.assembly(), Catch::Contains("movnt"));
    CHECK_THAT(poly.assembly(), Catch::Contains("movnt"));
  }
#endif
  SECTION("a strided input streams too") {
    const std::size_t n = 20011;
    auto a = random_array<float>(rng, 2 * n), b = random_array<float>(rng, n);
    std::vector<float> plain(n);
    parjit::huge_page_vector<float> streamed(n);
    const auto every_other = jit::strided(a.data(), n, 2);
    {
      streaming_threshold_guard never(SIZE_MAX);
      k(plain, every_other, b);
    }
    streaming_threshold_guard always(0);
    const auto before = k.stats().streamed_calls;
    k(jit::par, streamed, every_other, b);
    CHECK(k.stats().streamed_calls == before + 1);
    CHECK(std::memcmp(plain.data(), streamed.data(), n * sizeof(float)) == 0);
  }
  SECTION("double output and a runtime scalar") {
    const std::size_t n = 20011;
    auto x = random_array<double>(rng, n);
    std::vector<double> plain(n);
    parjit::huge_page_vector<double> streamed(n);
    auto axpb = jit::vectorize([](auto v, auto s) { return v * s + 1.0; });
    {
      streaming_threshold_guard never(SIZE_MAX);
      axpb(plain, x, 2.5);
    }
    streaming_threshold_guard always(0);
    axpb(jit::par, streamed, x, 2.5);
    CHECK(axpb.stats().streamed_calls == 1);
    CHECK(std::memcmp(plain.data(), streamed.data(), n * sizeof(double)) == 0);
  }
  SECTION("in place (out is an input) uses ordinary stores") {
    const std::size_t n = 10007;
    auto a = random_array<float>(rng, n), b = random_array<float>(rng, n);
    auto expected = a;
    {
      streaming_threshold_guard never(SIZE_MAX);
      k(expected, expected, b);
    }
    streaming_threshold_guard always(0);
    const auto before = k.stats().streamed_calls;
    k(a, a, b);
    CHECK(k.stats().streamed_calls == before);
    CHECK(std::memcmp(expected.data(), a.data(), n * sizeof(float)) == 0);
  }
  SECTION("below the threshold: ordinary stores") {
    std::vector<float> a(1000, 1.0f);
    parjit::huge_page_vector<float> o(1000);
    streaming_threshold_guard high(o.size() * sizeof(float) + 1);
    const auto before = k.stats().streamed_calls;
    k(o, a, a);
    CHECK(k.stats().streamed_calls == before);
    streaming_threshold_guard exact(o.size() * sizeof(float));
    k(o, a, a);
    CHECK(k.stats().streamed_calls == before + 1);
  }
}

TEST_CASE("vectorize: stats split the first call into its phases", "[jit]") {
  auto k = jit::vectorize([](auto a, auto b) { return jit::sqrt(a * a + b * b); },
                          jit::options{.cache = false});
  std::vector<float> a(100, 3.0f), b(100, 4.0f), o(100);
  k(o, a, b);
  CHECK(o[0] == 5.0f);
  const jit::stats st = k.stats();
  const jit::compile_phases& p = st.phases;
  CHECK(p.trace_ms > 0.0);
  CHECK(p.lowering_ms > 0.0);
  CHECK(p.optimise_ms > 0.0);
  CHECK(p.codegen_ms > 0.0);
  CHECK(p.link_ms > 0.0);
  CHECK(p.cache_ms == 0.0);  // the cache is off
  CHECK(p.session_ms >= 0.0);
  CHECK(p.total_ms() <= st.compile_ms + 1e-9);
  CHECK(p.total_ms() > 0.5 * st.compile_ms);  // the phases are where the time goes
  std::vector<double> d(10, 1.0), od(10);
  k(od, d, d);  // a second specialisation: the phases add up
  CHECK(k.stats().phases.codegen_ms > p.codegen_ms);
  CHECK(k.stats().phases.total_ms() <= k.stats().compile_ms + 1e-9);
}
