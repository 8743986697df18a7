// Must not compile: reductions do not accumulate in bool.
#include <parjit/jit.hpp>
int main() {
  auto r = parjit::jit::reduce<bool>(parjit::jit::sum, [](auto x) { return x > 0; });
  (void)r;
}
