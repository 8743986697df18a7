# The image case study's codecs (examples/image_stages.hpp), found once for the example, its
# benchmark and its tests: the INTERFACE target parjit_image_codecs, defined when stb is found.
# stb (Debian libstb-dev, header-only) decodes PNG and encodes; libjpeg-turbo (libturbojpeg0-dev)
# decodes JPEG when found (PARJIT_IMAGE_TURBOJPEG=1), else stb does. Not installed.
include_guard(GLOBAL)
# parjit_optional_missing() (root CMakeLists.txt) reports what is left out, or stops the
# configuration when PARJIT_REQUIRE_ALL is ON.

find_path(PARJIT_STB_INCLUDE_DIR stb_image.h PATH_SUFFIXES stb)
find_path(PARJIT_TURBOJPEG_INCLUDE_DIR turbojpeg.h)
find_library(PARJIT_TURBOJPEG_LIBRARY turbojpeg)

if(PARJIT_STB_INCLUDE_DIR)
  add_library(parjit_image_codecs INTERFACE)
  target_include_directories(parjit_image_codecs INTERFACE ${PARJIT_STB_INCLUDE_DIR})
  if(PARJIT_TURBOJPEG_INCLUDE_DIR AND PARJIT_TURBOJPEG_LIBRARY)
    target_include_directories(parjit_image_codecs INTERFACE ${PARJIT_TURBOJPEG_INCLUDE_DIR})
    target_compile_definitions(parjit_image_codecs INTERFACE PARJIT_IMAGE_TURBOJPEG=1)
    target_link_libraries(parjit_image_codecs INTERFACE ${PARJIT_TURBOJPEG_LIBRARY})
  else()
    parjit_optional_missing("image case study decodes JPEG with stb "
                            "(turbojpeg.h not found: apt-get install libturbojpeg0-dev)")
  endif()
else()
  parjit_optional_missing("image_pipeline, its benchmark and pipeline tests skipped "
                          "(stb_image.h not found: apt-get install libstb-dev)")
endif()
