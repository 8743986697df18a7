// parjit::mpi::executor: concurrent.futures' executor interface over MPI ranks (mpi4py.futures).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <iterator>
#include <memory>
#include <optional>
#include <ranges>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "../parallel/detail/executor_internals.hpp"
#include "detail/core.hpp"
#include "detail/mpi.hpp"
#include "detail/registry.hpp"
#include "serialize.hpp"

namespace parjit::mpi {

/// Options of `parjit::mpi::executor`.
struct executor_options {
  /// The ranks that take part (every one of them must construct the executor): duplicated, so
  /// the executor's messages never mix with the program's own.
  MPI_Comm comm = MPI_COMM_WORLD;
  /// The rank that submits work; all others serve.
  int root = 0;
  /// Arena threads per rank that run tasks; 0 means all cores of that rank's machine.
  int threads = 0;
  /// Tasks kept in flight per worker thread (messages are overlapped with work); at least 1.
  int tasks_per_thread = 2;
};

/// Options of `executor.map(fn, items, {.chunk = 64})`.
struct map_options {
  /// Items per message: a worker runs a chunk's items in parallel on its arena. Larger chunks
  /// amortise the per-message cost (docs/mpi.md, "Chunk size"); 0 is std::invalid_argument.
  std::size_t chunk = 1;
  /// Chunks in flight (submitted, not yet consumed) at once; 0 means every worker's capacity.
  std::size_t window = 0;
};

template <class F, class V>
class map_range;

/// An executor whose tasks run on the ranks of an MPI job, like `mpi4py.futures.MPICommExecutor`.
/// SPMD: every rank constructs it; on worker ranks the constructor serves tasks (each on that
/// rank's own `parjit::arena_executor`) until the root shuts the executor down, then returns with
/// `is_root()` false. With a single rank (no `mpirun`), tasks run on a local arena, through the
/// same serialisation, so one program runs both ways.
///
///     int main(int argc, char** argv) {
///       parjit::mpi::environment env(argc, argv);
///       parjit::mpi::executor ex;
///       if (!ex.is_root()) return 0;
///       parjit::future<double> f = ex.submit(score, item);
///       for (double r : ex.map(score, items, {.chunk = 64})) use(r);
///       auto all = parjit::parallel_map(ex, items, score);
///     }
///
/// Callables are lambdas without captures or functions of the program's executable (not of a
/// shared library: refused at submit); every rank must run the same binary, which the
/// constructor's handshake checks. Arguments and results are serialised (see
/// `parjit::mpi::serializer`; views and pointers do not compile). Futures are
/// `parjit::future<T>`: `as_completed`, `wait`, `on_done` and `then` work unchanged; callbacks and
/// continuations run on the executor's completion threads, so they may wait on other futures of
/// this executor. A task's exception is rethrown by `get()` as its standard type, else as
/// `remote_error`; a reply that does not decode fails its future with std::runtime_error naming
/// the rank. Either way the worker keeps serving. The destructor shuts down (waits for accepted
/// work and its callbacks, releases workers).
///
/// Thread safety: on the root, every member may be called from any thread.
class executor {
 public:
  /// Collective over `options.comm`. Needs a live `parjit::mpi::environment`. Throws
  /// std::runtime_error, on every rank, when the ranks run different binaries or parjit versions.
  explicit executor(executor_options options = {}) {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized)
      throw std::logic_error(
          "parjit::mpi: create a parjit::mpi::environment (MPI_Init) before the executor");
    if (options.tasks_per_thread < 1)
      throw std::invalid_argument("parjit::mpi: tasks_per_thread must be at least 1 (got " +
                                  std::to_string(options.tasks_per_thread) + ")");
    detail::check(MPI_Comm_dup(options.comm, &comm_), "MPI_Comm_dup");
    MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN);
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
    root_ = options.root;
    if (root_ < 0 || root_ >= size_)
      throw std::invalid_argument("parjit::mpi: root " + std::to_string(root_) +
                                  " is not a rank of a communicator of size " +
                                  std::to_string(size_));
    const int threads = options.threads > 0
                            ? options.threads
                            : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    // Every rank checks that all speak the same protocol and run the same binary: a rank of
    // another program or parjit version is refused here, on every rank, not misread later.
    std::vector<int> all;
    try {
      all = detail::handshake(comm_, threads);
    } catch (...) {
      MPI_Comm_free(&comm_);
      throw;
    }
    if (rank_ != root_) {
      detail::serve(comm_, root_, rank_, threads);
      return;
    }
    std::vector<int> ranks, counts;
    for (int r = 0; r < size_; ++r)
      if (r != root_) {
        ranks.push_back(r);
        counts.push_back(all[static_cast<std::size_t>(r)]);
      }
    core_ = std::make_shared<detail::root_core>(comm_, std::move(ranks), std::move(counts),
                                                options.tasks_per_thread, threads);
  }

  ~executor() {
    core_.reset();  // shutdown(true): waits for accepted work, stops the workers
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (comm_ != MPI_COMM_NULL && !finalized) MPI_Comm_free(&comm_);
  }
  executor(const executor&) = delete;
  executor& operator=(const executor&) = delete;

  /// True on the rank that submits work (after the constructor returns on a worker, false).
  bool is_root() const noexcept { return rank_ == root_; }
  /// This rank in the executor's communicator.
  int rank() const noexcept { return rank_; }
  /// Ranks in the executor's communicator, the root included.
  int size() const noexcept { return size_; }
  /// Ranks that run tasks (size() - 1; 0 when tasks run locally on the root).
  std::size_t worker_ranks() const noexcept { return core_ ? core_->worker_ranks() : 0; }
  /// Arena threads that run tasks, over all worker ranks (the root's own when local).
  std::size_t workers() const noexcept { return core_ ? core_->threads() : 0; }
  /// Most tasks in flight at once over all workers.
  std::size_t capacity() const noexcept { return core_ ? core_->capacity() : 0; }
  /// True once shutdown() has been called (always on a worker rank): submit, map and the parallel
  /// algorithms then throw std::logic_error.
  bool closed() const { return !core_ || core_->closed(); }

  /// Runs `fn(args...)` on a worker rank and returns its future. `fn`: a function or a
  /// captureless lambda; `args` and the result must be `shippable`. Throws std::logic_error
  /// after shutdown() (and always on a worker rank), std::invalid_argument for a function that
  /// is not in the program's executable (such as `cos` taken from libm: wrap it in a lambda).
  ///
  ///     parjit::future<double> f = ex.submit(score, std::string("cat.jpg"), 0.5);
  template <class F, class... Args>
  auto submit(F&& fn, Args&&... args) {
    using fn_t = std::decay_t<F>;
    detail::check_shippable_callable<fn_t>();
    (check_shippable<std::decay_t<Args>>(), ...);  // "an argument type cannot be sent"
    static_assert((shippable<std::decay_t<Args>> && ...),
                  "parjit::mpi: an argument type cannot be sent to another rank; specialise "
                  "parjit::mpi::serializer<T> for it (see parjit/mpi/serialize.hpp)");
    using inv = detail::call_invoker<fn_t, std::decay_t<Args>...>;
    using R = typename inv::result;
    if constexpr (!std::is_void_v<R>) check_shippable<R>();
    static_assert(std::is_void_v<R> || shippable<R>,
                  "parjit::mpi: the result type cannot be sent back from another rank; "
                  "specialise parjit::mpi::serializer<T> for it (see parjit/mpi/serialize.hpp)");
    const fn_t f = fn;
    parjit::detail::check_callable(f);
    auto s = std::make_shared<detail::remote_state<R>>(&detail::decode_value<R>);
    s->message = start_message<inv>(f);
    writer w(s->message);
    (w.write(static_cast<const std::decay_t<Args>&>(args)), ...);
    checked_core().submit(s);
    return parjit::detail::future_access::make<R>(
        std::static_pointer_cast<parjit::detail::state<R>>(std::move(s)));
  }

  /// A lazy, ordered map: yields `fn(item)` for each item in input order. Items are sent
  /// `options.chunk` at a time and at most `options.window` chunks are in flight, so an endless
  /// input is fine. The iterator rethrows the failed item's exception at that item. Destroying
  /// the range (e.g. after `break`) cancels chunks not yet dispatched and waits for the rest.
  /// Items are serialised as the range advances, so `items` is read only while iterating.
  ///
  ///     for (double r : ex.map(score, images, {.chunk = 64})) total += r;
  template <class F, std::ranges::input_range R>
  auto map(F fn, R&& items, map_options options = {}) {
    detail::check_shippable_callable<F>();
    parjit::detail::check_callable(fn);
    if (options.chunk == 0) throw std::invalid_argument("parjit::mpi: map chunk must be >= 1");
    const std::size_t window = options.window ? options.window : std::max<std::size_t>(2, capacity());
    return map_range<F, std::views::all_t<R>>(*this, fn, std::views::all(std::forward<R>(items)),
                                              options.chunk, window);
  }

  /// Stops accepting work. wait: block until accepted work has finished, then release the
  /// worker ranks. cancel_pending: drop tasks not yet sent to a worker (their futures become
  /// cancelled); tasks already on a worker run to the end. Idempotent; `shutdown(false, false)`
  /// returns at once, queued work still runs, and the workers are released when it is done.
  void shutdown(bool wait = true, bool cancel_pending = false) {
    if (core_) core_->shutdown(wait, cancel_pending);
  }

  /// Sends items [b, e) of an indexed range as one chunk; its future holds the results of the
  /// items before the first failure, and that failure. Used by map and the parallel algorithms.
  template <class F, class Items>
  auto submit_chunk(const F& fn, Items& items, std::size_t b, std::size_t e) {
    using item_t = std::remove_cvref_t<decltype(items[b])>;
    return submit_items<F, item_t>(fn, e - b, [&](writer& w) {
      for (std::size_t i = b; i < e; ++i) w.write(static_cast<const item_t&>(items[i]));
    });
  }

  /// As submit_chunk, with the items written by `fill(writer&)`; `n` of them.
  template <class F, class Item, class Fill>
  auto submit_items(const F& fn, std::size_t n, Fill&& fill) {
    detail::check_shippable_callable<F>();
    check_shippable<Item>();
    static_assert(shippable<Item>,
                  "parjit::mpi: the item type cannot be sent to another rank; specialise "
                  "parjit::mpi::serializer<T> for it (see parjit/mpi/serialize.hpp)");
    using inv = detail::chunk_invoker<F, Item>;
    using R = typename inv::result;
    static_assert(std::is_void_v<R> || shippable<R>,
                  "parjit::mpi: the result type cannot be sent back from another rank; "
                  "specialise parjit::mpi::serializer<T> for it (see parjit/mpi/serialize.hpp)");
    using chunk = detail::chunk_result<R>;
    auto s = std::make_shared<detail::remote_state<chunk>>(&inv::decode);
    s->message = start_message<inv>(fn);
    writer w(s->message);
    w.write(static_cast<std::uint64_t>(n));
    fill(w);
    // The reply is checked against the count sent (`fill` may have rewritten it: map does).
    std::memcpy(&s->items, s->message.data() + detail::header_bytes, sizeof s->items);
    checked_core().submit(s);
    return parjit::detail::future_access::make<chunk>(
        std::static_pointer_cast<parjit::detail::state<chunk>>(std::move(s)));
  }

 private:
  detail::root_core& checked_core() {
    if (!core_)
      throw std::logic_error(
          "parjit::mpi: submit() on a worker rank; only the root (is_root()) submits work");
    return *core_;
  }

  template <class Invoker, class F>
  std::vector<char> start_message(const F& fn) {
    static_assert(!std::is_function_v<F>, "parjit::mpi: internal: pass a decayed callable");
    const std::uint64_t key = detail::checked_key<Invoker>();
    const std::int64_t offset = detail::offset_of(fn);  // throws for a shared library's function
    std::vector<char> m = checked_core().buffer();
    writer w(m);
    w.write(std::uint64_t{0});  // the id, set at dispatch
    w.write(key);
    w.write(offset);
    return m;
  }

  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  int size_ = 1;
  int root_ = 0;
  std::shared_ptr<detail::root_core> core_;
};

namespace detail {

// What an mpi::map_range computes: chunks of items in flight on the ranks, consumed in order.
template <class F, class V>
class chunk_map_source {
  using item_t = std::ranges::range_value_t<V>;

 public:
  using result_type = std::remove_cvref_t<std::invoke_result_t<F&, item_t&>>;
  static_assert(!std::is_void_v<result_type>,
                "parjit::mpi: map() needs a callable that returns a value; use "
                "parallel_for_each for side effects");
  using chunk_t = chunk_result<result_type>;

  chunk_map_source(executor& ex, F fn, V items, std::size_t chunk, std::size_t window)
      : ex_(ex), fn_(fn), items_(std::move(items)), chunk_(chunk), window_(window) {}

  // Sends the first `window` chunks. Called once (an input range).
  void start() {
    if (started_) throw std::logic_error("parjit::mpi: a map range can be iterated only once");
    started_ = true;
    next_ = std::ranges::begin(items_);
    window_.fill([&] { return submit_next(); });
  }
  result_type& current() {
    const chunk_t& c = window_.front().get();
    if (pos_ == c.values.size() && c.error) std::rethrow_exception(c.error);
    return const_cast<result_type&>(c.values[pos_]);
  }
  void advance() {
    current();  // an item must be waited for (and may throw) before moving past it
    const chunk_t& c = window_.front().get();
    if (++pos_ == c.values.size() && !c.error) {  // a failed chunk stops at its error
      pos_ = 0;
      window_.pop_front();
      window_.fill([&] { return submit_next(); });
    }
  }
  bool at_end() const noexcept { return window_.empty(); }

 private:
  bool submit_next() {
    if (next_ == std::ranges::end(items_)) return false;
    std::size_t n = 0;
    std::size_t count_at = 0;
    auto fut = ex_.template submit_items<F, item_t>(fn_, 0, [&](writer& w) {
      count_at = w.size() - sizeof(std::uint64_t);
      for (; n < chunk_ && next_ != std::ranges::end(items_); ++n, ++next_)
        w.write(static_cast<const item_t&>(*next_));
      const auto count = static_cast<std::uint64_t>(n);
      std::memcpy(w.buffer().data() + count_at, &count, sizeof count);
    });
    window_.push(std::move(fut));
    return true;
  }

  executor& ex_;
  F fn_;
  V items_;
  std::size_t chunk_;
  bool started_ = false;
  std::ranges::iterator_t<V> next_{};
  std::size_t pos_ = 0;
  parjit::detail::ordered_window<parjit::future<chunk_t>> window_;  // destroyed first
};

}  // namespace detail

/// The lazy range `executor.map(fn, items)` returns: an input range of the results, in order.
template <class F, class V>
class map_range : public parjit::detail::lazy_range<detail::chunk_map_source<F, V>> {
 public:
  using result_type = typename detail::chunk_map_source<F, V>::result_type;
  using parjit::detail::lazy_range<detail::chunk_map_source<F, V>>::lazy_range;
};

}  // namespace parjit::mpi
