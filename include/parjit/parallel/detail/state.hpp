// Shared state behind parjit::future and the executor core that schedules it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "../errors.hpp"
#include "chrono.hpp"
#include "functional.hpp"

namespace parjit::detail {

class executor_core;
class state_base;

enum class status : std::uint8_t {
  deferred,   // a continuation whose parent has not finished: not runnable yet
  pending,    // queued on an executor, not started
  running,
  finished,   // value or exception stored
  cancelled,  // dropped before it started
};

// The executor whose task the current thread is running (null outside tasks). A thread that waits
// on a future of the *same* executor runs the awaited task itself if it has not started, so waiting
// inside a task never deadlocks, even on an executor with one worker.
inline thread_local const executor_core* current_core = nullptr;

class scoped_current_core {
 public:
  explicit scoped_current_core(const executor_core* c) noexcept : saved_(current_core) {
    current_core = c;
  }
  ~scoped_current_core() { current_core = saved_; }
  scoped_current_core(const scoped_current_core&) = delete;
  scoped_current_core& operator=(const scoped_current_core&) = delete;

 private:
  const executor_core* saved_;
};

// Reports an exception that escaped a completion callback: it must change neither the future nor
// the executor, and must not vanish silently.
inline void report_callback_exception() noexcept {
  try {
    throw;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parjit: an on_done callback threw: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "parjit: an on_done callback threw a non-std exception\n");
  }
}

using callback_id = std::uint64_t;

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

class state_base : public std::enable_shared_from_this<state_base> {
 public:
  state_base(std::shared_ptr<executor_core> core, status initial) noexcept
      : status_(initial), core_(std::move(core)) {}
  virtual ~state_base() = default;
  state_base(const state_base&) = delete;
  state_base& operator=(const state_base&) = delete;

  status get_status() const noexcept { return status_.load(std::memory_order_acquire); }
  bool done() const noexcept {
    const status s = get_status();
    return s == status::finished || s == status::cancelled;
  }
  bool cancelled() const noexcept { return get_status() == status::cancelled; }
  const executor_core* core() const noexcept { return core_.get(); }
  const std::shared_ptr<executor_core>& core_ptr() const noexcept { return core_; }
  bool has_error() const noexcept { return get_status() == status::finished && error_ != nullptr; }

  // Claims a pending task and runs it in this thread. False when someone else got it first.
  bool run() {
    status expected = status::pending;
    if (!status_.compare_exchange_strong(expected, status::running, std::memory_order_acq_rel))
      return false;
    invoke();
    complete(status::finished);
    return true;
  }

  // Drops a task that has not started; a running one only gets a stop request.
  bool cancel() {
    status s = get_status();
    while (s == status::pending || s == status::deferred) {
      if (status_.compare_exchange_weak(s, status::cancelled, std::memory_order_acq_rel)) {
        complete(status::cancelled);
        return true;
      }
    }
    if (s == status::running) stop_.request_stop();
    return s == status::cancelled;
  }

  // A continuation becomes runnable once its parent is done; defined after executor_core.
  void release_continuation();

  // Runs the awaited task here when that is what keeps the caller from deadlocking.
  bool can_help() const noexcept { return core_ && current_core == core_.get(); }
  void help() {
    if (!can_help()) return;
    if (parent_) parent_->wait();
    run();
  }

  void wait() {
    if (spin_until_done()) return;
    while (!done()) {
      help();
      std::unique_lock lk(m_);
      cv_.wait(lk, [&] { return done() || (can_help() && get_status() == status::pending); });
    }
  }

  // Short tasks finish within microseconds: poll briefly before paying for a sleep and a
  // kernel wake-up. Bounded, so an oversubscribed machine loses at most a few microseconds.
  bool spin_until_done() const noexcept {
    if (done()) return true;
    const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(20);
    do {
      for (int i = 0; i < 64; ++i) {
        if (done()) return true;
        cpu_relax();
      }
    } while (std::chrono::steady_clock::now() < until);
    return done();
  }

  template <class Clock, class Duration>
  bool wait_until(const std::chrono::time_point<Clock, Duration>& deadline) {
    if (done()) return true;
    std::unique_lock lk(m_);
    return cv_.wait_until(lk, deadline, [&] { return done(); });
  }

  // Rethrows the task's exception, or cancelled_error. Call only when done().
  void rethrow_if_failed() const {
    if (get_status() == status::cancelled) throw cancelled_error();
    if (error_) std::rethrow_exception(error_);
  }
  std::exception_ptr error() const noexcept {
    return get_status() == status::cancelled ? std::make_exception_ptr(cancelled_error())
                                             : error_;
  }

  // Registers `fn` to run once when the state is done: now, in this thread, if it already is.
  callback_id add_callback(std::function<void()> fn) {
    {
      std::lock_guard lk(m_);
      if (!done()) {
        const callback_id id = ++next_callback_;
        callbacks_.emplace_back(id, std::move(fn));
        return id;
      }
    }
    run_callback(fn);
    return 0;
  }
  void remove_callback(callback_id id) {
    if (id == 0) return;
    std::lock_guard lk(m_);
    for (std::size_t i = 0; i < callbacks_.size(); ++i) {
      if (callbacks_[i].first != id) continue;
      // Moves the later ones down a place (keeping registration order), then drops the last.
      for (std::size_t k = i + 1; k < callbacks_.size(); ++k) {
        callbacks_[k - 1].first = callbacks_[k].first;
        callbacks_[k - 1].second.swap(callbacks_[k].second);
      }
      callbacks_.pop_back();
      return;
    }
  }

  std::shared_ptr<state_base> parent_;  // set once, before the state is shared

 protected:
  virtual void invoke() noexcept = 0;

  // Marks a pending task as started without invoking it here: for states whose work runs
  // elsewhere (another MPI rank), whose owner calls complete() when the outcome arrives.
  bool mark_running() noexcept {
    status expected = status::pending;
    return status_.compare_exchange_strong(expected, status::running, std::memory_order_acq_rel);
  }

  // Publishes the outcome: waiters wake, callbacks run in this thread.
  void complete(status outcome) {
    std::vector<std::pair<callback_id, std::function<void()>>> callbacks;
    {
      std::lock_guard lk(m_);
      status_.store(outcome, std::memory_order_release);
      callbacks.swap(callbacks_);
    }
    cv_.notify_all();
    for (auto& c : callbacks) run_callback(c.second);
  }

  static void run_callback(std::function<void()>& fn) noexcept {
    try {
      fn();
    } catch (...) {
      report_callback_exception();
    }
  }

  std::exception_ptr error_;
  std::stop_source stop_{std::nostopstate};

 private:
  std::atomic<status> status_;
  std::shared_ptr<executor_core> core_;
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<std::pair<callback_id, std::function<void()>>> callbacks_;
  callback_id next_callback_ = 0;

  friend class task_queue;
  std::shared_ptr<state_base> queued_next_;  // the next task in the executor's task_queue
};

// An executor's accepted tasks that have not started, oldest first: a queue linked through the
// states themselves (a state waits in at most one queue, at most once), so queuing allocates
// nothing. Not synchronised: its owner guards it with its own mutex.
class task_queue {
 public:
  task_queue() = default;
  task_queue(const task_queue&) = delete;
  task_queue& operator=(const task_queue&) = delete;
  ~task_queue() {
    while (!empty()) pop();  // one at a time: a long chain would recurse in its destructors
  }

  bool empty() const noexcept { return head_ == nullptr; }
  std::size_t size() const noexcept { return size_; }

  void push(std::shared_ptr<state_base> task) noexcept {
    state_base* added = task.get();
    if (tail_) {
      tail_->queued_next_ = std::move(task);
    } else {
      head_ = std::move(task);
    }
    tail_ = added;
    ++size_;
  }
  // The oldest task; the queue must not be empty.
  std::shared_ptr<state_base> pop() noexcept {
    std::shared_ptr<state_base> first = std::move(head_);
    head_ = std::move(first->queued_next_);
    if (!head_) tail_ = nullptr;
    --size_;
    return first;
  }

 private:
  std::shared_ptr<state_base> head_;
  state_base* tail_ = nullptr;
  std::size_t size_ = 0;
};

// Typed result storage.
template <class T>
class state : public state_base {
 public:
  using state_base::state_base;
  // Valid once done() and no error.
  T& value() noexcept { return *value_; }

 protected:
  std::optional<T> value_;
};

template <>
class state<void> : public state_base {
 public:
  using state_base::state_base;
};

// The common part of every executor: accepting work, shutdown, and waiting for work in flight.
// Shared (by shared_ptr) with every task, so a future can outlive its executor.
class executor_core : public std::enable_shared_from_this<executor_core> {
 public:
  explicit executor_core(std::size_t workers) : workers_(workers) {}
  virtual ~executor_core() = default;
  executor_core(const executor_core&) = delete;
  executor_core& operator=(const executor_core&) = delete;

  std::size_t workers() const noexcept { return workers_; }

  // A user's submit: refused once shut down. `what` names the call in the message ("map()").
  void submit(std::shared_ptr<state_base> task, const char* what = "submit()") {
    {
      std::lock_guard lk(m_);
      if (closed_) throw shut_down_error(what);
      outstanding_.fetch_add(1, std::memory_order_relaxed);
    }
    enqueue(std::move(task));
  }

  // Work that already-accepted work spawns (continuations): still accepted while shutting down;
  // once the executor is gone, it runs in the calling thread.
  void schedule_internal(std::shared_ptr<state_base> task) {
    bool accepted;
    {
      std::lock_guard lk(m_);
      accepted = !gone_;
      if (accepted) outstanding_.fetch_add(1, std::memory_order_relaxed);
    }
    if (accepted) {
      enqueue(std::move(task));
    } else {
      task->run();
    }
  }

  // Idempotent. wait: block until every accepted task has finished or been dropped.
  void shutdown(bool wait, bool cancel_pending) {
    if (wait && current_core == this)
      throw std::logic_error(
          "parjit: shutdown(wait=true) called from one of the executor's own tasks would wait "
          "for itself; use shutdown(false, ...) there");
    {
      std::lock_guard lk(m_);
      closed_ = true;
      if (cancel_pending) drop_pending_.store(true, std::memory_order_release);
    }
    if (cancel_pending) stop_all_.request_stop();
    if (wait) {
      std::unique_lock lk(m_);
      cv_.wait(lk, [&] { return outstanding_.load(std::memory_order_acquire) == 0; });
      gone_ = true;
    }
  }

  bool closed() const {
    std::lock_guard lk(m_);
    return closed_;
  }

  // What every refusal after shutdown() says, with the call that was refused.
  static std::logic_error shut_down_error(const char* what) {
    return std::logic_error(std::string("parjit: ") + what +
                            " on an executor that has been shut down");
  }

  std::stop_token stop_all_token() const noexcept { return stop_all_.get_token(); }

 protected:
  virtual void enqueue(std::shared_ptr<state_base> task) = 0;

  // A worker runs one dequeued task (or drops it during shutdown(..., true)).
  void execute(state_base& task) noexcept {
    {
      scoped_current_core here(this);
      if (drop_pending_.load(std::memory_order_acquire)) {
        task.cancel();
      } else {
        task.run();  // no-op if a waiting thread already ran it or it was cancelled
      }
    }
    if (outstanding_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard lk(m_);
      cv_.notify_all();
    }
  }

 private:
  const std::size_t workers_;
  mutable std::mutex m_;
  std::condition_variable cv_;
  std::atomic<std::size_t> outstanding_{0};
  bool closed_ = false;
  bool gone_ = false;
  std::atomic<bool> drop_pending_{false};
  std::stop_source stop_all_;
};

inline void state_base::release_continuation() {
  if (parent_ && parent_->cancelled()) {
    cancel();
    return;
  }
  status expected = status::deferred;
  if (!status_.compare_exchange_strong(expected, status::pending, std::memory_order_acq_rel))
    return;  // cancelled meanwhile
  {
    std::lock_guard lk(m_);  // a thread waiting in this executor may now run it itself
  }
  cv_.notify_all();
  if (core_) {
    core_->schedule_internal(shared_from_this());
  } else {
    run();
  }
}

// A task: the callable and its arguments, invoked once. A callable whose first parameter is a
// std::stop_token gets one that fires on cancel() of the running task or shutdown(_, true).
template <class R, class F, class... Args>
class task_state final : public state<R> {
 public:
  template <class G, class... A>
  task_state(std::shared_ptr<executor_core> core, status initial, G&& fn, A&&... args)
      : state<R>(std::move(core), initial),
        fn_(std::in_place, std::forward<G>(fn)),
        args_(std::in_place, std::forward<A>(args)...) {
    if constexpr (takes_stop_token) this->stop_ = std::stop_source();
  }

  static constexpr bool takes_stop_token = std::is_invocable_v<F&&, std::stop_token, Args&&...>;

 private:
  void invoke() noexcept override {
    try {
      if constexpr (takes_stop_token) {
        std::optional<std::stop_callback<forward_stop>> link;
        if (const executor_core* c = this->core()) {
          link.emplace(c->stop_all_token(), forward_stop{this->stop_});
        }
        call(this->stop_.get_token());
      } else {
        call();
      }
    } catch (...) {
      this->error_ = std::current_exception();
    }
    fn_.reset();  // release what the callable captured as soon as it has run
    args_.reset();
  }

  template <class... Pre>
  void call(Pre&&... pre) {
    std::apply(
        [&](auto&... a) {
          if constexpr (std::is_void_v<R>) {
            detail::invoke(std::move(*fn_), std::forward<Pre>(pre)..., std::move(a)...);
          } else {
            this->value_.emplace(
                detail::invoke(std::move(*fn_), std::forward<Pre>(pre)..., std::move(a)...));
          }
        },
        *args_);
  }

  struct forward_stop {
    std::stop_source target;
    void operator()() noexcept { target.request_stop(); }
  };

  std::optional<F> fn_;
  std::optional<std::tuple<Args...>> args_;
};

// The result type of calling F with Args (after a std::stop_token, if F takes one).
template <class F, class... Args>
struct task_result {
  using type = std::invoke_result_t<F&&, Args&&...>;
};
template <class F, class... Args>
  requires std::is_invocable_v<F&&, std::stop_token, Args&&...>
struct task_result<F, Args...> {
  using type = std::invoke_result_t<F&&, std::stop_token, Args&&...>;
};
// Futures hold values: a callable returning a reference gives a future of the referred type.
template <class F, class... Args>
using task_result_t =
    std::remove_cvref_t<typename task_result<std::decay_t<F>, std::decay_t<Args>...>::type>;

// A null function pointer or an empty std::function is misuse, caught at submit time.
template <class F>
void check_callable(const F& f) {
  if constexpr (std::is_function_v<std::remove_reference_t<F>>) {
    // a function named directly is never null
  } else if constexpr (std::is_pointer_v<F> || std::is_member_pointer_v<F>) {
    if (f == nullptr) throw std::invalid_argument("parjit: the callable is a null pointer");
  } else if constexpr (std::is_constructible_v<bool, const F&>) {
    if (!static_cast<bool>(f)) throw std::invalid_argument("parjit: the callable is empty");
  }
}

}  // namespace parjit::detail
