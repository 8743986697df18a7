// Must not compile (trial mistake 3, `?:` on a traced value): the message names jit::select.
#include <parjit/jit.hpp>
#include <vector>
int main() {
  std::vector<float> out(4), a(4);
  auto relu = parjit::jit::vectorize([](auto v) { return v > 0.0f ? v : -v; });
  relu(out, a);
}
