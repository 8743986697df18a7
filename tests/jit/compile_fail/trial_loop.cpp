// Must not compile (trial mistake 1, a C++ loop updating a placeholder): the message names
// jit::fori.
#include <parjit/jit.hpp>
#include <vector>
int main() {
  std::vector<float> out(4), x(4);
  auto logistic = parjit::jit::vectorize([](auto x, auto r) {
    for (int i = 0; i < 28; ++i) x = r * x * (1.0f - x);
    return x;
  });
  logistic(out, x, 3.7f);
}
