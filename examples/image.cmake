# The image-processing case study (README's demo): decode -> resize -> normalise -> stencil ->
# .npy, sequentially, with parallel_map, and with parallel_map + JIT kernels. stb decodes and
# encodes (Debian libstb-dev, header-only; compiled into the program).
if(TARGET parjit::jit)
  find_path(PARJIT_STB_INCLUDE_DIR stb_image.h PATH_SUFFIXES stb)
  if(PARJIT_STB_INCLUDE_DIR)
    add_executable(image_pipeline ${CMAKE_CURRENT_LIST_DIR}/image_pipeline.cpp)
    target_include_directories(image_pipeline PRIVATE ${PARJIT_STB_INCLUDE_DIR})
    target_link_libraries(image_pipeline PRIVATE parjit::jit)
    # The plain loops and the JIT then compute the same bits (no a*b+c -> FMA contraction).
    target_compile_options(image_pipeline PRIVATE -ffp-contract=off)
  else()
    message(STATUS "parjit: image_pipeline skipped (stb_image.h not found: apt-get install libstb-dev)")
  endif()
endif()
