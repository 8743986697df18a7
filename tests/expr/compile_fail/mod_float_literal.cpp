// Must not compile: `%` with a floating literal (the test expects the static_assert's message).
#include <parjit/expr/nodes.hpp>

int main() {
  const auto e = parjit::expr::arg<0, int>{} % 0.5;
  (void)e;
}
