// K9 (uint8 gamma lookup table: a jit::table gather) and K10 (the image pipeline's area resize,
// 1920x1080 -> 224x224 RGB: jit::fori over jit::table taps, examples/image_resize_jit.hpp) beside
// hand-written loops and the same loops on all cores (jit_loops_baselines.cpp). Registered into
// the jit_kernels binary.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include <parjit/jit.hpp>
#include <parjit/parallel/huge_page.hpp>

#include "../examples/image_resize_jit.hpp"

namespace parjit_bench {

void loop_k9(std::uint8_t* out, const std::uint8_t* in, const std::uint8_t* lut, std::size_t n);
void tbb_loop_k9(std::uint8_t* out, const std::uint8_t* in, const std::uint8_t* lut,
                 std::size_t n);
image_demo::tensor loop_k10(const image_demo::rgb_image& img, std::size_t size);
image_demo::tensor tbb_loop_k10(const image_demo::rgb_image& img, std::size_t size);

namespace {
namespace jit = parjit::jit;

// The kernel: out[i] = lut[in[i]] through a 1-D table, default (checked) index policy.
const auto jk9 =
    jit::vectorize([](auto v, auto lut) { return lut[jit::cast<std::int64_t>(v)]; });

// lut[i] = floor(255 * (i / 255)^(1 / 2.2) + 0.5) (bench/compare/kernels.py computes the same);
// `in` uniform over 0..255.
struct lut_data {
  parjit::huge_page_vector<std::uint8_t> in, out, lut;  // as every benchmark array (issue 14)
  explicit lut_data(std::size_t n) : in(n), out(n), lut(256) {
    for (std::size_t i = 0; i < 256; ++i)
      lut[i] = static_cast<std::uint8_t>(
          std::floor(255.0 * std::pow(static_cast<double>(i) / 255.0, 1.0 / 2.2) + 0.5));
    std::mt19937_64 rng(42);
    std::uniform_int_distribution<int> u(0, 255);
    for (auto& v : in) v = static_cast<std::uint8_t>(u(rng));
  }
};

const lut_data& lut_for(std::size_t n) {
  static std::vector<std::unique_ptr<lut_data>> cache;
  for (const auto& d : cache) {
    if (d->in.size() == n) return *d;
  }
  cache.push_back(std::make_unique<lut_data>(n));
  return *cache.back();
}

// K10's source: one 1920x1080 RGB frame of uniform random bytes (the resize's time does not
// depend on the values); kernels.py resizes a frame of the same shape and distribution.
constexpr std::size_t k10_width = 1920, k10_height = 1080, k10_size = 224;

const image_demo::rgb_image& k10_frame() {
  static const image_demo::rgb_image img = [] {
    image_demo::rgb_image f{k10_width, k10_height,
                            parjit::huge_page_vector<std::uint8_t>(k10_width * k10_height * 3)};
    std::mt19937_64 rng(42);
    std::uniform_int_distribution<int> u(0, 255);
    for (auto& v : f.pixels) v = static_cast<std::uint8_t>(u(rng));
    return f;
  }();
  return img;
}

enum class sys { parjit, parjit_par, loop, tbb_loop };

template <sys S>
void bench_k9(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  auto& d = const_cast<lut_data&>(lut_for(n));
  auto run = [&] {
    if constexpr (S == sys::parjit) jk9(d.out, d.in, jit::table(d.lut));
    if constexpr (S == sys::parjit_par) jk9(jit::par, d.out, d.in, jit::table(d.lut));
    if constexpr (S == sys::loop) loop_k9(d.out.data(), d.in.data(), d.lut.data(), n);
    if constexpr (S == sys::tbb_loop) tbb_loop_k9(d.out.data(), d.in.data(), d.lut.data(), n);
  };
  run();  // compiles outside the timed loop
  for (std::size_t i = 0; i < n; i += n / 97 + 1)
    if (d.out[i] != d.lut[d.in[i]]) state.SkipWithError("K9: a wrong lookup");
  for (auto _ : state) {
    run();
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}

// One call = one whole resize as the pipeline calls it (weights, scratch and output allocated
// inside, as resize_area does). Counter max_abs_diff: the largest |JIT - loop| over the frame
// (0: the JIT sums in the plain loops' order and this baseline is built without contraction).
template <sys S>
void bench_k10(benchmark::State& state) {
  const auto& img = k10_frame();
  auto run = [&] {
    if constexpr (S == sys::parjit) return image_demo::resize_area_jit(img, k10_size);
    if constexpr (S == sys::parjit_par) return image_demo::resize_area_jit(jit::par, img, k10_size);
    if constexpr (S == sys::loop) return loop_k10(img, k10_size);
    if constexpr (S == sys::tbb_loop) return tbb_loop_k10(img, k10_size);
  };
  {
    const image_demo::tensor got = run(), want = loop_k10(img, k10_size);  // compiles, checks
    double diff = 0;
    for (std::size_t i = 0; i < want.data.size(); ++i)
      diff = std::max(diff, static_cast<double>(std::fabs(got.data[i] - want.data[i])));
    state.counters["max_abs_diff"] = diff;
  }
  for (auto _ : state) {
    auto t = run();
    benchmark::DoNotOptimize(t.data.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * k10_width * k10_height));
}

// n of K10 is the source's pixel count (1920 * 1080), the size report.py shows.
#define PARJIT_GATHER_BENCH(fn, name, ...)                                                  \
  BENCHMARK(fn<sys::parjit>)->Name(#name "/parjit") __VA_ARGS__->UseRealTime();             \
  BENCHMARK(fn<sys::parjit_par>)->Name(#name "/parjit_par") __VA_ARGS__->UseRealTime();     \
  BENCHMARK(fn<sys::loop>)->Name(#name "/loop") __VA_ARGS__->UseRealTime();                 \
  BENCHMARK(fn<sys::tbb_loop>)->Name(#name "/tbb_loop") __VA_ARGS__->UseRealTime();

PARJIT_GATHER_BENCH(bench_k9, K9_gamma, ->Arg(100000)->Arg(1000000)->Arg(10000000))
PARJIT_GATHER_BENCH(bench_k10, K10_resize, ->Arg(k10_width * k10_height))

}  // namespace
}  // namespace parjit_bench
