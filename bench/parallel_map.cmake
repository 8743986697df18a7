# parallel_map benchmark: parjit::parallel_map beside raw TBB, std::execution::par, OpenMP, a loop.
# libstdc++'s parallel algorithms run on TBB, so TBB::tbb is linked explicitly for std_par.
parjit_add_bench(parallel_map SOURCES parallel_map.cpp LIBS parjit::parallel TBB::tbb)
if(OpenMP_CXX_FOUND)
  target_link_libraries(parallel_map PRIVATE OpenMP::OpenMP_CXX)
endif()
