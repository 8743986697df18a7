// Compile-fail control: correct uses of the kernel API compile (and, linked without the backend,
// fail to link with a symbol that names PARJIT_JIT_IMPLEMENTATION).
#include <parjit/jit.hpp>

#include <cstdint>
#include <vector>

namespace jit = parjit::jit;

int main() {
  std::vector<float> out(4), a(4);
  std::vector<std::uint8_t> img(4);
  auto k = jit::vectorize([](auto x, auto y) { return x * y; });
  k(out, a, 2.0f);
  k(out.data(), out.size(), img, true);
  auto r = jit::reduce<double>(jit::sum, [](auto x) { return x; });
  return static_cast<int>(r(a));
}
