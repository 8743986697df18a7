// K3, K4 and K11 baselines at -O3 -march=native -ffast-math: GCC vectorises exp and sin (K3)
// and, with glibc >= 2.35, log1p, hypot and atan2 (K11) through libmvec, and reassociates the
// sum into vector lanes (K4), as parjit's reduction does.
#include <cmath>

#include "jit_kernels.hpp"

namespace parjit_bench {
void loop_fastmath_k3(float* out, const float* a, const float* b, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = std::exp(-a[i] * a[i]) * std::sin(b[i]);
}
float loop_fastmath_k4(const float* a, const float* b, std::size_t n) {
  float s = 0;
  for (std::size_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}
void loop_fastmath_k11(float* out, const float* a, const float* b, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = std::log1p(std::hypot(a[i], b[i])) * std::atan2(b[i], a[i]);
  }
}
}  // namespace parjit_bench
