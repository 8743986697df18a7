// Must not compile (trial mistake 5, a plain `float f(float)` helper called on a traced value):
// the message says to write the helper generically.
#include <parjit/jit.hpp>
#include <vector>
float square(float v) { return v * v; }
int main() {
  std::vector<float> out(4), a(4);
  auto k = parjit::jit::vectorize([](auto x) { return square(x) + 1.0f; });
  k(out, a);
}
