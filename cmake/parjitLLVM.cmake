# Finds LLVM 19 and builds the JIT backend (the one TU that includes LLVM) into one library per
# build tree; used by parjit's own build and by the installed parjitConfig.cmake, so both build
# and link it the same way.
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

# parjit_link_llvm(<target>): LLVM's include directory and definitions for <target>'s own sources,
# and its libraries (which a static library passes on to whatever links it).
# PARJIT_LLVM_STATIC=ON links the static component libraries (a binary that runs without LLVM).
function(parjit_link_llvm target)
  target_include_directories(${target} SYSTEM PRIVATE ${LLVM_INCLUDE_DIRS})
  target_compile_definitions(${target} PRIVATE ${LLVM_DEFINITIONS})
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
  target_link_libraries(${target} PRIVATE ${_libs})
endfunction()

# parjit_add_jit_backend(<name> SOURCE <backend.cpp> PARALLEL <parjit parallel target>
#                        [OBJECT] [INCLUDES <dirs>...] [DEFINITIONS <defs>...]):
# a library that compiles the JIT backend once. parjit's build and the installed package make
# `parjit_jit_backend` (STATIC, the first time only) and parjit::jit links it, so however many
# targets link parjit::jit, the backend is compiled once per build tree and linked once per
# program. Position-independent, so a shared library can link it too. PARJIT_CACHE_DEFAULT
# (0 or 1, empty: on in release builds) is the build's default for jit::options::cache.
# A program that needs another default links its own copy: an OBJECT variant whose object
# defines the backend's entry point, so the linker takes nothing from parjit_jit_backend.
function(parjit_add_jit_backend name)
  cmake_parse_arguments(arg "OBJECT" "SOURCE;PARALLEL" "INCLUDES;DEFINITIONS" ${ARGN})
  set(kind STATIC)
  if(arg_OBJECT)
    set(kind OBJECT)
  endif()
  add_library(${name} ${kind} ${arg_SOURCE})
  set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  target_link_libraries(${name} PRIVATE ${arg_PARALLEL})
  target_include_directories(${name} PRIVATE ${arg_INCLUDES})
  if(NOT "${PARJIT_CACHE_DEFAULT}" STREQUAL "" AND NOT arg_DEFINITIONS MATCHES "PARJIT_CACHE_DEFAULT")
    target_compile_definitions(${name} PRIVATE PARJIT_CACHE_DEFAULT=${PARJIT_CACHE_DEFAULT})
  endif()
  target_compile_definitions(${name} PRIVATE ${arg_DEFINITIONS})
  parjit_link_llvm(${name})
endfunction()
