// Compile-fail control for the outs case: the same kernel with one out per value compiles.
#include <parjit/jit.hpp>
#include <vector>
void outs_control() {
  std::vector<float> r(4), t(4), x(4), y(4);
  auto polar = parjit::jit::vectorize(
      [](auto a, auto b) { return parjit::jit::tuple(a + b, a * b); });
  polar(parjit::jit::outs(r, t), x, y);
}
