// parjit's MPI layer in one include: the executor interface over the ranks of an MPI job.
// Needs Open MPI and the parallel layer: link parjit::mpi.
#pragma once

#include "mpi/algorithm.hpp"
#include "mpi/environment.hpp"
#include "mpi/errors.hpp"
#include "mpi/executor.hpp"
#include "mpi/serialize.hpp"
#include "parallel/wait.hpp"
