// parjit::parallel_map vs raw tbb::parallel_for, std::execution::par, OpenMP, a loop; and scaling.
//
// Every system maps the same noinline, compute-bound item function over the same seeded random
// input and produces a fresh std::vector<double> of results per iteration (parallel_map returns
// one, so the baselines allocate theirs inside the timed region too). Parallel systems use the
// same thread count T = tbb::info::default_concurrency() (the cores this process may use; it
// honours taskset, unlike std::thread::hardware_concurrency): parjit an arena_executor{T}, raw
// TBB a tbb::task_arena{T} with the same grain and auto_partitioner on a blocked_range, OpenMP
// num_threads(T), std::execution::par TBB's default arena (T threads). Times are wall-clock.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstddef>
#include <execution>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>
#include <parjit/parjit.hpp>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace {

// Iterations of the logistic map per item, calibrated on the 2-core AMD EPYC (Zen 5) dev machine
// to ≈ 20 ns, ≈ 2 µs and ≈ 200 µs per item (independent items overlap in the out-of-order core,
// so the cheap item costs less than its chain's latency); `time_per_item` is what was measured.
constexpr int cheap_iters = 28;
constexpr int medium_iters = 1'440;
constexpr int expensive_iters = 144'000;

// One item: a fixed number of steps of a cheap recurrence, a serial dependency chain that neither
// vectorises nor folds away. noinline: every system pays one call per item, none can vectorise
// across items.
template <int Iters>
[[gnu::noinline]] double score(double x) {
  for (int i = 0; i < Iters; ++i) x = 3.9 * x * (1.0 - x);
  benchmark::DoNotOptimize(x);
  return x;
}

// One grain for parjit and raw TBB (parjit's default); auto_partitioner adapts chunks above it.
constexpr std::size_t grain = 1;

// The thread count of every parallel system; OpenMP and std::execution::par default to it too.
// Spelled out: `{.grain = grain}` trips GCC 12's -Wmissing-field-initializers (progress omitted).
parjit::parallel_options options() {
  parjit::parallel_options o;
  o.grain = grain;
  return o;
}

unsigned threads() { return static_cast<unsigned>(std::max(1, tbb::info::default_concurrency())); }

// Seeded random uniform input in [0.1, 0.9) (the logistic map stays in (0, 1)); one per size,
// in huge-page memory like every benchmark array (outputs are std::vector: parallel_map's type).
const parjit::huge_page_vector<double>& input(std::size_t n) {
  static std::map<std::size_t, parjit::huge_page_vector<double>> cache;
  auto [it, fresh] = cache.try_emplace(n);
  if (fresh) {
    std::mt19937_64 rng(42);
    std::uniform_real_distribution<double> dist(0.1, 0.9);
    it->second.resize(n);
    for (double& v : it->second) v = dist(rng);
  }
  return it->second;
}

parjit::arena_executor& parjit_pool() {
  static parjit::arena_executor pool{static_cast<int>(threads())};
  return pool;
}

tbb::task_arena& tbb_arena() {
  static tbb::task_arena arena{static_cast<int>(threads())};
  return arena;
}

void finish(benchmark::State& st, std::size_t n, unsigned used_threads) {
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * n));
  st.counters["threads"] = used_threads;
  st.counters["grain"] = static_cast<double>(grain);
  // Wall seconds per item (printed with an SI prefix: "21.3n" is 21.3 ns).
  st.counters["time_per_item"] =
      benchmark::Counter(static_cast<double>(st.iterations() * n),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

template <int Iters>
void bm_sequential(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  const auto& in = input(n);
  for (auto _ : st) {
    std::vector<double> out(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = score<Iters>(in[i]);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  finish(st, n, 1);
}

template <int Iters>
void bm_parjit(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  const auto& in = input(n);
  auto& pool = parjit_pool();
  const auto fn = [](double x) { return score<Iters>(x); };
  for (auto _ : st) {
    std::vector<double> out = parjit::parallel_map(pool, in, fn, options());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  finish(st, n, static_cast<unsigned>(pool.workers()));
}

template <int Iters>
void bm_tbb(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  const auto& in = input(n);
  auto& arena = tbb_arena();
  for (auto _ : st) {
    std::vector<double> out(n);
    arena.execute([&] {
      tbb::parallel_for(
          tbb::blocked_range<std::size_t>(0, n, grain),
          [&](const tbb::blocked_range<std::size_t>& r) {
            for (std::size_t i = r.begin(); i != r.end(); ++i) out[i] = score<Iters>(in[i]);
          },
          tbb::auto_partitioner{});
    });
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  finish(st, n, static_cast<unsigned>(arena.max_concurrency()));
}

template <int Iters>
void bm_std_par(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  const auto& in = input(n);
  for (auto _ : st) {
    std::vector<double> out(n);
    std::transform(std::execution::par, in.begin(), in.end(), out.begin(),
                   [](double x) { return score<Iters>(x); });
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  finish(st, n, threads());
}

#ifdef _OPENMP
template <int Iters>
void bm_openmp(benchmark::State& st) {
  const auto n = static_cast<std::ptrdiff_t>(st.range(0));
  const auto& in = input(static_cast<std::size_t>(n));
  const int t = static_cast<int>(threads());
  for (auto _ : st) {
    std::vector<double> out(static_cast<std::size_t>(n));
#pragma omp parallel for num_threads(t) schedule(static)
    for (std::ptrdiff_t i = 0; i < n; ++i)
      out[static_cast<std::size_t>(i)] = score<Iters>(in[static_cast<std::size_t>(i)]);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  finish(st, static_cast<std::size_t>(n), threads());
}
#endif

// The medium item at a fixed n on 1..T threads: a speed-up-vs-threads curve.
constexpr std::int64_t scaling_n = 10'000;

void bm_scaling_parjit(benchmark::State& st) {
  const int t = static_cast<int>(st.range(0));
  const auto& in = input(scaling_n);
  parjit::arena_executor pool{t};
  const auto fn = [](double x) { return score<medium_iters>(x); };
  for (auto _ : st) {
    std::vector<double> out = parjit::parallel_map(pool, in, fn, options());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  finish(st, scaling_n, static_cast<unsigned>(t));
}

void bm_scaling_tbb(benchmark::State& st) {
  const int t = static_cast<int>(st.range(0));
  const auto& in = input(scaling_n);
  tbb::task_arena arena{t};
  const std::size_t n = scaling_n;
  for (auto _ : st) {
    std::vector<double> out(n);
    arena.execute([&] {
      tbb::parallel_for(
          tbb::blocked_range<std::size_t>(0, n, grain),
          [&](const tbb::blocked_range<std::size_t>& r) {
            for (std::size_t i = r.begin(); i != r.end(); ++i) out[i] = score<medium_iters>(in[i]);
          },
          tbb::auto_partitioner{});
    });
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  finish(st, scaling_n, static_cast<unsigned>(t));
}

// Registers one case (`map_cheap`, ...) for every system, systems side by side per size.
template <int Iters>
void register_case(const std::string& name, std::vector<std::int64_t> sizes) {
  struct system {
    const char* name;
    void (*fn)(benchmark::State&);
  };
  const std::vector<system> systems = {
      {"sequential", &bm_sequential<Iters>},
      {"tbb_parallel_for", &bm_tbb<Iters>},
      {"parjit_parallel_map", &bm_parjit<Iters>},
      {"std_par", &bm_std_par<Iters>},
#ifdef _OPENMP
      {"openmp", &bm_openmp<Iters>},
#endif
  };
  for (const auto& s : systems) {
    auto* b = benchmark::RegisterBenchmark((name + "/" + s.name).c_str(), s.fn);
    for (auto n : sizes) b->Arg(n);
    b->UseRealTime()->Unit(benchmark::kMicrosecond);
  }
}

const bool registered = [] {
  register_case<cheap_iters>("map_cheap", {1'000, 10'000, 100'000, 1'000'000});
  // 1e6 medium items would take 2 s a sequential iteration; 1e5 already amortises everything.
  register_case<medium_iters>("map_medium", {1'000, 10'000, 100'000});
  // 200 µs items: n scaled down so one sequential iteration stays ≈ 0.2 s.
  register_case<expensive_iters>("map_expensive", {100, 1'000});
  const auto hw = static_cast<std::int64_t>(threads());
  benchmark::RegisterBenchmark("scaling/parjit_parallel_map", &bm_scaling_parjit)
      ->DenseRange(1, hw)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("scaling/tbb_parallel_for", &bm_scaling_tbb)
      ->DenseRange(1, hw)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  return true;
}();

}  // namespace

BENCHMARK_MAIN();
