# The image-processing case study (README's demo): decode -> resize -> normalise -> stencil ->
# .npy, sequentially, with parallel_map, and with parallel_map + JIT kernels. stb (Debian
# libstb-dev, header-only) decodes PNG and encodes; libjpeg-turbo (libturbojpeg0-dev) decodes JPEG
# when found, else stb does.
if(TARGET parjit::jit)
  find_path(PARJIT_STB_INCLUDE_DIR stb_image.h PATH_SUFFIXES stb)
  find_path(PARJIT_TURBOJPEG_INCLUDE_DIR turbojpeg.h)
  find_library(PARJIT_TURBOJPEG_LIBRARY turbojpeg)
  if(PARJIT_STB_INCLUDE_DIR)
    add_executable(image_pipeline ${CMAKE_CURRENT_LIST_DIR}/image_pipeline.cpp)
    target_include_directories(image_pipeline PRIVATE ${PARJIT_STB_INCLUDE_DIR})
    target_link_libraries(image_pipeline PRIVATE parjit::jit)
    # The plain loops and the JIT then compute the same bits (no a*b+c -> FMA contraction).
    target_compile_options(image_pipeline PRIVATE -ffp-contract=off)
    if(PARJIT_TURBOJPEG_INCLUDE_DIR AND PARJIT_TURBOJPEG_LIBRARY)
      target_compile_definitions(image_pipeline PRIVATE PARJIT_IMAGE_TURBOJPEG=1)
      target_link_libraries(image_pipeline PRIVATE ${PARJIT_TURBOJPEG_LIBRARY})
    endif()
  else()
    parjit_optional_missing("image_pipeline skipped (stb_image.h not found: apt-get install libstb-dev)")
  endif()
endif()
