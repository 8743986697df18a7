# The image case study's stages (resize, colour normalise/grey, 3x3 stencil) with parjit JIT vs
# hand-written loops, serial and parallel, at 224x224 and 1920x1080; whole-pipeline images/s.
if(TARGET parjit::jit)
  find_path(PARJIT_STB_INCLUDE_DIR stb_image.h PATH_SUFFIXES stb)
  find_path(PARJIT_TURBOJPEG_INCLUDE_DIR turbojpeg.h)
  find_library(PARJIT_TURBOJPEG_LIBRARY turbojpeg)
  if(PARJIT_STB_INCLUDE_DIR)
    parjit_add_bench(image_pipeline_bench
      SOURCES ${CMAKE_CURRENT_LIST_DIR}/image_pipeline.cpp LIBS parjit::jit)
    target_include_directories(image_pipeline_bench PRIVATE ${PROJECT_SOURCE_DIR}/examples
                               ${PARJIT_STB_INCLUDE_DIR})
    # The JIT's semantics (no a*b+c -> FMA contraction), so both sides compute the same bits.
    target_compile_options(image_pipeline_bench PRIVATE -ffp-contract=off)
    if(PARJIT_TURBOJPEG_INCLUDE_DIR AND PARJIT_TURBOJPEG_LIBRARY)
      target_compile_definitions(image_pipeline_bench PRIVATE PARJIT_IMAGE_TURBOJPEG=1)
      target_link_libraries(image_pipeline_bench PRIVATE ${PARJIT_TURBOJPEG_LIBRARY})
    endif()
  endif()
endif()
