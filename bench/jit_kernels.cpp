// Steady-state speed of JIT kernels K1-K6 and K11 beside their baselines, one binary so ratios come from
// one run: parjit (serial), parjit_par (jit::par), loop (hand-written, -O3 -march=native
// -ffp-contract=off), loop_fastmath (K3, K4: -ffast-math), naive_et (expression templates, no JIT),
// and on all cores tbb_loop / tbb_loop_fastmath (the loops on raw oneTBB chunks). Arrays are
// parjit::huge_page_vector; K1 at 1e7 also runs on std::vector (`<system>_std_vector`: 4 KiB
// pages). stream_copy / stream_triad (`serial`, `par`): the machine's bandwidth, STREAM-style.
// Every case sets the counter `bytes`: the bytes one call must move (inputs + output).
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include <parjit/jit.hpp>
#include <parjit/parallel/huge_page.hpp>

#include "jit_kernels.hpp"

namespace jit = parjit::jit;
using namespace parjit_bench;

namespace {

template <class T>
using std_vector = std::vector<T>;
using parjit::huge_page_vector;

// Where an array starts within a 4 KiB page, in a huge-page data set: `out` at 0, the inputs
// 1-3.5 KiB after it (multiples of 64 bytes). A load whose address matches an older, still
// pending store's in its low 12 bits waits for that store (4K aliasing): with `out` 64-256 bytes
// before an input modulo 4 KiB, K1 at 1e3 took 92-96 ns instead of 78 ns in a throw-away
// program, and heap layout alone (the same kernel code, another build of this binary) moved
// K1/K5/K6 at 1e3 by 15-25 %. Fixed offsets make runs of different builds comparable.
// `std::vector` data (the huge-pages comparison) stays where the allocator put it, as users get it.
template <bool Place, class V>
std::span<typename V::value_type> placed(V& storage, std::size_t n, std::size_t page_offset) {
  using T = typename V::value_type;
  if constexpr (!Place) {
    storage.resize(n);
    return {storage.data(), n};
  } else {
    storage.resize(n + 4096 / sizeof(T));
    const auto at = reinterpret_cast<std::uintptr_t>(storage.data()) % 4096;  // 0 mod 64
    const std::size_t skip = ((page_offset + 4096 - at) % 4096) / sizeof(T);
    return {storage.data() + skip, n};
  }
}

// Seeded random uniform data (bench/README.md): a, b in [-1, 1); r, g, b uint8 in [0, 255].
template <template <class> class Vec>
struct data {
  Vec<float> a_, b_, out_;
  Vec<std::uint8_t> r_, g_, bl_;
  std::span<float> a, b, out;
  std::span<std::uint8_t> r, g, bl;
  static constexpr bool place = std::is_same_v<Vec<float>, huge_page_vector<float>>;
  explicit data(std::size_t n)
      : a(placed<place>(a_, n, 1024)), b(placed<place>(b_, n, 2048)),
        out(placed<place>(out_, n, 0)), r(placed<place>(r_, n, 2560)),
        g(placed<place>(g_, n, 3072)), bl(placed<place>(bl_, n, 3584)) {
    std::mt19937_64 rng(42);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    for (auto& x : a) x = u(rng);
    for (auto& x : b) x = u(rng);
    std::uniform_int_distribution<int> byte(0, 255);
    for (auto& x : r) x = static_cast<std::uint8_t>(byte(rng));
    for (auto& x : g) x = static_cast<std::uint8_t>(byte(rng));
    for (auto& x : bl) x = static_cast<std::uint8_t>(byte(rng));
  }
};

template <template <class> class Vec>
data<Vec>& data_for(std::size_t n) {
  static std::vector<std::unique_ptr<data<Vec>>> cache;
  for (auto& d : cache) {
    if (d->a.size() == n) return *d;
  }
  cache.push_back(std::make_unique<data<Vec>>(n));
  return *cache.back();
}

enum class sys { parjit, parjit_par, loop, loop_fastmath, naive_et, tbb_loop, tbb_loop_fastmath };

const auto jk1 = jit::vectorize(k1);
const auto jk2 = jit::vectorize(k2);
const auto jk3 = jit::vectorize(k3);
const auto jk4 = jit::reduce(jit::sum, k4);
const auto jk5 = jit::vectorize(k5);
const auto jk6 = jit::vectorize(k6);
const auto jk11 = jit::vectorize(k11);

template <int K, sys S, template <class> class Vec = huge_page_vector>
void bench(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  auto& d = data_for<Vec>(n);
  float* out = d.out.data();
  const float* a = d.a.data();
  const float* b = d.b.data();
  // warm-up call: compiles the specialisation outside the timed loop
  auto run = [&] {
    if constexpr (K == 1) {
      if constexpr (S == sys::parjit) jk1(d.out, d.a, d.b);
      if constexpr (S == sys::parjit_par) jk1(jit::par, d.out, d.a, d.b);
      if constexpr (S == sys::loop) loop_k1(out, a, b, n);
      if constexpr (S == sys::naive_et) naive_et_k1(out, a, b, n);
      if constexpr (S == sys::tbb_loop) tbb_loop_k1(out, a, b, n);
    } else if constexpr (K == 2) {
      if constexpr (S == sys::parjit) jk2(d.out, d.a);
      if constexpr (S == sys::parjit_par) jk2(jit::par, d.out, d.a);
      if constexpr (S == sys::loop) loop_k2(out, a, n);
      if constexpr (S == sys::naive_et) naive_et_k2(out, a, n);
      if constexpr (S == sys::tbb_loop) tbb_loop_k2(out, a, n);
    } else if constexpr (K == 3) {
      if constexpr (S == sys::parjit) jk3(d.out, d.a, d.b);
      if constexpr (S == sys::parjit_par) jk3(jit::par, d.out, d.a, d.b);
      if constexpr (S == sys::loop) loop_k3(out, a, b, n);
      if constexpr (S == sys::loop_fastmath) loop_fastmath_k3(out, a, b, n);
      if constexpr (S == sys::naive_et) naive_et_k3(out, a, b, n);
      if constexpr (S == sys::tbb_loop) tbb_loop_k3(out, a, b, n, false);
      if constexpr (S == sys::tbb_loop_fastmath) tbb_loop_k3(out, a, b, n, true);
    } else if constexpr (K == 4) {
      float s = 0;
      if constexpr (S == sys::parjit) s = jk4(d.a, d.b);
      if constexpr (S == sys::parjit_par) s = jk4(jit::par, d.a, d.b);
      if constexpr (S == sys::loop) s = loop_k4(a, b, n);
      if constexpr (S == sys::loop_fastmath) s = loop_fastmath_k4(a, b, n);
      if constexpr (S == sys::naive_et) s = naive_et_k4(a, b, n);
      if constexpr (S == sys::tbb_loop) s = tbb_loop_k4(a, b, n, false);
      if constexpr (S == sys::tbb_loop_fastmath) s = tbb_loop_k4(a, b, n, true);
      benchmark::DoNotOptimize(s);
    } else if constexpr (K == 5) {
      if constexpr (S == sys::parjit) jk5(d.out, d.a, d.b);
      if constexpr (S == sys::parjit_par) jk5(jit::par, d.out, d.a, d.b);
      if constexpr (S == sys::loop) loop_k5(out, a, b, n);
      if constexpr (S == sys::naive_et) naive_et_k5(out, a, b, n);
      if constexpr (S == sys::tbb_loop) tbb_loop_k5(out, a, b, n);
    } else if constexpr (K == 11) {
      if constexpr (S == sys::parjit) jk11(d.out, d.a, d.b);
      if constexpr (S == sys::parjit_par) jk11(jit::par, d.out, d.a, d.b);
      if constexpr (S == sys::loop) loop_k11(out, a, b, n);
      if constexpr (S == sys::loop_fastmath) loop_fastmath_k11(out, a, b, n);
    } else {
      if constexpr (S == sys::parjit) jk6(d.out, d.r, d.g, d.bl);
      if constexpr (S == sys::parjit_par) jk6(jit::par, d.out, d.r, d.g, d.bl);
      if constexpr (S == sys::loop) loop_k6(out, d.r.data(), d.g.data(), d.bl.data(), n);
      if constexpr (S == sys::naive_et) naive_et_k6(out, d.r.data(), d.g.data(), d.bl.data(), n);
      if constexpr (S == sys::tbb_loop) tbb_loop_k6(out, d.r.data(), d.g.data(), d.bl.data(), n);
    }
  };
  run();
  for (auto _ : state) {
    run();
    benchmark::ClobberMemory();
  }
  const std::size_t in_bytes = K == 6 ? 3 * n : (K == 2 ? 4 * n : 8 * n);
  const std::size_t out_bytes = K == 4 ? 0 : 4 * n;
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * (in_bytes + out_bytes)));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
  state.counters["bytes"] = static_cast<double>(in_bytes + out_bytes);
}

// STREAM (McCalpin) on huge-page float arrays with non-temporal stores: copy moves 8 bytes per
// element (read a, write out), triad 12 (read b and c, write out), nothing read for ownership.
enum class stream { copy, triad };

template <stream Op, bool Par>
void bench_stream(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  auto& d = data_for<huge_page_vector>(n);  // the kernels' arrays
  float* out = d.out.data();
  const float* a = d.a.data();
  const float* b = d.b.data();
  auto run = [&] {
    if constexpr (Op == stream::copy) {
      Par ? par_stream_copy(out, a, n) : stream_copy(out, a, n);
    } else {
      Par ? par_stream_triad(out, a, b, 3.0f, n) : stream_triad(out, a, b, 3.0f, n);
    }
  };
  run();
  for (auto _ : state) {
    run();
    benchmark::ClobberMemory();
  }
  const std::size_t i = n / 2;
  const float want = Op == stream::copy ? a[i] : a[i] + 3.0f * b[i];
  if (std::abs(out[i] - want) > 1e-6f) state.SkipWithError("stream: wrong result");
  const std::size_t bytes = (Op == stream::copy ? 2 : 3) * sizeof(float) * n;
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
  state.counters["bytes"] = static_cast<double>(bytes);
}

// The transparent-huge-page mode in the output's context (`[madvise]`: huge_page_vector gets
// huge pages, std::vector does not; `[never]`: neither does).
const bool thp_context = [] {
  std::ifstream f("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string mode(std::istreambuf_iterator<char>(f), {});
  while (!mode.empty() && mode.back() == '\n') mode.pop_back();
  benchmark::AddCustomContext("transparent_hugepage", mode.empty() ? "unknown" : mode);
  return true;
}();

void sizes(benchmark::internal::Benchmark* b) {
  b->Arg(1000)->Arg(100000)->Arg(10000000)->UseRealTime();
}

#define PARJIT_JIT_BENCH(K, name)                                                     \
  BENCHMARK(bench<K, sys::parjit>)->Name(#name "/parjit")->Apply(sizes);              \
  BENCHMARK(bench<K, sys::parjit_par>)->Name(#name "/parjit_par")->Apply(sizes);      \
  BENCHMARK(bench<K, sys::loop>)->Name(#name "/loop")->Apply(sizes);                  \
  BENCHMARK(bench<K, sys::naive_et>)->Name(#name "/naive_et")->Apply(sizes);          \
  BENCHMARK(bench<K, sys::tbb_loop>)->Name(#name "/tbb_loop")->Apply(sizes);

PARJIT_JIT_BENCH(1, K1_hypot)
PARJIT_JIT_BENCH(2, K2_poly)
PARJIT_JIT_BENCH(3, K3_expsin)
BENCHMARK(bench<3, sys::loop_fastmath>)->Name("K3_expsin/loop_fastmath")->Apply(sizes);
BENCHMARK(bench<3, sys::tbb_loop_fastmath>)->Name("K3_expsin/tbb_loop_fastmath")->Apply(sizes);
PARJIT_JIT_BENCH(4, K4_dot)
BENCHMARK(bench<4, sys::loop_fastmath>)->Name("K4_dot/loop_fastmath")->Apply(sizes);
BENCHMARK(bench<4, sys::tbb_loop_fastmath>)->Name("K4_dot/tbb_loop_fastmath")->Apply(sizes);
PARJIT_JIT_BENCH(5, K5_select)
PARJIT_JIT_BENCH(6, K6_grey)
// K1 at 1e7 on std::vector (4 KiB pages, no advice): what huge pages are worth, in one run.
BENCHMARK(bench<1, sys::parjit, std_vector>)->Name("K1_hypot/parjit_std_vector")
    ->Arg(10000000)->UseRealTime();
BENCHMARK(bench<1, sys::parjit_par, std_vector>)->Name("K1_hypot/parjit_par_std_vector")
    ->Arg(10000000)->UseRealTime();
BENCHMARK(bench<1, sys::loop, std_vector>)->Name("K1_hypot/loop_std_vector")
    ->Arg(10000000)->UseRealTime();
BENCHMARK(bench<1, sys::tbb_loop, std_vector>)->Name("K1_hypot/tbb_loop_std_vector")
    ->Arg(10000000)->UseRealTime();
// The bandwidth limit at the kernels' largest n (bench/compare/report.py divides by it).
BENCHMARK(bench_stream<stream::copy, false>)->Name("stream_copy/serial")
    ->Arg(10000000)->UseRealTime();
BENCHMARK(bench_stream<stream::copy, true>)->Name("stream_copy/par")
    ->Arg(10000000)->UseRealTime();
BENCHMARK(bench_stream<stream::triad, false>)->Name("stream_triad/serial")
    ->Arg(10000000)->UseRealTime();
BENCHMARK(bench_stream<stream::triad, true>)->Name("stream_triad/par")
    ->Arg(10000000)->UseRealTime();
// K11: no naive_et twin (the tree-walking baseline covers K1-K6).
BENCHMARK(bench<11, sys::parjit>)->Name("K11_logpolar/parjit")->Apply(sizes);
BENCHMARK(bench<11, sys::parjit_par>)->Name("K11_logpolar/parjit_par")->Apply(sizes);
BENCHMARK(bench<11, sys::loop>)->Name("K11_logpolar/loop")->Apply(sizes);
BENCHMARK(bench<11, sys::loop_fastmath>)->Name("K11_logpolar/loop_fastmath")->Apply(sizes);

}  // namespace

BENCHMARK_MAIN();
