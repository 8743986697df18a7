// Knobs, statistics and the error type shared by every JIT kernel (no LLVM here).
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace parjit::jit {

/// How a kernel is compiled. Passed to `jit::vectorize` / `jit::reduce` / `jit::compile`.
///
///     auto fast = jit::vectorize([](auto x) { return jit::exp(-x * x); },
///                                jit::options{.fastmath = true});
///
/// - `fastmath`: LLVM may reassociate, contract (`a*b+c` -> FMA), assume no NaN/Inf and use
///   approximate functions. Off (the default), results equal a C++ evaluation built with
///   `-ffp-contract=off` bit for bit, except transcendentals (see `vector_math`).
///   `isnan isfinite isinf signbit` test the operand's bits, so fastmath never folds them away:
///   they are exact for kernel inputs; a value computed by other fastmath operations may already
///   have been assumed finite by LLVM. `sign`, `floor_div`, `floor_mod` and comparisons on NaN
///   are unspecified under fastmath.
/// - `vector_math`: let loops call glibc's libmvec for `exp log log2 log10 sin cos tan tanh pow`
///   and `log1p expm1 exp2 cbrt asin acos atan sinh cosh asinh acosh atanh erf erfc atan2 hypot`
///   (vectorised; tested within 4 ulp of glibc's scalar result for the second list, 8 ulp for the
///   first). `fmod` has no vector variant and stays a scalar call per element. Off, every
///   transcendental is a call to the same scalar libm function C++ calls, so results equal C++
///   bit for bit (and run several times slower).
///
/// - `cache`: keep compiled objects in the on-disk kernel cache and load them from there in later
///   processes (no IR, no optimisation: a hit is callable in well under a millisecond). Unset
///   (the default): on in release builds (`NDEBUG`), off otherwise (a build may fix it with
///   `-DPARJIT_CACHE_DEFAULT=0` or `=1` where the backend compiles); the environment variable
///   `PARJIT_CACHE=1` turns it on where `cache` is unset, and `PARJIT_CACHE=0` turns it off for
///   every kernel of the process (a kill switch, even over `.cache = true`).
/// - `cache_dir`: the cache's directory; empty (the default) means `$PARJIT_CACHE_DIR`, else
///   `$XDG_CACHE_HOME/parjit`, else `~/.cache/parjit`, else (no `HOME`)
///   `${TMPDIR:-/tmp}/parjit-cache-<euid>` (not followed if a symbolic link). It is used only if
///   it is owned by this user and not writable by group or others; see `jit::cache::info()`.
/// - `strict`: calling the kernel with an argument-type signature that was not compiled ahead of
///   time (`k.compile<Out, In...>()` or `jit::eager<...>`) throws `std::invalid_argument` naming
///   the types, instead of compiling it.
///
/// Thread-safety: a plain value.
struct options {
  bool fastmath = false;
  bool vector_math = true;
  std::optional<bool> cache = std::nullopt;
  std::string cache_dir = {};
  bool strict = false;

  friend bool operator==(const options&, const options&) = default;
};

/// Where a first call's time went, in milliseconds: the phases of making a specialisation
/// ready, in the order they run. A phase that did not run is 0 (a cache hit has no lowering,
/// optimisation or code generation; only the process's first compile starts the session).
/// Their sum is at most the specialisation's time (`compile_ms` or `load_ms` in `stats`); the
/// rest is bookkeeping between phases (well under 0.1 ms).
///
/// - `trace`: the lambda traced into an expression graph, and its signature built.
/// - `session`: the process's JIT session started (host CPU detection, the ORC LLJIT, the
///   process's and libmvec's symbols); once per process, in its first compile.
/// - `cache`: the on-disk cache: key, lookup, reading a hit, writing a miss.
/// - `lowering`: the expression graph turned into LLVM IR (the loop or the reduction).
/// - `optimise`: LLVM's pass pipeline on that IR (vectorisation above all).
/// - `codegen`: machine code emitted as an object file; also the optimised IR's text, kept for
///   `ir()` and `assembly()`.
/// - `link`: the object linked into the session and its entry point looked up.
///
///     jit::compile_phases p = k.stats().phases;   // p.optimise_ms, p.codegen_ms, ...
///
/// The environment variable `PARJIT_JIT_TIMINGS=1` prints each specialisation's phases to stderr
/// as it is made ready. Thread-safety: a plain value.
struct compile_phases {
  double trace_ms = 0.0;
  double session_ms = 0.0;
  double cache_ms = 0.0;
  double lowering_ms = 0.0;
  double optimise_ms = 0.0;
  double codegen_ms = 0.0;
  double link_ms = 0.0;

  /// The sum of the phases.
  double total_ms() const noexcept {
    return trace_ms + session_ms + cache_ms + lowering_ms + optimise_ms + codegen_ms + link_ms;
  }
  compile_phases& operator+=(const compile_phases& o) noexcept {
    trace_ms += o.trace_ms;
    session_ms += o.session_ms;
    cache_ms += o.cache_ms;
    lowering_ms += o.lowering_ms;
    optimise_ms += o.optimise_ms;
    codegen_ms += o.codegen_ms;
    link_ms += o.link_ms;
    return *this;
  }
};

/// What a kernel has done so far: `specializations` (argument-type signatures ready; serial
/// and `par` calls share one; a signature's calls that streamed their output have their own,
/// see `jit::streaming_threshold`), `compile_ms` (total trace + optimise + codegen time of those that
/// were compiled), `calls`, and for the on-disk cache: `cache_hits` (specialisations loaded from
/// it), `cache_misses` (compiled, then written to it) and `load_ms` (total trace + load time of
/// the hits). Without the cache, hits and misses stay 0. `phases` splits `compile_ms + load_ms`
/// (every specialisation's first call) into its phases, summed over the specialisations (see
/// `compile_phases`). `streamed_calls`: calls of an elementwise kernel that wrote `out` with
/// streaming (non-temporal) stores, because it had at least `jit::streaming_threshold()` bytes,
/// started on a 64-byte boundary and was none of the inputs.
///
///     jit::stats st = hypot.stats();   // st.specializations == 1 after calls with float arrays
///
/// Thread-safety: a snapshot value; `kernel.stats()` may be called while other threads call it.
struct stats {
  std::size_t specializations = 0;
  double compile_ms = 0.0;
  std::uint64_t calls = 0;
  std::size_t cache_hits = 0;
  std::size_t cache_misses = 0;
  double load_ms = 0.0;
  compile_phases phases = {};
  std::uint64_t streamed_calls = 0;
};

/// Thrown when a kernel cannot be compiled (LLVM rejected it, or the expression uses a construct
/// the backend does not support); `what()` carries the reason. Never aborts the process.
///
///     try { k(out, a); } catch (const jit::compile_error& e) { std::cerr << e.what(); }
///
/// Thread-safety: a plain exception value.
class compile_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace parjit::jit
