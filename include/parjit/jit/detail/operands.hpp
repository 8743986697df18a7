// Call arguments as typed operands: arrays (pointer + size, const for inputs), runtime scalars,
// pointer + size pairs normalised; the per-kernel signature key; and the checks every call makes
// on its operands (sizes match, no partial overlap with out). Used by detail/call.hpp.
#pragma once

#include <cstddef>
#include <ranges>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "../../expr/gather.hpp"
#include "../../expr/types.hpp"
#include "../compile.hpp"
#include "../table.hpp"

namespace parjit::jit::detail {
// The canonical C++ type of an element type (`long` and `long long` share one specialisation).
template <class T>
using canonical_t = expr::type_of<expr::kind_of<std::remove_cv_t<T>>>;

template <class T>
struct array_operand {  // T is const for inputs
  T* data;
  std::size_t size;
};
template <class T>
struct scalar_operand {
  T value;
};

// A jit::table argument: read whole by gathers (a descriptor is made per call, see call_frame).
template <class T, int Dims, expr::index_policy Policy>
struct table_operand {
  table_ref<T, Dims, Policy> table;
};

template <class T>
struct is_array_operand : std::false_type {};
template <class T>
struct is_array_operand<array_operand<T>> : std::true_type {};
template <class T>
struct is_table_operand : std::false_type {};
template <class T, int D, expr::index_policy P>
struct is_table_operand<table_operand<T, D, P>> : std::true_type {};
template <class T>
struct is_table_ref : std::false_type {};
template <class T, int D, expr::index_policy P>
struct is_table_ref<table_ref<T, D, P>> : std::true_type {};

template <class R>
concept element_range =
    std::ranges::contiguous_range<R> && std::ranges::sized_range<R> &&
    expr::element<std::remove_cv_t<std::ranges::range_value_t<R>>>;

template <class P>
concept element_pointer =
    std::is_pointer_v<std::remove_cvref_t<P>> &&
    expr::element<std::remove_cv_t<std::remove_pointer_t<std::remove_cvref_t<P>>>>;

template <class A>
inline constexpr bool dependent_false = false;

template <class A>
auto make_operand(A&& a) {
  using D = std::remove_cvref_t<A>;
  if constexpr (is_table_ref<D>::value) {
    return table_operand<typename D::element_type, D::dims, D::policy>{a};
  } else if constexpr (expr::element<D>) {
    return scalar_operand<canonical_t<D>>{static_cast<canonical_t<D>>(a)};
  } else if constexpr (element_range<A>) {
    using V = std::remove_reference_t<std::ranges::range_reference_t<A>>;
    using C = std::conditional_t<std::is_const_v<V>, const canonical_t<V>, canonical_t<V>>;
    auto* p = std::ranges::data(a);
    return array_operand<C>{reinterpret_cast<C*>(p), static_cast<std::size_t>(std::ranges::size(a))};
  } else {
    static_assert(dependent_false<A>,
                  "parjit::jit: a kernel argument must be a contiguous range of an element type "
                  "(std::vector, std::span, std::array, a C array; not std::vector<bool>), a "
                  "pointer followed by its size, or a scalar of type bool, int8..int64, "
                  "uint8..uint64, float or double");
    return scalar_operand<double>{0};
  }
}

inline std::tuple<> normalize() { return {}; }

template <class A, class... Rest>
auto normalize(A&& a, Rest&&... rest);

template <class P>
auto normalize_pointer(P) {
  static_assert(dependent_false<P>,
                "parjit::jit: a pointer argument must be followed by its element count, as in "
                "k(out, n, a_ptr, n)");
  return std::tuple<>{};
}

template <class P, class N, class... Rest>
auto normalize_pointer(P p, N&& n, Rest&&... rest) {
  static_assert(std::is_integral_v<std::remove_cvref_t<N>> &&
                    !std::is_same_v<std::remove_cvref_t<N>, bool>,
                "parjit::jit: a pointer argument must be followed by its element count, as in "
                "k(out, n, a_ptr, n)");
  using V = std::remove_pointer_t<P>;
  using C = std::conditional_t<std::is_const_v<V>, const canonical_t<V>, canonical_t<V>>;
  return std::tuple_cat(
      std::tuple<array_operand<C>>{array_operand<C>{reinterpret_cast<C*>(p),
                                                    static_cast<std::size_t>(n)}},
      normalize(std::forward<Rest>(rest)...));
}

template <class A, class... Rest>
auto normalize(A&& a, Rest&&... rest) {
  if constexpr (element_pointer<A>) {
    return normalize_pointer(static_cast<std::remove_cvref_t<A>>(a), std::forward<Rest>(rest)...);
  } else {
    using O = decltype(make_operand(std::forward<A>(a)));
    return std::tuple_cat(std::tuple<O>{make_operand(std::forward<A>(a))},
                          normalize(std::forward<Rest>(rest)...));
  }
}

// Per operand type: its element type, how the loop reaches it (argument_type's fields) and the
// placeholder the lambda is traced with as argument I.
template <class O>
struct operand_traits;
template <class T>
struct operand_traits<array_operand<T>> {
  using element = std::remove_const_t<T>;
  static constexpr bool scalar = false;
  static constexpr access form = access::contiguous;
  static constexpr expr::index_policy policy = expr::index_policy::checked;
  static constexpr int dims = 1;
  template <std::size_t I>
  using placeholder = expr::arg<I, element>;
};
template <class T>
struct operand_traits<scalar_operand<T>> {
  using element = T;
  static constexpr bool scalar = true;
  static constexpr access form = access::contiguous;
  static constexpr expr::index_policy policy = expr::index_policy::checked;
  static constexpr int dims = 1;
  template <std::size_t I>
  using placeholder = expr::arg<I, element>;
};
template <class T, int D, expr::index_policy P>
struct operand_traits<table_operand<T, D, P>> {
  using element = T;
  static constexpr bool scalar = false;
  static constexpr access form = access::table;
  static constexpr expr::index_policy policy = P;
  static constexpr int dims = D;
  template <std::size_t I>
  using placeholder = expr::table_arg<I, T, D, P>;
};

// One address per (kind, result, operand types): the per-kernel cache key.
template <kernel_kind K, class Result, class... Operands>
struct signature_key {
  static constexpr char tag = 0;
};
template <class Element, bool Scalar, access Form, expr::index_policy Policy, int Dims>
struct operand_key {};

// The key of a signature: const and non-const arrays of one element type share it.
template <kernel_kind K, class Result, class... Operands>
const void* key_of() {
  return &signature_key<
      K, Result,
      operand_key<typename operand_traits<Operands>::element, operand_traits<Operands>::scalar,
                  operand_traits<Operands>::form, operand_traits<Operands>::policy,
                  operand_traits<Operands>::dims>...>::tag;
}

// "float[], double scalar, uint8 table": the operand types as a strict kernel's error names them.
template <class... Operands>
std::string operand_names() {
  std::string s;
  ((s += (s.empty() ? "" : ", "),
    s += expr::name_of(expr::kind_of<typename operand_traits<Operands>::element>),
    s += operand_traits<Operands>::scalar                       ? " scalar"
         : operand_traits<Operands>::form == access::table    ? " table"
         : operand_traits<Operands>::form == access::strided  ? " strided"
                                                              : "[]"),
   ...);
  return s;
}

template <class... Operands>
std::vector<argument_type> argument_types() {
  return {argument_type{expr::kind_of<typename operand_traits<Operands>::element>,
                        operand_traits<Operands>::scalar, operand_traits<Operands>::form,
                        operand_traits<Operands>::policy,
                        static_cast<std::uint8_t>(operand_traits<Operands>::dims)}...};
}


[[noreturn]] inline void size_mismatch(std::size_t index, std::size_t size, const char* what,
                                       std::size_t expected) {
  throw std::invalid_argument("parjit::jit: input " + std::to_string(index) + " has " +
                              std::to_string(size) + " elements but " + what + " has " +
                              std::to_string(expected) + "; sizes must match (nothing written)");
}

// A table's shape: non-negative sizes, rows at least `width` apart, data unless empty; a clamped
// table must have an element to clamp to.
template <class T, int D, expr::index_policy P>
void check_table(const table_operand<T, D, P>& op, std::size_t index) {
  const auto& t = op.table;
  const std::string what = "parjit::jit: input " + std::to_string(index) + " (a jit::table) ";
  if (t.width < 0 || t.height < 0 || t.row_stride < t.width) {
    throw std::invalid_argument(what + "has a negative size or rows closer than its width");
  }
  if (t.data == nullptr && t.width * t.height != 0) throw std::invalid_argument(what + "has no data");
  if (P == expr::index_policy::clamp && t.width * t.height == 0) {
    throw std::invalid_argument(what + "is empty: jit::clamp has no element to clamp to");
  }
}

// Every array input has n elements; an input may be `out` itself (same start, same element
// size) but must not partly overlap it.
template <class Out, class... In>
void check_elementwise(const array_operand<Out>& out, const In&... in) {
  const auto n = out.size;
  const auto* ob = reinterpret_cast<const unsigned char*>(out.data);
  const auto* oe = ob + n * sizeof(Out);
  std::size_t index = 0;
  [[maybe_unused]] auto one = [&](const auto& op) {
    ++index;
    using O = std::remove_cvref_t<decltype(op)>;
    if constexpr (is_array_operand<O>::value) {
      if (op.size != n) size_mismatch(index, op.size, "out", n);
      using E = std::remove_const_t<std::remove_pointer_t<decltype(op.data)>>;
      const auto* b = reinterpret_cast<const unsigned char*>(op.data);
      const auto* e = b + op.size * sizeof(E);
      const bool same = b == ob && sizeof(E) == sizeof(Out);
      if (!same && n != 0 && b < oe && ob < e) {
        throw std::invalid_argument(
            "parjit::jit: input " + std::to_string(index) +
            " partly overlaps out (only out == input, element for element, is allowed; "
            "nothing written)");
      }
    } else if constexpr (is_table_operand<O>::value) {
      using E = typename operand_traits<O>::element;
      const auto& t = op.table;
      const auto* b = reinterpret_cast<const unsigned char*>(t.data);
      const std::int64_t count = t.width * t.height == 0 ? 0
                                                         : (t.height - 1) * t.row_stride + t.width;
      const auto* e = b + static_cast<std::size_t>(count) * sizeof(E);
      if (n != 0 && count != 0 && b < oe && ob < e) {
        throw std::invalid_argument("parjit::jit: input " + std::to_string(index) +
                                    " (a jit::table) overlaps out: a kernel must not write the "
                                    "table it reads (nothing written)");
      }
    }
  };
  (one(in), ...);
}

// Every array input has the same size; returns it.
template <class... In>
std::size_t common_size(const In&... in) {
  std::size_t n = 0, first = 0, index = 0;
  [[maybe_unused]] auto one = [&](const auto& op) {
    ++index;
    using O = std::remove_cvref_t<decltype(op)>;
    if constexpr (is_array_operand<O>::value) {
      if (first == 0) {
        first = index;
        n = op.size;
      } else if (op.size != n) {
        size_mismatch(index, op.size, ("input " + std::to_string(first)).c_str(), n);
      }
    }
  };
  (one(in), ...);
  return n;
}

// Whether operand `op` is the array `out` itself (an in-place call).
template <class Op>
bool is_out(const Op& op, const void* out) {
  if constexpr (is_array_operand<Op>::value) {
    return static_cast<const void*>(op.data) == out;
  } else {
    return false;
  }
}

template <class T>
const void* operand_pointer(const array_operand<T>& op) {
  return op.data;
}
template <class T>
const void* operand_pointer(const scalar_operand<T>& op) {
  return &op.value;
}

}  // namespace parjit::jit::detail
