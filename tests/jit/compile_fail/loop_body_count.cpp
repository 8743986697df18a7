// Must not compile: a loop body returns two values for a carry of three; the message says the
// body returns one value per carried value.
#include <parjit/jit.hpp>
#include <vector>
int main() {
  std::vector<float> out(4), a(4);
  auto k = parjit::jit::vectorize([](auto x) {
    auto [p, q, r] = parjit::jit::fori(0, 3, parjit::jit::tuple(x, x, x),
                                       [](auto, auto p, auto q, auto) {
                                         return parjit::jit::tuple(p + q, p * q);
                                       });
    return p + q + r;
  });
  k(out, a);
}
