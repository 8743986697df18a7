// What the kernel call forms share: jit::par and jit::frozen, tracing the lambda for a signature,
// and the per-kernel specialisation cache. Operands and their checks: detail/operands.hpp; running
// the compiled loop (chunks, streaming stores): detail/run_loop.hpp.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <ranges>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "../../expr/loops.hpp"
#include "../../expr/nodes.hpp"
#include "../../expr/print.hpp"
#include "../../expr/to_graph.hpp"
#include "../../expr/types.hpp"
#include "../../parallel/detail/executor_internals.hpp"
#include "../../parallel/executor.hpp"
#include "../compile.hpp"
#include "../options.hpp"
#include "call_frame.hpp"
#include "operand_checks.hpp"
#include "operands.hpp"
#include "run_loop.hpp"

namespace parjit::jit {

/// Tag for the parallel call form: `k(jit::par, out, in...)` runs the loop in chunks on
/// `parjit::default_executor()`. Thread-safety: a constant.
struct par_t {
  explicit par_t() = default;
};
/// See `par_t`.
inline constexpr par_t par{};

/// A kernel lambda whose captured values are baked into the generated code on purpose:
/// `jit::vectorize(jit::frozen([scale](auto x) { return x * scale; }))`. Without the wrapper a
/// capturing lambda is a compile-time error, because captured values are read once, when a
/// signature is traced (its first call), and never again: a later change of `scale` (even one
/// captured by reference) changes nothing. Each kernel object traces its own copy; the on-disk
/// cache key contains the traced constants, so kernels frozen with different values never share
/// code. Prefer passing such values as scalar arguments (runtime parameters, no recompilation).
/// Thread-safety: as the wrapped callable (called concurrently only while tracing).
template <class F>
struct frozen_kernel {
  F f;
  template <class... A>
  auto operator()(A&&... a) const -> decltype(f(std::forward<A>(a)...)) {
    return f(std::forward<A>(a)...);
  }
};

/// See `frozen_kernel`. Example: `auto k = jit::vectorize(jit::frozen([c](auto x) { return x * c; }));`
template <class F>
frozen_kernel<std::decay_t<F>> frozen(F&& f) {
  return {std::forward<F>(f)};
}

namespace detail {

template <class F>
struct is_frozen : std::false_type {};
template <class F>
struct is_frozen<frozen_kernel<F>> : std::true_type {};

// A kernel callable with state (a lambda that captures anything it uses) is rejected unless
// wrapped in jit::frozen: its state would be read once, at trace time.
template <class F>
constexpr void check_captures() {
  static_assert(std::is_empty_v<F> || is_frozen<F>::value, PARJIT_MSG_CAPTURE);
}

// Several results: a jit::tuple of expressions or numbers.
template <class R>
struct is_traced_tuple : std::false_type {};
template <class... T>
struct is_traced_tuple<expr::tuple<T...>>
    : std::bool_constant<(sizeof...(T) >= 1 && (expr::detail::operand<T> && ...))> {};
template <class R>
concept traced_tuple = is_traced_tuple<std::remove_cvref_t<R>>::value;

// The traced lambda's result for placeholders of the operands' element types.
template <class F, class... Operands, std::size_t... Is>
auto trace_impl(const F& f, std::index_sequence<Is...>) {
  return f(typename operand_traits<Operands>::template placeholder<Is>{}...);
}

template <class F, class... Operands>
using traced_t = decltype(trace_impl<F, Operands...>(std::declval<const F&>(),
                                                     std::index_sequence_for<Operands...>{}));

// Whether f takes one placeholder per operand. SFINAE-friendly for a wrong parameter count (the
// allocating call form relies on it); mistakes inside the body stay hard errors, so the traps'
// messages (diagnostics.hpp) come first.
template <class F, class... Operands, std::size_t... Is>
constexpr bool traceable_with(std::index_sequence<Is...>) {
  return std::is_invocable_v<const F&,
                             typename operand_traits<Operands>::template placeholder<Is>...>;
}

template <class F, class... Operands>
constexpr bool traceable() {
  return traceable_with<F, Operands...>(std::index_sequence_for<Operands...>{});
}

template <class F, class... Operands>
constexpr void check_traceable() {
  static_assert(traceable<F, Operands...>(),
                "parjit::jit: the kernel lambda cannot be called with one placeholder per input "
                "argument: check its parameter count (one per input after `out`), that it takes "
                "`auto` parameters, and that it only uses parjit's vocabulary (jit::sqrt, "
                "jit::select, jit::cast<T>, ...), not std:: functions or branches on values");
  if constexpr (traceable<F, Operands...>()) {
    using R = std::remove_cvref_t<traced_t<F, Operands...>>;
    static_assert(expr::expression<R> || expr::element<R> || traced_tuple<R>,
                  "parjit::jit: the kernel lambda does not return an expression built from its "
                  "arguments (or a number). If an error above names a function parjit does not "
                  "have (`... is not a member of parjit::jit`), that is the cause: the kernel "
                  "vocabulary is listed in <parjit/jit/vocabulary.hpp>. Otherwise the lambda "
                  "returns a bool computed in C++ or another type (several values are returned "
                  "as jit::tuple(...) of expressions or numbers)");
  }
}

// How many values the traced lambda returns, and the expression of value K.
template <class R>
inline constexpr std::size_t result_count = 1;
template <class... T>
inline constexpr std::size_t result_count<expr::tuple<T...>> = sizeof...(T);
template <std::size_t K, class R>
struct result_expression {
  using type = R;
};
template <std::size_t K, class... T>
struct result_expression<K, expr::tuple<T...>> {
  using type = std::tuple_element_t<K, std::tuple<T...>>;
};
template <std::size_t K, class R>
using result_expression_t = typename result_expression<K, std::remove_cvref_t<R>>::type;

// A specialisation: the compiled loop for one signature, plus what `ir()`/`stats()` report.
struct specialization {
  const void* key;
  compiled_kernel kernel;
  double total_ms;  // trace + compile
  compile_phases phases;
  specialization* next;
};

// PARJIT_JIT_TIMINGS=1: one line on stderr per specialisation made ready.
inline void print_phases(const specialization& s) {
  static const bool on = [] {
    const char* e = std::getenv("PARJIT_JIT_TIMINGS");
    return e != nullptr && e[0] == '1';
  }();
  if (!on) return;
  const compile_phases& p = s.phases;
  std::fprintf(stderr,
               "parjit: jit %s in %.3f ms: trace %.3f, session %.3f, cache %.3f, lowering %.3f, "
               "optimise %.3f, codegen %.3f, link %.3f\n",
               s.kernel.origin() == code_origin::cache_hit ? "load" : "compile", s.total_ms,
               p.trace_ms, p.session_ms, p.cache_ms, p.lowering_ms, p.optimise_ms, p.codegen_ms,
               p.link_ms);
}

// The cache of a kernel object, shared by its copies. Lookups are lock-free (an append-only
// list); a miss compiles under the kernel's mutex, so concurrent first calls compile once.
class kernel_cache {
 public:
  kernel_cache() = default;
  kernel_cache(const kernel_cache&) = delete;
  kernel_cache& operator=(const kernel_cache&) = delete;
  ~kernel_cache() {
    for (specialization* s = head_.load(std::memory_order_relaxed); s != nullptr;) {
      specialization* next = s->next;
      delete s;
      s = next;
    }
  }

  // A call that streamed its output (see vectorized::run_streamed).
  void count_streamed() noexcept { streamed_.fetch_add(1, std::memory_order_relaxed); }

  template <class Compile>
  kernel_function get(const void* key, Compile&& compile) {
    calls_.fetch_add(1, std::memory_order_relaxed);
    if (kernel_function f = find(key)) return f;
    return prepare(key, std::forward<Compile>(compile))->kernel.function();
  }

  // Strict kernels: the compiled loop for `key`, or std::invalid_argument naming the types.
  kernel_function get_strict(const void* key, std::string (*types)()) {
    calls_.fetch_add(1, std::memory_order_relaxed);
    if (kernel_function f = find(key)) return f;
    throw std::invalid_argument(
        "parjit::jit: this kernel is strict and was not compiled for " + types() +
        "; compile it first with k.compile<...>() (or jit::eager), or drop options::strict");
  }

  // Compiles `key` now unless it is ready; returns the milliseconds it took (0 if it was ready).
  template <class Compile>
  double ensure(const void* key, Compile&& compile) {
    if (find(key) != nullptr) return 0.0;
    std::lock_guard lock(mutex_);
    if (find(key) != nullptr) return 0.0;
    return add(key, std::forward<Compile>(compile))->total_ms;
  }

  jit::stats stats() const {
    jit::stats st;
    for (const specialization* s = head_.load(std::memory_order_acquire); s; s = s->next) {
      ++st.specializations;
      switch (s->kernel.origin()) {
        case code_origin::cache_hit:
          ++st.cache_hits;
          st.load_ms += s->total_ms;
          break;
        case code_origin::cache_miss:
          ++st.cache_misses;
          st.compile_ms += s->total_ms;
          break;
        case code_origin::compiled: st.compile_ms += s->total_ms; break;
      }
      st.phases += s->phases;
    }
    st.calls = calls_.load(std::memory_order_relaxed);
    st.streamed_calls = streamed_.load(std::memory_order_relaxed);
    return st;
  }

  std::string ir() const {
    std::string out;
    for (const specialization* s : in_order()) out += s->kernel.ir();
    return out;
  }

  std::string assembly() const {
    std::string out;
    for (const specialization* s : in_order()) out += s->kernel.assembly();
    return out;
  }

 private:
  kernel_function find(const void* key) const {
    for (const specialization* s = head_.load(std::memory_order_acquire); s; s = s->next) {
      if (s->key == key) return s->kernel.function();
    }
    return nullptr;
  }
  template <class Compile>
  const specialization* prepare(const void* key, Compile&& compile) {
    std::lock_guard lock(mutex_);
    for (const specialization* s = head_.load(std::memory_order_acquire); s; s = s->next) {
      if (s->key == key) return s;
    }
    return add(key, std::forward<Compile>(compile));
  }
  // Under mutex_.
  template <class Compile>
  const specialization* add(const void* key, Compile&& compile) {
    const auto t0 = std::chrono::steady_clock::now();
    compiled_kernel k = compile();
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    // Everything outside the backend is the trace (and building the signature).
    compile_phases phases = k.phases();
    phases.trace_ms = std::max(0.0, ms - k.compile_ms());
    auto* s = new specialization{key, std::move(k), ms, phases,
                                 head_.load(std::memory_order_relaxed)};
    print_phases(*s);
    head_.store(s, std::memory_order_release);
    return s;
  }

  std::vector<const specialization*> in_order() const {
    std::vector<const specialization*> v;
    for (const specialization* s = head_.load(std::memory_order_acquire); s; s = s->next) {
      v.insert(v.begin(), s);
    }
    return v;
  }

  std::atomic<specialization*> head_{nullptr};
  std::atomic<std::uint64_t> calls_{0};
  std::atomic<std::uint64_t> streamed_{0};
  std::mutex mutex_;
};

// Compiles the lambda for the operand types: trace, then jit::compile. `Result`: see key_of.
template <kernel_kind K, class Result, class F, class... Operands>
compiled_kernel compile_for(const F& f, const options& opts) {
  const expr::graph g = expr::to_graph(
      trace_impl<F, Operands...>(f, std::index_sequence_for<Operands...>{}));
  return jit::compile(g, make_signature<Result>(K, argument_types<Operands...>()), opts);
}

}  // namespace detail
}  // namespace parjit::jit
