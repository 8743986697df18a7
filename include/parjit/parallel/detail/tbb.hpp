// The one place the parallel layer includes oneTBB: only what executor.hpp uses (an arena, its
// parallel_for over a blocked_range, the worker limit, the core count), so that including
// parjit costs little more than including oneTBB's task_arena.h and parallel_for.h.
#pragma once

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>
