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

