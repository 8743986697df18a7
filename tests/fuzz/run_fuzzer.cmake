# Runs one libFuzzer target for a bounded time: `cmake -DFUZZER=exe -DSECONDS=30 -DSEEDS=dir
# -DWORK=dir [-DFLAGS=...] -P run_fuzzer.cmake`. The committed corpus (SEEDS) is read, never
# written: new inputs go to WORK/corpus, a crash to WORK/crash-*; the test fails and says how to
# keep the crash as a regression case.
file(MAKE_DIRECTORY ${WORK}/corpus)
separate_arguments(flags UNIX_COMMAND "${FLAGS}")
execute_process(
  COMMAND ${FUZZER} -max_total_time=${SECONDS} -timeout=10 -rss_limit_mb=2048
          -print_final_stats=1 -artifact_prefix=${WORK}/ ${flags} ${WORK}/corpus ${SEEDS}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(REGEX MATCH "stat::number_of_executed_units: *[0-9]+" runs "${err}")
string(REGEX MATCH "cov: [0-9]+ ft: [0-9]+" coverage "${err}")
if(NOT rc EQUAL 0)
  file(GLOB crashes ${WORK}/crash-* ${WORK}/leak-* ${WORK}/timeout-* ${WORK}/oom-*)
  string(LENGTH "${err}" len)
  math(EXPR from "${len} - 6000")
  if(from LESS 0)
    set(from 0)
  endif()
  string(SUBSTRING "${err}" ${from} -1 tail)
  message(FATAL_ERROR "${FUZZER} failed (exit ${rc}); input(s): ${crashes}\n"
          "Fix the bug, then copy the input into ${SEEDS}/ as a regression case.\n${tail}")
endif()
message(STATUS "${FUZZER}: ${SECONDS} s, ${runs}, ${coverage}: no crash")
