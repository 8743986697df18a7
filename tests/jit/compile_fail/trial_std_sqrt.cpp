// Must not compile (trial mistake 4, std::sqrt on a traced value): the message names jit::sqrt.
#include <parjit/jit.hpp>
#include <cmath>
#include <vector>
int main() {
  std::vector<float> out(4), a(4), b(4);
  auto norm = parjit::jit::vectorize([](auto x, auto y) { return std::sqrt(x * x + y * y); });
  norm(out, a, b);
}
