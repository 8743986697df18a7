// A shared library, built with -fvisibility=hidden, that links parjit::jit and uses kernels.
#include "twin_shared.hpp"

#include <numeric>
#include <vector>

parjit::jit::kernel_function twin_shared_kernel(const std::string& cache_dir) {
  static const parjit::jit::compiled_kernel k = twin::compile_shared_kernel(cache_dir);
  return k.function();
}

parjit::jit::cache::contents twin_shared_cache_info(const std::string& cache_dir) {
  return parjit::jit::cache::info(cache_dir);
}

double twin_shared_sum(int n) {
  std::vector<double> x(static_cast<std::size_t>(n), 2.0), out(x.size());
  parjit::jit::vectorize([](auto v) { return v * v; })(out, x);
  return std::accumulate(out.begin(), out.end(), 0.0);
}
