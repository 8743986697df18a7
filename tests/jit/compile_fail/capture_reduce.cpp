// Must not compile: jit::reduce with a capturing lambda.
#include <parjit/jit.hpp>
#include <vector>
int main() {
  std::vector<float> a(4);
  const float c = 2.0f;
  auto k = parjit::jit::reduce(parjit::jit::sum, [c](auto x) { return x * c; });
  return static_cast<int>(k(a));
}
