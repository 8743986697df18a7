// The interface of twin_shared.cpp, a shared library (built with hidden visibility) that uses JIT
// kernels: what it compiled, so the executable can check that both share one JIT session.
#pragma once

#include <parjit/jit.hpp>

#include <string>

#define TWIN_SHARED_API __attribute__((visibility("default")))

namespace twin {
namespace jit = parjit::jit;

// The graph and signature both sides compile: out[i] = x[i] * 3 + 1.
inline jit::compiled_kernel compile_shared_kernel(const std::string& cache_dir) {
  namespace expr = parjit::expr;
  const expr::graph g = expr::to_graph(expr::arg<0, double>{} * 3.0 + 1.0);
  return jit::compile(g, {.args = {{expr::scalar_kind::f64}}, .result = expr::scalar_kind::f64},
                      jit::options{.cache = true, .cache_dir = cache_dir});
}
}  // namespace twin

// The library's copy of the kernel above (kept alive), and the JIT's cache counters as the
// library sees them.
TWIN_SHARED_API parjit::jit::kernel_function twin_shared_kernel(const std::string& cache_dir);
TWIN_SHARED_API parjit::jit::cache::contents twin_shared_cache_info(const std::string& cache_dir);
// A vectorize kernel run inside the library.
TWIN_SHARED_API double twin_shared_sum(int n);
