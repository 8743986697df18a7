// A static library of the consumer that also links parjit::jit (two targets, one program).
#include <parjit/jit.hpp>

#include <vector>

namespace jit = parjit::jit;

double consumer_dot(const std::vector<double>& a, const std::vector<double>& b) {
  static auto dot = jit::reduce(jit::sum, [](auto x, auto y) { return x * y; });
  return dot(a, b);
}
