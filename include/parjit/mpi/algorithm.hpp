// parallel_map, parallel_for_each and map_reduce over an MPI executor: the parallel layer's
// algorithms, written once against the `parjit::executor` concept. mpi::executor provides the
// concept's `submit_chunk` customisation point, so the items travel to the ranks in chunks of at
// least `opts.grain` (a few per worker thread) and the results come back to the calling thread
// in index order; `opts.progress` is called there. `fn` must be a function or a captureless
// lambda, items and results `mpi::shippable`; map_reduce's `reduce` runs on the calling thread.
//
//     std::vector<double> out = parjit::parallel_map(ex, images, score, {.grain = 64});
//     parjit::parallel_for_each(ex, paths, convert_file);
//     double sum = parjit::map_reduce(ex, xs, square, std::plus<>{}, 0.0);
//
// Thread safety: call on the root; any thread.
#pragma once

#include "../parallel/algorithm.hpp"
#include "executor.hpp"

static_assert(parjit::executor<parjit::mpi::executor>,
              "parjit: internal: mpi::executor must satisfy the parjit::executor concept");
