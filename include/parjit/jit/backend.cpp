// The JIT backend's translation unit: parjit::jit builds it once per build tree, into the static
// library it links (parjit_jit_backend); without CMake, compile it once in your program instead.
#define PARJIT_JIT_IMPLEMENTATION
#include <parjit/jit.hpp>
