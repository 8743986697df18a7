// jit::reduce: sum, product, minimum or maximum of a traced expression over arrays, compiled per
// argument-type signature at first call, vectorised without reassociating, deterministic.
#pragma once

#include <cmath>
#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "detail/call.hpp"
#include "options.hpp"
#include "signatures.hpp"
#include "vocabulary.hpp"

namespace parjit::jit {
namespace detail {

template <class Tag>
struct reduction_kind_of;
template <>
struct reduction_kind_of<sum_t> {
  static constexpr kernel_kind value = kernel_kind::sum;
};
template <>
struct reduction_kind_of<prod_t> {
  static constexpr kernel_kind value = kernel_kind::prod;
};
template <>
struct reduction_kind_of<expr::min_fn> {
  static constexpr kernel_kind value = kernel_kind::min;
};
template <>
struct reduction_kind_of<expr::max_fn> {
  static constexpr kernel_kind value = kernel_kind::max;
};

template <class Tag>
concept reduction_tag = requires { reduction_kind_of<std::remove_cvref_t<Tag>>::value; };

// Elements per reduction chunk. Chunks are fixed (independent of the thread count), each gives
// one partial, partials combine in index order: serial and parallel results are identical.
inline constexpr std::int64_t reduction_chunk = 65536;

// The combining step, in C++, exactly as the compiled loop does it.
template <kernel_kind K, class A>
A combine(A a, A b) {
  if constexpr (std::is_floating_point_v<A>) {
    if constexpr (K == kernel_kind::sum) {
      return a + b;
    } else if constexpr (K == kernel_kind::prod) {
      return a * b;
    } else {  // IEEE 754-2019 minimum / maximum: NaN propagates, -0 < +0
      if (a != a) return a;
      if (b != b) return b;
      if (a == b) return (std::signbit(a) == (K == kernel_kind::min)) ? a : b;
      if constexpr (K == kernel_kind::min) {
        return b < a ? b : a;
      } else {
        return a < b ? b : a;
      }
    }
  } else {
    using U = std::uint64_t;  // integers wrap
    if constexpr (K == kernel_kind::sum) {
      return static_cast<A>(static_cast<U>(a) + static_cast<U>(b));
    } else if constexpr (K == kernel_kind::prod) {
      return static_cast<A>(static_cast<U>(a) * static_cast<U>(b));
    } else if constexpr (K == kernel_kind::min) {
      return b < a ? b : a;
    } else {
      return a < b ? b : a;
    }
  }
}

// The accumulator type: the one asked for, else the expression's type after integral promotion.
template <class Acc, class E>
using accumulator_t =
    std::conditional_t<std::is_void_v<Acc>,
                       expr::type_of<expr::promote(expr::kind_of_expression<E>)>, Acc>;

// A reduction's accumulators: `type` is one accumulator type (the key's Result, see key_of), or
// for a lambda returning jit::tuple a std::tuple of one per value; `all` is always a std::tuple.
template <class Acc, class E>
struct accumulators {
  using type = accumulator_t<Acc, E>;
  using all = std::tuple<type>;
};
template <class Acc, class... T>
struct accumulators<Acc, expr::tuple<T...>> {
  using type = std::tuple<accumulator_t<Acc, T>...>;
  using all = type;
};

template <class All>
inline constexpr bool arithmetic_accumulators = false;
template <class... A>
inline constexpr bool arithmetic_accumulators<std::tuple<A...>> =
    ((expr::element<A> && !std::is_same_v<A, bool>) && ...);

template <kernel_kind K, class... A>
std::tuple<A...> combine_all(const std::tuple<A...>& a, const std::tuple<A...>& b) {
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    return std::tuple<A...>{combine<K>(std::get<I>(a), std::get<I>(b))...};
  }(std::index_sequence_for<A...>{});
}

}  // namespace detail

/// A reduction kernel: `r(in...)` returns the sum / product / minimum / maximum of
/// `f(in[i]...)` over all i. Made by `jit::reduce`. Inputs as for `vectorized` (at least one
/// array; all arrays of one size, else std::invalid_argument).
///
/// Accumulation: in `Acc` if given (`jit::reduce<double>(jit::sum, f)` sums float values in
/// double), else in the expression's type after integral promotion (bool, int8/16 and uint8/16
/// sum in int, as `auto s = x + x` would; float sums in float). Each value is converted to the
/// accumulator type as by static_cast. Integers wrap.
///
/// Order and accuracy: the input is cut into fixed chunks of 65536 elements; within a chunk,
/// element i goes to one of L = 128 / sizeof(Acc) lane accumulators (i mod L, in blocks of 512),
/// lanes combine pairwise at the end of the chunk, and chunk results combine in index order. The
/// order is fixed, so results are deterministic and `par` equals serial bit for bit. A
/// floating-point sum is within (n/L + log2 L + n/65536 + 1) * u * sum|f(x_i)| of the exact sum
/// (u = 2^-24 for float, 2^-53 for double): better than a serial loop's (n - 1) * u bound.
/// `min` / `max` are IEEE 754-2019 minimum / maximum: a NaN element gives NaN, -0 < +0.
/// Empty input: `sum` gives 0, `prod` 1, `min` / `max` throw std::invalid_argument.
///
/// Several values: for `f` returning `jit::tuple(v0, v1, ...)`, `r(in...)` returns a std::tuple
/// of one result per value, each accumulated in its own type by the rules above, in one pass;
/// each equals the reduction of that value alone, bit for bit. Inputs may be strided views
/// (`jit::strided`).
///
///     auto dot = jit::reduce(jit::sum, [](auto a, auto b) { return a * b; });
///     float d = dot(a, b);
///     double d2 = jit::reduce<double>(jit::sum, [](auto a, auto b) { return a * b; })(a, b);
///     float hi = jit::reduce(jit::max, [](auto x) { return jit::abs(x); })(jit::par, a);
///     auto [s, s2] = jit::reduce(jit::sum, [](auto x) { return jit::tuple(x, x * x); })(a);
///
/// Thread-safety: as `vectorized`.
template <class Acc, class Tag, class F>
class reduction {
  static constexpr kernel_kind kind = detail::reduction_kind_of<Tag>::value;

 public:
  explicit reduction(F f, options opts = {})
      : f_(std::move(f)), opts_(opts), cache_(std::make_shared<detail::kernel_cache>()) {}

  /// `r(in...)`: on the calling thread.
  template <class First, class... In>
    requires(!std::same_as<std::remove_cvref_t<First>, par_t> &&
             !std::derived_from<std::remove_cvref_t<First>, parjit::arena_executor>)
  auto operator()(First&& first, In&&... in) const {
    return call(nullptr, std::forward<First>(first), std::forward<In>(in)...);
  }
  /// `r(jit::par, in...)`: chunks on `parjit::default_executor()`; equal to the serial result.
  template <class... Args>
  auto operator()(par_t, Args&&... args) const {
    return call(&parjit::default_executor(), std::forward<Args>(args)...);
  }
  /// `r(pool, in...)`: chunks on the given arena executor.
  template <class... Args>
  auto operator()(parjit::arena_executor& ex, Args&&... args) const {
    return call(&ex, std::forward<Args>(args)...);
  }

  /// Compiles the specialisation for inputs `In...` now (element types for arrays,
  /// `jit::scalar<T>` for runtime scalars; the accumulator is as for a call) unless it is ready;
  /// returns the milliseconds it took (0 if it was ready). See `options::strict`.
  ///
  ///     double ms = dot.compile<float, float>();
  ///
  /// Thread-safety: as a call.
  template <class... In>
  double compile() const {
    using Ops = std::tuple<detail::operand_for_t<In>...>;
    return compile_ops(static_cast<Ops*>(nullptr));
  }

  /// Optimised LLVM IR of every specialisation compiled so far.
  std::string ir() const { return cache_->ir(); }
  /// Host assembly of every specialisation compiled so far.
  std::string assembly() const { return cache_->assembly(); }
  /// Specialisations, compile milliseconds and calls so far.
  jit::stats stats() const { return cache_->stats(); }

 private:
  template <class... Ops>
  double compile_ops(std::tuple<Ops...>*) const {
    static_assert((detail::is_array_operand<Ops>::value || ...),
                  "parjit::jit: a reduction needs at least one array argument");
    detail::check_traceable<F, Ops...>();
    using E = std::remove_cvref_t<detail::traced_t<F, Ops...>>;
    using A = typename detail::accumulators<Acc, E>::type;
    return cache_->ensure(detail::key_of<kind, A, Ops...>(),
                          [&] { return detail::compile_for<kind, A, F, Ops...>(f_, opts_); });
  }

  template <class... Args>
  auto call(parjit::arena_executor* ex, Args&&... args) const {
    auto ops = detail::normalize(std::forward<Args>(args)...);
    return std::apply([&](const auto&... in) { return this->run(ex, in...); }, ops);
  }

  template <class... In>
  auto run(parjit::arena_executor* ex, const In&... in) const {
    static_assert((detail::is_array_operand<In>::value || ...),
                  "parjit::jit: a reduction needs at least one array argument");
    detail::check_traceable<F, In...>();
    using E = std::remove_cvref_t<detail::traced_t<F, In...>>;
    using A = typename detail::accumulators<Acc, E>::type;  // the key's Result
    using All = typename detail::accumulators<Acc, E>::all;
    constexpr bool several = detail::traced_tuple<E>;
    static_assert(detail::arithmetic_accumulators<All>,
                  "parjit::jit: a reduction accumulates in an arithmetic element type, not bool");
    static_assert(!expr::uses_coordinates<E>, PARJIT_MSG_COORDINATE_OUTSIDE_2D);
    const std::size_t n = detail::common_size(in...);
    detail::call_frame<In...> frame(in...);
    const void* const* ptrs = frame.args();
    const void* key = detail::key_of<kind, A, In...>();
    const kernel_function fn =
        opts_.strict ? cache_->get_strict(key, &detail::describe_inputs<In...>)
                     : cache_->get(key, [&] { return detail::compile_for<kind, A, F, In...>(f_, opts_); });
    auto result = [](All r) {
      if constexpr (several) {
        return r;
      } else {
        return std::get<0>(r);
      }
    };
    if (n == 0) {
      if constexpr (kind == kernel_kind::sum || kind == kernel_kind::prod) {
        constexpr int id = kind == kernel_kind::sum ? 0 : 1;
        return result(std::apply([](auto... a) { return All{static_cast<decltype(a)>(id)...}; }, All{}));
      }
      throw std::invalid_argument(std::string("parjit::jit: ") +
                                  (kind == kernel_kind::min ? "min" : "max") +
                                  " reduction of an empty input has no value");
    }
    const auto size = static_cast<std::int64_t>(n);
    const std::int64_t chunks = (size + detail::reduction_chunk - 1) / detail::reduction_chunk;
    // One chunk into `r`: `out` points to the accumulator, or to one pointer per accumulator.
    auto chunk = [&](std::int64_t c, All& r) {
      auto slots = std::apply([](auto&... a) { return std::array{static_cast<void*>(&a)...}; }, r);
      const std::int64_t b = c * detail::reduction_chunk;
      fn(b, std::min(size, b + detail::reduction_chunk), several ? slots.data() : slots[0], ptrs);
    };
    if (chunks == 1) {
      All r{};
      chunk(0, r);
      frame.check();
      return result(r);
    }
    std::vector<All> partial(static_cast<std::size_t>(chunks));
    detail::run_chunks(ex, chunks, 1, 1, [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t c = b; c < e; ++c) chunk(c, partial[static_cast<std::size_t>(c)]);
    });
    frame.check();
    All r = partial[0];
    for (std::size_t c = 1; c < partial.size(); ++c) r = detail::combine_all<kind>(r, partial[c]);
    return result(r);
  }

  F f_;
  options opts_;
  std::shared_ptr<detail::kernel_cache> cache_;
};

/// Makes a reduction kernel (see `reduction`): `tag` is `jit::sum`, `jit::prod`, `jit::min` or
/// `jit::max`; `Acc` optionally names the accumulator type.
///
///     auto dot = jit::reduce(jit::sum, [](auto a, auto b) { return a * b; });
///     auto dot64 = jit::reduce<double>(jit::sum, [](auto a, auto b) { return a * b; });
///
/// Thread-safety: a pure function.
template <class Acc = void, class Tag, class F>
  requires detail::reduction_tag<Tag>
reduction<Acc, std::remove_cvref_t<Tag>, std::decay_t<F>> reduce(Tag, F&& f, options opts = {}) {
  static_assert(std::is_void_v<Acc> || (expr::element<Acc> && !std::is_same_v<Acc, bool>),
                "parjit::jit: reduce<Acc>: Acc must be an arithmetic element type (not bool)");
  detail::check_captures<std::decay_t<F>>();
  return reduction<Acc, std::remove_cvref_t<Tag>, std::decay_t<F>>(std::forward<F>(f), opts);
}

/// As above, and compiles the listed signatures now (`jit::types<In...>`, see `eager_t`).
///
///     auto dot = jit::reduce(jit::sum, fn, {.strict = true}, jit::eager<jit::types<float, float>>);
///
/// Thread-safety: a pure function.
template <class Acc = void, class Tag, class F, class... Signatures>
  requires detail::reduction_tag<Tag>
reduction<Acc, std::remove_cvref_t<Tag>, std::decay_t<F>> reduce(Tag tag, F&& f, options opts,
                                                                 eager_t<Signatures...>) {
  auto r = reduce<Acc>(tag, std::forward<F>(f), std::move(opts));
  (detail::compile_signature(r, Signatures{}), ...);
  return r;
}

}  // namespace parjit::jit
