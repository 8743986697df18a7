// Call arguments as typed operands: arrays (pointer + size, const for inputs), strided arrays,
// runtime scalars, several outs (jit::outs), pointer + size pairs normalised; and the per-kernel
// signature key. The checks every call makes on its operands: detail/operand_checks.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ranges>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "../../expr/gather.hpp"
#include "../../expr/types.hpp"
#include "../compile.hpp"
#include "../table.hpp"

namespace parjit::jit {
template <class T>
struct strided_view;  // arrays.hpp: jit::strided
template <class... Outs>
struct outs_list;  // arrays.hpp: jit::outs
}  // namespace parjit::jit

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
template <class T>  // jit::strided: element k is data[k * desc.stride]; desc is what the kernel reads
struct strided_operand {
  T* data;
  std::size_t size;
  strided_descriptor desc;
};

// Operands with one value per index (contiguous or strided).
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
struct is_array_operand<strided_operand<T>> : std::true_type {};

template <class T>
struct is_strided_operand : std::false_type {};
template <class T>
struct is_strided_operand<strided_operand<T>> : std::true_type {};
template <class T>
struct is_strided_view : std::false_type {};
template <class T>
struct is_strided_view<strided_view<T>> : std::true_type {};
template <class T>
struct is_table_operand : std::false_type {};
template <class T, int D, expr::index_policy P>
struct is_table_operand<table_operand<T, D, P>> : std::true_type {};
template <class T>
struct is_table_ref : std::false_type {};
template <class T, int D, expr::index_policy P>
struct is_table_ref<table_ref<T, D, P>> : std::true_type {};
template <class T>
struct is_outs : std::false_type {};
template <class... O>
struct is_outs<outs_list<O...>> : std::true_type {};

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
  } else if constexpr (is_strided_view<D>::value) {
    using V = std::remove_pointer_t<decltype(a.data)>;
    using C = std::conditional_t<std::is_const_v<V>, const canonical_t<V>, canonical_t<V>>;
    return strided_operand<C>{reinterpret_cast<C*>(a.data), a.size,
                              strided_descriptor{a.data, static_cast<std::int64_t>(a.stride)}};
  } else if constexpr (is_outs<D>::value) {
    return a;  // already operands
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
template <class E, bool Scalar, access Form>
struct value_operand_traits {
  using element = E;
  static constexpr bool scalar = Scalar;
  static constexpr access form = Form;
  static constexpr expr::index_policy policy = expr::index_policy::checked;
  static constexpr int dims = 1;
  template <std::size_t I>
  using placeholder = expr::arg<I, element>;
};
template <class O>
struct operand_traits;
template <class T>
struct operand_traits<array_operand<T>>
    : value_operand_traits<std::remove_const_t<T>, false, access::contiguous> {};
template <class T>
struct operand_traits<strided_operand<T>>
    : value_operand_traits<std::remove_const_t<T>, false, access::strided> {};
template <class T>
struct operand_traits<scalar_operand<T>> : value_operand_traits<T, true, access::contiguous> {};
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

// The key of a signature: const and non-const arrays of one element type share it. `Result`
// is out's element type or the accumulator type, `out_key` for a strided out, a std::tuple of
// those for several results (see result_signature).
template <kernel_kind K, class Result, class... Operands>
const void* key_of() {
  return &signature_key<K, Result,
                        operand_key<typename operand_traits<Operands>::element,
                                    operand_traits<Operands>::scalar,
                                    operand_traits<Operands>::form,
                                    operand_traits<Operands>::policy,
                                    operand_traits<Operands>::dims>...>::tag;
}

// The `Result` of a strided out of element type T (a contiguous out's is T).
template <class T, access Form>
struct out_key {};

template <class R>
struct result_of_key {  // a contiguous out, an accumulator
  static argument_type get() { return argument_type{expr::kind_of<R>, false}; }
};
template <class T, access Form>
struct result_of_key<out_key<T, Form>> {
  static argument_type get() { return argument_type{expr::kind_of<T>, false, Form}; }
};

// The signature of a kernel kind, arguments and key `Result` (its result, out_form and outs).
template <class Result>
struct result_fields {
  static void set(signature& sig) {
    const argument_type a = result_of_key<Result>::get();
    sig.result = a.type;
    sig.out_form = a.form;
  }
};
template <class... R>
struct result_fields<std::tuple<R...>> {
  static void set(signature& sig) {
    sig.outs = {result_of_key<R>::get()...};
    sig.result = sig.outs.front().type;
  }
};
template <class Result>
signature make_signature(kernel_kind kind, std::vector<argument_type> args) {
  signature sig;
  sig.args = std::move(args);
  sig.kind = kind;
  result_fields<Result>::set(sig);
  return sig;
}

// "float[], double scalar, uint8 table": the operand types as a strict kernel's error names them.
template <class... Operands>
std::string operand_names() {
  std::string s;
  ((s += (s.empty() ? "" : ", "),
    s += expr::name_of(expr::kind_of<typename operand_traits<Operands>::element>),
    s += operand_traits<Operands>::scalar                     ? " scalar"
         : operand_traits<Operands>::form == access::strided ? "[::stride]"
         : operand_traits<Operands>::form == access::table   ? " table"
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


template <class T>
const void* operand_pointer(const array_operand<T>& op) {
  return op.data;
}
template <class T>
const void* operand_pointer(const scalar_operand<T>& op) {
  return &op.value;
}
template <class T>
const void* operand_pointer(const strided_operand<T>& op) {
  return &op.desc;
}

}  // namespace parjit::jit::detail
