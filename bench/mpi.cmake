# mpi_executor benchmark (needs parjit::mpi): submit+get latency, map throughput, raw MPI ping-pong.
if(TARGET parjit::mpi)
  parjit_add_bench(mpi_executor SOURCES mpi_executor.cpp LIBS parjit::mpi)
  if(PARJIT_BUILD_TESTS)  # the smoke runs one rank, without mpirun (Open MPI's root check applies)
    set_tests_properties(bench.mpi_executor.smoke PROPERTIES
      ENVIRONMENT "OMPI_ALLOW_RUN_AS_ROOT=1;OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1")
  endif()
endif()
