// Tests of huge_page_allocator and huge_page_vector: alignment by block size, the huge-page
// advice, overflow, allocator requirements, and a vector through growth, copies and algorithms.
#include <parjit/parallel/huge_page.hpp>

#include <catch2/catch.hpp>

#include <parjit/parallel/algorithm.hpp>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <limits>
#include <memory>
#include <new>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

constexpr std::size_t two_mib = std::size_t{2} << 20;

struct alignas(128) wide {
  double v[16];
};

bool aligned_to(const void* p, std::size_t a) {
  return reinterpret_cast<std::uintptr_t>(p) % a == 0;
}

std::string read_file(const char* path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// The THPeligible flag of the mapping that holds `p` in /proc/self/smaps: 1 when the kernel may
// back it with huge pages, 0 when not, -1 when this kernel does not say (before Linux 5.0).
int thp_eligible(const void* p) {
  std::ifstream smaps("/proc/self/smaps");
  const auto addr = reinterpret_cast<std::uintptr_t>(p);
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    const auto dash = line.find('-');
    const auto space = line.find(' ');
    if (dash != std::string::npos && space != std::string::npos && dash < space &&
        line.find(':') > space) {  // a mapping's header line: "start-end perms ..."
      const auto lo = std::stoull(line.substr(0, dash), nullptr, 16);
      const auto hi = std::stoull(line.substr(dash + 1, space - dash - 1), nullptr, 16);
      inside = lo <= addr && addr < hi;
    } else if (inside && line.rfind("THPeligible:", 0) == 0) {
      return std::stoi(line.substr(12));
    }
  }
  return -1;
}

}  // namespace

TEMPLATE_TEST_CASE("huge_page_allocator: small blocks 64-byte aligned, 2 MiB blocks 2 MiB aligned",
                   "[parallel][huge_page]", float, double, std::uint8_t, wide) {
  parjit::huge_page_allocator<TestType> a;
  const std::size_t small_align = alignof(TestType) > 64 ? alignof(TestType) : 64;
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{3}, std::size_t{1000},
                        two_mib / sizeof(TestType) - 1}) {
    TestType* p = a.allocate(n);
    CHECK(aligned_to(p, small_align));
    a.deallocate(p, n);
  }
  for (std::size_t n : {two_mib / sizeof(TestType), two_mib / sizeof(TestType) + 1,
                        5 * two_mib / sizeof(TestType) + 7}) {
    TestType* p = a.allocate(n);
    CHECK(aligned_to(p, two_mib));
    // the whole block is usable memory
    auto* bytes = reinterpret_cast<unsigned char*>(p);
    bytes[0] = 1;
    bytes[n * sizeof(TestType) - 1] = 2;
    CHECK(bytes[0] + bytes[n * sizeof(TestType) - 1] == 3);
    a.deallocate(p, n);
  }
}

TEST_CASE("huge_page_allocator: a block of 2 MiB or more may use huge pages where THP is on",
          "[parallel][huge_page]") {
  const std::string mode = read_file("/sys/kernel/mm/transparent_hugepage/enabled");
  if (mode.find("[always]") == std::string::npos && mode.find("[madvise]") == std::string::npos) {
    WARN("transparent huge pages are off here (" << mode << "): only the fallback is tested");
    parjit::huge_page_vector<float> v(two_mib, 1.0f);
    CHECK(std::accumulate(v.begin(), v.end(), 0.0) == static_cast<double>(two_mib));
    return;
  }
  parjit::huge_page_vector<float> v(2 * two_mib / sizeof(float), 1.0f);
  const int eligible = thp_eligible(v.data());
  if (eligible < 0) {
    WARN("this kernel's /proc/self/smaps has no THPeligible field: advice not checked");
    return;
  }
  CHECK(eligible == 1);
}

TEST_CASE("huge_page_allocator: n * sizeof(T) too large or overflowing throws std::bad_alloc",
          "[parallel][huge_page]") {
  parjit::huge_page_allocator<double> a;
  CHECK(a.max_size() ==
        static_cast<std::size_t>(std::numeric_limits<std::ptrdiff_t>::max()) / sizeof(double));
  CHECK(parjit::huge_page_vector<double>().max_size() == std::vector<double>().max_size());
  CHECK(std::allocator_traits<decltype(a)>::max_size(a) == a.max_size());
  CHECK_THROWS_AS(a.allocate(a.max_size() + 1), std::bad_alloc);
  CHECK_THROWS_AS(a.allocate(std::numeric_limits<std::size_t>::max()), std::bad_alloc);
  parjit::huge_page_allocator<wide> w;
  CHECK_THROWS_AS(w.allocate(std::numeric_limits<std::size_t>::max() / 64), std::bad_alloc);
  parjit::huge_page_vector<double> v;
  CHECK_THROWS_AS(v.reserve(v.max_size() + 1), std::length_error);
}

TEST_CASE("huge_page_allocator: equality, rebind and freeing through a rebound copy",
          "[parallel][huge_page]") {
  using A = parjit::huge_page_allocator<int>;
  using B = std::allocator_traits<A>::rebind_alloc<double>;
  STATIC_REQUIRE(std::is_same_v<B, parjit::huge_page_allocator<double>>);
  STATIC_REQUIRE(std::allocator_traits<A>::is_always_equal::value);
  STATIC_REQUIRE(std::is_nothrow_copy_constructible_v<A>);
  A a;
  B b(a);
  CHECK(a == b);
  CHECK(b == a);
  CHECK_FALSE(a != A{});
  const std::size_t n = two_mib;  // 8 MiB of double: the huge-page path
  double* p = b.allocate(n);
  p[n - 1] = 4.0;
  parjit::huge_page_allocator<double>(A(b)).deallocate(p, n);
}

TEST_CASE("huge_page_vector: grows past 2 MiB, copies, compares and moves like std::vector",
          "[parallel][huge_page]") {
  parjit::huge_page_vector<std::int32_t> v;
  const std::size_t n = 3'000'000;  // 12 MB: every growth step from 64-byte to 2 MiB alignment
  bool aligned = true;
  for (std::size_t i = 0; i < n; ++i) {
    v.push_back(static_cast<std::int32_t>(i));
    const std::size_t bytes = v.capacity() * sizeof(std::int32_t);
    aligned = aligned && aligned_to(v.data(), bytes >= two_mib ? two_mib : 64);
  }
  CHECK(aligned);
  REQUIRE(v.size() == n);
  bool in_order = true;
  for (std::size_t i = 0; i < n; ++i) in_order = in_order && v[i] == static_cast<std::int32_t>(i);
  CHECK(in_order);

  parjit::huge_page_vector<std::int32_t> copy = v;
  CHECK(copy == v);
  CHECK(aligned_to(copy.data(), two_mib));
  copy[n / 2] = -1;
  CHECK(copy != v);
  CHECK(copy < v);  // -1 < n / 2 at the first difference
  copy = v;
  CHECK(copy == v);

  parjit::huge_page_vector<std::int32_t> moved = std::move(copy);
  CHECK(moved == v);
  v.resize(10);
  v.shrink_to_fit();
  CHECK(aligned_to(v.data(), 64));
  CHECK(v == parjit::huge_page_vector<std::int32_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  moved.swap(v);
  CHECK(moved.size() == 10);
  CHECK(v.size() == n);
  CHECK(std::vector<std::int32_t>(moved.begin(), moved.end()) ==
        std::vector<std::int32_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
}

TEST_CASE("huge_page_vector: the parallel algorithms take it as input", "[parallel][huge_page]") {
  parjit::huge_page_vector<double> in(1'000'000);
  std::iota(in.begin(), in.end(), 0.0);
  const std::vector<double> out = parjit::parallel_map(in, [](double x) { return 2 * x; });
  REQUIRE(out.size() == in.size());
  CHECK(out.front() == 0.0);
  CHECK(out[123'456] == 246'912.0);
  CHECK(out.back() == 2 * 999'999.0);
}
