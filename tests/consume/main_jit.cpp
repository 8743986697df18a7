// Uses the installed JIT layer: a vectorised kernel and a reduction from a linked library.
#include <parjit/jit.hpp>

#include <cstdio>
#include <vector>

double consumer_dot(const std::vector<double>& a, const std::vector<double>& b);

int main() {
  namespace jit = parjit::jit;
  auto hypot = jit::vectorize([](auto a, auto b) { return jit::sqrt(a * a + b * b); });
  std::vector<float> a{3, 5, 8}, b{4, 12, 15}, out(3);
  hypot(out, a, b);
  const double d = consumer_dot({1, 2, 3}, {4, 5, 6});
  std::printf("consumer_jit: %g %g %g dot %g\n", out[0], out[1], out[2], d);
  return out[0] == 5 && out[1] == 13 && out[2] == 17 && d == 32 ? 0 : 1;
}
