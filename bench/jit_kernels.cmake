# JIT benchmarks: steady state of K1-K6 beside hand-written and expression-template baselines
# (jit_kernels), and first-call latency / cached-call overhead (jit_compile).
if(TARGET parjit::jit)
  add_library(parjit_jit_bench_baselines OBJECT
    ${CMAKE_CURRENT_LIST_DIR}/jit_kernels_loops.cpp
    ${CMAKE_CURRENT_LIST_DIR}/jit_kernels_fastmath.cpp
    ${CMAKE_CURRENT_LIST_DIR}/jit_kernels_tbb.cpp)
  target_link_libraries(parjit_jit_bench_baselines PRIVATE parjit::parallel)
  # The bar DESIGN.md sets: g++ -O3 -march=native, plus no FMA contraction (the JIT's default
  # semantics) and -fno-math-errno (the JIT sets no errno; with errno GCC cannot vectorise
  # sqrt, which would flatter the JIT); K3 and K4 are also measured against -ffast-math.
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
  # First call in a fresh process (spawns itself; children run with PARJIT_CACHE=0).
  add_executable(jit_first_call ${CMAKE_CURRENT_LIST_DIR}/jit_first_call.cpp)
  target_link_libraries(jit_first_call PRIVATE parjit::jit)
  target_include_directories(jit_first_call PRIVATE ${CMAKE_CURRENT_LIST_DIR})
  target_compile_definitions(jit_first_call PRIVATE PARJIT_CACHE_DEFAULT=0)
  if(PARJIT_BUILD_TESTS)
    add_test(NAME bench.jit_first_call.smoke COMMAND jit_first_call --reps 1 --kernels K1_hypot,K4_dot)
    set_tests_properties(bench.jit_first_call.smoke PROPERTIES LABELS bench TIMEOUT 300)
  endif()
endif()
