# The on-disk kernel cache, end to end: processes spawned and timed with no cache, with a warm
# cache, and numba's cache=True second process (jit_cache.cpp explains the output).
if(TARGET parjit::jit)
  add_executable(jit_cache ${CMAKE_CURRENT_LIST_DIR}/jit_cache.cpp)
  target_link_libraries(jit_cache PRIVATE parjit::jit)
  if(PARJIT_BUILD_TESTS)
    add_test(NAME bench.jit_cache.smoke COMMAND jit_cache 1)
    set_tests_properties(bench.jit_cache.smoke PROPERTIES LABELS bench TIMEOUT 300)
  endif()
endif()

# First-call benchmarks measure compilation: their backend keeps the on-disk cache off by default
# (a warm cache would turn "first call" into a load). Deferred: those targets are made later.
function(parjit_bench_cache_off)
  foreach(t jit_compile jit_kernels)
    if(TARGET ${t})
      target_compile_definitions(${t} PRIVATE PARJIT_CACHE_DEFAULT=0)
    endif()
  endforeach()
endfunction()
cmake_language(DEFER CALL parjit_bench_cache_off)
