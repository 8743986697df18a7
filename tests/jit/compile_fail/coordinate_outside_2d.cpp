// Must not compile: jit::x() in a 1-D call (its out is a std::vector, not a jit::view2d); the
// message says x() and y() belong to 2-D calls and names jit::index().
#include <parjit/jit.hpp>
#include <vector>
int main() {
  std::vector<float> out(4), a(4);
  auto k = parjit::jit::vectorize([](auto v) { return v * parjit::jit::cast<float>(parjit::jit::x()); });
  k(out, a);
}
