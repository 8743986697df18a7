// A program that test_cache runs in fresh processes: it makes five kernels (argv[1] "literal"
// changes one constant), calls each once and prints the results and its cache statistics, so
// the test can compare two runs. argv[2] "race": one kernel only (processes race on its key).
#include <parjit/jit.hpp>

#include <cstdio>
#include <cstring>
#include <vector>

namespace jit = parjit::jit;

int main(int argc, char** argv) {
  const bool changed = argc > 1 && std::strcmp(argv[1], "literal") == 0;
  const bool race = argc > 2 && std::strcmp(argv[2], "race") == 0;
  const jit::options opts{.cache = true};  // the directory comes from PARJIT_CACHE_DIR
  std::vector<float> a(1000), b(1000), out(1000);
  for (int i = 0; i < 1000; ++i) {
    a[i] = 0.5f + 0.001f * i;
    b[i] = 2.0f - 0.0007f * i;
  }
  const float c = changed ? 3.0f : 2.0f;
  double checksum = 0;
  std::size_t hits = 0, misses = 0, compiled = 0;
  auto account = [&](const jit::stats& st) {
    hits += st.cache_hits;
    misses += st.cache_misses;
    compiled += st.specializations - st.cache_hits;
  };
  auto k1 = jit::vectorize(jit::frozen([c](auto x, auto y) { return jit::sqrt(x * x + y * y) * c; }), opts);
  k1(out, a, b);
  for (float v : out) checksum += v;
  account(k1.stats());
  if (!race) {
    auto k2 = jit::vectorize([](auto x) { return jit::exp(-x * x); }, opts);
    k2(out, a);
    for (float v : out) checksum += v;
    auto k3 = jit::vectorize([](auto x, auto m, auto s) { return (x - m) / s; }, opts);
    k3(out, a, 0.5f, 0.25f);
    for (float v : out) checksum += v;
    auto k4 = jit::vectorize([](auto x, auto y) { return jit::select(x < y, x, y); }, opts);
    k4(out, a, b);
    for (float v : out) checksum += v;
    auto k5 = jit::reduce<double>(jit::sum, [](auto x, auto y) { return x * y; }, opts);
    checksum += k5(a, b);
    account(k2.stats());
    account(k3.stats());
    account(k4.stats());
    account(k5.stats());
  }
  std::printf("checksum %.17g\nhits %zu\nmisses %zu\ncompiled %zu\n", checksum, hits, misses,
              compiled);
  return 0;
}
