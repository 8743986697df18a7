// Must not compile: the lambda takes one input, the call passes `out` and two inputs.
#include <parjit/jit.hpp>
#include <vector>
int main() {
  std::vector<float> out(4), a(4);
  parjit::jit::vectorize([](auto x) { return x + 1; })(out, a, a);
}
