// Eager data-parallel algorithms over any range: parallel_map, parallel_for_each, map_reduce.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <iterator>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "detail/functional.hpp"
#include "detail/ranges.hpp"
#include "detail/state.hpp"
#include "executor.hpp"

namespace parjit {

/// Options of the parallel algorithms: `parallel_map(pool, items, fn, {.grain = 64, .progress = cb})`.
struct parallel_options {
  /// At least this many items per chunk (as `tbb::blocked_range`'s grain); 0 is invalid.
  std::size_t grain = 1;
  /// Called as `progress(done, total)` after each chunk, one call at a time, with `done`
  /// increasing and reaching `total` when every item has succeeded. Runs on a worker thread.
  std::function<void(std::size_t done, std::size_t total)> progress = {};
};

namespace detail {

// Indexed access to any input range: random-access sized ranges are used in place; other forward
// ranges through a vector of element pointers; single-pass inputs are first copied.
template <class R>
class indexed_items {
  using V = detail::all_t<R>;
  static constexpr bool direct = std::ranges::random_access_range<V> && std::ranges::sized_range<V>;
  static constexpr bool pointers =
      !direct && std::ranges::forward_range<V> &&
      std::is_lvalue_reference_v<std::ranges::range_reference_t<V>>;

 public:
  explicit indexed_items(R&& r) : view_(detail::all(std::forward<R>(r))) {
    if constexpr (!direct) {
      for (auto&& x : view_) {
        if constexpr (pointers) {
          copies_.push_back(std::addressof(x));
        } else {
          copies_.push_back(std::forward<decltype(x)>(x));
        }
      }
    }
  }
  std::size_t size() const {
    if constexpr (direct) {
      return static_cast<std::size_t>(std::ranges::size(view_));
    } else {
      return copies_.size();
    }
  }
  decltype(auto) operator[](std::size_t i) {
    if constexpr (direct) {
      return std::ranges::begin(view_)[static_cast<std::ranges::range_difference_t<V>>(i)];
    } else if constexpr (pointers) {
      return *copies_[i];
    } else {
      return copies_[i];  // an lvalue: the callable may take it by reference
    }
  }

 private:
  using copy_t = std::conditional_t<
      pointers, std::add_pointer_t<std::remove_reference_t<std::ranges::range_reference_t<V>>>,
      std::ranges::range_value_t<V>>;
  V view_;
  std::vector<copy_t> copies_;
};

// The lowest failing index and its exception; items after it are skipped, items before it still
// run, so the exception reported is the one a sequential loop would have thrown first.
class first_failure {
 public:
  static constexpr std::size_t none = std::numeric_limits<std::size_t>::max();
  bool skip(std::size_t i) const noexcept {
    return i > index_.load(std::memory_order_relaxed) || abandoned_.load(std::memory_order_relaxed);
  }
  // The whole call failed (e.g. the executor was shut down while chunks were being submitted):
  // every item not yet started is skipped.
  void abandon() noexcept { abandoned_.store(true, std::memory_order_relaxed); }
  void record(std::size_t i, std::exception_ptr e) {
    std::lock_guard lk(m_);
    if (i < index_.load(std::memory_order_relaxed)) {
      index_.store(i, std::memory_order_relaxed);
      error_ = std::move(e);
    }
  }
  void rethrow() const {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  std::atomic<std::size_t> index_{none};
  std::atomic<bool> abandoned_{false};
  std::mutex m_;
  std::exception_ptr error_;
};

class progress_counter {
 public:
  progress_counter(const parallel_options& o, std::size_t total) : o_(o), total_(total) {}
  void add(std::size_t n) {
    if (!o_.progress || n == 0) return;
    std::lock_guard lk(m_);
    done_ += n;
    o_.progress(done_, total_);
  }

 private:
  const parallel_options& o_;
  std::size_t total_;
  std::size_t done_ = 0;
  std::mutex m_;
};

inline void check_options(const parallel_options& o) {
  if (o.grain == 0) throw std::invalid_argument("parjit: grain must be at least 1 (got 0)");
}

template <class E>
void check_open(const E& ex, const char* what) {
  if (ex.closed()) throw executor_core::shut_down_error(what);
}

// The optional customisation points of the `executor` concept (see its comment).
template <class E, class Chunk>
concept runs_chunks = requires(E& ex, std::size_t n, Chunk& chunk) {
  ex.for_each_chunk(n, n, chunk);
};
template <class E, class F, class In>
concept ships_chunks = requires(E& ex, const F& fn, In& in, std::size_t i) {
  ex.submit_chunk(fn, in, i, i);
};

// Waits for every future of `fs` from index `from` on, after cancelling those not started.
template <class Future>
void drop_from(std::vector<Future>& fs, std::size_t from) noexcept {
  for (std::size_t k = from; k < fs.size(); ++k) fs[k].cancel();
  for (std::size_t k = from; k < fs.size(); ++k) fs[k].wait();
}

// Runs body(i) for i in [0, n) in this process on `ex`, in chunks, with first_failure semantics.
template <class E, class Body>
void for_each_index(E& ex, std::size_t n, const parallel_options& opts, Body&& body) {
  if (n == 0) return;
  first_failure failure;
  progress_counter progress(opts, n);
  auto run_chunk = [&](std::size_t b, std::size_t e) {
    std::size_t i = b;
    for (; i < e && !failure.skip(i); ++i) {
      try {
        body(i);
      } catch (...) {
        failure.record(i, std::current_exception());
        break;
      }
    }
    try {
      progress.add(i - b);
    } catch (...) {
      failure.record(i == b ? b : i - 1, std::current_exception());
    }
  };
  if constexpr (runs_chunks<E, decltype(run_chunk)>) {
    ex.for_each_chunk(n, opts.grain, run_chunk);
  } else {
    // A few chunks per worker, submitted as tasks, then waited for.
    const std::size_t slots = 4 * std::max<std::size_t>(1, ex.workers());
    const std::size_t per = std::max(opts.grain, (n + slots - 1) / slots);
    auto submit_chunk = [&](std::size_t b) {
      return ex.submit([&run_chunk, b, e = std::min(n, b + per)] { run_chunk(b, e); });
    };
    std::vector<decltype(submit_chunk(0))> chunks;  // of future<void>
    chunks.reserve((n + per - 1) / per);
    try {
      for (std::size_t b = 0; b < n; b += per) chunks.push_back(submit_chunk(b));
    } catch (...) {
      // Shut down meanwhile (or out of memory): the chunks already submitted use this frame, so
      // they must be finished or dropped before the exception leaves it.
      failure.abandon();
      drop_from(chunks, 0);
      throw;
    }
    for (auto& c : chunks) c.wait();
  }
  failure.rethrow();
}

// Runs fn over items [0, n) of `in` as chunks that `ex` ships elsewhere (submit_chunk). Each
// result goes to store(i, value) on this thread, in index order, as the chunks come back; the
// lowest failing index's exception is rethrown after dropping the chunks not yet dispatched.
template <class E, class F, class In, class Store>
void for_each_shipped(E& ex, const F& fn, In& in, std::size_t n, const parallel_options& opts,
                      Store&& store) {
  if (n == 0) return;
  // A few chunks per worker thread, so idle workers keep pulling; never below the grain.
  const std::size_t slots = 4 * std::max<std::size_t>(1, ex.workers());
  const std::size_t per = std::max(opts.grain, (n + slots - 1) / slots);
  using chunk_future = decltype(ex.submit_chunk(fn, in, 0, 1));
  std::vector<chunk_future> chunks;
  chunks.reserve((n + per - 1) / per);
  std::size_t c = 0;
  try {
    for (std::size_t b = 0; b < n; b += per)
      chunks.push_back(ex.submit_chunk(fn, in, b, std::min(n, b + per)));
    std::size_t done = 0;
    for (; c < chunks.size(); ++c) {
      const auto& r = chunks[c].get();
      const std::size_t b = c * per, items = std::min(n, b + per) - b;
      // A reply is input from another process: its count must match what was sent.
      if (r.values.size() > items || (r.values.size() < items && !r.error))
        throw std::runtime_error("parjit: a chunk of " + std::to_string(items) +
                                 " items came back with " + std::to_string(r.values.size()) +
                                 " results");
      using value_t = std::remove_cvref_t<decltype(r.values[0])>;
      for (std::size_t i = 0; i < r.values.size(); ++i)
        store(b + i, std::move(const_cast<value_t&>(r.values[i])));
      done += r.values.size();
      if (r.error) std::rethrow_exception(r.error);
      if (opts.progress) opts.progress(done, n);
    }
  } catch (...) {
    drop_from(chunks, c);  // chunk c is done (or none was consumed yet: c == 0)
    throw;
  }
}

// fn over every index of `in`, each result to store(i, value) (store(i) for a void fn): on this
// process's threads, or shipped in chunks where the executor's tasks run elsewhere.
template <class E, class F, class In, class Store>
void map_indexed(E& ex, F& fn, In& in, const parallel_options& opts, Store&& store) {
  if constexpr (ships_chunks<E, F, In>) {
    for_each_shipped(ex, fn, in, in.size(), opts, store);
  } else {
    for_each_index(ex, in.size(), opts, [&](std::size_t i) {
      if constexpr (std::is_void_v<std::invoke_result_t<F&, decltype(in[i])>>) {
        detail::invoke(fn, in[i]);
        store(i);
      } else {
        store(i, detail::invoke(fn, in[i]));
      }
    });
  }
}

}  // namespace detail

/// `fn` applied to every item of `items` (any input range), in parallel on `ex`; results in input
/// order. If items throw, the exception of the lowest failing index is rethrown and the items
/// after it are skipped (`fn` is not called for them once the failure is seen). On an executor
/// that has been shut down, std::logic_error; if it is shut down while the call submits its
/// chunks, the call drops or waits for the chunks it submitted, then throws std::logic_error.
///
///     std::vector<double> out = parjit::parallel_map(pool, images, score, {.grain = 4});
///
/// On `parjit::mpi::executor`, items travel in chunks of at least `opts.grain` (a few per worker
/// thread), `fn` must be a function or a captureless lambda, items and results `mpi::shippable`,
/// and `opts.progress` is called on the calling thread as chunks complete in order.
///
/// Thread safety: `fn` is called concurrently from the executor's threads.
template <executor E, std::ranges::input_range R, class F>
auto parallel_map(E& ex, R&& items, F fn, const parallel_options& opts = {}) {
  detail::check_callable(fn);
  detail::check_options(opts);
  detail::check_open(ex, "parallel_map()");
  detail::indexed_items<R> in(std::forward<R>(items));
  using ref = decltype(in[0]);
  using T = std::decay_t<std::invoke_result_t<F&, ref>>;
  static_assert(!std::is_void_v<T>,
                "parjit: parallel_map needs a callable that returns a value; use "
                "parallel_for_each for side effects");
  const std::size_t n = in.size();
  if constexpr (std::is_same_v<T, bool>) {  // std::vector<bool> packs bits: not writable in parallel
    std::unique_ptr<T[]> tmp(new T[n]);  // T is bool; named T so it is instantiated only if used
    detail::map_indexed(ex, fn, in, opts, [&](std::size_t i, auto&& v) { tmp[i] = std::forward<decltype(v)>(v); });
    return std::vector<T>(tmp.get(), tmp.get() + n);
  } else if constexpr (std::is_default_constructible_v<T>) {
    std::vector<T> out(n);
    detail::map_indexed(ex, fn, in, opts, [&](std::size_t i, auto&& v) { out[i] = std::forward<decltype(v)>(v); });
    return out;
  } else {
    std::vector<std::optional<T>> tmp(n);
    detail::map_indexed(ex, fn, in, opts,
                        [&](std::size_t i, auto&& v) { tmp[i].emplace(std::forward<decltype(v)>(v)); });
    std::vector<T> out;
    out.reserve(n);
    for (auto& v : tmp) out.push_back(std::move(*v));
    return out;
  }
}

/// `parallel_map` on `parjit::default_executor()`.
template <std::ranges::input_range R, class F>
  requires(!executor<R>)
auto parallel_map(R&& items, F fn, const parallel_options& opts = {}) {
  return parallel_map(default_executor(), std::forward<R>(items), std::move(fn), opts);
}

/// Calls `fn(item)` for every item, in parallel on `ex`; exceptions and shutdown as `parallel_map`.
///
///     parjit::parallel_for_each(pool, paths, convert_file);
template <executor E, std::ranges::input_range R, class F>
void parallel_for_each(E& ex, R&& items, F fn, const parallel_options& opts = {}) {
  detail::check_callable(fn);
  detail::check_options(opts);
  detail::check_open(ex, "parallel_for_each()");
  detail::indexed_items<R> in(std::forward<R>(items));
  detail::map_indexed(ex, fn, in, opts, [](std::size_t, auto&&...) {});
}

/// `parallel_for_each` on `parjit::default_executor()`.
template <std::ranges::input_range R, class F>
  requires(!executor<R>)
void parallel_for_each(R&& items, F fn, const parallel_options& opts = {}) {
  parallel_for_each(default_executor(), std::forward<R>(items), std::move(fn), opts);
}

/// `reduce(init, reduce(fn(x0), fn(x1), ...))` computed in parallel on `ex`. `reduce` must be
/// associative; `init` is used once. The grouping depends only on the item count, the grain and
/// the executor's worker count, so a floating-point result is reproducible for those. Exceptions
/// and shutdown as `parallel_map`.
///
///     double sum_sq = parjit::map_reduce(xs, [](double x) { return x * x; }, std::plus<>{}, 0.0);
///
/// On an executor that ships chunks (`parjit::mpi::executor`), `fn` runs on the ranks and
/// `reduce` on the calling thread in index order, `reduce(...reduce(reduce(init, fn(x0)),
/// fn(x1))...)`, so the result does not depend on the number of ranks; `reduce` may capture.
template <executor E, std::ranges::input_range R, class F, class Reduce, class T>
T map_reduce(E& ex, R&& items, F fn, Reduce reduce, T init, const parallel_options& opts = {}) {
  detail::check_callable(fn);
  detail::check_options(opts);
  detail::check_open(ex, "map_reduce()");
  detail::indexed_items<R> in(std::forward<R>(items));
  const std::size_t n = in.size();
  if (n == 0) return init;
  if constexpr (detail::ships_chunks<E, F, detail::indexed_items<R>>) {
    T total = std::move(init);
    detail::for_each_shipped(ex, fn, in, n, opts, [&](std::size_t, auto&& v) {
      total = static_cast<T>(detail::invoke(reduce, std::move(total), std::move(v)));
    });
    return total;
  } else {
    // Fixed chunks, partials combined in index order: deterministic.
    const std::size_t slots = 8 * std::max<std::size_t>(1, ex.workers());
    const std::size_t chunk = std::max(opts.grain, (n + slots - 1) / slots);
    const std::size_t chunks = (n + chunk - 1) / chunk;
    std::vector<std::optional<T>> partial(chunks);
    detail::progress_counter progress(opts, n);
    detail::for_each_index(ex, chunks, parallel_options{}, [&](std::size_t c) {
      const std::size_t b = c * chunk, e = std::min(n, b + chunk);
      T acc = static_cast<T>(detail::invoke(fn, in[b]));
      for (std::size_t i = b + 1; i < e; ++i)
        acc = static_cast<T>(detail::invoke(reduce, std::move(acc), detail::invoke(fn, in[i])));
      partial[c].emplace(std::move(acc));
      progress.add(e - b);
    });
    T total = std::move(init);
    for (auto& p : partial) total = detail::invoke(reduce, std::move(total), std::move(*p));
    return total;
  }
}

/// `map_reduce` on `parjit::default_executor()`.
template <std::ranges::input_range R, class F, class Reduce, class T>
  requires(!executor<R>)
T map_reduce(R&& items, F fn, Reduce reduce, T init, const parallel_options& opts = {}) {
  return map_reduce(default_executor(), std::forward<R>(items), std::move(fn), std::move(reduce),
                    std::move(init), opts);
}

}  // namespace parjit
