// Uses the installed expression layer alone (parjit::expr: no TBB) and <parjit/version.hpp>,
// whose numbers must be the package's version (PARJIT_EXPECTED_VERSION, from find_package).
#include <parjit/expr.hpp>
#include <parjit/version.hpp>

#include <array>
#include <cstdio>
#include <string>

int main() {
  using namespace parjit::expr;
  const graph g = to_graph(arg<0, int>{} * arg<1, int>{} + 1);  // a*b + 1
  const std::array<value, 2> args{value::of(6), value::of(7)};
  const int result = evaluate(g, args).as<int>();
  const std::string version = std::to_string(PARJIT_VERSION_MAJOR) + "." +
                              std::to_string(PARJIT_VERSION_MINOR) + "." +
                              std::to_string(PARJIT_VERSION_PATCH);
  std::printf("consumer_expr: %d, parjit %s\n", result, version.c_str());
#ifdef PARJIT_EXPECTED_VERSION
  if (version != PARJIT_EXPECTED_VERSION) {
    std::printf("consumer_expr: <parjit/version.hpp> says %s, the package %s\n", version.c_str(),
                PARJIT_EXPECTED_VERSION);
    return 1;
  }
#endif
  return result == 43 && version == PARJIT_VERSION_STRING ? 0 : 1;
}
