// The exception a remote task's failure becomes on the root: parjit::mpi::remote_error.
#pragma once

#include <new>
#include <stdexcept>
#include <string>
#include <utility>

namespace parjit::mpi {

/// A task that ran on another rank threw an exception that is not one of the standard ones
/// (those are rethrown as their own type with the same message). Carries the exception's type
/// name (demangled) and message, and the rank it ran on; the worker that threw keeps serving.
///
///     try { f.get(); } catch (const parjit::mpi::remote_error& e) {
///       std::cerr << e.type_name() << " on rank " << e.rank() << ": " << e.message() << '\n';
///     }
///
/// Thread safety: immutable.
class remote_error : public std::runtime_error {
 public:
  remote_error(std::string type_name, std::string message, int rank)
      : std::runtime_error(type_name + ": " + message + " (on rank " + std::to_string(rank) + ")"),
        type_name_(std::move(type_name)),
        message_(std::move(message)),
        rank_(rank) {}
  /// The dynamic type of the original exception, demangled (e.g. "my::parse_error").
  const std::string& type_name() const noexcept { return type_name_; }
  /// The original exception's `what()` ("" if it was not a std::exception).
  const std::string& message() const noexcept { return message_; }
  /// The rank the task ran on.
  int rank() const noexcept { return rank_; }

 private:
  std::string type_name_;
  std::string message_;
  int rank_;
};

}  // namespace parjit::mpi
