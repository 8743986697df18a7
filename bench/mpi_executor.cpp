// mpi_executor benchmark: submit+get latency and map throughput over MPI ranks, beside raw MPI
// send/recv ping-pong between the same ranks. Run: mpirun --oversubscribe -np 2|3 mpi_executor.
#include <benchmark/benchmark.h>

#include <parjit/mpi.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <numeric>
#include <ranges>
#include <vector>

namespace mpi = parjit::mpi;

namespace {

mpi::executor* ex = nullptr;

long square(long x) { return x * x; }
std::vector<char> flip(std::vector<char> v) {
  for (auto& c : v) c = static_cast<char>(~c);
  return v;
}

// Raw MPI: rank 0 sends `bytes` to rank 1, which sends them back; the median round trip in µs.
// The executor's round trip is measured against this: the floor any MPI task layer sits on.
double ping_pong_us(MPI_Comm comm, int rank, std::size_t bytes, int reps) {
  std::vector<char> buf(bytes, 1);
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    MPI_Barrier(comm);
    const auto t0 = std::chrono::steady_clock::now();
    if (rank == 0) {
      MPI_Send(buf.data(), static_cast<int>(bytes), MPI_BYTE, 1, 0, comm);
      MPI_Recv(buf.data(), static_cast<int>(bytes), MPI_BYTE, 1, 0, comm, MPI_STATUS_IGNORE);
    } else if (rank == 1) {
      MPI_Recv(buf.data(), static_cast<int>(bytes), MPI_BYTE, 0, 0, comm, MPI_STATUS_IGNORE);
      MPI_Send(buf.data(), static_cast<int>(bytes), MPI_BYTE, 0, 0, comm);
    }
    t.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0)
                    .count());
  }
  std::nth_element(t.begin(), t.begin() + reps / 2, t.end());
  return t[static_cast<std::size_t>(reps / 2)];
}

void BM_submit_get_tiny(benchmark::State& state) {
  long i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(ex->submit(square, ++i).get());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_submit_get_tiny)->UseRealTime();

void BM_submit_get_1mb(benchmark::State& state) {
  const std::vector<char> payload(1 << 20, 3);
  for (auto _ : state) benchmark::DoNotOptimize(ex->submit(flip, payload).get().size());
  state.SetBytesProcessed(state.iterations() * 2 * (1 << 20));
}
BENCHMARK(BM_submit_get_1mb)->UseRealTime();

// map over 10^4 tiny items, chunk = range(0).
void BM_map_tiny(benchmark::State& state) {
  const auto chunk = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    long sum = 0;
    for (long r : ex->map(square, std::views::iota(0L, 10000L), {.chunk = chunk})) sum += r;
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * 10000);
}
BENCHMARK(BM_map_tiny)->Arg(1)->Arg(16)->Arg(256)->UseRealTime();

void BM_map_1mb(benchmark::State& state) {
  const std::vector<std::vector<char>> items(16, std::vector<char>(1 << 20, 5));
  for (auto _ : state) {
    std::size_t n = 0;
    for (const auto& r : ex->map(flip, items)) n += r.size();
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(state.iterations() * 16);
  state.SetBytesProcessed(state.iterations() * 16 * 2 * (1 << 20));
}
BENCHMARK(BM_map_1mb)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  mpi::environment env(argc, argv);
  if (env.size() >= 2) {
    const bool quick = std::any_of(argv, argv + argc, [](const char* a) {
      return std::string_view(a).starts_with("--benchmark_min_time=0.0");
    });
    const int reps = quick ? 5 : 2000;
    const double tiny = ping_pong_us(MPI_COMM_WORLD, env.rank(), 8, reps);
    const double big = ping_pong_us(MPI_COMM_WORLD, env.rank(), 1 << 20, quick ? 5 : 200);
    if (env.rank() == 0)
      std::printf("raw MPI ping-pong rank 0 <-> 1 (median round trip): 8 B %.2f us, 1 MiB %.1f us\n",
                  tiny, big);
  } else {
    std::printf("one rank: no raw MPI baseline; the executor runs tasks locally\n");
  }
  mpi::executor executor;
  if (!executor.is_root()) return 0;
  ex = &executor;
  std::printf("executor: %d rank(s), %zu worker rank(s), %zu worker threads\n", executor.size(),
              executor.worker_ranks(), executor.workers());
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
