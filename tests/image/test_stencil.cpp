// Differential tests of jit::stencil: every border rule, odd sizes, strides > width, uint8/float,
// serial and parallel, against a plain C++ evaluation of the same lambda.
#include <parjit/jit.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <vector>

namespace jit = parjit::jit;

namespace {

// Reflect by walking (independent of the library's modular formula).
std::ptrdiff_t ref_index(std::ptrdiff_t i, std::ptrdiff_t n, jit::border::mode m) {
  if (m == jit::border::mode::clamp) return std::clamp<std::ptrdiff_t>(i, 0, n - 1);
  if (n == 1) return 0;
  while (i < 0 || i >= n) i = i < 0 ? -i : 2 * (n - 1) - i;
  return i;
}

template <class O, class R>
O to_out(R r) {
  if constexpr (std::is_integral_v<O> && std::is_floating_point_v<R>) {
    if (r != r) return 0;
    if (r <= R(std::numeric_limits<O>::min())) return std::numeric_limits<O>::min();
    if (r >= R(std::numeric_limits<O>::max())) return std::numeric_limits<O>::max();
  }
  return static_cast<O>(r);
}

// Plain C++: out(x, y) = f(p) for every pixel; frame pixels left alone for `skip`.
template <class O, class T, class F>
void reference(F f, jit::border::rule b, jit::view2d<O> out, jit::view2d<const T> in, int reach) {
  const auto w = static_cast<std::ptrdiff_t>(in.width), h = static_cast<std::ptrdiff_t>(in.height);
  for (std::ptrdiff_t y = 0; y < h; ++y)
    for (std::ptrdiff_t x = 0; x < w; ++x) {
      bool frame = false;
      auto p = [&](int dx, int dy) -> T {
        std::ptrdiff_t xx = x + dx, yy = y + dy;
        if (xx < 0 || yy < 0 || xx >= w || yy >= h) {
          frame = true;
          if (b.kind == jit::border::mode::constant) return static_cast<T>(b.value);
          xx = ref_index(xx, w, b.kind == jit::border::mode::reflect ? b.kind
                                                                       : jit::border::mode::clamp);
          yy = ref_index(yy, h, b.kind == jit::border::mode::reflect ? b.kind
                                                                       : jit::border::mode::clamp);
        }
        return in(xx, yy);
      };
      auto r = f(p);
      (void)reach;
      if (frame && b.kind == jit::border::mode::skip) continue;
      out(x, y) = to_out<O>(r);
    }
}

template <class T>
std::vector<T> random_image(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<T> v(n);
  for (auto& e : v) {
    if constexpr (std::is_floating_point_v<T>) e = std::uniform_real_distribution<T>(-1, 1)(rng);
    else e = static_cast<T>(rng() & 0xff);
  }
  return v;
}

struct shape {
  std::size_t w, h, pad;
};

const std::vector<jit::border::rule> all_borders{jit::border::clamp, jit::border::constant(7),
                                                 jit::border::reflect, jit::border::skip};
const std::vector<shape> shapes{{1, 1, 0},  {1, 9, 0},  {9, 1, 3},   {3, 5, 0},
                                {3, 5, 5},  {2, 2, 1},  {31, 17, 4}, {1023, 767, 0},
                                {257, 3, 13}};

template <class O, class T, class F>
void check_all(F f, int reach) {
  for (auto b : all_borders)
    for (auto s : shapes) {
      const std::size_t is = s.w + s.pad, os = s.w + s.pad / 2;
      auto src = random_image<T>(is * s.h, 1 + static_cast<unsigned>(s.w * 31 + s.h));
      jit::view2d<const T> in{src.data(), s.w, s.h, is};
      std::vector<O> got(os * s.h, O(99)), par(os * s.h, O(99)), want(os * s.h, O(99));
      std::vector<O> pooled(os * s.h, O(99));
      auto k = jit::stencil(f, b);
      k(jit::view2d<O>{got.data(), s.w, s.h, os}, in);
      k(jit::par, jit::view2d<O>{par.data(), s.w, s.h, os}, in);
      static parjit::arena_executor pool{3};
      k(pool, jit::view2d<O>{pooled.data(), s.w, s.h, os}, in);
      reference<O, T>(f, b, jit::view2d<O>{want.data(), s.w, s.h, os}, in, reach);
      INFO("border " << int(b.kind) << " size " << s.w << "x" << s.h << " pad " << s.pad);
      CHECK(got == want);  // exact: the JIT equals C++ at -ffp-contract=off, bit for bit
      CHECK(par == want);
      CHECK(pooled == want);
    }
}

}  // namespace

TEST_CASE("stencil: 4-neighbour blur equals plain C++ for every border and size", "[image]") {
  auto blur = [](auto p) { return (p(-1, 0) + p(1, 0) + p(0, -1) + p(0, 1) + 4 * p(0, 0)) / 8; };
  SECTION("uint8 -> uint8") { check_all<std::uint8_t, std::uint8_t>(blur, 1); }
  SECTION("float -> float") { check_all<float, float>(blur, 1); }
  SECTION("uint8 -> float") { check_all<float, std::uint8_t>(blur, 1); }
}

TEST_CASE("stencil: sharpen saturates into uint8 like the JIT's cast", "[image]") {
  auto sharpen = [](auto p) {
    return 5.0f * p(0, 0) - p(-1, 0) - p(1, 0) - p(0, -1) - p(0, 1);
  };
  check_all<std::uint8_t, std::uint8_t>(sharpen, 1);
  check_all<float, float>(sharpen, 1);
}

TEST_CASE("stencil: asymmetric 5x5 reach and a 3x3 box", "[image]") {
  auto odd = [](auto p) { return p(2, 1) * 2 - p(-2, -2) + p(0, 2) + jit::max(p(1, -1), p(0, 0)); };
  check_all<float, float>(odd, 2);
  check_all<std::int32_t, std::uint8_t>(odd, 2);
  auto box = [](auto p) {
    return (p(-1, -1) + p(0, -1) + p(1, -1) + p(-1, 0) + p(0, 0) + p(1, 0) + p(-1, 1) + p(0, 1) +
            p(1, 1)) / 9.0f;
  };
  check_all<float, float>(box, 1);
}

TEST_CASE("stencil: offsets, errors, one-sided reach", "[image]") {
  auto k = jit::stencil([](auto p) { return p(1, 0) - p(0, 0); }, jit::border::clamp);
  CHECK(k.offsets() == std::vector<std::pair<int, int>>{{1, 0}, {0, 0}});
  std::vector<float> a(12, 1.0f), b(12);
  CHECK_THROWS_AS(k(jit::view2d<float>{a.data(), 4, 3, 4}, jit::view2d<float>{a.data(), 4, 3, 4}),
                  std::invalid_argument);  // in place
  CHECK_THROWS_AS(k(jit::view2d<float>{b.data(), 3, 3, 3}, jit::view2d<float>{a.data(), 4, 3, 4}),
                  std::invalid_argument);  // sizes differ
  CHECK_THROWS_AS(k(jit::view2d<float>{b.data(), 4, 3, 2}, jit::view2d<float>{a.data(), 4, 3, 4}),
                  std::invalid_argument);  // stride < width
  auto too_many = [](auto p) {
    auto s = p(0, 0);
    for (int d = 1; d < 30; ++d) s = s + p(d, 0);
    return s;
  };
  CHECK_THROWS_AS(jit::stencil(too_many, jit::border::clamp), std::invalid_argument);
  auto k2 = jit::stencil([](auto p) { return p(1, 0) - p(0, 0); }, jit::border::skip);
  for (std::size_t i = 0; i < 12; ++i) a[i] = static_cast<float>(i * i);
  std::vector<float> out(12, -1.0f);
  k2(jit::view2d<float>{out.data(), 4, 3, 4}, jit::view2d<const float>{a.data(), 4, 3, 4});
  CHECK(out[0] == 1.0f);
  CHECK(out[3] == -1.0f);  // last column is frame: untouched
  CHECK(k2.stats().specializations == 1);
}
