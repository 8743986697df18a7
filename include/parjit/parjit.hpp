// parjit's parallel layer in one include: executors, futures, waiting, parallel algorithms,
// huge-page arrays.
// Needs oneTBB only (never LLVM): link parjit::parallel.
#pragma once

#include "parallel/algorithm.hpp"
#include "parallel/errors.hpp"
#include "parallel/executor.hpp"
#include "parallel/future.hpp"
#include "parallel/huge_page.hpp"
#include "parallel/wait.hpp"
