// Must not compile: a std::span points into this process's memory.
#include <parjit/mpi.hpp>

#include <span>
#include <vector>

double first(std::span<const double> s) { return s[0]; }

void use(parjit::mpi::executor& ex, const std::vector<double>& v) {
  (void)ex.submit(first, std::span<const double>(v));
}
