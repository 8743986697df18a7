// Must not compile: `if (!x)` tests a traced value in C++.
#include <parjit/jit.hpp>
#include <vector>
int main() {
  std::vector<float> out(4), a(4);
  auto k = parjit::jit::vectorize([](auto x) {
    if (!x) return x * 2.0f;
    return x * 3.0f;
  });
  k(out, a);
}
