// parjit::future<T>: a copyable handle to a task's result, like concurrent.futures.Future.
#pragma once

#include <exception>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "detail/chrono.hpp"
#include "detail/functional.hpp"
#include "detail/state.hpp"
#include "errors.hpp"

namespace parjit {

template <class T>
class future;

namespace detail {
struct future_access;
template <class T>
void check_timeout(const T& timeout) {
  if (!(timeout >= T::zero()))  // negative, or NaN
    throw std::invalid_argument("parjit: a timeout must not be negative (got " +
                                std::to_string(timeout.count()) + " ticks)");
}

// When waiting gives up; `no_deadline` (the clock's last time point) never passes.
using deadline_t = std::chrono::steady_clock::time_point;
inline constexpr deadline_t no_deadline = deadline_t::max();

// Now + `timeout` (checked); a timeout beyond what the clock can count (`hours::max()`) is no
// deadline rather than an overflow into the past.
template <class Rep, class Period>
deadline_t deadline_after(const std::chrono::duration<Rep, Period>& timeout) {
  check_timeout(timeout);
  const auto now = std::chrono::steady_clock::now();
  using seconds = std::chrono::duration<double>;
  if (seconds(timeout) >= seconds(no_deadline - now)) return no_deadline;
  return now + std::chrono::duration_cast<deadline_t::duration>(timeout);
}
}  // namespace detail

/// The result of a task that runs on an executor: a cheap, copyable handle to shared state
/// (like `std::shared_future` and Python's `concurrent.futures.Future`).
///
///     parjit::future<int> f = pool.submit([](int x) { return x * x; }, 7);
///     int v = f.get();                       // 49; rethrows the task's exception
///     auto g = f.then([](int x) { return x + 1; });
///
/// `get()` returns `const T&` (nothing for `future<void>`), waiting if needed. Waiting from inside a
/// task of the same executor runs the awaited task in the waiting thread if it has not started, so
/// it never deadlocks, even on an executor with one worker. A cancelled future is done, and its
/// `get()` throws `parjit::cancelled_error`.
///
/// Thread safety: every member may be called from any thread, on copies or on one object.
template <class T>
class future {
 public:
  using value_type = T;

  /// A future without state: `valid()` is false and every other call throws std::logic_error.
  future() noexcept = default;

  bool valid() const noexcept { return state_ != nullptr; }

  /// Waits, then returns the value or rethrows the task's exception (`cancelled_error` if it was
  /// cancelled). The reference stays valid while any copy of this future exists.
  decltype(auto) get() const {
    detail::state<T>& s = checked();
    s.wait();
    s.rethrow_if_failed();
    if constexpr (!std::is_void_v<T>) return static_cast<const T&>(s.value());
  }

  /// As `get()`, waiting at most `timeout` (Python's `result(timeout)`): throws
  /// `parjit::timeout_error` if the task is not done by then (the task is not cancelled; call
  /// `get` again later). A negative timeout is std::invalid_argument.
  ///
  ///     try { use(f.get(2s)); } catch (const parjit::timeout_error&) { f.cancel(); }
  template <class Rep, class Period>
  decltype(auto) get(const std::chrono::duration<Rep, Period>& timeout) const {
    if (wait_for(timeout) != std::future_status::ready)
      throw timeout_error("parjit: future::get timed out after " +
                          std::to_string(std::chrono::duration<double, std::milli>(timeout).count()) +
                          " ms (the task goes on)");
    return get();
  }

  /// True once the task finished (with a value or an exception) or was cancelled.
  bool done() const { return checked().done(); }
  /// True while the task runs.
  bool running() const { return checked().get_status() == detail::status::running; }
  bool cancelled() const { return checked().cancelled(); }

  /// Blocks until done().
  void wait() const { checked().wait(); }

  /// As std::future::wait_for; a negative timeout is std::invalid_argument.
  template <class Rep, class Period>
  std::future_status wait_for(const std::chrono::duration<Rep, Period>& timeout) const {
    return wait_until(detail::deadline_after(timeout));
  }
  template <class Clock, class Duration>
  std::future_status wait_until(const std::chrono::time_point<Clock, Duration>& deadline) const {
    detail::state<T>& s = checked();
    s.help();
    return s.wait_until(deadline) ? std::future_status::ready : std::future_status::timeout;
  }

  /// Waits, then returns the task's exception (null if it succeeded; a `cancelled_error` if it
  /// was cancelled), like Python's `Future.exception()`.
  std::exception_ptr exception() const {
    detail::state<T>& s = checked();
    s.wait();
    return s.error();
  }

  /// Drops the task if it has not started: returns true, and `get()` then throws
  /// `cancelled_error`. A running task gets a stop request (seen through its `std::stop_token`, if
  /// the callable takes one) and this returns false; a finished one returns false.
  bool cancel() const { return checked().cancel(); }

  /// Runs `fn` once the future is done, exactly once: in the thread that completes it, or at once
  /// in this thread if it is already done. `fn` takes `future<T>&`. An exception from `fn` is
  /// reported on stderr and changes neither this future nor the executor.
  template <class F>
    requires std::is_invocable_v<F&, future<T>&>
  void on_done(F fn) const {
    detail::check_callable(fn);
    detail::state<T>* raw = &checked();
    raw->add_callback([raw, fn = std::move(fn)]() mutable {
      future self(std::static_pointer_cast<detail::state<T>>(raw->shared_from_this()));
      fn(self);
    });
  }

  /// A future of `fn(value)` (`fn()` for `future<void>`), run as a task on the same executor once
  /// this one has a value. If this future fails, the continuation fails with the same exception
  /// without calling `fn`; if it is cancelled, so is the continuation. Once the executor has been
  /// destroyed, the continuation runs in the thread that completes this future.
  template <class F>
  auto then(F fn) const {
    detail::check_callable(fn);
    auto parent = state_;
    checked();
    auto body = [parent, fn = std::move(fn)]() mutable -> decltype(auto) {
      parent->rethrow_if_failed();
      if constexpr (std::is_void_v<T>) {
        return detail::invoke(fn);
      } else {
        return detail::invoke(fn, std::as_const(parent->value()));
      }
    };
    using R = std::remove_cvref_t<std::invoke_result_t<decltype(body)&&>>;
    using task = detail::task_state<R, decltype(body)>;
    auto child = std::make_shared<task>(core_of(), detail::status::deferred, std::move(body));
    child->parent_ = parent;
    parent->add_callback([child] { child->release_continuation(); });
    return future<R>(std::move(child));
  }

  /// Futures compare equal when they share one state.
  friend bool operator==(const future& a, const future& b) noexcept {
    return a.state_ == b.state_;
  }

 private:
  friend struct detail::future_access;
  template <class>
  friend class future;

  explicit future(std::shared_ptr<detail::state<T>> s) noexcept : state_(std::move(s)) {}

  detail::state<T>& checked() const {
    if (!state_) throw std::logic_error("parjit: this future has no state (default-constructed)");
    return *state_;
  }
  std::shared_ptr<detail::executor_core> core_of() const { return state_->core_ptr(); }

  std::shared_ptr<detail::state<T>> state_;
};

namespace detail {
// Internal access for executors and algorithms (making futures, moving values out, waiting).
struct future_access {
  template <class T>
  static future<T> make(std::shared_ptr<state<T>> s) noexcept {
    return future<T>(std::move(s));
  }
  template <class T>
  static const std::shared_ptr<state<T>>& state_of(const future<T>& f) noexcept {
    return f.state_;
  }
};
}  // namespace detail

}  // namespace parjit
