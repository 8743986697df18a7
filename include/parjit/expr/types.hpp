// Element types of parjit expressions and C++'s usual arithmetic conversions on them, usable at
// compile time (typing a traced lambda) and at run time (typing a randomly generated tree).
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

namespace parjit::expr {

/// The element types a kernel can read, compute in and write.
/// Ordered by integer conversion rank, then floating rank, so that `common_type` can be computed.
enum class scalar_kind : std::uint8_t {
  boolean,
  i8,
  u8,
  i16,
  u16,
  i32,
  u32,
  i64,
  u64,
  f32,
  f64,
};

inline constexpr int scalar_kind_count = 11;

/// True for the types parjit accepts as elements: bool, the fixed-width integers, float, double.
template <class T>
concept element =
    std::is_same_v<T, bool> || std::is_same_v<T, float> || std::is_same_v<T, double> ||
    (std::is_integral_v<T> && !std::is_same_v<T, char> && !std::is_same_v<T, wchar_t> &&
     !std::is_same_v<T, char8_t> && !std::is_same_v<T, char16_t> &&
     !std::is_same_v<T, char32_t> && sizeof(T) <= 8) ||
    std::is_same_v<T, char>;  // char is int8/uint8 depending on the platform's signedness

namespace detail {
template <class T>
constexpr scalar_kind kind_of_impl() {
  if constexpr (std::is_same_v<T, bool>) return scalar_kind::boolean;
  else if constexpr (std::is_same_v<T, float>) return scalar_kind::f32;
  else if constexpr (std::is_same_v<T, double>) return scalar_kind::f64;
  else if constexpr (std::is_signed_v<T>) {
    if constexpr (sizeof(T) == 1) return scalar_kind::i8;
    else if constexpr (sizeof(T) == 2) return scalar_kind::i16;
    else if constexpr (sizeof(T) == 4) return scalar_kind::i32;
    else return scalar_kind::i64;
  } else {
    if constexpr (sizeof(T) == 1) return scalar_kind::u8;
    else if constexpr (sizeof(T) == 2) return scalar_kind::u16;
    else if constexpr (sizeof(T) == 4) return scalar_kind::u32;
    else return scalar_kind::u64;
  }
}
}  // namespace detail

/// The `scalar_kind` of a C++ element type (`kind_of<std::uint8_t> == scalar_kind::u8`).
template <element T>
inline constexpr scalar_kind kind_of = detail::kind_of_impl<std::remove_cv_t<T>>();

/// The C++ type of a `scalar_kind` (`type_of<scalar_kind::f32>` is `float`).
template <scalar_kind K>
using type_of = std::conditional_t<
    K == scalar_kind::boolean, bool,
    std::conditional_t<
        K == scalar_kind::i8, std::int8_t,
        std::conditional_t<
            K == scalar_kind::u8, std::uint8_t,
            std::conditional_t<
                K == scalar_kind::i16, std::int16_t,
                std::conditional_t<
                    K == scalar_kind::u16, std::uint16_t,
                    std::conditional_t<
                        K == scalar_kind::i32, std::int32_t,
                        std::conditional_t<
                            K == scalar_kind::u32, std::uint32_t,
                            std::conditional_t<
                                K == scalar_kind::i64, std::int64_t,
                                std::conditional_t<
                                    K == scalar_kind::u64, std::uint64_t,
                                    std::conditional_t<K == scalar_kind::f32, float,
                                                       double>>>>>>>>>>;

constexpr bool is_floating(scalar_kind k) noexcept {
  return k == scalar_kind::f32 || k == scalar_kind::f64;
}
constexpr bool is_integral(scalar_kind k) noexcept { return !is_floating(k); }  // bool included
constexpr bool is_signed(scalar_kind k) noexcept {
  return k == scalar_kind::i8 || k == scalar_kind::i16 || k == scalar_kind::i32 ||
         k == scalar_kind::i64 || is_floating(k);
}

/// Size in bytes of one element (bool is 1 byte in memory).
constexpr int size_of(scalar_kind k) noexcept {
  switch (k) {
    case scalar_kind::boolean:
    case scalar_kind::i8:
    case scalar_kind::u8: return 1;
    case scalar_kind::i16:
    case scalar_kind::u16: return 2;
    case scalar_kind::i32:
    case scalar_kind::u32:
    case scalar_kind::f32: return 4;
    default: return 8;
  }
}

/// Value bits: 1 for bool, else 8 * size.
constexpr int bits_of(scalar_kind k) noexcept {
  return k == scalar_kind::boolean ? 1 : 8 * size_of(k);
}

/// Integral promotion ([conv.prom]): bool, int8, uint8, int16, uint16 become int32.
constexpr scalar_kind promote(scalar_kind k) noexcept {
  switch (k) {
    case scalar_kind::boolean:
    case scalar_kind::i8:
    case scalar_kind::u8:
    case scalar_kind::i16:
    case scalar_kind::u16: return scalar_kind::i32;
    default: return k;
  }
}

/// The usual arithmetic conversions ([expr.arith.conv]) for an LP64 target.
constexpr scalar_kind common_type(scalar_kind a, scalar_kind b) noexcept {
  if (a == scalar_kind::f64 || b == scalar_kind::f64) return scalar_kind::f64;
  if (a == scalar_kind::f32 || b == scalar_kind::f32) return scalar_kind::f32;
  a = promote(a);
  b = promote(b);
  if (a == b) return a;
  // After promotion both are among i32 u32 i64 u64. Same signedness: the larger rank wins.
  if (is_signed(a) == is_signed(b)) return size_of(a) >= size_of(b) ? a : b;
  const scalar_kind u = is_signed(a) ? b : a;
  const scalar_kind s = is_signed(a) ? a : b;
  if (size_of(u) >= size_of(s)) return u;  // unsigned of greater or equal rank wins
  return s;                                // signed can represent every unsigned value: i64 vs u32
}

/// The type `<cmath>` computes a one-argument function in: integers compute in double.
constexpr scalar_kind math_type(scalar_kind a) noexcept {
  return is_floating(a) ? a : scalar_kind::f64;
}
/// ... and a two- or three-argument one (`pow(float, int)` is double).
constexpr scalar_kind math_type(scalar_kind a, scalar_kind b) noexcept {
  if (a == scalar_kind::f32 && b == scalar_kind::f32) return scalar_kind::f32;
  return scalar_kind::f64;
}

/// ... and a three-argument one (`fma(float, float, float)` is float, anything else double).
constexpr scalar_kind math_type(scalar_kind a, scalar_kind b, scalar_kind c) noexcept {
  if (a == scalar_kind::f32 && b == scalar_kind::f32 && c == scalar_kind::f32) {
    return scalar_kind::f32;
  }
  return scalar_kind::f64;
}

/// The type of `c ? a : b` and of `std::common_type_t<A, B>`: the operands' type when they
/// agree (`int8, int8` stays int8; `bool, bool` stays bool), else the usual arithmetic
/// conversions. `min`, `max`, `clamp` and `select` compute in this type.
constexpr scalar_kind select_type(scalar_kind a, scalar_kind b) noexcept {
  return a == b ? a : common_type(a, b);
}
/// ... for three operands (`clamp(x, lo, hi)`), as `std::common_type_t<X, L, H>`.
constexpr scalar_kind select_type(scalar_kind a, scalar_kind b, scalar_kind c) noexcept {
  return select_type(select_type(a, b), c);
}

/// A scalar's bytes in its own representation, zero-padded to 64 bits (bool: 0 or 1), and back.
/// Graph constants and evaluator values share this one encoding.
template <element T>
inline std::uint64_t to_bits(T v) noexcept {
  if constexpr (std::is_same_v<T, bool>) {
    return v ? 1 : 0;
  } else {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof(T));
    return bits;
  }
}
template <element T>
inline T from_bits(std::uint64_t bits) noexcept {
  if constexpr (std::is_same_v<T, bool>) {
    return bits != 0;
  } else {
    T v;
    std::memcpy(&v, &bits, sizeof(T));
    return v;
  }
}

/// The spelling of the type in C++ (`"float"`, `"std::uint8_t"`), for messages and printing.
constexpr std::string_view name_of(scalar_kind k) noexcept {
  switch (k) {
    case scalar_kind::boolean: return "bool";
    case scalar_kind::i8: return "int8";
    case scalar_kind::u8: return "uint8";
    case scalar_kind::i16: return "int16";
    case scalar_kind::u16: return "uint16";
    case scalar_kind::i32: return "int32";
    case scalar_kind::u32: return "uint32";
    case scalar_kind::i64: return "int64";
    case scalar_kind::u64: return "uint64";
    case scalar_kind::f32: return "float";
    case scalar_kind::f64: return "double";
  }
  return "?";
}

}  // namespace parjit::expr
