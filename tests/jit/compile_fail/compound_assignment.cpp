// Must not compile: `acc += x` accumulates into a traced value.
#include <parjit/jit.hpp>
#include <vector>
int main() {
  std::vector<float> out(4), a(4);
  auto k = parjit::jit::vectorize([](auto x) {
    auto acc = x;
    for (int i = 0; i < 3; ++i) acc += x;
    return acc;
  });
  k(out, a);
}
