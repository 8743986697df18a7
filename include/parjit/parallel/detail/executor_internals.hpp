// The parallel layer's internals that the layers above it (jit, mpi) may use: the one internal
// header they include from parallel/, so what they depend on is named in one place.
//
// What it provides, and who uses it:
// - oneTBB (`detail/tbb.hpp`): jit runs compiled loops with `tbb::parallel_for` in an executor's
//   arena; mpi's workers run a chunk's items the same way.
// - Future states (`detail/state.hpp`): `detail::state<T>` with its protected `mark_running()` /
//   `complete()` for states completed elsewhere (mpi's `remote_state`: a reply from another
//   rank), `detail::status`, `detail::check_callable`.
// - `detail::future_access` (future.hpp): makes a `parjit::future<T>` from a state.
// - `detail::lazy_range` / `detail::ordered_window` (`detail/lazy_range.hpp`): the lazy, ordered,
//   windowed range that `executor.map` is built on (mpi's `map` too).
// - The `parjit::executor` concept and its customisation points (executor.hpp): mpi::executor
//   provides `submit_chunk`, so `parallel_map` & co. (algorithm.hpp) serve it unchanged.
//
// Anything else under parallel/detail/ is private to the parallel layer.
#pragma once

#include "../algorithm.hpp"
#include "../executor.hpp"
#include "../future.hpp"
#include "lazy_range.hpp"
#include "state.hpp"
#include "tbb.hpp"
