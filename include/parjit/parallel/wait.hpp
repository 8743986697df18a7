// Waiting on many futures: as_completed (completion order) and wait (first / first failure / all),
// as in Python's concurrent.futures.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "detail/chrono.hpp"
#include "detail/lazy_range.hpp"
#include "detail/ranges.hpp"
#include "future.hpp"

namespace parjit {

/// When `wait(futures, ...)` returns.
enum class return_when {
  first_completed,  ///< any future is done (finished or cancelled)
  first_exception,  ///< any future finished by throwing, or all are done
  all_completed,    ///< all are done
};

/// What `wait` returns: the futures that are done and those still pending, each in input order,
/// each future once.
template <class T>
struct wait_result {
  std::vector<future<T>> done;
  std::vector<future<T>> pending;
};

namespace detail {

// Collects completion notifications of a set of futures, in completion order.
template <class T>
class completion_queue {
 public:
  // Unique futures of `futs`, in first-seen order: O(n log n), so waiting on many is cheap.
  template <class R>
  explicit completion_queue(R&& futs) : shared_(std::make_shared<shared>()) {
    std::vector<future<T>> all;
    for (const future<T>& f : futs) {
      if (!future_access::state_of(f))
        throw std::invalid_argument("parjit: waiting on a future without state");
      all.push_back(f);
    }
    // (state, position) sorted: the first of each run of one state is where it was first seen.
    std::vector<std::pair<const state<T>*, std::size_t>> seen;
    seen.reserve(all.size());
    for (std::size_t i = 0; i < all.size(); ++i)
      seen.emplace_back(future_access::state_of(all[i]).get(), i);
    std::sort(seen.begin(), seen.end(), [](const auto& a, const auto& b) {
      return std::less<>()(a.first, b.first) || (a.first == b.first && a.second < b.second);
    });
    seen.erase(std::unique(seen.begin(), seen.end(),
                           [](const auto& a, const auto& b) { return a.first == b.first; }),
               seen.end());
    std::sort(seen.begin(), seen.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
    watched_.reserve(seen.size());
    for (const auto& s : seen) watched_.push_back({std::move(all[s.second]), 0});
    for (std::size_t i = 0; i < watched_.size(); ++i) {
      std::weak_ptr<shared> w = shared_;
      watched_[i].callback = future_access::state_of(watched_[i].f)->add_callback([w, i] {
        if (auto q = w.lock()) q->push(i);
      });
    }
  }
  ~completion_queue() {
    for (const auto& x : watched_) future_access::state_of(x.f)->remove_callback(x.callback);
  }
  completion_queue(const completion_queue&) = delete;
  completion_queue& operator=(const completion_queue&) = delete;

  std::size_t size() const noexcept { return watched_.size(); }
  const future<T>& operator[](std::size_t i) const { return watched_[i].f; }

  static constexpr std::size_t timed_out = static_cast<std::size_t>(-1);

  // Index of the next future to complete, or `timed_out` at the deadline. While waiting inside a
  // task of an executor, runs one of that executor's pending futures here instead of blocking.
  std::size_t pop(deadline_t deadline) {
    for (;;) {
      {
        std::unique_lock lk(shared_->m);
        if (!shared_->empty()) return shared_->order[shared_->next++];
      }
      if (!help_one()) {
        std::unique_lock lk(shared_->m);
        if (deadline != no_deadline) {
          if (!shared_->cv.wait_until(lk, deadline, [&] { return !shared_->empty(); }))
            return timed_out;
        } else if (helping()) {
          // A continuation of this executor may become runnable without notifying us: re-check.
          shared_->cv.wait_for(lk, std::chrono::milliseconds(1),
                               [&] { return !shared_->empty(); });
        } else {
          shared_->cv.wait(lk, [&] { return !shared_->empty(); });
        }
      }
    }
  }

 private:
  struct shared {
    std::mutex m;
    std::condition_variable cv;
    std::vector<std::size_t> order;  // indices in completion order; each completes once
    std::size_t next = 0;            // the first not yet popped
    bool empty() const noexcept { return next == order.size(); }
    void push(std::size_t i) {
      {
        std::lock_guard lk(m);
        order.push_back(i);
      }
      cv.notify_all();
    }
  };

  bool helping() const {
    return std::any_of(watched_.begin(), watched_.end(), [](const watch& x) {
      return future_access::state_of(x.f)->can_help();
    });
  }
  bool help_one() {
    for (const watch& x : watched_) {
      const auto& s = future_access::state_of(x.f);
      if (s->can_help() && s->get_status() == status::pending && s->run()) return true;
    }
    return false;
  }

  struct watch {
    future<T> f;
    callback_id callback;  // its completion callback, removed when the queue goes
  };

  std::shared_ptr<shared> shared_;
  std::vector<watch> watched_;
};

template <class R>
using future_of_range = std::remove_cvref_t<std::ranges::range_reference_t<R>>;

}  // namespace detail

namespace detail {

// What an as_completed_range yields: the futures of a completion_queue, in completion order.
template <class T>
class completion_source {
 public:
  template <class R>
  completion_source(R&& futs, deadline_t deadline)
      : queue_(std::forward<R>(futs)), deadline_(deadline) {}

  void start() noexcept {}
  future<T>& current() {
    if (!current_) fetch();
    return *current_;
  }
  void advance() {
    if (!current_) fetch();
    current_.reset();
  }
  bool at_end() const noexcept { return yielded_ == queue_.size() && !current_; }

 private:
  void fetch() {
    if (yielded_ == queue_.size()) throw std::out_of_range("parjit: as_completed is exhausted");
    const std::size_t i = queue_.pop(deadline_);
    if (i == completion_queue<T>::timed_out)
      throw timeout_error("parjit: as_completed timed out with " +
                          std::to_string(queue_.size() - yielded_) + " of " +
                          std::to_string(queue_.size()) + " futures unfinished");
    ++yielded_;
    current_ = queue_[i];
  }

  completion_queue<T> queue_;
  deadline_t deadline_;
  std::size_t yielded_ = 0;
  std::optional<future<T>> current_;
};

}  // namespace detail

/// The lazy range `as_completed` returns: yields each future once, as it completes.
template <class T>
class as_completed_range : public detail::lazy_range<detail::completion_source<T>> {
 public:
  template <class R>
  as_completed_range(R&& futs, detail::deadline_t deadline)
      : detail::lazy_range<detail::completion_source<T>>(std::forward<R>(futs), deadline) {}
};

/// Yields the futures of `futs` (any range of `future<T>`) as they complete; duplicates once.
/// Lazy: each step waits for the next completion.
///
///     for (auto& f : parjit::as_completed(futs)) consume(f.get());
///
/// With a timeout, a step that would pass the deadline throws `parjit::timeout_error`; a negative
/// timeout is std::invalid_argument. Thread safety: one range is used by one thread.
template <std::ranges::input_range R>
auto as_completed(R&& futs) {
  using F = detail::future_of_range<R>;
  return as_completed_range<typename F::value_type>(std::forward<R>(futs), detail::no_deadline);
}
template <std::ranges::input_range R, class Rep, class Period>
auto as_completed(R&& futs, std::chrono::duration<Rep, Period> timeout) {
  using F = detail::future_of_range<R>;
  return as_completed_range<typename F::value_type>(std::forward<R>(futs),
                                                    detail::deadline_after(timeout));
}

namespace detail {
template <class T, class R>
wait_result<T> wait_impl(R&& futs, return_when when, deadline_t deadline) {
  completion_queue<T> q(std::forward<R>(futs));
  std::size_t n_done = 0;
  bool failed = false;
  auto satisfied = [&] {
    switch (when) {
      case return_when::first_completed: return n_done > 0 || q.size() == 0;
      case return_when::first_exception: return failed || n_done == q.size();
      case return_when::all_completed: return n_done == q.size();
    }
    return true;
  };
  while (!satisfied()) {
    const std::size_t i = q.pop(deadline);
    if (i == completion_queue<T>::timed_out) break;
    ++n_done;
    failed = failed || future_access::state_of(q[i])->has_error();
  }
  wait_result<T> out;
  for (std::size_t i = 0; i < q.size(); ++i) (q[i].done() ? out.done : out.pending).push_back(q[i]);
  return out;
}
}  // namespace detail

/// Waits until `when` holds for `futs` (any range of `future<T>`), or the timeout passes, and
/// returns `{done, pending}`. A negative timeout is std::invalid_argument.
///
///     auto [done, pending] = parjit::wait(futs, parjit::return_when::first_completed, 2s);
template <std::ranges::input_range R>
auto wait(R&& futs, return_when when = return_when::all_completed) {
  using F = detail::future_of_range<R>;
  return detail::wait_impl<typename F::value_type>(std::forward<R>(futs), when, detail::no_deadline);
}
template <std::ranges::input_range R, class Rep, class Period>
auto wait(R&& futs, return_when when, std::chrono::duration<Rep, Period> timeout) {
  using F = detail::future_of_range<R>;
  return detail::wait_impl<typename F::value_type>(std::forward<R>(futs), when,
                                                   detail::deadline_after(timeout));
}

}  // namespace parjit
