# The comparison suite's CI smoke test: bench/run_compare.sh --quick on the binaries already built,
# writing only under the build tree (every peer must produce a number, the table must render).
if(PARJIT_BUILD_TESTS)
  add_test(NAME bench.compare.quick
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/run_compare.sh --quick --no-build
                   --build-dir ${CMAKE_BINARY_DIR} --out ${CMAKE_CURRENT_BINARY_DIR}/compare-quick)
  set_tests_properties(bench.compare.quick PROPERTIES LABELS bench TIMEOUT 300 RUN_SERIAL TRUE)
  # The report's own logic (two columns, every loss, the noise rule) on a synthetic run.
  add_test(NAME bench.compare.report_selftest
           COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/compare/report.py --selftest)
  set_tests_properties(bench.compare.report_selftest PROPERTIES LABELS bench TIMEOUT 60)
endif()
