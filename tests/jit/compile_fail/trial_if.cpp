// Must not compile (trial mistake 2, `if` on a traced value): the message names jit::select.
#include <parjit/jit.hpp>
#include <vector>
int main() {
  std::vector<float> out(4), a(4);
  auto relu = parjit::jit::vectorize([](auto v) {
    if (v > 0.0f) return v;
    return 0.0f * v;
  });
  relu(out, a);
}
