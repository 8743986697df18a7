// Must not compile: a trivially copyable struct that holds a pointer, as a result.
#include <parjit/mpi.hpp>

struct named {
  const char* name;
  int value;
};

named make(int v) { return {"x", v}; }

void use(parjit::mpi::executor& ex) { (void)ex.submit(make, 1); }
