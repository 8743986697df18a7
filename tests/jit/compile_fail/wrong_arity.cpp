// Must not compile: the lambda takes two inputs, the call passes one.
#include <parjit/jit.hpp>
#include <vector>
int main() {
  std::vector<float> out(4), a(4);
  parjit::jit::vectorize([](auto x, auto y) { return x + y; })(out, a);
}
