# CTest fixture: install parjit into a temporary prefix, then build and run tests/consume against it
# (find_package), and once more through add_subdirectory. The consumer builds get no linker flags
# of ours: a user's default linker must do.
set(consume_prefix ${CMAKE_BINARY_DIR}/consume/prefix)
set(consume_jit OFF)
if(PARJIT_JIT)
  set(consume_jit ON)
endif()
add_test(NAME consume.install
         COMMAND ${CMAKE_COMMAND} --install ${CMAKE_BINARY_DIR} --prefix ${consume_prefix})
set_tests_properties(consume.install PROPERTIES FIXTURES_SETUP parjit_installed LABELS consume)

add_test(NAME consume.find_package
         COMMAND ${CMAKE_CTEST_COMMAND}
           --build-and-test ${CMAKE_CURRENT_SOURCE_DIR}/consume ${CMAKE_BINARY_DIR}/consume/find_package
           --build-generator Ninja
           --build-options -DCMAKE_PREFIX_PATH=${consume_prefix} -DCONSUME_JIT=${consume_jit}
                           -DCMAKE_BUILD_TYPE=Release
           --test-command ${CMAKE_CTEST_COMMAND} --output-on-failure)
# COST: the longest tests start first (a fresh tree has no timing data; ctest -j runs tests in
# descending COST), so the build-tree-locked compile-fail chain overlaps them instead of ending
# the run alone on one core.
set_tests_properties(consume.find_package PROPERTIES FIXTURES_REQUIRED parjit_installed
                     LABELS consume TIMEOUT 600 COST 1000)

add_test(NAME consume.add_subdirectory
         COMMAND ${CMAKE_CTEST_COMMAND}
           --build-and-test ${CMAKE_CURRENT_SOURCE_DIR}/consume ${CMAKE_BINARY_DIR}/consume/add_subdirectory
           --build-generator Ninja
           --build-options -DPARJIT_SOURCE_DIR=${PROJECT_SOURCE_DIR} -DCMAKE_BUILD_TYPE=Release
                           -DPARJIT_JIT=${PARJIT_JIT} -DCONSUME_JIT=${consume_jit}
           --test-command ${CMAKE_CTEST_COMMAND} --output-on-failure)
set_tests_properties(consume.add_subdirectory PROPERTIES LABELS consume TIMEOUT 600 COST 1000)
