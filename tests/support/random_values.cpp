// The random draws of random_graph.hpp, compiled once at the build's optimisation level (the
// tests that use them compile their own code at -O0). Same definitions, same values.
#include "support/random_graph.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <span>
#include <type_traits>

namespace parjit::test {

namespace detail {

bool chance(std::mt19937_64& rng, double p) {
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng) < p;
}

template <class T>
T random_element(std::mt19937_64& rng, double edge_rate) {
  using lim = std::numeric_limits<T>;
  if constexpr (std::is_same_v<T, bool>) {
    return chance(rng, 0.5);
  } else if constexpr (std::is_integral_v<T>) {
    if (chance(rng, edge_rate)) {
      return pick<T>(rng, {T(0), T(1), T(-1), lim::min(), lim::max(), T(lim::min() + 1),
                           T(lim::max() - 1), T(2), T(-2)});
    }
    if (chance(rng, 0.5)) {  // small values, where most arithmetic stays in range
      if constexpr (std::is_signed_v<T>) {
        return static_cast<T>(std::uniform_int_distribution<int>(-100, 100)(rng));
      } else {
        return static_cast<T>(std::uniform_int_distribution<int>(0, 200)(rng));
      }
    }
    return static_cast<T>(rng());  // any bit pattern (modular conversion)
  } else {
    if (chance(rng, edge_rate)) {
      return pick<T>(rng, {T(0), T(-0.0), T(1), T(-1), T(0.5), T(-0.5), T(2.5), T(-2.5),
                           lim::min(), lim::denorm_min(), -lim::denorm_min(), lim::max(),
                           lim::lowest(), lim::infinity(), -lim::infinity(), lim::quiet_NaN(),
                           T(2147483648.0), T(-2147483649.0), T(9223372036854775808.0),
                           T(18446744073709551616.0), T(255.5), T(-128.5)});
    }
    if (chance(rng, 0.5)) {
      return static_cast<T>(std::uniform_real_distribution<double>(-100, 100)(rng));
    }
    const double m = std::uniform_real_distribution<double>(0.5, 1.0)(rng);
    const int e = std::uniform_int_distribution<int>(-40, 70)(rng);
    return static_cast<T>((chance(rng, 0.5) ? -m : m) * std::ldexp(1.0, e));
  }
}

}  // namespace detail

template <class T>
void fill_random(std::mt19937_64& rng, std::span<T> out, double edge_rate) {
  for (auto& x : out) x = detail::random_element<T>(rng, edge_rate);
}

// The element types of the expression layer (expr::scalar_kind).
#define PARJIT_TEST_RANDOM_FOR(T)                                                \
  template T detail::random_element<T>(std::mt19937_64&, double);              \
  template void fill_random<T>(std::mt19937_64&, std::span<T>, double);
PARJIT_TEST_RANDOM_FOR(bool)
PARJIT_TEST_RANDOM_FOR(std::int8_t)
PARJIT_TEST_RANDOM_FOR(std::uint8_t)
PARJIT_TEST_RANDOM_FOR(std::int16_t)
PARJIT_TEST_RANDOM_FOR(std::uint16_t)
PARJIT_TEST_RANDOM_FOR(std::int32_t)
PARJIT_TEST_RANDOM_FOR(std::uint32_t)
PARJIT_TEST_RANDOM_FOR(std::int64_t)
PARJIT_TEST_RANDOM_FOR(std::uint64_t)
PARJIT_TEST_RANDOM_FOR(float)
PARJIT_TEST_RANDOM_FOR(double)
#undef PARJIT_TEST_RANDOM_FOR

}  // namespace parjit::test
