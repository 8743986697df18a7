// Must not compile (trial mistake 6, a table lookup with [] on a std::vector): the message
// names the index use and jit::table.
#include <parjit/jit.hpp>
#include <cstdint>
#include <vector>
static std::vector<std::uint8_t> lut(256);
int main() {
  std::vector<std::uint8_t> out(4), img(4);
  auto gamma = parjit::jit::vectorize([](auto v) { return lut[v]; });
  gamma(out, img);
}
