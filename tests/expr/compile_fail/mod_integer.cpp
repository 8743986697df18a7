// Control for the compile-fail tests: the same code with integer operands compiles.
#include <parjit/expr/to_graph.hpp>

int main() {
  auto kernel = [](auto a, auto b) { return a % b + a % 3; };
  const auto g = parjit::expr::to_graph(
      kernel(parjit::expr::arg<0, std::uint8_t>{}, parjit::expr::arg<1, int>{}));
  return g.nodes.empty() ? 1 : 0;
}
