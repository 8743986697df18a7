// Naming argument-type signatures ahead of time: `k.compile<Out, In...>()`, `jit::scalar<T>`
// for a runtime scalar argument, and `jit::eager<jit::types<...>...>` to compile at construction.
#pragma once

#include <string>
#include <type_traits>

#include "../expr/types.hpp"
#include "detail/call.hpp"

namespace parjit::jit {

/// In `k.compile<...>()` and `jit::types<...>`: an argument that is a runtime scalar of type `T`
/// (a plain `T` means an array of `T`).
///
///     scale.compile<float, float, jit::scalar<float>, jit::scalar<float>>();
///
/// Thread-safety: a type, no state.
template <class T>
struct scalar {
  static_assert(expr::element<T>, "parjit::jit: jit::scalar<T> needs an element type T");
};

/// One signature for `jit::eager`: for `jit::vectorize`, `out`'s element type then the inputs'
/// (`jit::types<float, float, float>`); for `jit::reduce`, the inputs' only.
///
/// Thread-safety: a type, no state.
template <class... Types>
struct types {};

/// Signatures to compile when the kernel is made, before any call (numba's explicit signatures):
///
///     auto hypot = jit::vectorize([](auto a, auto b) { return jit::sqrt(a * a + b * b); },
///                                 jit::options{.strict = true},
///                                 jit::eager<jit::types<float, float, float>,
///                                            jit::types<double, double, double>>);
///
/// Thread-safety: a constant.
template <class... Signatures>
struct eager_t {
  explicit eager_t() = default;
};
/// See `eager_t`.
template <class... Signatures>
inline constexpr eager_t<Signatures...> eager{};

namespace detail {
template <class T>
struct operand_for {
  static_assert(expr::element<std::remove_cv_t<T>>,
                "parjit::jit: compile<...>() takes element types (float, int32_t, ...) for "
                "arrays and jit::scalar<T> for runtime scalars");
  using type = array_operand<const canonical_t<std::remove_cv_t<T>>>;
};
template <class T>
struct operand_for<scalar<T>> {
  using type = scalar_operand<canonical_t<T>>;
};
template <class T>
using operand_for_t = typename operand_for<T>::type;

template <class Kernel, class... T>
void compile_signature(const Kernel& k, types<T...>) {
  k.template compile<T...>();
}

template <class... In>
std::string describe_inputs() {
  return "inputs (" + operand_names<In...>() + ")";
}
}  // namespace detail
}  // namespace parjit::jit
