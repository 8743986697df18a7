# The comparison suite's CI smoke test: bench/run_compare.sh --quick on the binaries already built,
# writing only under the build tree (every peer must produce a number, the table must render).
if(PARJIT_BUILD_TESTS)
  add_test(NAME bench.compare.quick
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/run_compare.sh --quick --no-build
                   --build-dir ${CMAKE_BINARY_DIR} --out ${CMAKE_CURRENT_BINARY_DIR}/compare-quick)
  set_tests_properties(bench.compare.quick PROPERTIES LABELS bench TIMEOUT 300 RUN_SERIAL TRUE)
endif()
