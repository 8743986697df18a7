// The checks every call makes on its operands (sizes match; an input is an out, element for
// element, or shares no byte with it; outs share no byte), and the outs of an elementwise call
// (one array, contiguous or strided, or jit::outs) as the kernel ABI passes them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>

#include "../arrays.hpp"
#include "operands.hpp"

namespace parjit::jit::detail {

// The checks' errors. Out of line and cold, so that the checks themselves stay small enough to
// inline into every call (they run on every call; a message is built only when one fails).
[[noreturn, gnu::cold, gnu::noinline]] inline void size_mismatch(std::size_t index,
                                                                std::size_t size,
                                                                const char* what,
                                                                std::size_t expected) {
  throw std::invalid_argument("parjit::jit: input " + std::to_string(index) + " has " +
                              std::to_string(size) + " elements but " + what + " has " +
                              std::to_string(expected) + "; sizes must match (nothing written)");
}
[[noreturn, gnu::cold, gnu::noinline]] inline void inputs_differ_in_size(std::size_t index,
                                                                        std::size_t size,
                                                                        std::size_t first,
                                                                        std::size_t n) {
  size_mismatch(index, size, ("input " + std::to_string(first)).c_str(), n);
}
[[noreturn, gnu::cold, gnu::noinline]] inline void outs_differ_in_size(std::size_t k,
                                                                      std::size_t n_k,
                                                                      std::size_t n_0) {
  throw std::invalid_argument("parjit::jit: out " + std::to_string(k) + " has " +
                              std::to_string(n_k) + " elements but out 0 has " +
                              std::to_string(n_0) + "; sizes must match (nothing written)");
}
[[noreturn, gnu::cold, gnu::noinline]] inline void outs_overlap(std::size_t j, std::size_t k) {
  throw std::invalid_argument("parjit::jit: out " + std::to_string(j) + " and out " +
                              std::to_string(k) + " overlap (nothing written)");
}
// `out`: which out is overlapped, -1 when the call has only one.
[[noreturn, gnu::cold, gnu::noinline]] inline void input_overlaps_out(std::size_t index,
                                                                     std::ptrdiff_t out) {
  throw std::invalid_argument(
      "parjit::jit: input " + std::to_string(index) + " partly overlaps out" +
      (out >= 0 ? " " + std::to_string(out) : std::string()) +
      " (only out == input, element for element, is allowed; nothing written)");
}
[[noreturn, gnu::cold, gnu::noinline]] inline void table_overlaps_out(std::size_t index) {
  throw std::invalid_argument("parjit::jit: input " + std::to_string(index) +
                              " (a jit::table) overlaps out: a kernel must not write "
                              "the table it reads (nothing written)");
}
[[noreturn, gnu::cold, gnu::noinline]] inline void bad_table(std::size_t index,
                                                            const char* problem) {
  throw std::invalid_argument("parjit::jit: input " + std::to_string(index) +
                              " (a jit::table) " + problem);
}

// The bytes an array occupies: n elements of `size` bytes from `first`, `step` bytes apart.
struct extent {
  std::uintptr_t first;
  std::size_t n;
  std::size_t step;
  std::size_t size;
  friend bool operator==(const extent&, const extent&) = default;
};
template <class T>
extent extent_of(const array_operand<T>& op) {
  return {reinterpret_cast<std::uintptr_t>(op.data), op.size, sizeof(T), sizeof(T)};
}
template <class T>
extent extent_of(const strided_operand<T>& op) {
  return {reinterpret_cast<std::uintptr_t>(op.data), op.size,
          static_cast<std::size_t>(op.desc.stride) * sizeof(T), sizeof(T)};
}

// Whether two arrays share a byte: exact where both have one step and element size (two
// contiguous arrays of one element size, two strided views of one stride: interleaved views of
// one buffer do not overlap), else whether their spans intersect.
inline bool overlap(const extent& a, const extent& b) {
  if (a.n == 0 || b.n == 0) return false;
  const std::uintptr_t a_end = a.first + (a.n - 1) * a.step + a.size;
  const std::uintptr_t b_end = b.first + (b.n - 1) * b.step + b.size;
  if (a.first >= b_end || b.first >= a_end) return false;
  if (a.step != b.step || a.size != b.size || a.step < a.size) return true;
  // Element i of a and element j of b share a byte iff |d - k * s| < size with k = i - j and
  // d = b.first - a.first: only k = floor(d / s) or k + 1 can, if -(b.n - 1) <= k <= a.n - 1.
  const auto s = static_cast<std::int64_t>(a.step);
  const auto d = static_cast<std::int64_t>(b.first - a.first);
  const std::int64_t k0 = d >= 0 ? d / s : -((-d + s - 1) / s);
  for (std::int64_t k = k0; k <= k0 + 1; ++k) {
    const std::int64_t gap = d - k * s;
    if ((gap < 0 ? -gap : gap) < static_cast<std::int64_t>(a.size) &&
        k >= -static_cast<std::int64_t>(b.n - 1) && k <= static_cast<std::int64_t>(a.n - 1)) {
      return true;
    }
  }
  return false;
}

// The outs of a call: one array operand, or jit::outs.
template <class Out>
inline constexpr std::size_t out_count = 1;
template <class... O>
inline constexpr std::size_t out_count<outs_list<O...>> = sizeof...(O);

template <class Out, class Fn>
void for_each_out(const Out& out, Fn&& fn) {
  if constexpr (is_outs<Out>::value) {
    std::apply([&](const auto&... o) { (fn(o), ...); }, out.items);
  } else {
    fn(out);
  }
}

// The key `Result` of an out (see key_of): T for a contiguous out, out_key for a strided one, a
// std::tuple of those for jit::outs.
template <class O>
struct out_key_of {
  using type = canonical_t<typename operand_traits<O>::element>;
};
template <class T>
struct out_key_of<strided_operand<T>> {
  using type = out_key<canonical_t<std::remove_const_t<T>>, access::strided>;
};
template <class... O>
struct out_key_of<outs_list<O...>> {
  using type = std::tuple<typename out_key_of<O>::type...>;
};
template <class Out>
using out_key_t = typename out_key_of<Out>::type;

template <class Out>
struct is_contiguous_out : std::false_type {};
template <class T>
struct is_contiguous_out<array_operand<T>> : std::true_type {
  using element = T;
};

// "out float[::stride]" / "outs (float[], double[])": the outs as a strict kernel's error
// names them.
template <class O>
std::string out_name() {
  return std::string(expr::name_of(expr::kind_of<typename operand_traits<O>::element>)) +
         (operand_traits<O>::form == access::strided ? "[::stride]" : "[]");
}
template <class Out>
struct out_names {
  static std::string get() { return "out " + out_name<Out>(); }
};
template <class... O>
struct out_names<outs_list<O...>> {
  static std::string get() {
    std::string s;
    ((s += (s.empty() ? "" : ", ") + out_name<O>()), ...);
    return "outs (" + s + ")";
  }
};
template <class Out, class... In>
std::string describe_call() {
  return out_names<Out>::get() + ", inputs (" + operand_names<In...>() + ")";
}

// The kernel's `out` argument: element 0, a strided_descriptor, or (jit::outs) `slots` filled
// with one of those per out.
template <class Out>
void* out_pointer(const Out& out, std::array<void*, out_count<Out>>& slots) {
  std::size_t k = 0;
  for_each_out(out, [&](const auto& o) {
    if constexpr (is_strided_operand<std::remove_cvref_t<decltype(o)>>::value) {
      slots[k++] = const_cast<strided_descriptor*>(&o.desc);  // the kernel writes desc.data[...]
    } else {
      slots[k++] = static_cast<void*>(o.data);
    }
  });
  return is_outs<Out>::value ? static_cast<void*>(slots.data()) : slots[0];
}

// Every out and array input has one size n (returned); an input may be an out itself (the same
// elements) but must share no byte with it otherwise; outs share no byte.
template <class Out, class... In>
std::size_t check_elementwise(const Out& out, const In&... in) {
  std::array<extent, out_count<Out>> outs{};
  std::size_t k = 0;
  for_each_out(out, [&](const auto& o) {
    outs[k] = extent_of(o);
    if (k > 0 && outs[k].n != outs[0].n) outs_differ_in_size(k, outs[k].n, outs[0].n);
    for (std::size_t j = 0; j < k; ++j) {
      if (overlap(outs[j], outs[k])) outs_overlap(j, k);
    }
    ++k;
  });
  const std::size_t n = outs[0].n;
  std::size_t index = 0;
  [[maybe_unused]] auto one = [&](const auto& op) {
    ++index;
    using O = std::remove_cvref_t<decltype(op)>;
    if constexpr (is_array_operand<O>::value) {
      if (op.size != n) size_mismatch(index, op.size, "out", n);
      const extent e = extent_of(op);
      for (std::size_t j = 0; j < outs.size(); ++j) {
        if (!(e == outs[j]) && overlap(e, outs[j])) {
          input_overlaps_out(index, outs.size() > 1 ? static_cast<std::ptrdiff_t>(j) : -1);
        }
      }
    } else if constexpr (is_table_operand<O>::value) {  // read whole while out is written
      using E = typename operand_traits<O>::element;
      const auto& t = op.table;
      const std::int64_t count = t.width * t.height == 0 ? 0 : (t.height - 1) * t.row_stride + t.width;
      const extent e{reinterpret_cast<std::uintptr_t>(t.data), static_cast<std::size_t>(count),
                     sizeof(E), sizeof(E)};
      for (std::size_t j = 0; j < outs.size(); ++j) {
        if (n != 0 && count != 0 && overlap(e, outs[j])) table_overlaps_out(index);
      }
    }
  };
  (one(in), ...);
  return n;
}

// A table's shape: non-negative sizes, rows at least `width` apart, data unless empty; a clamped
// table must have an element to clamp to.
template <class T, int D, expr::index_policy P>
void check_table(const table_operand<T, D, P>& op, std::size_t index) {
  const auto& t = op.table;
  const char* problem = nullptr;  // the message is built only on failure (every call checks)
  if (t.width < 0 || t.height < 0 || t.row_stride < t.width) {
    problem = "has a negative size or rows closer than its width";
  } else if (t.data == nullptr && t.width * t.height != 0) {
    problem = "has no data";
  } else if (P == expr::index_policy::clamp && t.width * t.height == 0) {
    problem = "is empty: jit::clamp has no element to clamp to";
  }
  if (problem != nullptr) bad_table(index, problem);
}

// Whether operand `op` is the array `out` itself (an in-place call).
template <class Op>
bool is_out(const Op& op, const void* out) {
  if constexpr (is_array_operand<Op>::value) {
    return static_cast<const void*>(op.data) == out;
  } else {
    return false;
  }
}

// Every array input has the same size; returns it.
template <class... In>
std::size_t common_size(const In&... in) {
  std::size_t n = 0, first = 0, index = 0;
  [[maybe_unused]] auto one = [&](const auto& op) {
    ++index;
    using O = std::remove_cvref_t<decltype(op)>;
    if constexpr (is_array_operand<O>::value) {
      if (first == 0) {
        first = index;
        n = op.size;
      } else if (op.size != n) {
        inputs_differ_in_size(index, op.size, first, n);
      }
    }
  };
  (one(in), ...);
  return n;
}

}  // namespace parjit::jit::detail
