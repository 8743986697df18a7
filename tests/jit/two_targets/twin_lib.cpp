// A static library that uses a JIT kernel and links parjit::jit (so it compiles the backend too).
#include <parjit/jit.hpp>

#include <vector>

namespace jit = parjit::jit;

double twin_library_sum(const std::vector<double>& x) {
  static const auto total = jit::reduce(jit::sum, [](auto v) { return v * 2; });
  return total(x);
}
