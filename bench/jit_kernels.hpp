// The benchmark kernels K1-K6 and K11 (bench/README.md) as hand-written loops and naive
// expression-template loops (compiled in their own TUs), their parjit lambdas, and STREAM.
#pragma once

#include <cstddef>
#include <cstdint>

namespace parjit_bench {

// Hand-written loops (jit_kernels_loops.cpp: -O3 -march=native -ffp-contract=off).
void loop_k1(float* out, const float* a, const float* b, std::size_t n);
void loop_k2(float* out, const float* a, std::size_t n);
void loop_k3(float* out, const float* a, const float* b, std::size_t n);
float loop_k4(const float* a, const float* b, std::size_t n);
void loop_k5(float* out, const float* a, const float* b, std::size_t n);
void loop_k6(float* out, const std::uint8_t* r, const std::uint8_t* g, const std::uint8_t* b,
             std::size_t n);
// K3 and K4 with -ffast-math (jit_kernels_fastmath.cpp): libmvec through GCC's vectoriser (K3),
// a reassociated, vectorised sum (K4).
void loop_fastmath_k3(float* out, const float* a, const float* b, std::size_t n);
float loop_fastmath_k4(const float* a, const float* b, std::size_t n);

// The loops above on all cores (jit_kernels_tbb.cpp): raw tbb::parallel_for (K4:
// parallel_reduce) over chunks of at least 16384 elements, jit::par's grain, in TBB's default
// arena; each chunk calls the one-thread loop. `fastmath`: K3 and K4 call the -ffast-math loop.
void tbb_loop_k1(float* out, const float* a, const float* b, std::size_t n);
void tbb_loop_k2(float* out, const float* a, std::size_t n);
void tbb_loop_k3(float* out, const float* a, const float* b, std::size_t n, bool fastmath);
float tbb_loop_k4(const float* a, const float* b, std::size_t n, bool fastmath);
void tbb_loop_k5(float* out, const float* a, const float* b, std::size_t n);
void tbb_loop_k6(float* out, const std::uint8_t* r, const std::uint8_t* g, const std::uint8_t* b,
                 std::size_t n);
// K11 (the numpy vocabulary: log1p, hypot, atan2): scalar libm, and -ffast-math with libmvec.
void loop_k11(float* out, const float* a, const float* b, std::size_t n);
void loop_fastmath_k11(float* out, const float* a, const float* b, std::size_t n);

// The machine's practical bandwidth (jit_kernels_stream.cpp): STREAM's copy (out = a) and triad
// (out = b + s * c) with non-temporal stores; `par_`: in chunks on parjit::default_executor(),
// the executor jit::par runs on.
void stream_copy(float* out, const float* a, std::size_t n);
void stream_triad(float* out, const float* b, const float* c, float s, std::size_t n);
void par_stream_copy(float* out, const float* a, std::size_t n);
void par_stream_triad(float* out, const float* b, const float* c, float s, std::size_t n);

// The same expressions as parjit expression templates, evaluated element by element by a
// recursive tree walk that the C++ compiler inlines (no JIT): jit_kernels_loops.cpp.
void naive_et_k1(float* out, const float* a, const float* b, std::size_t n);
void naive_et_k2(float* out, const float* a, std::size_t n);
void naive_et_k3(float* out, const float* a, const float* b, std::size_t n);
float naive_et_k4(const float* a, const float* b, std::size_t n);
void naive_et_k5(float* out, const float* a, const float* b, std::size_t n);
void naive_et_k6(float* out, const std::uint8_t* r, const std::uint8_t* g, const std::uint8_t* b,
                 std::size_t n);

// The kernels as generic lambdas (for jit::vectorize / jit::reduce and the naive ET).
inline constexpr auto k1 = [](auto a, auto b) { return sqrt(a * a + b * b); };
inline constexpr auto k2 = [](auto a) { return ((a * 0.5 + 1.5) * a - 2) * a + 3; };
inline constexpr auto k3 = [](auto a, auto b) { return exp(-a * a) * sin(b); };
inline constexpr auto k4 = [](auto a, auto b) { return a * b; };
inline constexpr auto k5 = [](auto a, auto b) { return select(a > 0, a * b, -a); };
inline constexpr auto k6 = [](auto r, auto g, auto b) {
  return (0.299f * r + 0.587f * g + 0.114f * b) / 255.0f;
};
// K11: three functions of the numpy vocabulary (issue 12), float32 throughout.
inline constexpr auto k11 = [](auto a, auto b) { return log1p(hypot(a, b)) * atan2(b, a); };

}  // namespace parjit_bench
