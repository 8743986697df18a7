// JIT compile cost, reported apart from run time: first-call latency of each kernel (a fresh
// kernel each iteration: trace + optimise + codegen + one call at n = 1000) and the cached call
// at n = 1000 and at n = 1 (parjit vs the hand-written loop; the difference is the dispatch
// cost, which n = 1 shows almost alone).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include <parjit/jit.hpp>

#include "jit_kernels.hpp"

namespace jit = parjit::jit;
using namespace parjit_bench;

namespace {

constexpr std::size_t n = 1000;

struct data {
  std::vector<float> a = std::vector<float>(n), b = std::vector<float>(n),
                     out = std::vector<float>(n);
  std::vector<std::uint8_t> r = std::vector<std::uint8_t>(n), g = r, bl = r;
  data() {
    std::mt19937_64 rng(42);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    for (auto& x : a) x = u(rng);
    for (auto& x : b) x = u(rng);
    std::uniform_int_distribution<int> byte(0, 255);
    for (auto* v : {&r, &g, &bl}) {
      for (auto& x : *v) x = static_cast<std::uint8_t>(byte(rng));
    }
  }
};
data d;

// The kernel's call on the first `m` elements of the data.
template <int K>
void call(const auto& k, std::size_t m = n) {
  const auto out = std::span(d.out).first(m);
  const auto a = std::span<const float>(d.a).first(m), b = std::span<const float>(d.b).first(m);
  if constexpr (K == 1 || K == 3 || K == 5) k(out, a, b);
  if constexpr (K == 2) k(out, a);
  if constexpr (K == 4) benchmark::DoNotOptimize(k(a, b));
  if constexpr (K == 6) {
    k(out, std::span<const std::uint8_t>(d.r).first(m), std::span<const std::uint8_t>(d.g).first(m),
      std::span<const std::uint8_t>(d.bl).first(m));
  }
}

template <int K>
auto make() {
  if constexpr (K == 1) return jit::vectorize(k1);
  if constexpr (K == 2) return jit::vectorize(k2);
  if constexpr (K == 3) return jit::vectorize(k3);
  if constexpr (K == 4) return jit::reduce(jit::sum, k4);
  if constexpr (K == 5) return jit::vectorize(k5);
  if constexpr (K == 6) return jit::vectorize(k6);
}

template <int K>
void first_call(benchmark::State& state) {
  { call<K>(make<K>()); }  // the session's one-time start-up is not a per-kernel cost
  for (auto _ : state) {
    auto k = make<K>();  // fresh kernel: nothing cached
    call<K>(k);
  }
}

// state.range(0): the elements per call (n or 1).
template <int K>
void cached_parjit(benchmark::State& state) {
  const auto m = static_cast<std::size_t>(state.range(0));
  const auto k = make<K>();
  call<K>(k, m);
  for (auto _ : state) {
    call<K>(k, m);
    benchmark::ClobberMemory();
  }
}

template <int K>
void cached_loop(benchmark::State& state) {
  const auto m = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    if constexpr (K == 1) loop_k1(d.out.data(), d.a.data(), d.b.data(), m);
    if constexpr (K == 2) loop_k2(d.out.data(), d.a.data(), m);
    if constexpr (K == 3) loop_k3(d.out.data(), d.a.data(), d.b.data(), m);
    if constexpr (K == 4) benchmark::DoNotOptimize(loop_k4(d.a.data(), d.b.data(), m));
    if constexpr (K == 5) loop_k5(d.out.data(), d.a.data(), d.b.data(), m);
    if constexpr (K == 6) loop_k6(d.out.data(), d.r.data(), d.g.data(), d.bl.data(), m);
    benchmark::ClobberMemory();
  }
}

#define PARJIT_COMPILE_BENCH(K, name)                                                       \
  BENCHMARK(first_call<K>)->Name("first_call/" #name "/parjit")->Unit(benchmark::kMillisecond); \
  BENCHMARK(cached_parjit<K>)->Name("call_overhead/" #name "/parjit")->Arg(n)->Arg(1);     \
  BENCHMARK(cached_loop<K>)->Name("call_overhead/" #name "/loop")->Arg(n)->Arg(1);

PARJIT_COMPILE_BENCH(1, K1_hypot)
PARJIT_COMPILE_BENCH(2, K2_poly)
PARJIT_COMPILE_BENCH(3, K3_expsin)
PARJIT_COMPILE_BENCH(4, K4_dot)
PARJIT_COMPILE_BENCH(5, K5_select)
PARJIT_COMPILE_BENCH(6, K6_grey)

}  // namespace

BENCHMARK_MAIN();
