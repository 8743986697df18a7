# Test helpers shared by every tests/ subdirectory (included by tests/CMakeLists.txt).
include_guard(GLOBAL)

# parjit_add_compile_fail_test(<name> SOURCE <file.cpp> LIBS <targets...> EXPECT <regex>
#                              [WITHIN_FIRST_ERRORS <n>])
#
# Adds the test <name> (labels `compile_fail` and the first dot-separated part of <name>, e.g.
# `jit` for `jit.compile_fail.const_out`). It compiles <file.cpp> as an EXCLUDE_FROM_ALL object
# library that links <targets...> (so with exactly the flags a user of those targets gets) by
# running the build tool on this build tree, and passes when the compilation fails and the
# compiler's output matches <regex>. With WITHIN_FIRST_ERRORS n the match must lie within the
# first n error lines (`...: error: ...`, `...: fatal error: ...`): the message a user needs must
# come first, not after pages of template backtrace. The tests share a lock on the build tree.
function(parjit_add_compile_fail_test name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "SOURCE;EXPECT;WITHIN_FIRST_ERRORS" "LIBS")
  if(arg_UNPARSED_ARGUMENTS OR NOT arg_SOURCE OR NOT DEFINED arg_EXPECT OR arg_EXPECT STREQUAL "")
    message(FATAL_ERROR "parjit_add_compile_fail_test(${name}): usage is <name> SOURCE <file.cpp> "
                        "LIBS <targets...> EXPECT <regex> [WITHIN_FIRST_ERRORS <n>]")
  endif()
  if(DEFINED arg_WITHIN_FIRST_ERRORS AND NOT arg_WITHIN_FIRST_ERRORS MATCHES "^[1-9][0-9]*$")
    message(FATAL_ERROR "parjit_add_compile_fail_test(${name}): WITHIN_FIRST_ERRORS needs a "
                        "positive count, not '${arg_WITHIN_FIRST_ERRORS}'")
  endif()
  string(MAKE_C_IDENTIFIER "compile_fail_${name}" target)
  add_library(${target} OBJECT EXCLUDE_FROM_ALL ${arg_SOURCE})
  target_link_libraries(${target} PRIVATE ${arg_LIBS})

  # The expectation travels in a file, as a bracket argument: no quoting of the regex on the way.
  get_filename_component(source "${arg_SOURCE}" ABSOLUTE)
  set(settings ${CMAKE_CURRENT_BINARY_DIR}/${target}.cmake)
  file(WRITE ${settings}
       "set(TARGET ${target})\nset(SOURCE [==[${source}]==])\n"
       "set(EXPECT [==[${arg_EXPECT}]==])\nset(WITHIN_FIRST_ERRORS \"${arg_WITHIN_FIRST_ERRORS}\")\n")
  add_test(NAME ${name}
           COMMAND ${CMAKE_COMMAND} -DBUILD_DIR=${CMAKE_BINARY_DIR} -DCONFIG=$<CONFIG>
                   -DSETTINGS=${settings}
                   -P ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/parjitCheckCompileFail.cmake)
  set(labels compile_fail)
  if(name MATCHES "^([^.]+)\\.")
    list(PREPEND labels ${CMAKE_MATCH_1})
  endif()
  # COST: the chain of these (one at a time) starts early, beside the other tests.
  set_tests_properties(${name} PROPERTIES LABELS "${labels}" RESOURCE_LOCK parjit_build_tree
                       TIMEOUT 300 COST 100)
endfunction()
