// Must not compile: `0 < v < 1` is `(0 < v) < 1` in C++; the message says `a < b && b < c`.
#include <parjit/jit.hpp>
#include <vector>
int main() {
  std::vector<float> a(4);
  std::vector<bool> unused;
  std::vector<std::uint8_t> out(4);
  auto inside = parjit::jit::vectorize([](auto v) { return 0.0f < v < 1.0f; });
  inside(out, a);
}
