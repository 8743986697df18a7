# The command of a parjit_add_compile_fail_test() test (cmake/parjitTesting.cmake):
#   cmake -DBUILD_DIR=<build tree> -DCONFIG=<config> -DSETTINGS=<file> -P parjitCheckCompileFail.cmake
# SETTINGS sets TARGET, SOURCE, EXPECT and WITHIN_FIRST_ERRORS. Builds TARGET, which must fail,
# and checks the compiler's output (all of it, or its first WITHIN_FIRST_ERRORS error lines).
include(${SETTINGS})
set(config_args)
if(CONFIG)
  set(config_args --config ${CONFIG})
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR} --target ${TARGET} ${config_args}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(rc EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled, but it must not:\n${out}")
endif()
string(ASCII 27 esc)  # colour codes, if the compiler was told to colour its diagnostics
string(REGEX REPLACE "${esc}\\[[0-9;]*[mK]" "" out "${out}")

if(WITHIN_FIRST_ERRORS)
  # The first n lines that are compiler errors, one per line, in order.
  set(checked "")
  set(rest "${out}")
  set(found 0)
  while(found LESS WITHIN_FIRST_ERRORS)
    string(REGEX MATCH "[^\n]*: (fatal )?error: [^\n]*" line "${rest}")
    if(line STREQUAL "")
      break()
    endif()
    string(APPEND checked "${line}\n")
    math(EXPR found "${found} + 1")
    string(FIND "${rest}" "${line}" at)
    string(LENGTH "${line}" length)
    math(EXPR at "${at} + ${length}")
    string(SUBSTRING "${rest}" ${at} -1 rest)
  endwhile()
  set(where "the first ${WITHIN_FIRST_ERRORS} error line(s)")
else()
  set(checked "${out}")
  set(where "the compiler's output")
endif()

if(NOT checked MATCHES "${EXPECT}")
  message(FATAL_ERROR "${SOURCE} failed to compile, but not with the expected message: no match "
                      "for\n  ${EXPECT}\nin ${where}\n"
                      "checked:\n${checked}\nfull output:\n${out}")
endif()
message(STATUS "${SOURCE}: failed to compile as expected ('${EXPECT}' in ${where})")
