// Concurrency: threads that first-call one kernel at once compile it once; threads compiling
// different kernels at once share the ORC session safely.
#include "jit_support.hpp"

#include <latch>
#include <thread>

namespace jit = parjit::jit;

TEST_CASE("threads: 8 threads first-calling one kernel compile it once", "[jit][threads]") {
  auto k = jit::vectorize([](auto a, auto b) { return jit::sqrt(a * a + b * b) + a / b; });
  std::vector<float> a(4099, 3.0f), b(4099, 4.0f);
  constexpr int threads = 8;
  std::vector<std::vector<float>> outs(threads, std::vector<float>(a.size()));
  std::latch start(threads);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      start.arrive_and_wait();
      k(outs[static_cast<std::size_t>(t)], a, b);
    });
  }
  for (auto& th : pool) th.join();
  const jit::stats st = k.stats();
  CHECK(st.specializations == 1);
  CHECK(st.calls == threads);
  for (const auto& o : outs) CHECK(o == std::vector<float>(a.size(), 5.0f + 0.75f));
}

TEST_CASE("threads: concurrent compiles of different kernels", "[jit][threads]") {
  constexpr int threads = 8;
  std::latch start(threads);
  std::vector<std::thread> pool;
  std::vector<double> results(threads);
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      const double c = t;
      auto k = jit::reduce(jit::sum, jit::frozen([c](auto x) { return x * c + jit::exp(x); }));
      std::vector<double> x(1000, 0.0);
      start.arrive_and_wait();
      results[static_cast<std::size_t>(t)] = k(x);
    });
  }
  for (auto& th : pool) th.join();
  for (double r : results) CHECK(r == 1000.0);
}

TEST_CASE("threads: ir() and assembly() asked for at once by many threads agree", "[jit][threads]") {
  // The IR is made on the first request (not at the first call), once, whoever asks first.
  auto k = jit::vectorize([](auto a, auto b) { return jit::exp(a) * b - a; });
  std::vector<double> a(100, 1.0), b(100, 2.0), out(100);
  k(out, a, b);
  constexpr int threads = 6;
  std::latch start(threads);
  std::vector<std::string> irs(threads), asms(threads);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      start.arrive_and_wait();
      irs[static_cast<std::size_t>(t)] = k.ir();
      asms[static_cast<std::size_t>(t)] = k.assembly();
    });
  }
  for (auto& th : pool) th.join();
  CHECK(irs[0].find("define void @parjit_kernel_") != std::string::npos);
  for (int t = 1; t < threads; ++t) {
    CHECK(irs[static_cast<std::size_t>(t)] == irs[0]);
    CHECK(asms[static_cast<std::size_t>(t)] == asms[0]);
  }
}
