# The MPI layer's example (needs parjit::mpi): an image batch spread over ranks, images/s.
if(TARGET parjit::mpi)
  add_executable(mpi_pipeline mpi_pipeline.cpp)
  target_link_libraries(mpi_pipeline PRIVATE parjit::mpi)
endif()
