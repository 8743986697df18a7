// Must not compile: a raw pointer (meaningless on another rank) as a task argument.
#include <parjit/mpi.hpp>

int deref(const int* p) { return *p; }

void use(parjit::mpi::executor& ex) {
  int k = 3;
  (void)ex.submit(deref, &k);
}
