// Shared helpers of the JIT tests: seeded random arrays, ulp distance, and the differential check
// of a traced kernel against the expression layer's reference evaluator.
#pragma once

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <algorithm>
#include <random>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <parjit/expr.hpp>
#include <parjit/jit.hpp>
#include <expr/element_types.hpp>
#include <support/random_graph.hpp>

namespace parjit::jit_test {

// These tests measure and count compilation: they never use (or fill) the user's on-disk kernel
// cache, which is on by default in release builds. test_cache.cpp tests the cache.
inline const int cache_off_for_tests = (::setenv("PARJIT_CACHE", "0", 1), 0);

namespace expr = parjit::expr;
namespace jit = parjit::jit;

/// The sizes every differential check runs (tails around a vector width, a mid size); the
/// 1e6 + 3 size runs for a subset (it costs a second of reference evaluation per kernel).
inline const std::size_t small_sizes[] = {0, 1, 7, 8, 9, 1000};
inline constexpr std::size_t large_size = 1000003;

/// A heap array of T that is a contiguous range for every element type (std::vector<bool> is
/// not one).
template <class T>
class array {
 public:
  explicit array(std::size_t n = 0) : p_(new T[n == 0 ? 1 : n]()), n_(n) {}
  array(std::size_t n, T value) : array(n) { std::fill(begin(), end(), value); }
  array(const array& o) : array(o.n_) { std::copy(o.begin(), o.end(), begin()); }
  array& operator=(const array& o) {
    array c(o);
    std::swap(p_, c.p_);
    std::swap(n_, c.n_);
    return *this;
  }
  T* data() { return p_.get(); }
  const T* data() const { return p_.get(); }
  T* begin() { return p_.get(); }
  T* end() { return p_.get() + n_; }
  const T* begin() const { return p_.get(); }
  const T* end() const { return p_.get() + n_; }
  std::size_t size() const { return n_; }
  T& operator[](std::size_t i) { return p_[i]; }
  const T& operator[](std::size_t i) const { return p_[i]; }
  friend bool operator==(const array& a, const array& b) {
    return a.n_ == b.n_ && std::equal(a.begin(), a.end(), b.begin());
  }

 private:
  std::unique_ptr<T[]> p_;
  std::size_t n_;
};

template <class T>
array<T> random_array(std::mt19937_64& rng, std::size_t n, double edge_rate = 0.1) {
  array<T> v(n);
  test::fill_random(rng, std::span<T>(v.data(), n), edge_rate);
  return v;
}

// Distance in units in the last place between two floats of one type (0 for equal or both NaN).
template <class T>
std::uint64_t ulp_distance(T a, T b) {
  if (std::isnan(a) && std::isnan(b)) return 0;
  if (std::isnan(a) || std::isnan(b)) return ~std::uint64_t{0};
  if (a == b) return 0;
  using I = std::conditional_t<sizeof(T) == 4, std::int32_t, std::int64_t>;
  auto ordered = [](T x) {
    I i;
    std::memcpy(&i, &x, sizeof(T));
    return i < 0 ? static_cast<std::int64_t>(std::numeric_limits<I>::min()) - i
                 : static_cast<std::int64_t>(i);
  };
  const std::int64_t d = ordered(a) - ordered(b);
  return static_cast<std::uint64_t>(d < 0 ? -d : d);
}

inline bool close_enough(const expr::value& got, const expr::value& want, std::uint64_t ulps) {
  if (expr::same_value(got, want)) return true;
  if (ulps == 0 || got.type != want.type) return false;
  if (got.type == expr::scalar_kind::f32) return ulp_distance(got.as<float>(), want.as<float>()) <= ulps;
  if (got.type == expr::scalar_kind::f64) {
    return ulp_distance(got.as<double>(), want.as<double>()) <= ulps;
  }
  return false;
}

inline expr::graph with_result_cast(expr::graph g, expr::scalar_kind to) {
  if (g.type() == to) return g;
  expr::node c;
  c.code = expr::op::cast;
  c.type = to;
  c.operand[0] = g.root;
  g.root = g.add(c);
  return g;
}

// The graph of a lambda traced with placeholders of the given element types.
template <class... In, class F, std::size_t... Is>
expr::graph trace(const F& f, std::index_sequence<Is...>) {
  return expr::to_graph(f(expr::arg<Is, In>{}...));
}

/// Runs `jit::vectorize(f, opts)(out, inputs...)` on seeded random arrays of types In... and
/// compares every element with the reference evaluator (bit for bit, or within `ulps` for
/// floating results), for each size in `sizes`. Reports the tree and the first failing element.
/// With `par`, the call is `k(jit::par, ...)` and its output must also equal a serial call's, bit
/// for bit, at every element. With `stride` > 1 (large sizes: the evaluator interprets each
/// element), the reference is checked at every stride-th element and the last 64.
template <class Out, class... In, class F>
void check_kernel(const F& f, std::initializer_list<std::size_t> sizes, std::uint64_t seed,
                  jit::options opts = {}, std::uint64_t ulps = 0, bool par = false,
                  std::size_t stride = 1) {
  const expr::graph g = with_result_cast(trace<In...>(f, std::index_sequence_for<In...>{}),
                                         expr::kind_of<Out>);
  const expr::evaluator reference(g);
  auto k = jit::vectorize(f, opts);
  for (const std::size_t n : sizes) {
    std::mt19937_64 rng(seed + n);
    std::tuple<array<In>...> data{random_array<In>(rng, n)...};
    array<Out> out(n);
    std::apply([&](auto&... d) { k(out, d...); }, data);
    if (par) {
      array<Out> out_par(n);
      std::apply([&](auto&... d) { k(jit::par, out_par, d...); }, data);
      std::size_t differ = 0;
      while (differ < n && std::memcmp(&out[differ], &out_par[differ], sizeof(Out)) == 0) {
        ++differ;
      }
      INFO("kernel " << expr::to_string(g) << " with n = " << n << ": par differs from serial at "
                     << differ);
      CHECK(differ == n);
    }
    std::size_t bad = 0;
    std::string first;
    std::vector<expr::value> args(sizeof...(In));
    const std::size_t tail = n > 64 ? n - 64 : 0;  // checked whole, whatever the stride
    const auto next = [&](std::size_t i) {
      return i + stride < tail ? i + stride : std::max(i + 1, tail);
    };
    for (std::size_t i = 0; i < n; i = next(i)) {
      std::size_t j = 0;
      std::apply([&](auto&... d) { ((args[j++] = expr::value::of(d[i])), ...); }, data);
      const expr::value want = reference(args, static_cast<std::int64_t>(i));
      const expr::value got = expr::value::of(out[i]);
      if (!close_enough(got, want, ulps)) {
        if (bad++ == 0) {
          first = "element " + std::to_string(i) + ": got " + expr::to_string(got) + ", want " +
                  expr::to_string(want) + "; args";
          for (const auto& a : args) {
            first += ' ';  // (not `" " + s`: GCC 12 warns -Wrestrict on it, wrongly)
            first += expr::to_string(a);
          }
        }
      }
    }
    INFO("kernel " << expr::to_string(g) << " with n = " << n << ": " << bad
                   << " wrong elements; " << first);
    CHECK(bad == 0);
  }
}

}  // namespace parjit::jit_test
