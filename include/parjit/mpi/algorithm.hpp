// parallel_map, parallel_for_each and map_reduce over an MPI executor: chunks shipped to ranks.
#pragma once

#include <algorithm>
#include <cstddef>
#include <functional>
#include <optional>
#include <ranges>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "../parallel/algorithm.hpp"
#include "executor.hpp"

namespace parjit {

namespace detail {

// Runs items [0, n) of `in` as chunks on the ranks of `ex`; consume(chunk_index, b, values)
// gets each chunk's results in index order. The lowest failing index's exception is rethrown
// after cancelling the chunks not yet dispatched.
template <class F, class In, class Consume>
void mpi_chunks(mpi::executor& ex, In& in, std::size_t n, const F& fn,
                const parallel_options& opts, Consume&& consume) {
  check_options(opts);
  if (n == 0) return;
  // A few chunks per worker thread, so idle workers keep pulling; never below the grain.
  const std::size_t slots = 4 * std::max<std::size_t>(1, ex.workers());
  const std::size_t per = std::max(opts.grain, (n + slots - 1) / slots);
  using fut = decltype(ex.submit_chunk(fn, in, 0, 1));
  std::vector<fut> chunks;
  chunks.reserve((n + per - 1) / per);
  for (std::size_t b = 0; b < n; b += per)
    chunks.push_back(ex.submit_chunk(fn, in, b, std::min(n, b + per)));
  std::size_t done = 0;
  for (std::size_t c = 0; c < chunks.size(); ++c) {
    const auto& r = chunks[c].get();
    // Every count against what was sent (the reply decoder checks too): a chunk's results are
    // written at their items' indices.
    const std::size_t sent = std::min(n, c * per + per) - c * per;
    if (r.values.size() > sent || (r.values.size() < sent && !r.error))
      throw std::runtime_error("parjit::mpi: a chunk of " + std::to_string(sent) +
                               " items came back with " + std::to_string(r.values.size()) +
                               " results");
    consume(c * per, r.values);
    done += r.values.size();
    if (r.error) {
      for (std::size_t k = c + 1; k < chunks.size(); ++k) chunks[k].cancel();
      for (std::size_t k = c + 1; k < chunks.size(); ++k) chunks[k].wait();
      std::rethrow_exception(r.error);
    }
    if (opts.progress) opts.progress(done, n);
  }
}

}  // namespace detail

/// `fn` applied to every item on the ranks of an MPI executor; results in input order, as
/// `parjit::parallel_map` (the lowest failing index's exception is rethrown, chunks not yet sent
/// are cancelled). Items travel in chunks of at least `opts.grain` (a few chunks per worker
/// thread); `opts.progress` is called on the calling thread as chunks complete in order.
/// `fn` must be a function or a captureless lambda; items and results `mpi::shippable`.
///
///     std::vector<double> out = parjit::parallel_map(ex, images, score, {.grain = 64});
///
/// Thread safety: call on the root; any thread.
template <std::ranges::input_range R, class F>
auto parallel_map(mpi::executor& ex, R&& items, F fn, const parallel_options& opts = {}) {
  mpi::detail::check_shippable_callable<F>();
  detail::check_callable(fn);
  detail::indexed_items<R> in(std::forward<R>(items));
  using item_t = std::remove_cvref_t<decltype(in[0])>;
  using T = std::remove_cvref_t<std::invoke_result_t<F&, item_t&>>;
  static_assert(!std::is_void_v<T>,
                "parjit: parallel_map needs a callable that returns a value; use "
                "parallel_for_each for side effects");
  const std::size_t n = in.size();
  std::vector<std::optional<T>> tmp(n);
  detail::mpi_chunks(ex, in, n, fn, opts, [&](std::size_t b, const auto& values) {
    for (std::size_t i = 0; i < values.size(); ++i) tmp[b + i].emplace(std::move(const_cast<T&>(values[i])));
  });
  std::vector<T> out;
  out.reserve(n);
  for (auto& v : tmp) out.push_back(std::move(*v));
  return out;
}

/// Calls `fn(item)` for every item on the ranks of an MPI executor; exceptions as parallel_map.
///
///     parjit::parallel_for_each(ex, paths, convert_file);
template <std::ranges::input_range R, class F>
void parallel_for_each(mpi::executor& ex, R&& items, F fn, const parallel_options& opts = {}) {
  mpi::detail::check_shippable_callable<F>();
  detail::check_callable(fn);
  detail::indexed_items<R> in(std::forward<R>(items));
  detail::mpi_chunks(ex, in, in.size(), fn, opts, [](std::size_t, const auto&) {});
}

/// `fn` on the ranks of an MPI executor, the reduction on the calling thread in index order:
/// `reduce(...reduce(reduce(init, fn(x0)), fn(x1))...)`, so a floating-point result does not
/// depend on the number of ranks. `reduce` may capture (it runs here).
///
///     double sum = parjit::map_reduce(ex, xs, square, std::plus<>{}, 0.0);
template <std::ranges::input_range R, class F, class Reduce, class T>
T map_reduce(mpi::executor& ex, R&& items, F fn, Reduce reduce, T init,
             const parallel_options& opts = {}) {
  auto mapped = parjit::parallel_map(ex, std::forward<R>(items), fn, opts);
  T total = std::move(init);
  for (auto& v : mapped) total = static_cast<T>(std::invoke(reduce, std::move(total), std::move(v)));
  return total;
}

}  // namespace parjit
