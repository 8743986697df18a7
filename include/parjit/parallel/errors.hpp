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

/// Thrown when a wait with a timeout (`as_completed(futs, timeout)`) runs out of time, like
/// Python's `concurrent.futures.TimeoutError`.
class timeout_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace parjit
