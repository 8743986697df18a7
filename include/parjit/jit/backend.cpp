// The JIT backend's translation unit: parjit::jit compiles it into every target that links it.
#define PARJIT_JIT_IMPLEMENTATION
#include <parjit/jit.hpp>
