// Property test: 1,000 seeded random expression trees (depth <= 6, every op and element type,
// arrays, runtime scalars and gathers from clamped or constant-policy tables) compiled by the JIT equal the reference evaluator bit for bit,
// elementwise and (where the result is exact in any order) as reductions. Prints the failing tree.
#include "jit_support.hpp"

#include <parjit/jit/reduce.hpp>

using namespace parjit::jit_test;
namespace expr = parjit::expr;
namespace jit = parjit::jit;
using expr::scalar_kind;

namespace {

struct buffer {
  scalar_kind type;
  bool scalar;
  std::vector<unsigned char> bytes;
  std::vector<expr::value> values;
};

buffer make_buffer(std::mt19937_64& rng, scalar_kind k, bool scalar, std::size_t n) {
  buffer b{k, scalar, {}, {}};
  const std::size_t count = scalar ? 1 : n;
  const auto size = static_cast<std::size_t>(expr::size_of(k));
  b.bytes.resize(count * size + 1);
  for (std::size_t i = 0; i < count; ++i) {
    b.values.push_back(parjit::test::random_value(rng, k));
    std::memcpy(b.bytes.data() + i * size, &b.values.back().bits, size);  // little endian
  }
  return b;
}

expr::value read(const unsigned char* p, scalar_kind k) {
  expr::value v;
  v.type = k;
  v.bits = 0;
  std::memcpy(&v.bits, p, static_cast<std::size_t>(expr::size_of(k)));
  return v;
}

// The reduction of `xs` in index order, written from reduce.hpp's documentation (integers wrap,
// min / max are IEEE 754-2019 minimum / maximum), not with the library's own combining step.
template <jit::kernel_kind K, class A>
A step(A a, A b) {
  if constexpr (std::is_integral_v<A>) {
    using U = std::make_unsigned_t<A>;
    if constexpr (K == jit::kernel_kind::sum) return static_cast<A>(static_cast<U>(static_cast<U>(a) + static_cast<U>(b)));
    if constexpr (K == jit::kernel_kind::prod) {
      return static_cast<A>(static_cast<U>(static_cast<std::uint64_t>(static_cast<U>(a)) *
                                           static_cast<std::uint64_t>(static_cast<U>(b))));
    }
    if constexpr (K == jit::kernel_kind::min) return std::min(a, b);
    if constexpr (K == jit::kernel_kind::max) return std::max(a, b);
  } else {
    static_assert(K == jit::kernel_kind::min || K == jit::kernel_kind::max);  // order-free only
    if (std::isnan(a)) return a;
    if (std::isnan(b)) return b;
    if (a == b) {  // -0 < +0
      const bool a_negative = std::signbit(a);
      return (K == jit::kernel_kind::min) == a_negative ? a : b;
    }
    return K == jit::kernel_kind::min ? std::min(a, b) : std::max(a, b);
  }
}

template <jit::kernel_kind K, class A>
expr::value fold(const std::vector<expr::value>& xs) {
  A acc = xs[0].as<A>();
  for (std::size_t i = 1; i < xs.size(); ++i) acc = step<K>(acc, xs[i].as<A>());
  return expr::value::of(acc);
}

template <jit::kernel_kind K>
expr::value fold_any(const std::vector<expr::value>& xs) {
  return expr::detail::with_type(xs[0].type, [&](auto tag) {
    using A = typename decltype(tag)::type;
    if constexpr (std::is_same_v<A, bool> ||
                  (std::is_floating_point_v<A> &&
                   (K == jit::kernel_kind::sum || K == jit::kernel_kind::prod))) {
      return expr::value{};  // not reduced: bool never, floating sums / products order-dependent
    } else {
      return fold<K, A>(xs);
    }
  });
}

}  // namespace

TEST_CASE("random trees: the JIT equals the reference evaluator", "[jit][random]") {
  constexpr int trees = 1000;
  constexpr std::size_t sizes[] = {1, 7, 8, 9, 33, 100};
  std::mt19937_64 rng(20240611);
  int checked_reductions = 0;
  for (int t = 0; t < trees; ++t) {
    const int n_args = std::uniform_int_distribution<int>(1, 3)(rng);
    std::vector<scalar_kind> types;
    for (int i = 0; i < n_args; ++i) {
      types.push_back(static_cast<scalar_kind>(
          std::uniform_int_distribution<int>(0, expr::scalar_kind_count - 1)(rng)));
    }
    // A third of the trees gather from a table (clamp or constant policy, 1 to 40 elements).
    std::vector<parjit::test::table_spec> specs;
    std::vector<buffer> table_data;
    std::vector<expr::table_contents> contents(types.size());
    if (std::uniform_int_distribution<int>(0, 2)(rng) == 0) {
      const auto k = static_cast<scalar_kind>(
          std::uniform_int_distribution<int>(0, expr::scalar_kind_count - 1)(rng));
      const auto policy = std::uniform_int_distribution<int>(0, 1)(rng) == 0
                              ? expr::index_policy::clamp
                              : expr::index_policy::constant;
      specs.push_back({k, policy});
      const auto size = std::uniform_int_distribution<std::size_t>(1, 40)(rng);
      table_data.push_back(make_buffer(rng, k, false, size));
      contents.push_back({k, table_data.back().bytes.data(), static_cast<std::int64_t>(size), 1,
                          static_cast<std::int64_t>(size), parjit::test::random_value(rng, k)});
    }
    const expr::graph g = parjit::test::random_graph(rng, 6, types, specs);
    const std::size_t n = sizes[std::uniform_int_distribution<std::size_t>(0, 5)(rng)];
    jit::signature sig;
    std::vector<buffer> args;
    for (int i = 0; i < n_args; ++i) {
      const bool scalar = std::uniform_int_distribution<int>(0, 3)(rng) == 0;
      sig.args.push_back({types[static_cast<std::size_t>(i)], scalar});
      args.push_back(make_buffer(rng, types[static_cast<std::size_t>(i)], scalar, n));
    }
    std::vector<jit::table_descriptor> descriptors;
    for (std::size_t j = 0; j < specs.size(); ++j) {
      sig.args.push_back({specs[j].type, false, jit::access::table, specs[j].policy, 1});
      const expr::table_contents& c = contents[types.size() + j];
      descriptors.push_back({c.data, c.width, 1, c.width, c.fill.bits, nullptr, nullptr});
    }
    // out: the expression's type, or (a third of the time) another type it converts to
    const bool convert = std::uniform_int_distribution<int>(0, 2)(rng) == 0;
    sig.result = convert ? static_cast<scalar_kind>(std::uniform_int_distribution<int>(
                               0, expr::scalar_kind_count - 1)(rng))
                         : g.type();
    const expr::evaluator ref(with_result_cast(g, sig.result));
    INFO("tree " << t << ": " << expr::to_string(g) << " -> " << expr::name_of(sig.result)
                 << ", n = " << n);

    jit::compiled_kernel k;
    REQUIRE_NOTHROW(k = jit::compile(g, sig, {.vector_math = false}));
    std::vector<const void*> ptrs;
    for (auto& b : args) ptrs.push_back(b.bytes.data());
    for (auto& d : descriptors) ptrs.push_back(&d);
    ptrs.push_back(nullptr);  // args[n]: no call_context (index offset 0)
    const auto out_size = static_cast<std::size_t>(expr::size_of(sig.result));
    std::vector<unsigned char> out(n * out_size + 1);
    k(0, static_cast<std::int64_t>(n), out.data(), ptrs.data());

    std::vector<expr::value> element(args.size() + specs.size());
    std::vector<expr::value> results;
    bool ok = true;
    for (std::size_t i = 0; i < n && ok; ++i) {
      for (std::size_t j = 0; j < args.size(); ++j) {
        element[j] = args[j].values[args[j].scalar ? 0 : i];
      }
      const expr::value want =
          ref(element, expr::element_position{static_cast<std::int64_t>(i), 0, 0, contents});
      const expr::value got = read(out.data() + i * out_size, sig.result);
      results.push_back(want);
      if (!expr::same_value(got, want)) {
        std::string at;
        for (const auto& v : element) at += " " + expr::to_string(v);
        INFO("element " << i << " args" << at << ": got " << expr::to_string(got) << ", want "
                        << expr::to_string(want));
        ok = false;
        CHECK(ok);
      }
    }
    if (!ok) continue;

    // The same tree as a reduction, where the result does not depend on the order: integer sums
    // and products (they wrap), and min / max (IEEE minimum / maximum are associative).
    if (sig.result == scalar_kind::boolean) continue;
    const bool integral = expr::is_integral(sig.result);
    const int pick = std::uniform_int_distribution<int>(integral ? 0 : 2, 3)(rng);
    const jit::kernel_kind kind = static_cast<jit::kernel_kind>(1 + pick);
    jit::signature rsig = sig;
    rsig.kind = kind;
    jit::compiled_kernel r;
    REQUIRE_NOTHROW(r = jit::compile(g, rsig, {.vector_math = false}));
    std::uint64_t acc_bits = 0;
    r(0, static_cast<std::int64_t>(n), &acc_bits, ptrs.data());
    expr::value want;
    switch (kind) {
      case jit::kernel_kind::sum: want = fold_any<jit::kernel_kind::sum>(results); break;
      case jit::kernel_kind::prod: want = fold_any<jit::kernel_kind::prod>(results); break;
      case jit::kernel_kind::min: want = fold_any<jit::kernel_kind::min>(results); break;
      default: want = fold_any<jit::kernel_kind::max>(results); break;
    }
    const expr::value got{sig.result, acc_bits};
    INFO("reduction " << static_cast<int>(kind) << ": got " << expr::to_string(got) << ", want "
                      << expr::to_string(want));
    CHECK(expr::same_value(got, want));
    ++checked_reductions;
  }
  CHECK(checked_reductions > trees / 2);
}
