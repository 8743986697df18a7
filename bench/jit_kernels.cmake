# JIT benchmarks: steady state of K1-K6 beside hand-written and expression-template baselines
# (jit_kernels), and first-call latency / cached-call overhead (jit_compile).
if(TARGET parjit::jit)
  add_library(parjit_jit_bench_baselines OBJECT
    ${CMAKE_CURRENT_LIST_DIR}/jit_kernels_loops.cpp
    ${CMAKE_CURRENT_LIST_DIR}/jit_kernels_fastmath.cpp)
  target_link_libraries(parjit_jit_bench_baselines PRIVATE parjit::parallel)
  # The bar of docs/performance.md: g++ -O3 -march=native, no FMA contraction (the JIT's default
  # semantics) and -fno-math-errno (the JIT sets no errno; with errno GCC cannot vectorise
  # sqrt, which would flatter the JIT); K3 is also measured against -ffast-math.
  target_compile_options(parjit_jit_bench_baselines PRIVATE -O3 -march=native)
  set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/jit_kernels_loops.cpp
    PROPERTIES COMPILE_OPTIONS "-ffp-contract=off;-fno-math-errno")
  set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/jit_kernels_fastmath.cpp
    PROPERTIES COMPILE_OPTIONS "-ffast-math")

  parjit_add_bench(jit_kernels
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/jit_kernels.cpp $<TARGET_OBJECTS:parjit_jit_bench_baselines>
    LIBS parjit::jit mvec)
  parjit_add_bench(jit_compile
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/jit_compile.cpp $<TARGET_OBJECTS:parjit_jit_bench_baselines>
    LIBS parjit::jit mvec)
  # These measure compilation and steady state: the on-disk kernel cache stays off by default
  # (a warm cache would turn a "first call" into a load; bench/jit_cache measures that).
  target_compile_definitions(jit_kernels PRIVATE PARJIT_CACHE_DEFAULT=0)
  target_compile_definitions(jit_compile PRIVATE PARJIT_CACHE_DEFAULT=0)
endif()
