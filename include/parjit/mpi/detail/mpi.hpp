// The one place parjit includes <mpi.h> (Open MPI's C API; the C++ bindings are not used).
#pragma once

// Only the C API: Open MPI's deprecated C++ bindings cost compile time and warnings.
#ifndef OMPI_SKIP_MPICXX
#define OMPI_SKIP_MPICXX 1
#endif
#ifndef MPICH_SKIP_MPICXX
#define MPICH_SKIP_MPICXX 1
#endif
#include <mpi.h>

#include <stdexcept>
#include <string>

namespace parjit::mpi::detail {

// MPI's error handler on our communicators is MPI_ERRORS_RETURN: a failing call becomes an
// exception with MPI's own message instead of aborting the job.
inline void check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  throw std::runtime_error(std::string("parjit::mpi: ") + what + " failed: " +
                           std::string(text, static_cast<std::size_t>(len)));
}

}  // namespace parjit::mpi::detail
