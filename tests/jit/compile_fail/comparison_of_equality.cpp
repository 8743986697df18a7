// Must not compile: `(a == b) == c` with a non-bool c.
#include <parjit/jit.hpp>
#include <vector>
int main() {
  std::vector<float> a(4), b(4), c(4);
  std::vector<std::uint8_t> out(4);
  auto k = parjit::jit::vectorize([](auto x, auto y, auto z) { return (x == y) == z; });
  k(out, a, b, c);
}
