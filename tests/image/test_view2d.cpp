// jit::view2d and jit::apply2d: elementwise kernels over strided and interleaved 2-D views.
#include <parjit/jit.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <vector>

namespace jit = parjit::jit;

TEST_CASE("view2d: indexing, windows and validation", "[image]") {
  std::vector<int> buf(6 * 4);
  for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<int>(i);
  jit::view2d<int> v{buf.data(), 5, 4, 6};
  CHECK(v(2, 3) == 20);
  CHECK(!v.packed());
  auto s = v.sub(1, 1, 2, 2);
  CHECK(s(0, 0) == 7);
  CHECK(s(1, 1) == 14);
  CHECK_THROWS_AS(v.sub(4, 0, 2, 1), std::invalid_argument);
  jit::view2d<int, 3> rgb{buf.data(), 2, 4};
  CHECK(rgb.stride() == 6);
  CHECK(rgb(1, 2, 2) == 17);
  CHECK_THROWS_AS((jit::view2d<int>{buf.data(), 5, 4, 3}.validate()), std::invalid_argument);
}

TEST_CASE("apply2d: per-row kernel over strided views equals a loop", "[image]") {
  auto scale = jit::vectorize([](auto x, auto m, auto s) { return (x - m) / s; });
  for (auto [w, h, is, os] : std::vector<std::array<std::size_t, 4>>{
           {1, 1, 1, 1}, {7, 3, 9, 8}, {640, 480, 640, 640}, {33, 65, 40, 33}}) {
    std::vector<std::uint8_t> in(is * h);
    for (std::size_t i = 0; i < in.size(); ++i) in[i] = static_cast<std::uint8_t>(i * 7);
    std::vector<float> out(os * h, -5.0f), par(os * h, -5.0f), want(os * h, -5.0f);
    jit::view2d<const std::uint8_t> iv{in.data(), w, h, is};
    jit::apply2d(scale, jit::view2d<float>{out.data(), w, h, os}, iv, 100.0f, 4.0f);
    jit::apply2d(jit::par, scale, jit::view2d<float>{par.data(), w, h, os}, iv, 100.0f, 4.0f);
    for (std::size_t y = 0; y < h; ++y)
      for (std::size_t x = 0; x < w; ++x) want[y * os + x] = (in[y * is + x] - 100.0f) / 4.0f;
    CHECK(out == want);  // the gap between rows stays untouched
    CHECK(par == want);
  }
  std::vector<float> a(12), b(10);
  CHECK_THROWS_AS(jit::apply2d(scale, jit::view2d<float>{a.data(), 3, 4},
                               jit::view2d<float>{b.data(), 2, 5}, 1.0f, 1.0f),
                  std::invalid_argument);
}

TEST_CASE("apply2d and split_channels on interleaved RGB", "[image]") {
  const std::size_t w = 5, h = 3;
  std::vector<std::uint8_t> rgb(w * h * 3);
  for (std::size_t i = 0; i < rgb.size(); ++i) rgb[i] = static_cast<std::uint8_t>(i * 11);
  jit::view2d<std::uint8_t, 3> img{rgb.data(), w, h};
  std::vector<float> inv(rgb.size());
  auto neg = jit::vectorize([](auto x) { return 255 - x; });
  jit::apply2d(neg, jit::view2d<float, 3>{inv.data(), w, h}, img);
  std::vector<float> want_inv(rgb.size());
  for (std::size_t i = 0; i < rgb.size(); ++i) want_inv[i] = 255.0f - rgb[i];
  CHECK(inv == want_inv);  // all 45 values
  std::vector<float> r(w * h, -1.0f), g(w * h, -1.0f), b(w * h, -1.0f);
  jit::split_channels(img, std::array<jit::view2d<float>, 3>{jit::view2d<float>{r.data(), w, h},
                                                            jit::view2d<float>{g.data(), w, h},
                                                            jit::view2d<float>{b.data(), w, h}});
  std::vector<float> want_r(w * h), want_g(w * h), want_b(w * h);
  for (std::size_t i = 0; i < w * h; ++i) {
    want_r[i] = rgb[3 * i];
    want_g[i] = rgb[3 * i + 1];
    want_b[i] = rgb[3 * i + 2];
  }
  CHECK(r == want_r);
  CHECK(g == want_g);
  CHECK(b == want_b);
}

TEST_CASE("vectorize: a kernel called with 2-D views runs row by row, padding untouched",
          "[image]") {
  const std::size_t w = 5, h = 3, stride = 8;
  std::vector<float> in(stride * h), out(stride * h, -1.f);
  for (std::size_t i = 0; i < in.size(); ++i) in[i] = static_cast<float>(i);
  auto scale = jit::vectorize([](auto x, auto s) { return x * s; }, jit::options{.cache = false});
  const jit::view2d<const float> src{in.data(), w, h, stride};
  SECTION("serial") { scale(jit::view2d<float>{out.data(), w, h, stride}, src, 2.0f); }
  SECTION("parallel") { scale(jit::par, jit::view2d<float>{out.data(), w, h, stride}, src, 2.0f); }
  for (std::size_t y = 0; y < h; ++y)
    for (std::size_t x = 0; x < stride; ++x)
      REQUIRE(out[y * stride + x] == (x < w ? 2.f * in[y * stride + x] : -1.f));
  std::vector<float> small(4 * 2);
  REQUIRE_THROWS_AS(scale(jit::view2d<float>{small.data(), 4, 2}, src, 1.0f),
                    std::invalid_argument);
}

TEST_CASE("apply2d: overlap with out is checked over the whole 2-D extent", "[image]") {
  auto add = jit::vectorize([](auto x, auto y) { return x + y; });
  const std::size_t w = 6, h = 40, stride = 8;
  std::vector<float> buf(stride * (h + 2)), other(stride * h);
  for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<float>(i % 97);
  for (std::size_t i = 0; i < other.size(); ++i) other[i] = 0.5f * static_cast<float>(i % 13);
  const std::vector<float> before = buf;
  const jit::view2d<float> out{buf.data() + stride, w, h, stride};  // rows 1 .. h
  const jit::view2d<const float> o{other.data(), w, h, stride};

  SECTION("an input one row up or down, or a column over: std::invalid_argument, nothing written") {
    for (std::size_t offset : {std::size_t{0}, 2 * stride, stride + 1, stride - 1}) {
      const jit::view2d<const float> shifted{buf.data() + offset, w, h, stride};
      CHECK_THROWS_AS(jit::apply2d(add, out, o, shifted), std::invalid_argument);
      CHECK_THROWS_AS(jit::apply2d(jit::par, add, out, shifted, o), std::invalid_argument);
      CHECK_THROWS_AS(add(jit::par, out, shifted, o), std::invalid_argument);
      CHECK(buf == before);
    }
  }
  SECTION("packed rows shifted by one row, run in parallel: rejected") {
    const jit::view2d<float> packed_out{buf.data() + w, w, h};
    const jit::view2d<const float> packed_in{buf.data(), w, h};
    CHECK_THROWS_WITH(jit::apply2d(jit::par, add, packed_out, o.sub(0, 0, w, h), packed_in),
                      Catch::Contains("input 2 partly overlaps out"));
    CHECK(buf == before);
  }
  SECTION("the same view (in place) is allowed and computes out = out + other") {
    jit::apply2d(jit::par, add, out, out, o);
    for (std::size_t y = 0; y < h; ++y)
      for (std::size_t x = 0; x < w; ++x)
        CHECK(buf[(y + 1) * stride + x] == before[(y + 1) * stride + x] + other[y * stride + x]);
  }
  SECTION("disjoint views of one buffer are allowed: the even rows into the odd rows") {
    const std::size_t half = (h + 2) / 2;
    const jit::view2d<float> odd{buf.data() + stride, w, half, 2 * stride};
    const jit::view2d<const float> even{buf.data(), w, half, 2 * stride};
    jit::apply2d(jit::par, add, odd, even, even);
    for (std::size_t y = 0; y < half; ++y)
      for (std::size_t x = 0; x < w; ++x)
        CHECK(buf[(2 * y + 1) * stride + x] == 2 * before[2 * y * stride + x]);
  }
}
