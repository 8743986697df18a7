// What the kernel call forms share: turning call arguments into typed operands (arrays, runtime
// scalars, pointer + size pairs), checking sizes and overlap, the per-kernel specialisation cache,
// and running a compiled loop serially or in chunks on an arena.
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

#include "../../expr/nodes.hpp"
#include "../../expr/print.hpp"
#include "../../expr/to_graph.hpp"
#include "../../expr/types.hpp"
#include "../../parallel/detail/executor_internals.hpp"
#include "../../parallel/executor.hpp"
#include "../compile.hpp"
#include "../options.hpp"

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

template <class T>
struct is_array_operand : std::false_type {};
template <class T>
struct is_array_operand<array_operand<T>> : std::true_type {};

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
  if constexpr (expr::element<D>) {
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

template <class O>
struct operand_traits;
template <class T>
struct operand_traits<array_operand<T>> {
  using element = std::remove_const_t<T>;
  static constexpr bool scalar = false;
};
template <class T>
struct operand_traits<scalar_operand<T>> {
  using element = T;
  static constexpr bool scalar = true;
};

// One address per (kind, result, operand types): the per-kernel cache key.
template <kernel_kind K, class Result, class... Operands>
struct signature_key {
  static constexpr char tag = 0;
};
template <class Element, bool Scalar>
struct operand_key {};

// The key of a signature: const and non-const arrays of one element type share it.
template <kernel_kind K, class Result, class... Operands>
const void* key_of() {
  return &signature_key<K, Result,
                        operand_key<typename operand_traits<Operands>::element,
                                    operand_traits<Operands>::scalar>...>::tag;
}

// "float[], double scalar": the operand types as a strict kernel's error names them.
template <class... Operands>
std::string operand_names() {
  std::string s;
  ((s += (s.empty() ? "" : ", "),
    s += expr::name_of(expr::kind_of<typename operand_traits<Operands>::element>),
    s += operand_traits<Operands>::scalar ? " scalar" : "[]"),
   ...);
  return s;
}

template <class... Operands>
std::vector<argument_type> argument_types() {
  return {argument_type{expr::kind_of<typename operand_traits<Operands>::element>,
                        operand_traits<Operands>::scalar}...};
}

// The traced lambda's result for placeholders of the operands' element types.
template <class F, class... Operands, std::size_t... Is>
auto trace_impl(const F& f, std::index_sequence<Is...>) {
  return f(expr::arg<Is, typename operand_traits<Operands>::element>{}...);
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
                             expr::arg<Is, typename operand_traits<Operands>::element>...>;
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
    static_assert(expr::expression<R> || expr::element<R>,
                  "parjit::jit: the kernel lambda does not return an expression built from its "
                  "arguments (or a number). If an error above names a function parjit does not "
                  "have (`... is not a member of parjit::jit`), that is the cause: the kernel "
                  "vocabulary is listed in <parjit/jit/vocabulary.hpp>. Otherwise the lambda "
                  "returns a bool computed in C++ or another type");
  }
}

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

  // A call that streamed its output (see stream_chunk).
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

// Compiles the lambda for the operand types: trace, then jit::compile.
template <kernel_kind K, class Result, class F, class... Operands>
compiled_kernel compile_for(const F& f, const options& opts) {
  const expr::graph g = expr::to_graph(
      trace_impl<F, Operands...>(f, std::index_sequence_for<Operands...>{}));
  const signature sig{argument_types<Operands...>(), expr::kind_of<Result>, K};
  return jit::compile(g, sig, opts);
}

// Parallel chunks of an elementwise loop start at multiples of `parallel_block` elements, a
// multiple of every vector-loop step, so each element takes the same path (vector body, vector
// epilogue or scalar tail, which may differ in the last bit for libmvec functions) as in a
// serial call: par and serial results are identical. A chunk has at least `parallel_grain`
// elements; smaller loops run on the calling thread.
inline constexpr std::int64_t parallel_block = 4096;
inline constexpr std::int64_t parallel_grain = 16384;

// Runs body(begin, end) over [0, n): serially without an executor, else in chunks of whole
// blocks of `block` elements (at least `grain` elements each) on the executor's arena.
template <class Body>
void run_chunks(parjit::arena_executor* ex, std::int64_t n, std::int64_t block,
                std::int64_t grain, Body&& body) {
  if (ex == nullptr || n <= grain) {
    body(std::int64_t{0}, n);
    return;
  }
  const std::int64_t blocks = (n + block - 1) / block;
  const std::int64_t grain_blocks = std::max<std::int64_t>(1, grain / block);
  ex->arena().execute([&] {
    tbb::parallel_for(tbb::blocked_range<std::int64_t>(0, blocks, grain_blocks),
                      [&](const tbb::blocked_range<std::int64_t>& r) {
                        body(r.begin() * block, std::min(n, r.end() * block));
                      });
  });
}

// Streaming stores. An elementwise call whose output has at least streaming_threshold() bytes
// and is none of its inputs runs each chunk in blocks of `stream_block` elements: the compiled
// loop writes a block to a buffer on the stack (it stays in L1), and the backend copies it out
// with non-temporal stores, which skip the read-for-ownership of the output's cache lines (a
// third of a copy's memory traffic) and leave the cache to the inputs. The generated code is
// the same either way (nothing more to compile), and blocks start at multiples of
// `stream_block` (a multiple of every vector step, as `parallel_block`), so every element takes
// the same path through the loop as in an ordinary call: the same bits.
inline constexpr std::int64_t stream_block = 4096;

inline std::atomic<std::size_t>& streaming_threshold_state() {
  static std::atomic<std::size_t> bytes{backend().stream_threshold()};
  return bytes;
}

// Runs the elementwise kernel on [begin, end) as above; `step[k]` is input k's element size
// (0 for a runtime scalar, which is passed as it is).
template <std::size_t N>
void stream_chunk(kernel_function fn, std::int64_t begin, std::int64_t end, void* out,
                  std::size_t out_size, const void* const* args, const std::size_t (&step)[N]) {
  alignas(64) unsigned char buffer[stream_block * 8];
  const void* shifted[N + 1] = {};
  const backend_api& api = backend();
  for (std::int64_t s = begin; s < end; s += stream_block) {
    const std::int64_t count = std::min(stream_block, end - s);
    for (std::size_t k = 0; k < N; ++k) {
      shifted[k] = step[k] == 0 ? args[k]
                                : static_cast<const unsigned char*>(args[k]) +
                                      static_cast<std::size_t>(s) * step[k];
    }
    fn(0, count, buffer, shifted);
    api.stream_copy(static_cast<unsigned char*>(out) + static_cast<std::size_t>(s) * out_size,
                    buffer, static_cast<std::size_t>(count) * out_size);
  }
  api.stream_fence();  // the chunk's results are visible before its task completes
}

[[noreturn]] inline void size_mismatch(std::size_t index, std::size_t size, const char* what,
                                       std::size_t expected) {
  throw std::invalid_argument("parjit::jit: input " + std::to_string(index) + " has " +
                              std::to_string(size) + " elements but " + what + " has " +
                              std::to_string(expected) + "; sizes must match (nothing written)");
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

template <class T>
const void* operand_pointer(const array_operand<T>& op) {
  return op.data;
}
template <class T>
const void* operand_pointer(const scalar_operand<T>& op) {
  return &op.value;
}

}  // namespace detail
}  // namespace parjit::jit
