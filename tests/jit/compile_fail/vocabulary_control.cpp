// Compile-fail control for the kernel-language checks: the correct spellings compile
// (comparisons of two bools, jit::select, jit::frozen captures, the allocating call, the new
// vocabulary on traced values and on plain numbers).
#include <parjit/jit.hpp>
#include <cstdint>
#include <vector>
namespace jit = parjit::jit;
int main() {
  std::vector<float> out(4), a(4), b(4);
  std::vector<std::uint8_t> flags(4);
  auto inside = jit::vectorize([](auto v) { return 0.0f < v && v < 1.0f; });
  inside(flags, a);
  auto same = jit::vectorize([](auto x, auto y) { return (x < 0.0f) == (y < 0.0f); });
  same(flags, a, b);
  auto relu = jit::vectorize([](auto v) { return jit::select(v > 0.0f, v, 0.0f); });
  relu(out, a);
  const float scale = 2.0f;
  auto frozen = jit::vectorize(jit::frozen([scale](auto x) { return x * scale; }));
  frozen(out, a);
  auto polar = jit::vectorize([](auto x, auto y) {
    return jit::log1p(jit::hypot(x, y)) * jit::atan2(y, x) + jit::floor_div(x, 2.0f) +
           jit::select(jit::isnan(x), 0.0f, jit::sign(y));
  });
  std::vector<float> r = polar(a, b);
  std::vector<float> rp = polar(jit::par, a, b);
  static_assert(std::is_same_v<decltype(jit::floor_div(-7, 2)), int>);
  static_assert(std::is_same_v<decltype(jit::true_div(7, 2)), double>);
  static_assert(std::is_same_v<decltype(jit::isnan(1.0f)), bool>);
  return static_cast<int>(r.size() + rp.size()) + (jit::floor_mod(-7, 2) == 1 ? 0 : 1);
}
