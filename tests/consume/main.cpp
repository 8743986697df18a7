// Uses the installed parallel layer: submit, map and parallel_map must agree.
#include <parjit/parjit.hpp>

#include <cstdio>
#include <numeric>
#include <vector>

int main() {
  parjit::arena_executor pool{2};
  std::vector<int> xs(1000);
  std::iota(xs.begin(), xs.end(), 0);
  long via_map = 0;
  for (long r : pool.map([](int x) { return long{x} * x; }, xs)) via_map += r;
  auto squares = parjit::parallel_map(pool, xs, [](int x) { return long{x} * x; });
  const long via_parallel_map = std::accumulate(squares.begin(), squares.end(), 0L);
  const long via_submit = pool.submit([&] { return via_map; }).get();
  std::printf("consumer: %ld %ld %ld\n", via_map, via_parallel_map, via_submit);
  return via_map == 332833500L && via_parallel_map == via_map && via_submit == via_map ? 0 : 1;
}
