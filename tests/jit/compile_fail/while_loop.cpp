// Must not compile: `while` on a traced value; the message names jit::select and jit::loop_while.
#include <parjit/jit.hpp>
#include <vector>
int main() {
  std::vector<float> out(4), a(4);
  auto k = parjit::jit::vectorize([](auto x) {
    auto y = x + 0.0f;
    while (y > 1.0f) return y;
    return y;
  });
  k(out, a);
}
