// K3 baseline at -O3 -march=native -ffast-math: GCC vectorises exp and sin through libmvec.
#include <cmath>

#include "jit_kernels.hpp"

namespace parjit_bench {
void loop_fastmath_k3(float* out, const float* a, const float* b, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = std::exp(-a[i] * a[i]) * std::sin(b[i]);
}
}  // namespace parjit_bench
