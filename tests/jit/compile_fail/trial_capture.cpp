// Must not compile (trial mistake 8, a captured variable, frozen at the first call): the message
// says why and what to do (pass it as an argument, or jit::frozen).
#include <parjit/jit.hpp>
#include <vector>
int main() {
  std::vector<float> out(4), a(4);
  float scale = 2.0f;
  auto k = parjit::jit::vectorize([&scale](auto x) { return x * scale; });
  k(out, a);
  scale = 10.0f;
  k(out, a);
}
