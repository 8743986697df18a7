// Must not compile: the kernel returns two values (jit::tuple) but the call has three outs; the
// message says one out per value.
#include <parjit/jit.hpp>
#include <vector>
int main() {
  std::vector<float> r(4), t(4), u(4), x(4), y(4);
  auto polar = parjit::jit::vectorize(
      [](auto a, auto b) { return parjit::jit::tuple(a + b, a * b); });
  polar(parjit::jit::outs(r, t, u), x, y);
}
