// jit::vectorize: an elementwise kernel from a generic lambda, compiled per argument-type
// signature at first call (numba's @vectorize) and run serially or in parallel chunks.
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "arrays.hpp"
#include "detail/call.hpp"
#include "options.hpp"
#include "signatures.hpp"
#include "table.hpp"
#include "vocabulary.hpp"

namespace parjit::jit {

template <class T, std::size_t C>
struct view2d;  // view2d.hpp: k(out_view, in_views...) runs the kernel over 2-D views

namespace detail {
template <class V>
struct is_view2d_operand : std::false_type {};
template <class T, std::size_t C>
struct is_view2d_operand<view2d<T, C>> : std::true_type {};
template <class... A>
inline constexpr bool any_view2d = (is_view2d_operand<std::remove_cvref_t<A>>::value || ...);
template <class K, class Out, class... In>
void apply2d(parjit::arena_executor* ex, const K& kernel, const Out& out, const In&... in);
// Calls the kernel on one row of a 2-D call: jit::x() is the element's place in the row, jit::y()
// the row (view2d.hpp).
struct row_call;
}  // namespace detail

/// Elementwise calls whose `out` has at least this many bytes, starts on a 64-byte boundary (a
/// `parjit::huge_page_vector` does) and is none of the inputs write it with streaming
/// (non-temporal) stores: the output's cache lines are not read first and do not evict the
/// inputs, which saves up to a third of a memory-bound kernel's traffic. They run a streamed
/// specialisation of the kernel, compiled at the first such call; results are the same bits.
/// Strict kernels never stream. The default is the last-level cache's size (`sysconf`, else
/// sysfs) up to 32 MiB, or `$PARJIT_STREAM_BYTES` where set; `jit::streaming_threshold(bytes)`
/// changes it for the process (0: stream every call that can; SIZE_MAX: never).
///
///     jit::streaming_threshold(std::size_t{64} << 20);   // stream outputs of 64 MiB and more
///
/// Thread-safety: safe to call at any time; calls under way may use the old value.
inline std::size_t streaming_threshold() {
  return detail::streaming_threshold_state().load(std::memory_order_relaxed);
}
/// See above.
inline void streaming_threshold(std::size_t bytes) {
  detail::streaming_threshold_state().store(bytes, std::memory_order_relaxed);
}

/// An elementwise kernel: `k(out, in...)` sets `out[i] = static_cast<Out>(f(in[i]...))`.
/// Made by `jit::vectorize`. Inputs are contiguous ranges (std::vector, std::span, std::array,
/// C arrays), a pointer followed by its size, strided views (`jit::strided`), or scalars (runtime
/// parameters: changing their value does not recompile). `out` is a writable range, pointer +
/// size or strided view; for a lambda that returns `jit::tuple(v0, v1, ...)`, `jit::outs(o0,
/// o1, ...)` (arrays.hpp) receives one value per out. All sizes must equal `out`'s (else
/// std::invalid_argument and nothing is written); an all-scalar or constant kernel fills `out`.
/// `out` may be one of the inputs (in place); a partial overlap is std::invalid_argument. The first call with a new combination of
/// element types (and of array vs scalar) traces `f` and compiles it; later calls are a cache
/// lookup and the loop.
///
///     auto hypot = jit::vectorize([](auto a, auto b) { return jit::sqrt(a * a + b * b); });
///     hypot(out, a, b);             // serial
///     hypot(jit::par, out, a, b);   // chunks on parjit::default_executor()
///     hypot(pool, out, a, b);       // chunks on an arena_executor
///     hypot(out_view, a_view, b_view);  // jit::view2d images (view2d.hpp), row by row
///
/// Thread-safety: any number of threads may call one kernel (and its copies, which share the
/// compiled code) at once; concurrent first calls compile a signature once.
template <class F>
class vectorized {
 public:
  explicit vectorized(F f, options opts = {})
      : f_(std::move(f)), opts_(opts), cache_(std::make_shared<detail::kernel_cache>()) {}

  /// `k(out, in...)`: runs on the calling thread. `auto r = k(in...)` (as many arguments as the
  /// lambda has parameters): allocates and returns `std::vector<R>` with R the expression's
  /// element type, sized like the array inputs (at least one input must be an array); for a
  /// lambda returning `jit::tuple`, a std::tuple of one such vector per value. A call
  /// that forgets an input (`k(out, a)` for a two-input lambda) is therefore an allocating call:
  /// discarding its result is a warning (nodiscard). A variadic lambda (`auto... a`) accepts
  /// both counts and is always called as `k(out, in...)`.
  template <class Out, class... In>
    requires(!std::same_as<std::remove_cvref_t<Out>, par_t> &&
             !std::derived_from<std::remove_cvref_t<Out>, parjit::arena_executor>)
  [[nodiscard("k(in...) with as many arguments as the lambda has parameters allocates and returns the result")]]
  decltype(auto) operator()(Out&& out, In&&... in) const {
    return call(nullptr, std::forward<Out>(out), std::forward<In>(in)...);
  }
  /// `k(jit::par, out, in...)` / `k(jit::par, in...)`: chunks on `parjit::default_executor()`.
  /// Same results as serial.
  template <class... Args>
  [[nodiscard("k(in...) with as many arguments as the lambda has parameters allocates and returns the result")]]
  decltype(auto) operator()(par_t, Args&&... args) const {
    return call(&parjit::default_executor(), std::forward<Args>(args)...);
  }
  /// `k(pool, out, in...)` / `k(pool, in...)`: chunks on the given arena executor.
  template <class... Args>
  [[nodiscard("k(in...) with as many arguments as the lambda has parameters allocates and returns the result")]]
  decltype(auto) operator()(parjit::arena_executor& ex, Args&&... args) const {
    return call(&ex, std::forward<Args>(args)...);
  }

  /// Compiles the specialisation for `out` of element type `Out` and inputs `In...` now
  /// (element types for arrays, `jit::scalar<T>` for runtime scalars) unless it is ready;
  /// returns the milliseconds it took (trace + compile, or load from the on-disk cache; 0 if it
  /// was ready). A strict kernel (`options::strict`) runs only signatures compiled this way.
  ///
  ///     double ms = scale.compile<float, float, jit::scalar<float>, jit::scalar<float>>();
  ///
  /// Thread-safety: as a call.
  template <class Out, class... In>
  double compile() const {
    static_assert(expr::element<Out>, "parjit::jit: compile<Out, In...>(): Out is out's element type");
    using O = detail::canonical_t<Out>;
    detail::check_traceable<F, detail::operand_for_t<In>...>();
    if constexpr (detail::traceable<F, detail::operand_for_t<In>...>()) {
      static_assert(detail::result_count<std::remove_cvref_t<
                        detail::traced_t<F, detail::operand_for_t<In>...>>> == 1,
                    "parjit::jit: compile<Out, In...>() names one out: a kernel that returns "
                    "jit::tuple is compiled by its first call");
    }
    return cache_->ensure(
        detail::key_of<kernel_kind::elementwise, O, detail::operand_for_t<In>...>(), [&] {
          return detail::compile_for<kernel_kind::elementwise, O, F, detail::operand_for_t<In>...>(
              f_, opts_);
        });
  }

  /// Optimised LLVM IR of every specialisation compiled so far (numba's inspect_llvm).
  std::string ir() const { return cache_->ir(); }
  /// Host assembly of every specialisation compiled so far (numba's inspect_asm).
  std::string assembly() const { return cache_->assembly(); }
  /// Specialisations, compile milliseconds (trace + optimise + codegen, split in `phases`), calls.
  jit::stats stats() const { return cache_->stats(); }
  /// The options it compiles with.
  const options& compile_options() const noexcept { return opts_; }

 private:
  friend struct detail::row_call;

  // Whether the lambda reads jit::x() / jit::y() for the operands Ops (out first).
  template <class Out, class... In>
  static constexpr bool reads_coordinates(std::tuple<Out, In...>*) {
    if constexpr (detail::traceable<F, In...>()) {
      return expr::uses_coordinates<detail::traced_t<F, In...>>;
    } else {
      return false;
    }
  }
  static constexpr bool reads_coordinates(std::tuple<>*) { return false; }

  // One row of a 2-D call: `ctx` says which.
  template <class... Args>
  void call_row(parjit::arena_executor* ex, const call_context& ctx, Args&&... args) const {
    auto ops = detail::normalize(std::forward<Args>(args)...);
    std::apply([&](auto& out, auto&... in) { this->run<true>(ex, ctx, out, in...); }, ops);
  }

  template <class... Args>
  decltype(auto) call(parjit::arena_executor* ex, Args&&... args) const {
    static_assert(sizeof...(Args) >= 1,
                  "parjit::jit: an elementwise kernel is called as k(out, inputs...) or, to "
                  "allocate the result, as k(inputs...)");
    if constexpr (detail::any_view2d<Args...>) {
      detail::apply2d(ex, *this, args...);  // 2-D views: row by row (jit::apply2d)
    } else {
      auto ops = detail::normalize(std::forward<Args>(args)...);
      if constexpr (allocating(static_cast<decltype(ops)*>(nullptr))) {
        return std::apply([&](auto&... in) { return this->run_allocating(ex, in...); }, ops);
      } else {
        std::apply([&](auto& out, auto&... in) { this->run<false>(ex, call_context{}, out, in...); },
                   ops);
      }
    }
  }

  // k(in...) allocates when the lambda takes every argument: it is traceable with one
  // placeholder per operand (the k(out, in...) form has one operand more than parameters). A
  // lambda that takes both counts (variadic, `auto... a`) is called in the k(out, in...) form:
  // the first operand stays the output, as it was before the allocating form existed.
  template <class First, class... Rest>
  static constexpr bool out_form_traceable(std::tuple<First, Rest...>*) {
    return detail::traceable<F, Rest...>();
  }
  static constexpr bool out_form_traceable(std::tuple<>*) { return false; }
  template <class... Ops>
  static constexpr bool allocating(std::tuple<Ops...>* ops) {
    if constexpr ((detail::is_outs<Ops>::value || ...)) {
      return false;  // jit::outs is an out, never an input
    } else {
      return detail::traceable<F, Ops...>() && !out_form_traceable(ops);
    }
  }

  template <class... In>
  auto run_allocating(parjit::arena_executor* ex, const In&... in) const {
    static_assert((detail::is_array_operand<In>::value || ...),
                  "parjit::jit: the allocating call k(inputs...) needs at least one array input "
                  "(its size is the result's size); with scalars only, pass `out`: k(out, ...)");
    detail::check_traceable<F, In...>();
    using E = std::remove_cvref_t<detail::traced_t<F, In...>>;
    const std::size_t n = detail::common_size(in...);
    if constexpr (detail::traced_tuple<E>) {  // std::tuple of one vector per value
      return [&]<std::size_t... K>(std::index_sequence<K...>) {
        std::tuple<result_buffer<detail::result_expression_t<K, E>>...> r{
            result_buffer<detail::result_expression_t<K, E>>(n)...};
        run_array<false>(ex, call_context{}, outs_list<decltype(std::get<K>(r).operand())...>{{std::get<K>(r).operand()...}},
                  in...);
        return std::make_tuple(std::move(std::get<K>(r)).take()...);
      }(std::make_index_sequence<detail::result_count<E>>{});
    } else {
      result_buffer<E> r(n);
      run_array<false>(ex, call_context{}, r.operand(), in...);
      return std::move(r).take();
    }
  }

  // The allocating call's result for a value of expression type V: std::vector<R> with R its
  // element type (std::vector<bool> has no contiguous storage: a bool result goes through a
  // buffer).
  template <class V>
  struct result_buffer {
    using R = expr::type_of<expr::kind_of_expression<V>>;
    using storage = std::conditional_t<std::is_same_v<R, bool>, std::unique_ptr<bool[]>, std::vector<R>>;
    storage data;
    std::size_t n;
    explicit result_buffer(std::size_t size) : n(size) {
      if constexpr (std::is_same_v<R, bool>) {
        data.reset(new bool[n == 0 ? 1 : n]);
      } else {
        data.resize(n);
      }
    }
    detail::array_operand<R> operand() {
      if constexpr (std::is_same_v<R, bool>) {
        return {data.get(), n};
      } else {
        return {data.data(), n};
      }
    }
    std::vector<R> take() && {
      if constexpr (std::is_same_v<R, bool>) {
        return std::vector<bool>(data.get(), data.get() + n);
      } else {
        return std::move(data);
      }
    }
  };

  template <bool Rows, class Out, class... In>
  void run(parjit::arena_executor* ex, const call_context& ctx, const Out& out,
           const In&... in) const {
    constexpr bool writable = [] {
      if constexpr (detail::is_outs<Out>::value) {
        return true;  // checked by jit::outs
      } else if constexpr (detail::is_array_operand<Out>::value) {
        return !std::is_const_v<std::remove_pointer_t<decltype(Out::data)>>;
      } else {
        return false;
      }
    }();
    static_assert(writable,
                  "parjit::jit: `out` (the first argument) must be writable: a non-const "
                  "contiguous range (or pointer + size) of an element type, a jit::strided view "
                  "of one, or jit::outs(...)");
    if constexpr (writable) run_array<Rows>(ex, ctx, out, in...);
  }

  // `Rows`: a row of a 2-D call (jit::x() and jit::y() have values).
  template <bool Rows, class Out, class... In>
  void run_array(parjit::arena_executor* ex, const call_context& ctx, const Out& out,
                 const In&... in) const {
    detail::check_traceable<F, In...>();
    if constexpr (!Rows && detail::traceable<F, In...>()) {
      static_assert(!expr::uses_coordinates<detail::traced_t<F, In...>>,
                    PARJIT_MSG_COORDINATE_OUTSIDE_2D);
    }
    if constexpr (detail::traceable<F, In...>()) {
      constexpr std::size_t values = detail::result_count<std::remove_cvref_t<detail::traced_t<F, In...>>>;
      static_assert(values == detail::out_count<Out>,
                    "parjit::jit: the kernel returns a different number of values than the call "
                    "has outs: a lambda that returns jit::tuple(v0, v1, ...) is called as "
                    "k(jit::outs(out0, out1, ...), inputs...), with one out per value");
    }
    const std::size_t size = detail::check_elementwise(out, in...);
    std::array<void*, detail::out_count<Out>> slots{};
    void* data = detail::out_pointer(out, slots);
    detail::call_frame<In...> frame(in..., ctx);
    const void* const* ptrs = frame.args();
    const auto n = static_cast<std::int64_t>(size);
    // Streaming (see streaming_threshold): one contiguous out on a 64-byte boundary, none of the
    // inputs; a kernel that is not strict.
    if constexpr (detail::is_contiguous_out<Out>::value) {
      using O = typename detail::is_contiguous_out<Out>::element;
      if (!opts_.strict && size * sizeof(O) >= streaming_threshold() && size > 0 &&
          reinterpret_cast<std::uintptr_t>(data) % 64 == 0 && (!detail::is_out(in, data) && ...)) {
        run_streamed<O, In...>(ex, n, data, ptrs);
        frame.check();
        return;
      }
    }
    using Key = detail::out_key_t<Out>;
    const void* key = detail::key_of<kernel_kind::elementwise, Key, In...>();
    const kernel_function fn =
        opts_.strict
            ? cache_->get_strict(key, &detail::describe_call<Out, In...>)
            : cache_->get(key, [&] {
                return detail::compile_for<kernel_kind::elementwise, Key, F, In...>(f_, opts_);
              });
    detail::run_chunks(ex, n, detail::parallel_block, detail::parallel_grain,
                       [&](std::int64_t b, std::int64_t e) { fn(b, e, data, ptrs); });
    frame.check();
  }

  // A streamed call (see run_array): its own specialisation, compiled at the first such call,
  // each chunk ended by a store fence. Apart, so that ordinary calls' code stays as small as it was.
  template <class O, class... In>
  [[gnu::noinline]] void run_streamed(parjit::arena_executor* ex, std::int64_t n, void* data,
                                      const void* const* ptrs) const {
    using Key = detail::out_key<detail::canonical_t<std::remove_const_t<O>>, access::streamed>;
    const kernel_function fn =
        cache_->get(detail::key_of<kernel_kind::elementwise, Key, In...>(), [&] {
          return detail::compile_for<kernel_kind::elementwise, Key, F, In...>(f_, opts_);
        });
    cache_->count_streamed();
    detail::run_chunks(ex, n, detail::parallel_block, detail::parallel_grain,
                       [&](std::int64_t b, std::int64_t e) {
                         fn(b, e, data, ptrs);
                         detail::backend().stream_fence();  // the chunk's stores are seen
                       });
  }

  F f_;
  options opts_;
  std::shared_ptr<detail::kernel_cache> cache_;
};

/// Makes an elementwise JIT kernel from a generic lambda written in parjit's vocabulary (see
/// `vectorized`). Nothing is compiled until the first call.
///
///     auto scale = jit::vectorize([](auto x, auto m, auto sd) { return (x - m) / sd; });
///     scale(out, img, 0.5f, 0.25f);
///     auto fast = jit::vectorize(fn, jit::options{.fastmath = true});
///
/// Thread-safety: a pure function.
template <class F>
vectorized<std::decay_t<F>> vectorize(F&& f, options opts = {}) {
  detail::check_captures<std::decay_t<F>>();
  return vectorized<std::decay_t<F>>(std::forward<F>(f), opts);
}

/// As above, and compiles the listed signatures now (`jit::types<Out, In...>`, see `eager_t`).
///
///     auto k = jit::vectorize(fn, {.strict = true}, jit::eager<jit::types<float, float>>);
///
/// Thread-safety: a pure function.
template <class F, class... Signatures>
vectorized<std::decay_t<F>> vectorize(F&& f, options opts, eager_t<Signatures...>) {
  detail::check_captures<std::decay_t<F>>();
  vectorized<std::decay_t<F>> k(std::forward<F>(f), std::move(opts));
  (detail::compile_signature(k, Signatures{}), ...);
  return k;
}

}  // namespace parjit::jit
