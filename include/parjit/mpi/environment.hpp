// parjit::mpi::environment: MPI_Init_thread / MPI_Finalize as an RAII object.
#pragma once

#include <stdexcept>
#include <string>

#include "detail/mpi.hpp"

namespace parjit::mpi {

/// Initialises MPI for the program's lifetime (MPI_Init_thread asking for
/// MPI_THREAD_MULTIPLE, which the executor needs: the root's progress thread and the workers'
/// arena threads call MPI), and finalises it in the destructor. If MPI is already initialised
/// (by the program or another library), it is reused and left for its owner to finalise.
/// Without `mpirun` the program is a single rank (singleton init), and executors run locally.
///
///     int main(int argc, char** argv) {
///       parjit::mpi::environment env(argc, argv);
///       parjit::mpi::executor ex;
///       ...
///     }
///
/// Create one, in main(), before any executor, and destroy it after them (declare it first).
/// Throws std::runtime_error if MPI cannot give MPI_THREAD_MULTIPLE. Thread safety: construct
/// and destroy from the main thread; the accessors are safe anywhere.
class environment {
 public:
  environment() : environment(nullptr, nullptr) {}
  environment(int& argc, char**& argv) : environment(&argc, &argv) {}

  ~environment() {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (owner_ && !finalized) MPI_Finalize();
  }
  environment(const environment&) = delete;
  environment& operator=(const environment&) = delete;

  /// This process's rank in MPI_COMM_WORLD.
  int rank() const noexcept { return rank_; }
  /// The number of ranks in MPI_COMM_WORLD.
  int size() const noexcept { return size_; }
  /// True when this object called MPI_Init_thread (and will call MPI_Finalize).
  bool owns_mpi() const noexcept { return owner_; }
  /// The thread level MPI provides (MPI_THREAD_MULTIPLE).
  int thread_level() const noexcept { return provided_; }

 private:
  environment(int* argc, char*** argv) {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (initialized) {
      MPI_Query_thread(&provided_);
    } else {
      detail::check(MPI_Init_thread(argc, argv, MPI_THREAD_MULTIPLE, &provided_),
                    "MPI_Init_thread");
      owner_ = true;
    }
    if (provided_ < MPI_THREAD_MULTIPLE) {
      if (owner_) MPI_Finalize();
      throw std::runtime_error(
          "parjit::mpi: MPI provides thread level " + std::to_string(provided_) +
          " but the executor needs MPI_THREAD_MULTIPLE (" + std::to_string(MPI_THREAD_MULTIPLE) +
          "); initialise MPI with MPI_Init_thread(..., MPI_THREAD_MULTIPLE, ...)");
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }

  bool owner_ = false;
  int provided_ = 0;
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace parjit::mpi
