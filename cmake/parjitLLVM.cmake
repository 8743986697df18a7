# Finds LLVM 19 and wires it into parjit::jit; used by parjit's own build and by the installed
# parjitConfig.cmake, so both link LLVM the same way.
include_guard(GLOBAL)

# parjit_find_llvm([REQUIRED]): sets parjit_llvm_FOUND; a clear message names the Debian package.
macro(parjit_find_llvm)
  cmake_parse_arguments(_pfl "REQUIRED" "" "" ${ARGN})
  # LLVM's version file rejects "19"; "19.1" is accepted.
  find_package(LLVM 19.1 CONFIG QUIET HINTS /usr/lib/llvm-19/lib/cmake/llvm)
  if(LLVM_FOUND)
    set(parjit_llvm_FOUND TRUE)
  else()
    set(parjit_llvm_FOUND FALSE)
    set(_pfl_msg "parjit::jit needs LLVM 19 (on Debian 12: apt-get install llvm-19-dev)")
    if(_pfl_REQUIRED)
      message(FATAL_ERROR "${_pfl_msg}")
    endif()
  endif()
endmacro()

# parjit_link_llvm(<target> BUILD|INSTALLED): adds LLVM's include directory and libraries.
# PARJIT_LLVM_STATIC=ON links the static component libraries (a binary that runs without LLVM).
function(parjit_link_llvm target mode)
  if(mode STREQUAL "BUILD")
    target_include_directories(${target} SYSTEM INTERFACE $<BUILD_INTERFACE:${LLVM_INCLUDE_DIRS}>)
  else()
    target_include_directories(${target} SYSTEM INTERFACE ${LLVM_INCLUDE_DIRS})
  endif()
  target_compile_definitions(${target} INTERFACE ${LLVM_DEFINITIONS})
  if(PARJIT_LLVM_STATIC)
    # LLVMSupport's exported target links zstd::libzstd_shared, defined only when libzstd's
    # CMake files are installed.
    if(NOT TARGET zstd::libzstd_shared AND NOT TARGET zstd::libzstd_static)
      message(FATAL_ERROR "PARJIT_LLVM_STATIC=ON needs zstd's development files "
                          "(on Debian 12: apt-get install libzstd-dev)")
    endif()
    # What the JIT backend uses (ORC, the new pass manager, the host target, IR reading for
    # assembly()); their dependencies come from LLVM's exported targets.
    llvm_map_components_to_libnames(_libs core orcjit native passes target support analysis
                                    transformutils instcombine scalaropts vectorize ipo
                                    executionengine object mc irreader asmparser)
  else()
    set(_libs LLVM)
  endif()
  if(mode STREQUAL "BUILD")
    target_link_libraries(${target} INTERFACE $<BUILD_INTERFACE:${_libs}>)
  else()
    target_link_libraries(${target} INTERFACE ${_libs})
  endif()
endfunction()
