// Must not compile (trial mistake 7, a function parjit does not have): GCC's own first error
// names it ("'lgamma' is not a member of 'parjit::jit'"); parjit's follow-up says the lambda
// does not compile with placeholders and why, instead of a misleading arity message.
#include <parjit/jit.hpp>
#include <vector>
int main() {
  std::vector<float> out(4), a(4);
  auto k = parjit::jit::vectorize([](auto x) { return parjit::jit::lgamma(x) + 1.0f; });
  k(out, a);
}
