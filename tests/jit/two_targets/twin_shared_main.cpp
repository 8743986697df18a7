// An executable and a shared library that both link parjit::jit (so both carry the backend
// library): they must share one JIT session. The check: an identical cached kernel compiled on
// both sides is linked once, so both get the same code address (a second session would load its
// own copy from the disk cache at another address), and both see the same cache counters.
// argv[1]: a cache directory.
#include "twin_shared.hpp"

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const std::string dir = argv[1];
  const auto here = twin::compile_shared_kernel(dir);
  const auto there = twin_shared_kernel(dir);
  const auto info_here = parjit::jit::cache::info(dir);
  const auto info_there = twin_shared_cache_info(dir);
  const double sum = twin_shared_sum(1000);
  std::printf("executable %p, library %p; hits %llu/%llu, misses %llu/%llu; sum %g\n",
              reinterpret_cast<void*>(here.function()), reinterpret_cast<void*>(there),
              static_cast<unsigned long long>(info_here.hits),
              static_cast<unsigned long long>(info_there.hits),
              static_cast<unsigned long long>(info_here.misses),
              static_cast<unsigned long long>(info_there.misses), sum);
  const bool one_session = here.function() == there && info_here.hits == info_there.hits &&
                           info_here.misses == info_there.misses &&
                           info_here.hits + info_here.misses == 2;
  if (!one_session) std::puts("FAIL: the executable and the library use different JIT sessions");
  return one_session && sum == 4000.0 ? 0 : 1;
}
