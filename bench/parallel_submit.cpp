// submit + get round-trip latency and tiny-task throughput: parjit's executors vs std::async.
//
// submit_get/<system>: one tiny task (`x + 1`) submitted, then its result waited for, per
// iteration; the time per iteration is the round-trip latency. submit_throughput/<system>/100000:
// 1e5 tiny tasks submitted, then every result got. Both executors have T =
// tbb::info::default_concurrency() workers (the cores this process may use), created once outside
// the timed region. Times are wall-clock.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <future>
#include <vector>

#include <oneapi/tbb/info.h>
#include <parjit/parjit.hpp>

namespace {

int tiny(int x) { return x + 1; }

int threads() { return std::max(1, tbb::info::default_concurrency()); }

parjit::arena_executor& arena_pool() {
  static parjit::arena_executor pool{threads()};
  return pool;
}

parjit::thread_executor& thread_pool() {
  static parjit::thread_executor pool{threads()};
  return pool;
}

template <class Pool>
void submit_get(benchmark::State& st, Pool& pool) {
  int x = 0;
  for (auto _ : st) {
    auto f = pool.submit(&tiny, x);
    x = f.get();
  }
  benchmark::DoNotOptimize(x);
  st.SetItemsProcessed(st.iterations());
  st.counters["workers"] = static_cast<double>(pool.workers());
}

void bm_submit_get_arena(benchmark::State& st) { submit_get(st, arena_pool()); }
void bm_submit_get_thread(benchmark::State& st) { submit_get(st, thread_pool()); }

void bm_submit_get_async(benchmark::State& st) {
  int x = 0;
  for (auto _ : st) x = std::async(std::launch::async, tiny, x).get();
  benchmark::DoNotOptimize(x);
  st.SetItemsProcessed(st.iterations());
}

template <class Pool>
void submit_throughput(benchmark::State& st, Pool& pool) {
  const auto n = static_cast<std::size_t>(st.range(0));
  std::vector<parjit::future<int>> futs;
  futs.reserve(n);
  for (auto _ : st) {
    futs.clear();
    for (std::size_t i = 0; i < n; ++i) futs.push_back(pool.submit(&tiny, static_cast<int>(i)));
    std::int64_t sum = 0;
    for (auto& f : futs) sum += f.get();
    benchmark::DoNotOptimize(sum);
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * n));
  st.counters["workers"] = static_cast<double>(pool.workers());
}

void bm_throughput_arena(benchmark::State& st) { submit_throughput(st, arena_pool()); }
void bm_throughput_thread(benchmark::State& st) { submit_throughput(st, thread_pool()); }

// std::async starts a thread per task, and a finished thread is not joined until its future is
// waited for: 1e5 of them at once exceed vm.max_map_count (two mappings per stack). So std_async
// submits in batches of 1024 and gets each batch before the next (stated in its label).
constexpr std::size_t async_batch = 1024;

void bm_throughput_async(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  std::vector<std::future<int>> futs;
  futs.reserve(async_batch);
  for (auto _ : st) {
    std::int64_t sum = 0;
    for (std::size_t b = 0; b < n; b += async_batch) {
      futs.clear();
      for (std::size_t i = b; i < std::min(n, b + async_batch); ++i)
        futs.push_back(std::async(std::launch::async, tiny, static_cast<int>(i)));
      for (auto& f : futs) sum += f.get();
    }
    benchmark::DoNotOptimize(sum);
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * n));
  st.SetLabel("in batches of 1024 live tasks");
}

constexpr std::int64_t throughput_n = 100'000;

const bool registered = [] {
  benchmark::RegisterBenchmark("submit_get/parjit_arena", &bm_submit_get_arena)
      ->UseRealTime()->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("submit_get/parjit_thread", &bm_submit_get_thread)
      ->UseRealTime()->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("submit_get/std_async", &bm_submit_get_async)
      ->UseRealTime()->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("submit_throughput/parjit_arena", &bm_throughput_arena)
      ->Arg(throughput_n)->UseRealTime()->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("submit_throughput/parjit_thread", &bm_throughput_thread)
      ->Arg(throughput_n)->UseRealTime()->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("submit_throughput/std_async", &bm_throughput_async)
      ->Arg(throughput_n)->UseRealTime()->Unit(benchmark::kMillisecond);
  return true;
}();

}  // namespace

BENCHMARK_MAIN();
