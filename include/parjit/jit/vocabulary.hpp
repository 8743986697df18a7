// The expression vocabulary kernels are written in, re-exported from parjit::expr into parjit::jit
// (`jit::sqrt`, `jit::select`, `jit::cast<T>`, `jit::min`, ...), plus the reduction tags.
#pragma once

#include "../expr/gather.hpp"
#include "../expr/loops.hpp"
#include "../expr/nodes.hpp"

namespace parjit::jit {

using expr::abs;
using expr::ceil;
using expr::clamp;
using expr::cos;
using expr::exp;
using expr::floor;
using expr::fma;
using expr::log;
using expr::log10;
using expr::log2;
using expr::pow;
using expr::round;
using expr::select;
using expr::sin;
using expr::sqrt;
using expr::tan;
using expr::tanh;
using expr::cast;
// Added for numpy / numba habits: as <cmath> (integer arguments compute in double), vectorised
// through libmvec where glibc has a vector variant (see options::vector_math).
using expr::acos;
using expr::acosh;
using expr::asin;
using expr::asinh;
using expr::atan;
using expr::atan2;
using expr::atanh;
using expr::cbrt;
using expr::copysign;
using expr::cosh;
using expr::erf;
using expr::erfc;
using expr::exp2;
using expr::expm1;
using expr::fmod;
using expr::hypot;
using expr::log1p;
using expr::sinh;
using expr::trunc;
// Classification: bool results, exact under every option (they test the operand's bits).
using expr::isfinite;
using expr::isinf;
using expr::isnan;
using expr::signbit;
// numpy.sign and Python's division operators (numba's `//`, `%` and `/`).
using expr::floor_div;
using expr::floor_mod;
using expr::sign;
using expr::true_div;
/// `jit::min(a, b)` inside a kernel (std::min semantics); `jit::min` as a reduction tag.
using expr::min;
/// `jit::max(a, b)` inside a kernel (std::max semantics); `jit::max` as a reduction tag.
using expr::max;
using expr::max_fn;
using expr::min_fn;
// Loops with carried values and the element's index (expr/loops.hpp).
using expr::fori;
using expr::index;
using expr::loop_while;
using expr::tuple;
// Gathers from jit::table arguments and the pixel coordinates of 2-D calls (expr/gather.hpp).
using expr::x;
using expr::y;

/// Reduction tag: `jit::reduce(jit::sum, f)` adds f's values. Thread-safety: a constant.
struct sum_t {
  explicit sum_t() = default;
};
/// See `sum_t`.
inline constexpr sum_t sum{};

/// Reduction tag: `jit::reduce(jit::prod, f)` multiplies f's values. Thread-safety: a constant.
struct prod_t {
  explicit prod_t() = default;
};
/// See `prod_t`.
inline constexpr prod_t prod{};

}  // namespace parjit::jit
