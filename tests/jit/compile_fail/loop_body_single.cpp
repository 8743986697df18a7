// Must not compile: loop_while's body returns a jit::tuple of two values for a single carried
// value; the message says the body returns one value per carried value.
#include <parjit/jit.hpp>
#include <vector>
int main() {
  std::vector<float> out(4), a(4);
  auto k = parjit::jit::vectorize([](auto x) {
    return parjit::jit::loop_while(
        x, [](auto c) { return c > 1.0f; },
        [](auto c) { return parjit::jit::tuple(c * 0.5f, c); });
  });
  k(out, a);
}
