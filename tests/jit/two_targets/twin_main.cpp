// An executable linking parjit::jit and a static library that also links it: two copies of the
// backend in one program must link (weak definitions) and share one JIT session.
#include <parjit/jit.hpp>

#include <cstdio>
#include <vector>

namespace jit = parjit::jit;

double twin_library_sum(const std::vector<double>& x);

int main() {
  std::vector<double> x(1000, 1.5), out(1000);
  jit::vectorize([](auto v) { return v + 1; })(out, x);
  const double s = twin_library_sum(out);
  std::printf("two targets: %g\n", s);
  return s == 5000.0 ? 0 : 1;
}
