// K7 (Mandelbrot escape counts, loop_while) and K8 (logistic map, fori): loop kernels of the JIT
// beside a hand-written loop and the same loop on all cores (jit_loops_baselines.cpp), plus the
// first call of a fresh loop kernel (trace + compile). Registered into the jit_kernels binary.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include <parjit/jit.hpp>
#include <parjit/parallel/huge_page.hpp>

namespace parjit_bench {

void loop_k7(std::int32_t* counts, const float* cr, const float* ci, std::int32_t max_iter,
             std::size_t n);
void loop_k8(float* out, const float* x, float r, std::size_t n);
void tbb_loop_k7(std::int32_t* counts, const float* cr, const float* ci, std::int32_t max_iter,
                 std::size_t n);
void tbb_loop_k8(float* out, const float* x, float r, std::size_t n);

namespace {
namespace jit = parjit::jit;

// The kernels, made afresh per call of these functions (each a new kernel object).
auto make_k7() {
  return jit::vectorize([](auto cr, auto ci, auto max_iter) {
    auto [zr, zi, n] = jit::loop_while(
        jit::tuple(0.0f * cr, 0.0f * ci, jit::cast<std::int32_t>(0)),
        [&](auto zr, auto zi, auto n) { return zr * zr + zi * zi <= 4.0f && n < max_iter; },
        [&](auto zr, auto zi, auto n) {
          return jit::tuple(zr * zr - zi * zi + cr, 2.0f * zr * zi + ci, n + 1);
        });
    (void)zr;
    (void)zi;
    return n;
  });
}
auto make_k8() {
  return jit::vectorize([](auto x, auto r) {
    return jit::fori(0, 28, x, [&](auto, auto x) { return r * x * (1.0f - x); });
  });
}

// c on a sqrt(n) x sqrt(n) grid of [-2.2, 1] x [-1.2, 1.2] (bench/compare/kernels.py's grid);
// x uniform in [0, 1).
struct loop_data {
  parjit::huge_page_vector<float> cr, ci, x, out;  // as every benchmark array (issue 14)
  parjit::huge_page_vector<std::int32_t> counts;
  explicit loop_data(std::size_t n) : cr(n), ci(n), x(n), out(n), counts(n) {
    const auto side = static_cast<std::size_t>(std::max(1.0, std::round(std::sqrt(double(n)))));
    std::mt19937_64 rng(42);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    for (std::size_t i = 0; i < n; ++i) {
      cr[i] = static_cast<float>(-2.2 + 3.2 * double(i % side) / double(side));
      ci[i] = static_cast<float>(-1.2 + 2.4 * double(i / side) / double(side));
      x[i] = u(rng);
    }
  }
};

const loop_data& data_for(std::size_t n) {
  static std::vector<std::unique_ptr<loop_data>> cache;
  for (const auto& d : cache) {
    if (d->x.size() == n) return *d;
  }
  cache.push_back(std::make_unique<loop_data>(n));
  return *cache.back();
}

enum class sys { parjit, parjit_par, loop, tbb_loop };

const auto jk7 = make_k7();
const auto jk8 = make_k8();

template <int K, sys S>
void bench(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  auto& d = const_cast<loop_data&>(data_for(n));
  auto run = [&] {
    if constexpr (K == 7) {
      if constexpr (S == sys::parjit) jk7(d.counts, d.cr, d.ci, 255);
      if constexpr (S == sys::parjit_par) jk7(jit::par, d.counts, d.cr, d.ci, 255);
      if constexpr (S == sys::loop) loop_k7(d.counts.data(), d.cr.data(), d.ci.data(), 255, n);
      if constexpr (S == sys::tbb_loop) tbb_loop_k7(d.counts.data(), d.cr.data(), d.ci.data(), 255, n);
    } else {
      if constexpr (S == sys::parjit) jk8(d.out, d.x, 3.7f);
      if constexpr (S == sys::parjit_par) jk8(jit::par, d.out, d.x, 3.7f);
      if constexpr (S == sys::loop) loop_k8(d.out.data(), d.x.data(), 3.7f, n);
      if constexpr (S == sys::tbb_loop) tbb_loop_k8(d.out.data(), d.x.data(), 3.7f, n);
    }
  };
  run();  // compiles outside the timed loop
  for (auto _ : state) {
    run();
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}

// First call of a fresh kernel object (trace + O3 + codegen + link + the call on 1000 elements);
// the on-disk cache is off in this binary. Counter compile_ms: the kernel's own compile time.
template <int K>
void first_call(benchmark::State& state) {
  auto& d = const_cast<loop_data&>(data_for(1000));
  double compile_ms = 0;
  for (auto _ : state) {
    if constexpr (K == 7) {
      auto k = make_k7();
      k(d.counts, d.cr, d.ci, 255);
      compile_ms += k.stats().compile_ms;
    } else {
      auto k = make_k8();
      k(d.out, d.x, 3.7f);
      compile_ms += k.stats().compile_ms;
    }
  }
  state.counters["compile_ms"] = compile_ms / static_cast<double>(state.iterations());
}

#define PARJIT_LOOP_BENCH(K, name, ...)                                                     \
  BENCHMARK(bench<K, sys::parjit>)->Name(#name "/parjit") __VA_ARGS__->UseRealTime();       \
  BENCHMARK(bench<K, sys::parjit_par>)->Name(#name "/parjit_par") __VA_ARGS__->UseRealTime(); \
  BENCHMARK(bench<K, sys::loop>)->Name(#name "/loop") __VA_ARGS__->UseRealTime();           \
  BENCHMARK(bench<K, sys::tbb_loop>)->Name(#name "/tbb_loop") __VA_ARGS__->UseRealTime();

PARJIT_LOOP_BENCH(7, K7_mandelbrot, ->Arg(1000000))
PARJIT_LOOP_BENCH(8, K8_logistic, ->Arg(100000)->Arg(1000000))
BENCHMARK(first_call<7>)->Name("K7_mandelbrot/first_call")->Unit(benchmark::kMillisecond)->Iterations(5);
BENCHMARK(first_call<8>)->Name("K8_logistic/first_call")->Unit(benchmark::kMillisecond)->Iterations(5);

}  // namespace
}  // namespace parjit_bench
