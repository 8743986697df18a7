// Must not compile: std::vector<bool> is not contiguous.
#include <parjit/jit.hpp>
#include <vector>
int main() {
  std::vector<float> out(4);
  std::vector<bool> mask(4);
  parjit::jit::vectorize([](auto m) { return m; })(out, mask);
}
