// Compile-fail control for the loop cases: the same kernels with matching counts compile.
#include <parjit/jit.hpp>
#include <vector>
void loop_control() {
  std::vector<float> out(4), a(4);
  auto k = parjit::jit::vectorize([](auto x) {
    auto [p, q, r] = parjit::jit::fori(0, 3, parjit::jit::tuple(x, x, x),
                                       [](auto, auto p, auto q, auto r) {
                                         return parjit::jit::tuple(p + q, p * q, r);
                                       });
    return p + q + r;
  });
  k(out, a);
  auto w = parjit::jit::vectorize([](auto x) {
    return parjit::jit::loop_while(
        x, [](auto c) { return c > 1.0f; }, [](auto c) { return c * 0.5f; });
  });
  w(out, a);
}
