// Must not compile: a pointer input without its element count.
#include <parjit/jit.hpp>
#include <vector>
int main() {
  std::vector<float> out(4), a(4);
  parjit::jit::vectorize([](auto x) { return x; })(out, a.data());
}
