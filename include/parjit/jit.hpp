// parjit's JIT layer: numeric kernels written as generic C++ lambdas, traced into expression
// trees and compiled by LLVM ORC at first call (numba's @vectorize / @jit, in C++). No LLVM here.
#pragma once

#include "jit/arrays.hpp"
#include "jit/cache.hpp"
#include "jit/compile.hpp"
#include "jit/options.hpp"
#include "jit/reduce.hpp"
#include "jit/signatures.hpp"
#include "jit/vectorize.hpp"
#include "jit/vocabulary.hpp"

// The backend (the one TU that includes LLVM). CMake users get it from parjit::jit; others define
// PARJIT_JIT_IMPLEMENTATION in exactly one .cpp file before including this header.
#ifdef PARJIT_JIT_IMPLEMENTATION
#include "jit/detail/compile_entry.hpp"
#endif
#include "jit/stencil.hpp"  // 2-D views (view2d.hpp), apply2d and stencils
