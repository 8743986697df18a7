// Exceptions the parallel layer throws: a cancelled future and a wait that timed out.
#pragma once

#include <stdexcept>
#include <string>

namespace parjit {

/// Thrown by `future<T>::get()` when the task was cancelled before it started (by `cancel()` or by
/// `shutdown(..., /*cancel_pending=*/true)`), like Python's `concurrent.futures.CancelledError`.
class cancelled_error : public std::runtime_error {
 public:
  cancelled_error() : std::runtime_error("parjit: the task was cancelled before it started") {}
  using std::runtime_error::runtime_error;
};

/// Thrown when a wait with a timeout runs out of time: `future<T>::get(timeout)` and a step of
/// `as_completed(futs, timeout)`, like Python's `concurrent.futures.TimeoutError`. (`wait_for`,
/// `wait_until` and `wait(futs, when, timeout)` report a timeout in their result instead.)
class timeout_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace parjit
