// Compile-fail control for the table and coordinate cases: the same kernels written correctly
// compile (lut[i] with an integer index, jit::x() in a 2-D call).
#include <parjit/jit.hpp>
#include <parjit/jit/view2d.hpp>
#include <cstdint>
#include <vector>
void table_control() {
  std::vector<float> out(4), a(4), lut(256);
  auto k = parjit::jit::vectorize([](auto v, auto lut) {
    return v + lut[parjit::jit::cast<std::int64_t>(v)] * 2.0f;
  });
  k(out, a, parjit::jit::table(lut));
  auto c = parjit::jit::vectorize([](auto v) { return v * parjit::jit::cast<float>(parjit::jit::x()); });
  c(parjit::jit::view2d<float>{out.data(), 2, 2}, parjit::jit::view2d<const float>{a.data(), 2, 2});
}
