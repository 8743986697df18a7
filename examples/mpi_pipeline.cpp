// An image batch spread over MPI ranks: each rank's arena processes chunks of images it pulls
// from the root; prints images/s for this rank count, and checks the result against one thread.
//
//     mpirun --oversubscribe --bind-to none -np 3 ./mpi_pipeline [images] [side]
//
// Each "image" is a seeded random side x side 8-bit grey picture made on the worker from its
// seed (so the root ships 16 bytes per image, not megabytes); the worker blurs it with a 3x3
// box filter, normalises it to [0, 1] and returns a 16-bin histogram.
#include <parjit/mpi.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <vector>

namespace {

struct job {
  std::uint64_t seed;
  std::uint32_t side;
};
using histogram = std::array<std::uint32_t, 16>;

histogram process(job j) {
  const std::size_t n = j.side;
  std::vector<std::uint8_t> img(n * n);
  std::uint64_t s = j.seed;
  for (auto& p : img) {  // seeded uniform pixels
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    p = static_cast<std::uint8_t>(s >> 56);
  }
  histogram h{};
  for (std::size_t y = 1; y + 1 < n; ++y)
    for (std::size_t x = 1; x + 1 < n; ++x) {
      unsigned sum = 0;
      for (std::size_t dy = 0; dy < 3; ++dy)
        for (std::size_t dx = 0; dx < 3; ++dx) sum += img[(y + dy - 1) * n + (x + dx - 1)];
      const float v = static_cast<float>(sum) / (9.0f * 255.0f);
      ++h[std::min<std::size_t>(15, static_cast<std::size_t>(v * 16.0f))];
    }
  return h;
}

}  // namespace

int main(int argc, char** argv) {
  parjit::mpi::environment env(argc, argv);
  parjit::mpi::executor ex;
  if (!ex.is_root()) return 0;  // workers served inside the constructor

  const std::size_t images = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 2000;
  const auto side = static_cast<std::uint32_t>(argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 256);
  std::vector<job> jobs(images);
  for (std::size_t i = 0; i < images; ++i) jobs[i] = {0x9e3779b97f4a7c15ull * (i + 1), side};

  const auto t0 = std::chrono::steady_clock::now();
  histogram total{};
  for (const histogram& h : ex.map(process, jobs, {.chunk = 16}))
    for (std::size_t b = 0; b < 16; ++b) total[b] += h[b];
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // The same batch in this thread, as the reference.
  const auto t1 = std::chrono::steady_clock::now();
  histogram ref{};
  for (const job& j : jobs) {
    const histogram h = process(j);
    for (std::size_t b = 0; b < 16; ++b) ref[b] += h[b];
  }
  const double s1 = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();

  std::printf("%zu images of %ux%u on %d rank(s) (%zu worker rank(s), %zu worker threads)\n",
              images, side, side, ex.size(), ex.worker_ranks(), ex.workers());
  std::printf("  executor.map, chunk 16: %8.1f images/s   (%.3f s)\n", images / s, s);
  std::printf("  one thread on the root: %8.1f images/s   (%.3f s)   speed-up %.2fx\n",
              images / s1, s1, s1 / s);
  if (total != ref) {
    std::printf("MISMATCH: the distributed histogram differs from the sequential one\n");
    return 1;
  }
  std::printf("  histograms identical\n");
  return 0;
}
