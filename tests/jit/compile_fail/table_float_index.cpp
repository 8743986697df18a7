// Must not compile: a table indexed by a float; the message says indices are integers and names
// jit::cast<std::int64_t>.
#include <parjit/jit.hpp>
#include <vector>
int main() {
  std::vector<float> out(4), a(4), lut(256);
  auto k = parjit::jit::vectorize([](auto v, auto lut) { return lut[v]; });
  k(out, a, parjit::jit::table(lut));
}
