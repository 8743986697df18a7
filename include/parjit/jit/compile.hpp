// The low-level JIT entry point: compile a typed expression graph for one argument signature to a
// native loop. jit::vectorize and jit::reduce are built on it; tests and tools can use it directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "../expr/graph.hpp"
#include "options.hpp"

namespace parjit::jit {

/// What a compiled loop does with the values of the expression.
enum class kernel_kind : std::uint8_t {
  elementwise,  ///< out[i] = static_cast<Out>(f(args[i]...))
  sum,          ///< *out = sum of f(args[i]...) in the accumulator type
  prod,         ///< *out = product
  min,          ///< *out = IEEE minimum (NaN if any element is NaN, -0 < +0)
  max,          ///< *out = IEEE maximum
};

/// How a compiled loop reaches an array argument (`argument_type::form`).
enum class access : std::uint8_t {
  contiguous,  ///< `args[i]` points to element 0; the element of index k is element k
  strided,     ///< `args[i]` points to a `strided_descriptor`: element k is `data[k * stride]`
  table,       ///< `args[i]` points to a `table_descriptor`: read whole, only through gathers
  /// The one out of an elementwise kernel only (`signature::out_form`): contiguous, written with
  /// streaming (non-temporal) stores wherever a vector store's address is aligned to its size
  /// (the variant jit::vectorize compiles for large calls, see `jit::streaming_threshold`); the
  /// caller ends the call with a store fence (`sfence`) before others read `out`.
  streamed,
};

/// What a gather from a table (`jit::table`) does with an index outside the table: checked,
/// clamp or constant (the table's fill value, `table_descriptor::fill`).
using expr::index_policy;

/// One kernel argument: its element type and whether it is a runtime scalar (one value) rather
/// than an array (one value per index); for arrays, how the loop reaches them.
struct argument_type {
  expr::scalar_kind type = expr::scalar_kind::f64;
  bool scalar = false;
  access form = access::contiguous;
  index_policy policy = index_policy::checked;  ///< tables only
  std::uint8_t dims = 1;                        ///< tables only: 1 or 2
  friend bool operator==(const argument_type&, const argument_type&) = default;
};

/// `args[i]` of an `access::strided` argument: element k is at `data + k * stride` elements.
struct strided_descriptor {
  const void* data = nullptr;
  std::int64_t stride = 1;  ///< in elements, >= 1
};

struct table_descriptor;
/// Called by checked gathers for a group of `lanes` elements from `element` where some index is
/// out of range: `x[j]` is lane j's index (a 2-D table's column), `y[j]` its row (null for a
/// 1-D table), and bit j of `bad` is set where lane j is out of range.
using gather_fault_function = void (*)(const table_descriptor* table, std::int64_t element,
                                       const std::int64_t* x, const std::int64_t* y,
                                       std::uint64_t bad, std::int32_t lanes);

/// `args[i]` of an `access::table` argument. A 1-D table has `width` elements (`height` 1); a
/// 2-D table `height` rows of `width` elements, `row_stride` elements apart.
struct table_descriptor {
  const void* data = nullptr;
  std::int64_t width = 0;
  std::int64_t height = 1;
  std::int64_t row_stride = 0;
  std::uint64_t fill = 0;  ///< index_policy::constant: the value's bits in the element type
  gather_fault_function fault = nullptr;  ///< index_policy::checked
  void* fault_state = nullptr;            ///< the caller's, for `fault`
};

/// `args[n]` (after the n arguments): where the call's elements sit in the whole. `jit::index()`
/// is `index_offset + i`; in a kernel over 2-D views, `jit::x()` is i (the element in its row)
/// and `jit::y()` is `y`.
struct call_context {
  std::int64_t index_offset = 0;
  std::int64_t y = 0;
};

/// The types a specialisation is compiled for: argument `i` of the graph is `args[i]`; `result` is
/// `out`'s element type (elementwise) or the accumulator type (reductions).
///
/// A graph with several results (a kernel returning `jit::tuple`, see `expr::result_nodes`) has
/// one entry per result in `outs`: its out's element type and `form` (elementwise; contiguous or
/// strided) or its accumulator type (reductions); `out` then points to an array of that many
/// pointers, entry k as `out` would be for result k alone. `result` and `out_form` are then
/// unused. `outs` is empty for a graph with one result.
struct signature {
  std::vector<argument_type> args;
  expr::scalar_kind result = expr::scalar_kind::f64;
  kernel_kind kind = kernel_kind::elementwise;
  /// Elementwise: how the loop reaches `out` (access::strided: `out` points to a
  /// `strided_descriptor`).
  access out_form = access::contiguous;
  std::vector<argument_type> outs = {};
  friend bool operator==(const signature&, const signature&) = default;
};

/// The native entry point of a compiled loop. It processes indices [begin, end): `args[i]` points
/// to array `i`'s element 0 (arrays), to the value (scalars) or to a descriptor (strided arrays,
/// tables: see `access`), and `args[n]` to a `call_context` (or is null: index offset 0, y 0);
/// `out` points to the output's element 0 (elementwise; a `strided_descriptor` for a strided out)
/// or to one accumulator that receives the chunk's result (reductions), or, for several results,
/// to one such pointer per result (`signature::outs`).
using kernel_function = void (*)(std::int64_t begin, std::int64_t end, void* out,
                                 const void* const* args);

/// Where a specialisation's machine code came from.
enum class code_origin : std::uint8_t {
  compiled,       ///< compiled in this process; the on-disk cache was off or unusable
  cache_miss,     ///< compiled in this process and written to the on-disk cache
  cache_hit,      ///< loaded from the on-disk cache (or shared with an identical kernel here)
};

namespace detail {
struct compile_request {
  const expr::graph* graph = nullptr;
  const signature* sig = nullptr;
  options opts;
};
struct compile_result {
  kernel_function fn = nullptr;
  std::uint64_t handle = 0;  // frees the machine code when released
  double compile_ms = 0.0;
  std::string name;  // the kernel function's symbol
  code_origin origin = code_origin::compiled;
  compile_phases phases;  // trace_ms is the caller's
};
struct ir_request {  // the optimised IR of a compiled kernel, made again on request
  const compile_request* kernel = nullptr;
  const std::string* name = nullptr;
};
struct cache_query {  // jit::cache::info / clear
  std::string directory;  // in: empty = the default directory; out: the one used
  std::uint64_t entries = 0, bytes = 0, hits = 0, misses = 0;
};
// The backend's entry points. A table behind one extern "C" symbol, so that a program that never
// compiled the backend fails to link with a name that says what to do.
struct backend_api {
  std::uint32_t abi_version;
  void (*compile)(const compile_request&, compile_result&);
  void (*release)(std::uint64_t handle) noexcept;
  std::string (*ir)(const ir_request&);
  std::string (*assembly)(const std::string& ir);
  void (*cache_info)(cache_query&);
  void (*cache_clear)(cache_query&);
  void (*stream_fence)() noexcept;  // streaming.hpp
  std::size_t (*stream_threshold)() noexcept;
};
inline constexpr std::uint32_t backend_abi_version = 6;  // 6: access::streamed, no stream_copy
}  // namespace detail
}  // namespace parjit::jit

/// Defined by the JIT backend. CMake users get it by linking `parjit::jit`; others define
/// PARJIT_JIT_IMPLEMENTATION in exactly one .cpp file before including <parjit/jit.hpp>.
/// Default visibility: code built with -fvisibility=hidden still shares the process's backend.
extern "C" __attribute__((visibility("default"))) const parjit::jit::detail::backend_api*
parjit_jit_backend_missing__link_parjit_jit_or_define_PARJIT_JIT_IMPLEMENTATION_in_one_cpp_file();

namespace parjit::jit {
namespace detail {
inline const backend_api& backend() {
  static const backend_api* const api =
      parjit_jit_backend_missing__link_parjit_jit_or_define_PARJIT_JIT_IMPLEMENTATION_in_one_cpp_file();
  return *api;
}
}  // namespace detail

/// A natively compiled loop for one graph and signature: call it on [begin, end). Copies share the
/// machine code, which is freed when the last copy goes.
///
///     jit::compiled_kernel k = jit::compile(g, sig);
///     const void* args[] = {a.data(), b.data()};
///     k(0, n, out.data(), args);
///
/// Aliasing: each array argument must be an out itself (same elements, an in-place call) or share
/// no byte with any out, outs must not overlap each other, and tables must not overlap an out —
/// the rules `jit::vectorize` checks before it calls. The elementwise loop is compiled as free of
/// dependences between elements (in particular, without run-time overlap checks), so a call that
/// breaks them gets unspecified values in the overlapping elements.
///
/// Thread-safety: calling it concurrently is safe (the code has no state).
class compiled_kernel {
 public:
  compiled_kernel() = default;

  void operator()(std::int64_t begin, std::int64_t end, void* out,
                  const void* const* args) const {
    fn_(begin, end, out, args);
  }
  kernel_function function() const noexcept { return fn_; }
  explicit operator bool() const noexcept { return fn_ != nullptr; }
  /// Optimised LLVM IR of this specialisation (made again from the graph on the first request:
  /// the first call does not pay for printing it).
  const std::string& ir() const {
    std::call_once(state_->ir_once, [&] {
      const detail::compile_request req{&state_->graph, &state_->sig, state_->opts};
      state_->ir = detail::backend().ir({&req, &state_->name});
    });
    return state_->ir;
  }
  /// Host assembly of this specialisation (compiled again from the IR on request).
  std::string assembly() const { return detail::backend().assembly(ir()); }
  /// Milliseconds spent optimising and generating code (or loading it from the cache).
  double compile_ms() const noexcept { return state_ ? state_->compile_ms : 0.0; }
  /// Whether it was compiled here or loaded from the on-disk cache.
  code_origin origin() const noexcept { return state_ ? state_->origin : code_origin::compiled; }
  /// Where `compile_ms()` went (see `compile_phases`; `trace_ms` is 0 here: tracing is the
  /// caller's, before `jit::compile`).
  compile_phases phases() const noexcept { return state_ ? state_->phases : compile_phases{}; }

 private:
  struct state {
    std::uint64_t handle = 0;
    double compile_ms = 0.0;
    code_origin origin = code_origin::compiled;
    compile_phases phases;
    expr::graph graph;  // what ir() needs to make the IR again
    signature sig;
    options opts;
    std::string name;
    mutable std::once_flag ir_once;
    mutable std::string ir;
    state() = default;
    state(const state&) = delete;
    state& operator=(const state&) = delete;
    ~state() {
      if (handle != 0) detail::backend().release(handle);
    }
  };
  kernel_function fn_ = nullptr;
  std::shared_ptr<const state> state_;

  friend compiled_kernel compile(const expr::graph&, const signature&, const options&);
};

/// Compiles `g` for the argument types in `sig`, vectorised for the host CPU, or loads the object
/// from the on-disk cache when `opts` enable it (see `options::cache`). Throws `compile_error` if
/// the graph is malformed or LLVM rejects it; a cache problem never throws (it compiles instead).
///
///     expr::graph g = expr::to_graph(expr::arg<0, float>{} * 2.0f);
///     auto k = jit::compile(g, {.args = {{expr::scalar_kind::f32}},
///                               .result = expr::scalar_kind::f32});
///
/// Thread-safety: safe to call from any number of threads at once.
inline compiled_kernel compile(const expr::graph& g, const signature& sig,
                               const options& opts = {}) {
  detail::compile_request req{&g, &sig, opts};
  detail::compile_result res;
  const auto& api = detail::backend();
  if (api.abi_version != detail::backend_abi_version) {
    throw compile_error("parjit::jit: the JIT backend linked into this program is from another "
                        "parjit version");
  }
  api.compile(req, res);
  auto st = std::make_shared<compiled_kernel::state>();
  st->handle = res.handle;
  st->compile_ms = res.compile_ms;
  st->origin = res.origin;
  st->phases = res.phases;
  st->graph = g;
  st->sig = sig;
  st->opts = opts;
  st->name = std::move(res.name);
  compiled_kernel k;
  k.fn_ = res.fn;
  k.state_ = std::move(st);
  return k;
}

}  // namespace parjit::jit
