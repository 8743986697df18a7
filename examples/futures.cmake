# The parallel layer's examples: futures_quickstart (README's demo) and io_fetch (blocking I/O).
foreach(example futures_quickstart io_fetch)
  add_executable(${example} ${example}.cpp)
  target_link_libraries(${example} PRIVATE parjit::parallel)
endforeach()
