# The JIT quick start: a plain loop vs jit::vectorize (first and second call) vs jit::par.
if(TARGET parjit::jit)
  add_executable(jit_quickstart ${CMAKE_CURRENT_LIST_DIR}/jit_quickstart.cpp)
  target_link_libraries(jit_quickstart PRIVATE parjit::jit)
endif()
