// Must not compile: a lambda's captures cannot be sent to another rank.
#include <parjit/mpi.hpp>

void use(parjit::mpi::executor& ex) {
  int k = 3;
  (void)ex.submit([k](int x) { return x * k; }, 2);
}
