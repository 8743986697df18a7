// Tests of jit::table (gathers with checked / clamp / constant index policies, 1-D and 2-D),
// jit::x() / jit::y() in 2-D calls and jit::index()'s offset in rows and streamed calls:
// differential against the reference evaluator and plain C++, every element type, sizes around
// a vector group and 1e6 + 3, par == serial, bad input.
#include "jit/jit_support.hpp"

#include <array>
#include <limits>
#include <stdexcept>

#include <parjit/jit/view2d.hpp>
#include <parjit/parallel/huge_page.hpp>

namespace {

using namespace parjit::jit_test;
using expr::index_policy;
using expr::scalar_kind;

const auto sizes = {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{8},
                    std::size_t{9}, std::size_t{15}, std::size_t{16}, std::size_t{17},
                    std::size_t{1000}, large_size};

// Indices in [lo, hi) for n elements, seeded.
array<std::int32_t> indices(std::size_t n, std::int32_t lo, std::int32_t hi, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::int32_t> d(lo, hi - 1);
  array<std::int32_t> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// The reference value of `lut[i]` under a policy, in plain C++ (independent of the evaluator).
template <class T>
T plain_gather(const array<T>& lut, std::int64_t i, index_policy p, T fill) {
  const auto n = static_cast<std::int64_t>(lut.size());
  if (i >= 0 && i < n) return lut[static_cast<std::size_t>(i)];
  if (p == index_policy::constant) return fill;
  return lut[static_cast<std::size_t>(i < 0 ? 0 : n - 1)];  // clamp
}

template <class T>
void check_gather_policies(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const array<T> lut = random_array<T>(rng, 37);
  const T fill = random_array<T>(rng, 1)[0];
  // lut[i] + i's parity: the gather's value takes part in arithmetic
  auto k = jit::vectorize([](auto i, auto t) { return t[i]; });
  const expr::graph g_clamp = expr::to_graph(expr::table_arg<1, T, 1, index_policy::clamp>{}[expr::arg<0, std::int32_t>{}]);
  for (const std::size_t n : sizes) {
    const auto idx = indices(n, -5, 42, seed + n);  // about a quarter outside [0, 37)
    array<T> a(n), b(n), c(n);
    k(a, idx, jit::table(lut, jit::clamp));
    k(jit::par, b, idx, jit::table(lut, jit::constant(fill)));
    std::size_t bad = 0;
    for (std::size_t e = 0; e < n; ++e) {
      bad += !(expr::same_value(expr::value::of(a[e]),
                                expr::value::of(plain_gather(lut, idx[e], index_policy::clamp, fill))));
      bad += !(expr::same_value(expr::value::of(b[e]),
                                expr::value::of(plain_gather(lut, idx[e], index_policy::constant, fill))));
    }
    INFO("n = " << n << ", element type " << expr::name_of(expr::kind_of<T>));
    CHECK(bad == 0);
    // the reference evaluator agrees (a sample of elements)
    const expr::table_contents tc{expr::kind_of<T>, lut.data(), 37, 1, 37, expr::value::of(fill)};
    const std::array<expr::table_contents, 2> tables{expr::table_contents{}, tc};
    for (std::size_t e = 0; e < n; e += 1 + n / 50) {
      const std::array<expr::value, 2> args{expr::value::of(idx[e]), expr::value::of(T{})};
      const expr::value want =
          expr::evaluate(g_clamp, args, expr::element_position{static_cast<std::int64_t>(e), 0, 0, tables});
      CHECK(expr::same_value(expr::value::of(a[e]), want));
    }
    // checked: in range only, equal to clamp's result; par == serial
    const auto inside = indices(n, 0, 37, seed + 7 * n);
    k(a, inside, jit::table(lut));
    k(jit::par, c, inside, jit::table(lut, jit::checked));
    for (std::size_t e = 0; e < n; ++e) bad += !(a[e] == lut[static_cast<std::size_t>(inside[e])]);
    CHECK(bad == 0);
    CHECK(std::memcmp(a.data(), c.data(), n * sizeof(T)) == 0);
    // narrow index types (offsets computed in 32 bits): int8 (negative), uint16, int64 (wide)
    array<std::int8_t> i8(n);
    array<std::uint16_t> u16(n);
    array<std::int64_t> i64(n);
    for (std::size_t e = 0; e < n; ++e) {
      i8[e] = static_cast<std::int8_t>(idx[e]);
      u16[e] = static_cast<std::uint16_t>(idx[e] < 0 ? 65535 : idx[e]);
      i64[e] = idx[e] < 0 ? std::numeric_limits<std::int64_t>::min() : idx[e];
    }
    k(a, i8, jit::table(lut, jit::constant(fill)));
    k(b, u16, jit::table(lut, jit::clamp));
    k(c, i64, jit::table(lut, jit::constant(fill)));
    for (std::size_t e = 0; e < n; ++e) {
      bad += !expr::same_value(expr::value::of(a[e]),
                               expr::value::of(plain_gather(lut, i8[e], index_policy::constant, fill)));
      bad += !expr::same_value(expr::value::of(b[e]),
                               expr::value::of(plain_gather(lut, u16[e], index_policy::clamp, fill)));
      bad += !expr::same_value(expr::value::of(c[e]),
                               expr::value::of(plain_gather(lut, i64[e], index_policy::constant, fill)));
    }
    CHECK(bad == 0);
  }
}

TEMPLATE_LIST_TEST_CASE("tables: clamp, constant and checked gathers for every element type",
                        "[jit][tables]", parjit::test::element_types) {
  check_gather_policies<TestType>(100 + sizeof(TestType));
}

TEST_CASE("tables: a checked gather outside the table throws out_of_range naming the lowest element",
          "[jit][tables]") {
  std::vector<float> lut(256);
  for (std::size_t i = 0; i < lut.size(); ++i) lut[i] = static_cast<float>(i) * 0.5f;
  auto k = jit::vectorize([](auto i, auto t) { return t[i] * 2.0f; });
  for (const std::size_t n : {std::size_t{1}, std::size_t{17}, large_size}) {
    for (const std::int64_t bad_index : {std::int64_t{-1}, std::int64_t{256}, std::int64_t{1} << 40}) {
      std::vector<std::int64_t> idx(n);
      for (std::size_t e = 0; e < n; ++e) idx[e] = static_cast<std::int64_t>(e % 256);
      const std::size_t first = n / 2;
      idx[first] = bad_index;
      if (n > 100) idx[n - 1] = -7;  // a later one: the lowest element is named
      std::vector<float> out(n);
      for (bool par : {false, true}) {
        try {
          if (par) {
            k(jit::par, out, idx, jit::table(lut));
          } else {
            k(out, idx, jit::table(lut));
          }
          FAIL("no exception for index " << bad_index);
        } catch (const std::out_of_range& e) {
          const std::string msg = e.what();
          INFO(msg);
          CHECK(msg.find("element " + std::to_string(first) + " ") != std::string::npos);
          CHECK(msg.find("index " + std::to_string(bad_index) + ",") != std::string::npos);
          CHECK(msg.find("256 elements") != std::string::npos);
        }
      }
    }
  }
  // both ends inside: no exception
  std::vector<std::int64_t> ends{0, 255, 0, 255};
  std::vector<float> out(4);
  k(out, ends, jit::table(lut));
  CHECK(out == std::vector<float>{0.0f, 255.0f, 0.0f, 255.0f});
}

TEST_CASE("tables: bad tables are refused before anything is written", "[jit][tables]") {
  auto k = jit::vectorize([](auto i, auto t) { return t[i]; });
  std::vector<float> out(8, 7.0f), empty;
  const std::vector<std::int32_t> idx(8, 0);
  CHECK_THROWS_WITH(k(out, idx, jit::table(empty, jit::clamp)),
                    Catch::Contains("input 2 (a jit::table) is empty"));
  CHECK_THROWS_AS(k(out, idx, jit::table(empty, jit::clamp)), std::invalid_argument);
  CHECK(out == std::vector<float>(8, 7.0f));
  CHECK_THROWS_AS(k(out, idx, jit::table(empty)), std::out_of_range);  // every index is outside
  k(out, idx, jit::table(empty, jit::constant(-1.0f)));
  CHECK(out == std::vector<float>(8, -1.0f));
  // a table overlapping out: refused, nothing written
  std::vector<float> buf(16, 3.0f);
  CHECK_THROWS_AS(k(buf.data(), 8, idx, jit::table(buf.data() + 4, 8)), std::invalid_argument);
  CHECK_THROWS_WITH(k(buf.data(), 8, idx, jit::table(buf.data() + 4, 8)),
                    Catch::Contains("input 2 (a jit::table) overlaps out") &&
                        Catch::Contains("nothing written"));
  CHECK(buf == std::vector<float>(16, 3.0f));
  // a table of another call's shape does not break the kernel's other signatures
  const std::vector<double> dlut{1.5, 2.5};
  std::vector<double> dout(8);
  k(dout, idx, jit::table(dlut));
  CHECK(dout == std::vector<double>(8, 1.5));
  // refused calls compile nothing: checked float, constant float, checked double
  CHECK(k.stats().specializations == 3);
}

TEST_CASE("tables: gathers inside loops read only active lanes; reductions gather", "[jit][tables]") {
  // Sum of lut[j] for j in [start, start + len): per-element bounds, lanes finish apart; a lane
  // that has finished never reads past the table although its counter would.
  std::vector<std::int32_t> lut(100);
  for (std::size_t i = 0; i < lut.size(); ++i) lut[i] = static_cast<std::int32_t>(i * i % 97);
  auto k = jit::vectorize([](auto start, auto len, auto t) {
    return jit::fori(start, start + len, 0, [&](auto j, auto acc) { return acc + t[j]; });
  });
  for (const std::size_t n : sizes) {
    const auto start = indices(n, 0, 50, n + 1);
    array<std::int32_t> len(n);
    for (std::size_t e = 0; e < n; ++e) len[e] = static_cast<std::int32_t>(e % 51);  // start + len <= 100
    array<std::int32_t> out(n), par_out(n);
    k(out, start, len, jit::table(lut));
    k(jit::par, par_out, start, len, jit::table(lut));
    std::size_t bad = 0;
    for (std::size_t e = 0; e < n; ++e) {
      std::int32_t want = 0;
      for (std::int32_t j = start[e]; j < start[e] + len[e]; ++j) want += lut[static_cast<std::size_t>(j)];
      bad += out[e] != want;
    }
    INFO("n = " << n);
    CHECK(bad == 0);
    CHECK(out == par_out);
  }
  // loop_while walking a linked list stored in a table: stops at -1, never reads t[-1]
  std::vector<std::int32_t> next{3, -1, 0, 1, 2};
  auto hops = jit::vectorize([](auto first, auto t) {
    auto [at, n] = jit::loop_while(jit::tuple(first, 0), [](auto at, auto) { return at >= 0; },
                                   [&](auto at, auto n) { return jit::tuple(t[at], n + 1); });
    (void)at;
    return n;
  });
  const std::vector<std::int32_t> firsts{0, 1, 2, 3, 4, -1, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 2};
  std::vector<std::int32_t> count(firsts.size());
  hops(count, firsts, jit::table(next));
  const std::int32_t want[] = {3, 1, 4, 2, 5, 0, 5, 3, 1, 4, 2, 5, 3, 1, 4, 2, 5, 4};
  CHECK(count == std::vector<std::int32_t>(std::begin(want), std::end(want)));
  // a reduction over gathers, serial == par, against plain C++
  auto total = jit::reduce(jit::sum, [](auto i, auto t) { return t[i]; });
  const auto idx = indices(large_size, 0, 100, 5);
  std::int64_t want_sum = 0;
  for (std::size_t e = 0; e < idx.size(); ++e) want_sum += lut[static_cast<std::size_t>(idx[e])];
  CHECK(total(idx, jit::table(lut)) == want_sum);
  CHECK(total(jit::par, idx, jit::table(lut)) == want_sum);
  auto idx_bad = idx;
  idx_bad[123457] = 100;
  CHECK_THROWS_AS(total(jit::par, idx_bad, jit::table(lut)), std::out_of_range);
}

// A gather whose index is the same in every lane of a vector group (a scalar, jit::y(), the
// counter of a loop with scalar bounds) is one scalar load: the same values, policies and fault
// reports as a gather, also under a partial mask.
template <class T>
bool same(T a, T b) {
  return expr::same_value(expr::value::of(a), expr::value::of(b));
}

template <class T>
void check_uniform_gathers(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (const std::size_t table_size : {std::size_t{3}, std::size_t{37}}) {  // 3: under 8 bytes
    const array<T> lut = random_array<T>(rng, table_size);
    const T fill = random_array<T>(rng, 1)[0];
    auto at = jit::vectorize([](auto x, auto s, auto t) { return t[s] + x * 0; });
    for (const std::size_t n : {std::size_t{1}, std::size_t{17}, std::size_t{1000}}) {
      const array<std::int8_t> x(n, 0);
      array<T> out(n);
      const auto last = static_cast<std::int64_t>(table_size) - 1;
      for (const std::int64_t s : {std::int64_t{0}, last, std::int64_t{-1}, last + 1}) {
        INFO("table " << table_size << ", n " << n << ", s " << s);
        at(out, x, s, jit::table(lut, jit::clamp));
        const T c = plain_gather(lut, s, index_policy::clamp, fill);
        CHECK(std::all_of(out.begin(), out.end(), [&](T v) { return same(v, c); }));
        at(out, x, s, jit::table(lut, jit::constant(fill)));
        const T k = plain_gather(lut, s, index_policy::constant, fill);
        CHECK(std::all_of(out.begin(), out.end(), [&](T v) { return same(v, k); }));
        if (s < 0 || s > last) CHECK_THROWS_AS(at(out, x, s, jit::table(lut)), std::out_of_range);
      }
    }
  }
}

TEST_CASE("tables: a gather at the same index in every lane is one load", "[jit][tables]") {
  check_uniform_gathers<std::uint8_t>(7);
  check_uniform_gathers<std::int16_t>(8);
  check_uniform_gathers<float>(9);
  check_uniform_gathers<double>(10);
  check_uniform_gathers<bool>(11);
  // a counted loop's counter: sum over k < 5 of lut[k] * x, in order, against plain C++
  const std::vector<float> lut{0.5f, -1.25f, 3.0f, 0.125f, 7.5f};
  auto dot = jit::vectorize([](auto x, auto t) {
    return jit::fori(0, 5, 0.0f, [&](auto k, auto acc) { return acc + t[k] * x; });
  });
  for (const std::size_t n : sizes) {
    std::mt19937_64 rng(n);
    const auto x = random_array<float>(rng, n);
    array<float> out(n), par_out(n);
    dot(out, x, jit::table(lut));
    dot(jit::par, par_out, x, jit::table(lut));
    std::size_t bad = 0;
    for (std::size_t e = 0; e < n; ++e) {
      float want = 0.0f;
      for (std::size_t k = 0; k < 5; ++k) want = want + lut[k] * x[e];
      bad += !same(out[e], want);
    }
    INFO("n = " << n);
    CHECK(bad == 0);
    CHECK(std::equal(out.begin(), out.end(), par_out.begin(), same<float>));
  }
  // a uniform index (the counter from a literal start) in a loop with per-element bounds: only
  // the lanes that run the body read, so the lowest offending element is the first with len > 0
  auto masked = jit::vectorize([](auto len, auto s, auto t) {
    return jit::fori(0, len, 0.0f, [&](auto k, auto acc) { return acc + t[s + k]; });
  });
  std::vector<std::int32_t> len(40, 0);
  for (std::size_t e = 21; e < len.size(); ++e) len[e] = 2;
  std::vector<float> out(len.size());
  masked(out, len, std::int64_t{3}, jit::table(lut));
  CHECK(out[20] == 0.0f);
  CHECK(out[21] == 7.625f);
  CHECK(out[39] == 7.625f);
  CHECK_THROWS_WITH(masked(out, len, std::int64_t{4}, jit::table(lut)),
                    Catch::Contains("element 21 "));
  // a gather that does not use the loop's variables is computed before the loop, as if written
  // there (docs/jit.md): it faults for element 0, whose loop runs no iteration
  auto hoisted = jit::vectorize([](auto len, auto s, auto t) {
    return jit::fori(0, len, 0.0f, [&](auto, auto acc) { return acc + t[s]; });
  });
  CHECK_THROWS_WITH(hoisted(out, len, std::int64_t{5}, jit::table(lut)),
                    Catch::Contains("element 0 "));
  // jit::y() in a 2-D call: row y reads lut[y]
  std::vector<float> rows(5 * 19, -1.0f);
  auto by_row = jit::vectorize([](auto v, auto t) { return t[jit::y()] + v * 0.0f; });
  const std::vector<float> zeros(rows.size(), 0.0f);
  by_row(jit::view2d<float>{rows.data(), 19, 5}, jit::view2d<const float>{zeros.data(), 19, 5},
         jit::table(lut));
  for (std::size_t y = 0; y < 5; ++y)
    for (std::size_t x = 0; x < 19; ++x) CHECK(rows[y * 19 + x] == lut[y]);
}

// Machine code: a 1-D gather whose index fits int32 is one dword-indexed gather per 16 lanes
// on an AVX-512 host (LLVM otherwise splits it into two qword-indexed ones, about 2x slower on
// the gamma LUT), from small unsigned indices and from int32 ones alike.
// Byte tables indexed by bytes: read by byte permutes where the host has AVX-512 VBMI (a gather
// elsewhere). Every table size around the four 64-byte registers the permutes read, every
// policy, uint8 and int8 indices (negative: outside), against plain C++; par == serial.
template <class T, class I>
void check_byte_tables(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto k = jit::vectorize([](auto i, auto t) { return t[jit::cast<std::int64_t>(i)]; });
  for (const std::size_t table_size : {1, 7, 8, 63, 64, 65, 127, 128, 129, 200, 255, 256, 300}) {
    const array<T> lut = random_array<T>(rng, table_size);
    const T fill = random_array<T>(rng, 1)[0];
    for (const std::size_t n : {std::size_t{1}, std::size_t{17}, std::size_t{1000}, large_size}) {
      array<I> idx(n);
      std::uniform_int_distribution<int> d(std::numeric_limits<I>::min(), std::numeric_limits<I>::max());
      for (auto& x : idx) x = static_cast<I>(d(rng));
      array<T> a(n), b(n), c(n);
      k(a, idx, jit::table(lut, jit::clamp));
      k(jit::par, b, idx, jit::table(lut, jit::constant(fill)));
      std::size_t bad = 0;
      for (std::size_t e = 0; e < n; ++e) {
        bad += !same(a[e], plain_gather(lut, idx[e], index_policy::clamp, fill));
        bad += !same(b[e], plain_gather(lut, idx[e], index_policy::constant, fill));
      }
      k(c, idx, jit::table(lut, jit::constant(fill)));
      CHECK(std::equal(b.begin(), b.end(), c.begin(), same<T>));
      // checked: indices inside only
      for (auto& x : idx) x = static_cast<I>(static_cast<std::size_t>(x < 0 ? -(x + 1) : x) % table_size);
      k(jit::par, c, idx, jit::table(lut, jit::checked));
      for (std::size_t e = 0; e < n; ++e) bad += !same(c[e], lut[static_cast<std::size_t>(idx[e])]);
      INFO("table " << table_size << ", n " << n << ", index " << expr::name_of(expr::kind_of<I>));
      CHECK(bad == 0);
    }
  }
  // an index outside a checked byte table throws, naming the lowest element
  const array<T> lut = random_array<T>(rng, 100);
  array<I> idx(40, 5);
  idx[33] = 100;
  idx[37] = 120;
  array<T> out(40);
  CHECK_THROWS_WITH(k(out, idx, jit::table(lut)), Catch::Contains("element 33 "));
}

TEST_CASE("tables: byte tables indexed by bytes, every size and policy", "[jit][tables]") {
  check_byte_tables<std::uint8_t, std::uint8_t>(21);
  check_byte_tables<std::int8_t, std::uint8_t>(22);
  check_byte_tables<std::uint8_t, std::int8_t>(23);
  check_byte_tables<bool, std::uint8_t>(24);
}

TEST_CASE("tables: int32-range indices gather with dword offsets", "[jit][tables][codegen]") {
  const std::vector<std::uint8_t> bytes(300, 1);
  const std::vector<float> floats(300, 1.0f);
  auto gamma = jit::vectorize([](auto v, auto t) { return t[jit::cast<std::int64_t>(v)]; });
  auto wide = jit::vectorize([](auto i, auto t) { return t[i + 1]; });
  std::vector<std::uint8_t> in(64, 3), out8(64);
  std::vector<std::int32_t> idx(64, 5);
  std::vector<float> outf(64);
  gamma(out8, in, jit::table(bytes));
  wide(out8, idx, jit::table(bytes));
  wide(outf, idx, jit::table(floats));
  CHECK(out8[0] == 1);
  CHECK(outf[63] == 1.0f);
  const std::string byte_lut = gamma.assembly();
  const bool permutes =
      byte_lut.find("vpermi2b") != std::string::npos || byte_lut.find("vpermt2b") != std::string::npos;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  if (__builtin_cpu_supports("avx512vbmi")) CHECK(permutes);  // a byte table: no gather there
#endif
  if (permutes) CHECK(byte_lut.find("gather") == std::string::npos);
  for (const std::string& code : {byte_lut, wide.assembly()}) {
    if (code.find("zmm") == std::string::npos) continue;  // not an AVX-512 host
    if (code.find("vpermi2b") != std::string::npos || code.find("vpermt2b") != std::string::npos) continue;
    const bool dword = code.find("vpgatherdd") != std::string::npos ||
                       code.find("vgatherdps") != std::string::npos;
    CHECK(dword);
    CHECK(code.find("vpgatherqd") == std::string::npos);
    CHECK(code.find("vgatherqps") == std::string::npos);
  }
}

TEST_CASE("tables: 2-D tables, jit::x() and jit::y() over view2d calls", "[jit][tables][view2d]") {
  const std::size_t w = 37, h = 11, stride = 40;  // rows with a gap: a call per row
  std::vector<float> src(h * stride, -100.0f);
  for (std::size_t y = 0; y < h; ++y)
    for (std::size_t x = 0; x < w; ++x) src[y * stride + x] = static_cast<float>(y * 1000 + x);
  const jit::view2d<float> in{src.data(), w, h, stride};
  // a 3x1 box over columns with replicated borders, read through a clamped 2-D table
  auto box = jit::vectorize([](auto t) {
    return (t(jit::x() - 1, jit::y()) + t(jit::x(), jit::y()) + t(jit::x() + 1, jit::y())) / 3.0f;
  });
  std::vector<float> dst(h * stride, 5.0f);
  const jit::view2d<float> out{dst.data(), w, h, stride};
  for (bool par : {false, true}) {
    if (par) {
      box(jit::par, out, jit::table(in, jit::clamp));
    } else {
      box(out, jit::table(in, jit::clamp));
    }
    std::size_t bad = 0;
    for (std::size_t y = 0; y < h; ++y) {
      for (std::size_t x = 0; x < w; ++x) {
        const float l = src[y * stride + (x == 0 ? 0 : x - 1)], c = src[y * stride + x],
                    r = src[y * stride + (x + 1 == w ? x : x + 1)];
        bad += dst[y * stride + x] != (l + c + r) / 3.0f;
      }
      bad += dst[y * stride + w] != 5.0f;  // the gap between rows is not written
    }
    INFO("par " << par);
    CHECK(bad == 0);
  }
  // jit::index() is y * (width * channels) + x, also when rows are not contiguous; jit::y()
  std::vector<std::int64_t> where(h * stride, -1), rows(h * stride, -1);
  auto position = jit::vectorize([](auto v) { return jit::index() + jit::cast<std::int64_t>(v * 0.0f); });
  auto row_of = jit::vectorize([](auto v) { return jit::y() + jit::cast<std::int64_t>(v * 0.0f); });
  position(jit::view2d<std::int64_t>{where.data(), w, h, stride}, in);
  row_of(jit::view2d<std::int64_t>{rows.data(), w, h, stride}, in);
  for (std::size_t y = 0; y < h; ++y) {
    for (std::size_t x = 0; x < w; ++x) {
      CHECK(where[y * stride + x] == static_cast<std::int64_t>(y * w + x));
      CHECK(rows[y * stride + x] == static_cast<std::int64_t>(y));
    }
  }
  // packed views, several channels: x() counts elements of the row (channels interleaved)
  std::vector<std::uint8_t> rgb(4 * 3 * 2);
  jit::view2d<std::uint8_t, 3> img{rgb.data(), 4, 2};
  auto coords = jit::vectorize([](auto v) { return jit::cast<std::uint8_t>(jit::x() * 10 + jit::y()) + v * 0; });
  coords(img, static_cast<jit::view2d<const std::uint8_t, 3>>(img));
  for (std::size_t y = 0; y < 2; ++y)
    for (std::size_t x = 0; x < 12; ++x) CHECK(rgb[y * 12 + x] == x * 10 + y);
  // checked 2-D gathers name (x, y); constant gives the fill value outside
  auto shifted = jit::vectorize([](auto t) { return t(jit::x() + 2, jit::y() - 1); });
  try {
    shifted(out, jit::table(in));
    FAIL("no exception");
  } catch (const std::out_of_range& e) {
    INFO(e.what());
    CHECK(std::string(e.what()).find("(x, y) = (2, -1)") != std::string::npos);
  }
  shifted(out, jit::table(in, jit::constant(-1.0f)));
  CHECK(dst[0] == -1.0f);
  CHECK(dst[1 * stride + 0] == src[0 * stride + 2]);
  CHECK(dst[1 * stride + w - 2] == -1.0f);
  CHECK(dst[1 * stride + w - 3] == src[w - 1]);
}

TEST_CASE("tables: jit::index() counts from the call's start in streamed calls", "[jit][tables]") {
  const std::size_t old = jit::streaming_threshold();
  jit::streaming_threshold(0);  // stream every call that can
  auto ramp = jit::vectorize([](auto x) { return x + jit::cast<double>(jit::index()); });
  std::vector<double> in(large_size, 0.5);
  parjit::huge_page_vector<double> out(large_size);  // 64-byte aligned: streamed
  ramp(out, in);
  ramp(jit::par, in, in);  // in place: not streamed
  jit::streaming_threshold(old);
  CHECK(ramp.stats().streamed_calls == 1);
  std::size_t bad = 0;
  for (std::size_t i = 0; i < large_size; ++i) {
    bad += out[i] != 0.5 + static_cast<double>(i);
    bad += in[i] != 0.5 + static_cast<double>(i);
  }
  CHECK(bad == 0);
}

TEST_CASE("tables: the graph prints, validates and keys gathers by policy", "[jit][tables][graph]") {
  const auto t = expr::table_arg<0, float, 1, index_policy::clamp>{};
  const auto u = expr::table_arg<1, std::uint8_t, 2, index_policy::constant>{};
  const expr::graph g = expr::to_graph(t[expr::arg<2, std::int32_t>{} + 1] +
                                       jit::cast<float>(u(expr::x(), expr::y())));
  const std::string s = expr::to_string(g);
  INFO(s);
  CHECK(s.find("a0:float[") != std::string::npos);
  CHECK(s.find("]<clamp>") != std::string::npos);
  CHECK(s.find("a1:uint8(x(), y())<constant>") != std::string::npos);
  CHECK_NOTHROW(expr::validate(g));
  expr::graph bad = g;
  for (auto& n : bad.nodes)
    if (n.code == expr::op::gather) n.bits = 7;
  CHECK_THROWS_AS(expr::validate(bad), std::invalid_argument);
  // the same argument as a table and as an array: invalid
  const expr::graph mixed = expr::to_graph(t[expr::arg<2, std::int32_t>{}] + expr::arg<0, float>{});
  CHECK_THROWS_AS(expr::validate(mixed), std::invalid_argument);
  // a checked gather outside its table: the evaluator throws out_of_range
  const float data[2] = {1, 2};
  const std::array<expr::table_contents, 1> tables{
      expr::table_contents{scalar_kind::f32, data, 2, 1, 2, expr::value::of(0.0f)}};
  const expr::graph c = expr::to_graph(
      expr::table_arg<0, float, 1, index_policy::checked>{}[expr::arg<1, std::int64_t>{}]);
  const std::array<expr::value, 2> args{expr::value::of(0.0f), expr::value::of(std::int64_t{2})};
  CHECK_THROWS_AS(expr::evaluate(c, args, expr::element_position{0, 0, 0, tables}), std::out_of_range);
}

}  // namespace
