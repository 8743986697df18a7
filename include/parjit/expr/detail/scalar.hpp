// The scalar semantics of every operation on plain values, shared by the functions' plain-number
// path, the reference evaluator and constant folding, so that the three cannot drift apart.
#pragma once

#include <cmath>
#include <limits>
#include <type_traits>
#include <utility>

#include "../types.hpp"

namespace parjit::expr::detail {

// Calls f(std::type_identity<T>{}) with the C++ type of kind k. One switch, so every consumer
// of a run-time kind (evaluator, folding, random values) agrees on the mapping.
template <class F>
constexpr decltype(auto) with_type(scalar_kind k, F&& f) {
  switch (k) {
    case scalar_kind::boolean: return std::forward<F>(f)(std::type_identity<bool>{});
    case scalar_kind::i8: return std::forward<F>(f)(std::type_identity<std::int8_t>{});
    case scalar_kind::u8: return std::forward<F>(f)(std::type_identity<std::uint8_t>{});
    case scalar_kind::i16: return std::forward<F>(f)(std::type_identity<std::int16_t>{});
    case scalar_kind::u16: return std::forward<F>(f)(std::type_identity<std::uint16_t>{});
    case scalar_kind::i32: return std::forward<F>(f)(std::type_identity<std::int32_t>{});
    case scalar_kind::u32: return std::forward<F>(f)(std::type_identity<std::uint32_t>{});
    case scalar_kind::i64: return std::forward<F>(f)(std::type_identity<std::int64_t>{});
    case scalar_kind::u64: return std::forward<F>(f)(std::type_identity<std::uint64_t>{});
    case scalar_kind::f32: return std::forward<F>(f)(std::type_identity<float>{});
    case scalar_kind::f64: break;
  }
  return std::forward<F>(f)(std::type_identity<double>{});
}

// Integer arithmetic is done in an unsigned type at least as wide as `unsigned`, where overflow
// is defined, then converted back (modular since C++20): this is -fwrapv without UB.
template <class T>
struct unsigned_of {
  using type = std::make_unsigned_t<T>;
};
template <>
struct unsigned_of<bool> {
  using type = unsigned;
};
template <class T>
using wide_unsigned = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned,
                                         typename unsigned_of<T>::type>;

// static_cast with the fixed semantics: float -> integer saturates (NaN -> 0), as LLVM's
// fptosi.sat / fptoui.sat; -> bool is != 0 (NaN -> true); everything else is static_cast.
template <class To, class From>
constexpr To convert(From x) noexcept {
  if constexpr (std::is_same_v<To, bool>) {
    return x != 0;
  } else if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To>) {
    if (x != x) return To{0};
    constexpr To lo = std::numeric_limits<To>::min();
    constexpr To hi = std::numeric_limits<To>::max();
    // lo (0 or -2^(n-1)) and hi + 1 (a power of two) are exact in any floating type, so these
    // compares decide range without rounding; inside the range static_cast is defined.
    constexpr From above = static_cast<From>(hi / 2 + 1) * From{2};
    if (x <= static_cast<From>(lo)) return lo;
    if (x >= above) return hi;
    return static_cast<To>(x);
  } else {
    return static_cast<To>(x);
  }
}

template <class T>
constexpr T negate(T a) noexcept {
  if constexpr (std::is_floating_point_v<T>) {
    return -a;
  } else {
    using U = wide_unsigned<T>;
    return static_cast<T>(static_cast<U>(U{0} - static_cast<U>(a)));
  }
}

template <class T>
constexpr T add(T a, T b) noexcept {
  if constexpr (std::is_floating_point_v<T>) {
    return a + b;
  } else {
    using U = wide_unsigned<T>;
    return static_cast<T>(static_cast<U>(static_cast<U>(a) + static_cast<U>(b)));
  }
}

template <class T>
constexpr T subtract(T a, T b) noexcept {
  if constexpr (std::is_floating_point_v<T>) {
    return a - b;
  } else {
    using U = wide_unsigned<T>;
    return static_cast<T>(static_cast<U>(static_cast<U>(a) - static_cast<U>(b)));
  }
}

template <class T>
constexpr T multiply(T a, T b) noexcept {
  if constexpr (std::is_floating_point_v<T>) {
    return a * b;
  } else {
    using U = wide_unsigned<T>;
    return static_cast<T>(static_cast<U>(static_cast<U>(a) * static_cast<U>(b)));
  }
}

// Integer division never traps: x / 0 == 0 and MIN / -1 == MIN (the wrapped negation).
template <class T>
constexpr T divide(T a, T b) noexcept {
  if constexpr (std::is_floating_point_v<T>) {
    return a / b;
  } else {
    if (b == 0) return T{0};
    if constexpr (std::is_signed_v<T>) {
      if (b == T(-1)) return negate(a);
    }
    return static_cast<T>(a / b);
  }
}

template <class T>
constexpr T remainder(T a, T b) noexcept {
  static_assert(std::is_integral_v<T>, "remainder is defined on integers only");
  if (b == 0) return T{0};
  if constexpr (std::is_signed_v<T>) {
    if (b == T(-1)) return T{0};
  }
  return static_cast<T>(a % b);
}

// Integer abs of the minimum value wraps to itself; unsigned abs is the identity.
template <class T>
constexpr T absolute(T a) noexcept {
  if constexpr (std::is_floating_point_v<T>) {
    return std::fabs(a);
  } else if constexpr (std::is_signed_v<T>) {
    return a < 0 ? negate(a) : a;
  } else {
    return a;
  }
}

// Python's a // b (floor division). Integers: x // 0 == 0 and MIN // -1 == MIN, as `/`.
// Floating: numpy.floor_divide (CPython's float_floor_div for b != 0; a / b for b == 0).
template <class T>
T floor_divide(T a, T b) noexcept {
  if constexpr (std::is_floating_point_v<T>) {
    if (b == 0) return a / b;
    const T mod = std::fmod(a, b);
    T div = (a - mod) / b;
    if (mod != 0 && ((b < 0) != (mod < 0))) div -= T(1);
    if (div == 0) return std::copysign(T(0), a / b);
    T floored = std::floor(div);
    if (div - floored > T(0.5)) floored += T(1);
    return floored;
  } else {
    const T q = divide(a, b);
    if constexpr (std::is_signed_v<T>) {
      if (b != 0 && b != T(-1)) {
        const T r = static_cast<T>(a % b);
        if (r != 0 && ((r < 0) != (b < 0))) return static_cast<T>(q - 1);
      }
    }
    return q;
  }
}

// Python's a % b (the result has b's sign). Integers: x % 0 == 0, as `%`. Floating:
// numpy.remainder (x % 0.0 is NaN, a zero result takes b's sign).
template <class T>
T floor_modulo(T a, T b) noexcept {
  if constexpr (std::is_floating_point_v<T>) {
    T mod = std::fmod(a, b);
    if (b == 0) return mod;
    if (mod != 0) {
      if ((b < 0) != (mod < 0)) mod += b;
    } else {
      mod = std::copysign(T(0), b);
    }
    return mod;
  } else {
    T r = remainder(a, b);
    if constexpr (std::is_signed_v<T>) {
      if (r != 0 && ((r < 0) != (b < 0))) r = add(r, b);
    }
    return r;
  }
}

// numpy.sign: -1, 0 or +1 in T; NaN stays NaN and -0.0 gives +0.0.
template <class T>
constexpr T sign(T a) noexcept {
  if constexpr (std::is_floating_point_v<T>) {
    return a > 0 ? T(1) : (a < 0 ? T(-1) : (a == 0 ? T(0) : a));
  } else {
    return static_cast<T>(T(0) < a) - static_cast<T>(a < T(0));
  }
}

template <class T>
constexpr T minimum(T a, T b) noexcept {
  return (b < a) ? b : a;
}
template <class T>
constexpr T maximum(T a, T b) noexcept {
  return (a < b) ? b : a;
}
template <class T>
constexpr T clamp(T x, T lo, T hi) noexcept {
  return x < lo ? lo : (hi < x ? hi : x);
}

}  // namespace parjit::expr::detail
