// Must not compile: `out` is const.
#include <parjit/jit.hpp>
#include <vector>
int main() {
  const std::vector<float> out(4);
  std::vector<float> a(4);
  parjit::jit::vectorize([](auto x) { return x; })(out, a);
}
