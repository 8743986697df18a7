// Must not compile: a jit::table argument used as a value (`lut * 2.0f`) instead of `lut[i]`;
// the message says a table is read as lut[i] or t(x, y).
#include <parjit/jit.hpp>
#include <vector>
int main() {
  std::vector<float> out(4), a(4), lut(256);
  auto k = parjit::jit::vectorize([](auto v, auto lut) { return v + lut * 2.0f; });
  k(out, a, parjit::jit::table(lut));
}
