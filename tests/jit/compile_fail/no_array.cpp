// Must not compile: a reduction over scalars only has no length.
#include <parjit/jit.hpp>
int main() { return static_cast<int>(parjit::jit::reduce(parjit::jit::sum, [](auto x) { return x; })(2.0f)); }
