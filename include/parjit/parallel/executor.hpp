// Executors: arena_executor (a oneTBB task arena) and thread_executor (plain threads, for blocking
// I/O), with concurrent.futures' submit / map / shutdown.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <concepts>
#include <cstddef>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "detail/chrono.hpp"
#include "detail/functional.hpp"
#include "detail/lazy_range.hpp"
#include "detail/ranges.hpp"
#include "detail/state.hpp"
#include "detail/tbb.hpp"
#include "future.hpp"

namespace parjit {

/// Options of `executor.map(fn, items, options)`.
struct map_options {
  /// Most items in flight (submitted, not yet consumed) at once; 0 means 2 × workers.
  std::size_t window = 0;
};

template <class F, class V>
class map_range;

namespace detail {

template <class T>
std::size_t checked_workers(T n, const char* who) {
  if (n <= 0)
    throw std::invalid_argument(std::string("parjit: ") + who +
                                " needs at least one worker (got " + std::to_string(n) + ")");
  return static_cast<std::size_t>(n);
}

// What arena_executor and thread_executor share: the interface of concurrent.futures.Executor.
class executor_base {
 public:
  executor_base(const executor_base&) = delete;
  executor_base& operator=(const executor_base&) = delete;

  /// Runs `fn(args...)` as a task (`fn(stop_token, args...)` if it takes a `std::stop_token`)
  /// and returns its future. Arguments are copied or moved into the task.
  /// Throws std::logic_error after shutdown(), std::invalid_argument for a null callable.
  template <class F, class... Args>
  auto submit(F&& fn, Args&&... args) {
    detail::check_callable(fn);
    using R = detail::task_result_t<F, Args...>;
    using task = detail::task_state<R, std::decay_t<F>, std::decay_t<Args>...>;
    auto s = std::make_shared<task>(core_, detail::status::pending, std::forward<F>(fn),
                                    std::forward<Args>(args)...);
    core_->submit(s);
    return detail::future_access::make<R>(std::move(s));
  }

  /// A lazy, ordered map: iterating yields `fn(item)` for each item in input order, keeping at
  /// most `options.window` items in flight, so an endless input is fine. The iterator rethrows the
  /// exception of the item that failed, at that item. Destroying the range (e.g. after `break`)
  /// cancels what has not started and waits for what runs. `items` is held by reference if it is
  /// an lvalue, else moved into the range.
  ///
  ///     for (int r : pool.map([](int x) { return x * x; }, std::views::iota(0))) if (r > 100) break;
  template <class F, std::ranges::input_range R>
  auto map(F fn, R&& items, map_options options = {}) {
    detail::check_callable(fn);
    if (closed()) throw detail::executor_core::shut_down_error("map()");
    const std::size_t window = options.window ? options.window : 2 * workers();
    return map_range<F, detail::all_t<R>>(core_, std::move(fn),
                                              detail::all(std::forward<R>(items)), window);
  }

  /// Stops accepting work. wait: block until accepted work has finished. cancel_pending: drop
  /// queued tasks (their futures become cancelled) and request a stop of running ones.
  /// Idempotent; `shutdown(false, false)` returns at once and queued work still runs.
  void shutdown(bool wait = true, bool cancel_pending = false) {
    core_->shutdown(wait, cancel_pending);
  }

  /// Number of worker threads (slots of the arena).
  std::size_t workers() const noexcept { return core_->workers(); }

  /// True once shutdown() has been called: submit, map and the parallel algorithms then throw
  /// std::logic_error.
  bool closed() const { return core_->closed(); }

 protected:
  explicit executor_base(std::shared_ptr<executor_core> core) : core_(std::move(core)) {}
  ~executor_base() = default;

  std::shared_ptr<executor_core> core_;
};

// oneTBB starts cores - 1 worker threads by default, so an arena of N slots whose tasks are
// enqueued (no caller thread joins them) would run on fewer than N threads. Raise the process's
// worker limit to the largest arena requested; it is never lowered while the process runs, so the
// last limit is deliberately never destroyed (not even at exit, where oneTBB's own teardown runs).
inline void ensure_tbb_workers(std::size_t slots) {
  static std::mutex m;
  static tbb::global_control* limit = nullptr;
  std::lock_guard lk(m);
  const auto wanted = slots + 1;  // + 1: the limit counts an external thread
  const auto now = tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism);
  if (wanted <= now) return;
  // The new limit holds before the old one goes, so the limit never dips.
  auto* raised = new tbb::global_control(tbb::global_control::max_allowed_parallelism, wanted);
  delete limit;
  limit = raised;
}

class arena_core final : public executor_core {
 public:
  arena_core(std::size_t workers, tbb::task_arena& arena) : executor_core(workers), arena_(arena) {}

  void enqueue(std::shared_ptr<state_base> task) override {
    // oneTBB's enqueue does not promise FIFO order; tasks should start in submission order (as in
    // a thread pool), so each TBB task runs the oldest queued parjit task, not "its own".
    // The lambda keeps the core alive until the task is accounted for; the arena itself belongs to
    // the executor, which waits for every task before it destroys the arena.
    // A mutex-guarded queue, not tbb::concurrent_queue: submit already takes the core's mutex,
    // and concurrent_queue.h would be the heaviest TBB header parjit.hpp includes.
    {
      std::lock_guard lk(fifo_m_);
      fifo_.push(std::move(task));
    }
    arena_.enqueue([keep = shared_from_this(), core = this] {
      std::shared_ptr<state_base> next;
      {
        std::lock_guard lk(core->fifo_m_);
        if (core->fifo_.empty()) return;
        next = core->fifo_.pop();
      }
      core->execute(*next);
    });
  }

 private:
  tbb::task_arena& arena_;
  std::mutex fifo_m_;
  task_queue fifo_;
};

class thread_core final : public executor_core {
 public:
  using executor_core::executor_core;

  void enqueue(std::shared_ptr<state_base> task) override {
    {
      std::lock_guard lk(qm_);
      queue_.push(std::move(task));
      queued_.store(queue_.size(), std::memory_order_release);
    }
    qcv_.notify_one();
  }

  void serve() {
    for (;;) {
      std::shared_ptr<state_base> task;
      // Poll briefly before sleeping: a burst of small tasks then avoids a wake-up per task.
      const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(20);
      while (queued_.load(std::memory_order_acquire) == 0 &&
             std::chrono::steady_clock::now() < until) {
        for (int i = 0; i < 64; ++i) cpu_relax();
      }
      {
        std::unique_lock lk(qm_);
        qcv_.wait(lk, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, nothing left
        task = queue_.pop();
        queued_.store(queue_.size(), std::memory_order_release);
      }
      execute(*task);
    }
  }

  void stop_serving() {
    {
      std::lock_guard lk(qm_);
      stopping_ = true;
    }
    qcv_.notify_all();
  }

 private:
  std::mutex qm_;
  std::condition_variable qcv_;
  task_queue queue_;
  std::atomic<std::size_t> queued_{0};
  bool stopping_ = false;
};

}  // namespace detail

/// An executor over its own oneTBB task arena: the right place for CPU-bound work.
///
///     parjit::arena_executor pool{4};          // 4 slots; {} = all cores
///     auto f = pool.submit([](int x) { return x * x; }, 7);
///     for (int r : pool.map(score, items)) use(r);
///
/// The destructor waits for all accepted work (`shutdown(true)`). Not copyable or movable.
/// Thread safety: all members may be called concurrently from any thread, including from tasks.
class arena_executor : public detail::executor_base {
 public:
  /// An arena with as many slots as the machine has cores.
  arena_executor() : arena_executor(tbb::info::default_concurrency()) {}
  /// An arena with `workers` slots; 0 or negative is std::invalid_argument.
  explicit arena_executor(int workers)
      : executor_base(nullptr),
        tasks_(static_cast<int>(detail::checked_workers(workers, "arena_executor")), 0),
        algorithms_(workers, 1) {
    detail::ensure_tbb_workers(static_cast<std::size_t>(workers));
    // Not make_shared: its machinery, instantiated per core type, would cost every file that
    // includes parjit.hpp compile time, and a core is made once per executor.
    core_.reset(new detail::arena_core(static_cast<std::size_t>(workers), tasks_));
    tasks_.initialize();
    algorithms_.initialize();
  }
  ~arena_executor() { shutdown(true, false); }

  /// The oneTBB arena that runs data-parallel work (`parallel_map`, `jit::par`, your own TBB
  /// algorithms): `workers` slots, one of them kept for the calling thread, which works too.
  /// (Submitted tasks run in a second arena whose slots are all for workers, since the caller of
  /// `submit` does not join; oneTBB's market shares one pool of worker threads between the two.)
  tbb::task_arena& arena() noexcept { return algorithms_; }

  /// Runs `fn()` in `arena()` in this thread, as `task_arena::execute`, with waiting on this
  /// executor's futures safe from inside it. Used by the parallel algorithms.
  template <class F>
  decltype(auto) execute(F&& fn) {
    const detail::executor_core* c = core_.get();
    return algorithms_.execute([&]() -> decltype(auto) {
      detail::scoped_current_core here(c);
      return std::forward<F>(fn)();
    });
  }

  /// Runs `chunk(b, e)` over [0, n), in pieces of at least `grain` items, in parallel in `arena()`
  /// (one `tbb::parallel_for`, isolated), and returns when all have run. The customisation point
  /// through which `parallel_map` & co. use the arena instead of one task per chunk (see the
  /// `parjit::executor` concept). `chunk` should not throw; waiting on this executor's futures
  /// inside it is safe.
  template <class Chunk>
  void for_each_chunk(std::size_t n, std::size_t grain, Chunk&& chunk) {
    const detail::executor_core* c = core_.get();
    execute([&] {
      tbb::this_task_arena::isolate([&] {
        tbb::parallel_for(
            tbb::blocked_range<std::size_t>(0, n, grain),
            [&](const tbb::blocked_range<std::size_t>& r) {
              detail::scoped_current_core here(c);  // TBB threads that steal a piece help, too
              chunk(r.begin(), r.end());
            },
            tbb::auto_partitioner{});
      });
    });
  }

  /// The core identity used to tag threads that run this executor's work.
  const detail::executor_core* core() const noexcept { return core_.get(); }

 private:
  tbb::task_arena tasks_;
  tbb::task_arena algorithms_;
};

/// An executor of plain threads, for blocking work (I/O, sleeps, waiting on devices): a worker
/// that blocks does not take a core away from an arena.
///
///     parjit::thread_executor io{32};
///     auto page = io.submit(fetch, url);
///
/// Same interface and guarantees as `arena_executor`. Thread safety: as arena_executor.
class thread_executor : public detail::executor_base {
 public:
  /// As many threads as the machine has cores.
  thread_executor() : thread_executor(static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))) {}
  /// `workers` threads; 0 or negative is std::invalid_argument.
  explicit thread_executor(int workers)
      : executor_base(std::shared_ptr<detail::executor_core>(new detail::thread_core(
            detail::checked_workers(workers, "thread_executor")))) {
    threads_.reserve(static_cast<std::size_t>(workers));
    try {
      // The threads use the core through a plain pointer: core_ outlives them (they are joined
      // before the executor lets go of it).
      for (int i = 0; i < workers; ++i) threads_.emplace_back([core = &serving()] { core->serve(); });
    } catch (...) {  // a thread could not start: stop and join those that did, then report it
      stop_threads();
      throw;
    }
  }
  ~thread_executor() {
    shutdown(true, false);
    stop_threads();
  }

  const detail::executor_core* core() const noexcept { return core_.get(); }

 private:
  detail::thread_core& serving() { return static_cast<detail::thread_core&>(*core_); }
  void stop_threads() {
    serving().stop_serving();
    for (auto& t : threads_) t.join();
  }

  std::vector<std::thread> threads_;
};

namespace detail {
// The task the `executor` concept submits (in an unevaluated context: it never runs). Empty and
// captureless, so executors whose tasks travel to another process accept it too.
struct probe_task {
  int operator()() const noexcept { return 0; }
};
}  // namespace detail

/// What an executor provides, structurally (nothing to derive from): `arena_executor`,
/// `thread_executor` and `parjit::mpi::executor` satisfy it, and so may yours. The parallel
/// algorithms (`parallel_map`, `parallel_for_each`, `map_reduce`) are written once against it.
///
/// - `ex.submit(fn, args...)` returns `parjit::future<R>` (and throws std::logic_error once shut down);
/// - `ex.shutdown(wait, cancel_pending)`, `ex.closed()` (true once shut down), `ex.workers()`.
///
/// Optional customisation points, found by name: `ex.for_each_chunk(n, grain, chunk)` runs
/// `chunk(b, e)` over [0, n) itself (`arena_executor`: one `tbb::parallel_for`); without it, the
/// algorithms submit a few chunks per worker as tasks and wait for them. `ex.submit_chunk(fn,
/// items, b, e)` ships the callable and items [b, e) to where tasks run (`mpi::executor`: another
/// process) and returns a future of `{values, error}`; results are then consumed on the calling
/// thread in index order.
template <class E>
concept executor = requires(E& ex, const E& cex) {
  { ex.submit(detail::probe_task{}) } -> std::same_as<future<int>>;
  { cex.workers() } -> std::convertible_to<std::size_t>;
  { cex.closed() } -> std::convertible_to<bool>;
  ex.shutdown(true, false);
};

/// The process-wide arena over all cores, used by `parallel_map(items, fn)` and `jit::par`.
/// Created on first use. Thread safety: safe to call from any thread.
inline arena_executor& default_executor() {
  static arena_executor instance;
  return instance;
}

namespace detail {

// What a map_range computes: the window of item tasks over the executor, in input order.
template <class F, class V>
class map_source {
  using input_ref = std::ranges::range_reference_t<V>;
  // Elements of a forward range held here stay put while the range lives: tasks read them in
  // place. Items of a single-pass input (a generator) are copied into their task.
  static constexpr bool by_pointer =
      std::ranges::forward_range<V> && std::is_lvalue_reference_v<input_ref>;
  using stored_item = std::ranges::range_value_t<V>;

 public:
  using result_type = std::decay_t<std::invoke_result_t<F&, input_ref>>;
  static_assert(!std::is_void_v<result_type>,
                "parjit: map() needs a callable that returns a value; use parallel_for_each for "
                "side effects");

  map_source(std::shared_ptr<executor_core> core, F fn, V items, std::size_t window)
      : core_(std::move(core)), fn_(std::move(fn)), items_(std::move(items)), window_(window) {}

  void start() {
    if (started_) throw std::logic_error("parjit: a map range can be iterated only once");
    started_ = true;
    next_ = std::ranges::begin(items_);
    window_.fill([&] { return submit_next(); });
  }
  result_type& current() {
    if (!value_) {
      auto& s = *future_access::state_of(window_.front());
      s.wait();
      s.rethrow_if_failed();
      value_.emplace(std::move(s.value()));
    }
    return *value_;
  }
  void advance() {
    if (!value_) current();  // an item must be waited for (and may throw) before moving past it
    value_.reset();
    window_.pop_front();
    window_.fill([&] { return submit_next(); });
  }
  bool at_end() const noexcept { return window_.empty(); }
  std::size_t in_flight() const noexcept { return window_.size(); }

 private:
  bool submit_next() {
    if (next_ == std::ranges::end(items_)) return false;
    if constexpr (by_pointer) {
      auto* item = std::addressof(*next_);
      push([fn = &fn_, item]() -> result_type { return detail::invoke(*fn, *item); });
    } else {
      push([fn = &fn_, item = stored_item(*next_)]() mutable -> result_type {
        return detail::invoke(*fn, std::move(item));
      });
    }
    ++next_;
    return true;
  }

  template <class Body>
  void push(Body body) {
    auto s = std::make_shared<task_state<result_type, Body>>(core_, status::pending,
                                                             std::move(body));
    core_->submit(s, "map()");
    window_.push(future_access::make<result_type>(std::move(s)));
  }

  std::shared_ptr<executor_core> core_;
  F fn_;
  V items_;
  bool started_ = false;
  std::ranges::iterator_t<V> next_{};
  ordered_window<future<result_type>> window_;  // after what its tasks read: destroyed first
  std::optional<result_type> value_;
};

}  // namespace detail

/// The lazy range `executor.map(fn, items)` returns. Input range of the results, in order; `begin()`
/// starts the first `window` items and may be called once.
template <class F, class V>
class map_range : public detail::lazy_range<detail::map_source<F, V>> {
 public:
  using result_type = typename detail::map_source<F, V>::result_type;
  using detail::lazy_range<detail::map_source<F, V>>::lazy_range;

  /// Items submitted and not yet consumed (at most the window).
  std::size_t in_flight() const noexcept { return this->source_.in_flight(); }
};

}  // namespace parjit
