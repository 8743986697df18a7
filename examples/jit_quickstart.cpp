// The numba story in C++: a plain loop, the same kernel with jit::vectorize (first call compiles,
// the second is just the loop), then jit::par over the default arena — with the speed-ups.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include <parjit/jit.hpp>
#include <parjit/parjit.hpp>

namespace jit = parjit::jit;

namespace {
template <class F>
double ms(F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}
template <class F>
double best_of(int reps, F&& f) {
  double best = 1e300;
  for (int i = 0; i < reps; ++i) best = std::min(best, ms(f));
  return best;
}
}  // namespace

int main() {
  const std::size_t n = 10'000'000;
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> x(n), y(n), out(n), ref(n);
  for (auto& v : x) v = u(rng);
  for (auto& v : y) v = u(rng);

  // 1. A plain C++ loop (this file's flags: no -march=native, errno-setting libm calls).
  const double t_loop = best_of(3, [&] {
    for (std::size_t i = 0; i < n; ++i) ref[i] = std::exp(-x[i] * x[i]) * std::sin(y[i]) + 0.5f * x[i];
  });
  std::printf("plain loop                 %8.2f ms\n", t_loop);

  // 2. The same formula as a JIT kernel: written once, generic, compiled at first call for the
  //    argument types it meets, vectorised for this CPU (libmvec for exp and sin).
  auto wave = jit::vectorize([](auto a, auto b) { return jit::exp(-a * a) * jit::sin(b) + 0.5f * a; });
  const double t_first = ms([&] { wave(out, x, y); });
  const double t_second = best_of(3, [&] { wave(out, x, y); });
  std::printf("jit::vectorize, 1st call   %8.2f ms  (trace + O3 + codegen: %.2f ms)\n", t_first,
              wave.stats().compile_ms);
  std::printf("jit::vectorize, 2nd call   %8.2f ms  %5.1fx the plain loop\n", t_second,
              t_loop / t_second);

  double worst = 0;
  for (std::size_t i = 0; i < n; ++i) worst = std::max(worst, std::fabs(double(out[i]) - ref[i]));
  std::printf("max |jit - loop|           %8.1e    (libmvec exp/sin: a few ulp)\n", worst);

  // 3. The same kernel in parallel chunks on parjit's default arena (same results, bit for bit).
  const double t_par = best_of(3, [&] { wave(jit::par, out, x, y); });
  std::printf("jit::par                   %8.2f ms  %5.1fx the plain loop, %.1fx serial JIT "
              "(%d threads)\n",
              t_par, t_loop / t_par, t_second / t_par, parjit::default_executor().arena().max_concurrency());

  // 4. Reductions and runtime scalars: no recompilation when a scalar's value changes.
  auto energy = jit::reduce<double>(jit::sum, [](auto a, auto m) { return (a - m) * (a - m); });
  const double e1 = energy(x, 0.1f);
  const double e2 = energy(x, 0.2f);
  std::printf("sum (x - m)^2, m = 0.1     %.6g; m = 0.2: %.6g; specialisations: %zu\n", e1, e2,
              energy.stats().specializations);
  std::printf("kernel stats: %zu specialisation(s), %llu calls\n", wave.stats().specializations,
              static_cast<unsigned long long>(wave.stats().calls));
  return 0;
}
