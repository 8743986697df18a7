// Eager data-parallel algorithms over any range: parallel_map, parallel_for_each, map_reduce.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <functional>
#include <iterator>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <ranges>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "detail/state.hpp"
#include "detail/tbb.hpp"
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

/// Satisfied by parjit's executors (`arena_executor`, `thread_executor`).
template <class E>
concept executor = std::derived_from<std::remove_cvref_t<E>, detail::executor_base>;

namespace detail {

// Indexed access to any input range: random-access sized ranges are used in place; other forward
// ranges through a vector of element pointers; single-pass inputs are first copied.
template <class R>
class indexed_items {
  using V = std::views::all_t<R>;
  static constexpr bool direct = std::ranges::random_access_range<V> && std::ranges::sized_range<V>;
  static constexpr bool pointers =
      !direct && std::ranges::forward_range<V> &&
      std::is_lvalue_reference_v<std::ranges::range_reference_t<V>>;

 public:
  explicit indexed_items(R&& r) : view_(std::views::all(std::forward<R>(r))) {
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
  bool skip(std::size_t i) const noexcept { return i > index_.load(std::memory_order_relaxed); }
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

// Runs body(i) for i in [0, n) on `ex`, in chunks, with first_failure semantics.
template <class E, class Body>
void for_each_index(E& ex, std::size_t n, const parallel_options& opts, Body&& body) {
  check_options(opts);
  if (n == 0) return;
  first_failure failure;
  progress_counter progress(opts, n);
  const executor_core* core = ex.core();
  auto run_chunk = [&](std::size_t b, std::size_t e) {
    scoped_current_core here(core);
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
  if constexpr (std::is_same_v<std::remove_cvref_t<E>, arena_executor>) {
    ex.execute([&] {
      tbb::this_task_arena::isolate([&] {
        tbb::parallel_for(
            tbb::blocked_range<std::size_t>(0, n, opts.grain),
            [&](const tbb::blocked_range<std::size_t>& r) { run_chunk(r.begin(), r.end()); },
            tbb::auto_partitioner{});
      });
    });
  } else {
    // Plain threads: a few chunks per worker, submitted as tasks, then waited for.
    const std::size_t per = std::max(opts.grain, (n + 4 * ex.workers() - 1) / (4 * ex.workers()));
    std::vector<future<void>> chunks;
    chunks.reserve((n + per - 1) / per);
    for (std::size_t b = 0; b < n; b += per)
      chunks.push_back(ex.submit([&run_chunk, b, e = std::min(n, b + per)] { run_chunk(b, e); }));
    for (auto& c : chunks) c.wait();
  }
  failure.rethrow();
}

}  // namespace detail

/// `fn` applied to every item of `items` (any input range), in parallel on `ex`; results in input
/// order. If items throw, the exception of the lowest failing index is rethrown and the items
/// after it are skipped (`fn` is not called for them once the failure is seen).
///
///     std::vector<double> out = parjit::parallel_map(pool, images, score, {.grain = 4});
///
/// Thread safety: `fn` is called concurrently from the executor's threads.
template <executor E, std::ranges::input_range R, class F>
auto parallel_map(E& ex, R&& items, F fn, const parallel_options& opts = {}) {
  detail::check_callable(fn);
  detail::indexed_items<R> in(std::forward<R>(items));
  using ref = decltype(in[0]);
  using T = std::decay_t<std::invoke_result_t<F&, ref>>;
  static_assert(!std::is_void_v<T>,
                "parjit: parallel_map needs a callable that returns a value; use "
                "parallel_for_each for side effects");
  const std::size_t n = in.size();
  if constexpr (std::is_same_v<T, bool>) {  // std::vector<bool> packs bits: not writable in parallel
    std::unique_ptr<bool[]> tmp(new bool[n]);
    detail::for_each_index(ex, n, opts, [&](std::size_t i) { tmp[i] = std::invoke(fn, in[i]); });
    return std::vector<bool>(tmp.get(), tmp.get() + n);
  } else if constexpr (std::is_default_constructible_v<T>) {
    std::vector<T> out(n);
    detail::for_each_index(ex, n, opts, [&](std::size_t i) { out[i] = std::invoke(fn, in[i]); });
    return out;
  } else {
    std::vector<std::optional<T>> tmp(n);
    detail::for_each_index(ex, n, opts,
                           [&](std::size_t i) { tmp[i].emplace(std::invoke(fn, in[i])); });
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

/// Calls `fn(item)` for every item, in parallel on `ex`; exceptions as `parallel_map`.
template <executor E, std::ranges::input_range R, class F>
void parallel_for_each(E& ex, R&& items, F fn, const parallel_options& opts = {}) {
  detail::check_callable(fn);
  detail::indexed_items<R> in(std::forward<R>(items));
  detail::for_each_index(ex, in.size(), opts, [&](std::size_t i) { std::invoke(fn, in[i]); });
}

/// `parallel_for_each` on `parjit::default_executor()`.
template <std::ranges::input_range R, class F>
  requires(!executor<R>)
void parallel_for_each(R&& items, F fn, const parallel_options& opts = {}) {
  parallel_for_each(default_executor(), std::forward<R>(items), std::move(fn), opts);
}

/// `reduce(init, reduce(fn(x0), fn(x1), ...))` computed in parallel on `ex`. `reduce` must be
/// associative; `init` is used once. The grouping depends only on the item count, the grain and
/// the executor's worker count, so a floating-point result is reproducible for those.
///
///     double sum_sq = parjit::map_reduce(xs, [](double x) { return x * x; }, std::plus<>{}, 0.0);
template <executor E, std::ranges::input_range R, class F, class Reduce, class T>
T map_reduce(E& ex, R&& items, F fn, Reduce reduce, T init, const parallel_options& opts = {}) {
  detail::check_callable(fn);
  detail::check_options(opts);
  detail::indexed_items<R> in(std::forward<R>(items));
  const std::size_t n = in.size();
  if (n == 0) return init;
  // Fixed chunks, partials combined in index order: deterministic.
  const std::size_t chunk = std::max(opts.grain, (n + 8 * ex.workers() - 1) / (8 * ex.workers()));
  const std::size_t chunks = (n + chunk - 1) / chunk;
  std::vector<std::optional<T>> partial(chunks);
  detail::progress_counter progress(opts, n);
  detail::for_each_index(ex, chunks, parallel_options{}, [&](std::size_t c) {
    const std::size_t b = c * chunk, e = std::min(n, b + chunk);
    T acc = static_cast<T>(std::invoke(fn, in[b]));
    for (std::size_t i = b + 1; i < e; ++i)
      acc = static_cast<T>(std::invoke(reduce, std::move(acc), std::invoke(fn, in[i])));
    partial[c].emplace(std::move(acc));
    progress.add(e - b);
  });
  T total = std::move(init);
  for (auto& p : partial) total = std::invoke(reduce, std::move(total), std::move(*p));
  return total;
}

/// `map_reduce` on `parjit::default_executor()`.
template <std::ranges::input_range R, class F, class Reduce, class T>
  requires(!executor<R>)
T map_reduce(R&& items, F fn, Reduce reduce, T init, const parallel_options& opts = {}) {
  return map_reduce(default_executor(), std::forward<R>(items), std::move(fn), std::move(reduce),
                    std::move(init), opts);
}

}  // namespace parjit
