// Must not compile: `%` of a float placeholder, as a traced kernel would write it.
#include <parjit/expr/to_graph.hpp>

int main() {
  auto kernel = [](auto a, auto b) { return a % b; };
  const auto g =
      parjit::expr::to_graph(kernel(parjit::expr::arg<0, float>{}, parjit::expr::arg<1, int>{}));
  (void)g;
}
