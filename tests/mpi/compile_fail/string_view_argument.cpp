// Must not compile: a std::string_view is a pointer and a length; the pointer means nothing on
// another rank (it was shipped raw and crashed the worker).
#include <parjit/mpi.hpp>

#include <string_view>

std::size_t length(std::string_view s) { return s.size(); }

void use(parjit::mpi::executor& ex) { (void)ex.submit(length, std::string_view("abc")); }
