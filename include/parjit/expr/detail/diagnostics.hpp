// The compile-time messages for kernel-language mistakes, kept in one place so that the text
// (which names the constructs to use instead) changes with the vocabulary, and the member
// functions every node type carries to turn those mistakes into these messages.
#pragma once

// Why the traps are functions that exist only to fail: a traced lambda runs once, on
// placeholders, at trace time. Used as a bool, a number or an assignment target, a placeholder
// would otherwise give "could not convert ... to bool" or an expression-template type dump.
// Each trap is a constexpr function, which GCC instantiates at the point of use, so the message
// is the first error of the kernel (a deferred instantiation would come after the noise).

#define PARJIT_MSG_TRACED_BOOL                                                                   \
  "parjit: a traced value (a kernel argument, or an expression of them) is used as a C++ bool "  \
  "(`if`, `?:`, `while`, `for`, or `if (!x)`). The kernel lambda runs "   \
  "once, at trace time, on placeholders, never on the data, so C++ control flow cannot depend "  \
  "on element values. Choose per element with jit::select(cond, a, b); loop per element with "   \
  "jit::fori / jit::loop_while."

#define PARJIT_MSG_TRACED_NUMBER                                                                 \
  "parjit: a traced value (a kernel argument, or an expression of them) is used as a plain "     \
  "number: passed to a function that takes float/double/an integer (std::sqrt, std::exp, a "     \
  "helper `float f(float)`), used as an index (`lut[x]` on a std::vector or array), or mixed "   \
  "with a plain value in `?:`. Use parjit's functions (jit::sqrt, jit::exp, jit::hypot, ...), "  \
  "write helpers generically (`auto f(auto v) { return v * v; }`), and pass tables as kernel "   \
  "arguments (gathers: jit::table)."

#define PARJIT_MSG_TRACED_ASSIGN                                                                 \
  "parjit: a traced value is assigned to (`x = ...`, `x += ...`, `++x`), usually by a C++ loop " \
  "that accumulates into a kernel argument. The lambda runs once at trace time, so such a loop " \
  "is unrolled into one fixed expression, or is a mistake. Write the per-element loop with "     \
  "jit::fori(lo, hi, init, body) (or jit::loop_while), or bind each step to a new name: "        \
  "`auto y = x * x; auto z = y * y;`."

#define PARJIT_MSG_COMPARISON_CHAIN                                                              \
  "parjit: a comparison of a comparison (`a < b < c`, `(a == b) == c` with a non-bool c): C++ "  \
  "reads it as `(a < b) < c`, comparing a bool with c, not as the mathematical chain. Write "    \
  "`a < b && b < c`."

#define PARJIT_MSG_CAPTURE                                                                       \
  "parjit::jit: the kernel lambda captures variables. Captured values are frozen when the "      \
  "kernel is traced (its first call per argument types): changing them later changes nothing, " \
  "and a by-reference capture silently keeps the old value. Pass the value as a kernel argument " \
  "instead: k(out, x, scale) with a scalar `scale` is a runtime parameter (no recompilation). "  \
  "To bake captured constants in on purpose, wrap the lambda: jit::vectorize(jit::frozen(f))."

namespace parjit::expr::detail {
template <class...>
inline constexpr bool traced_misuse = false;
}  // namespace parjit::expr::detail

// Members of every node type; DEP is one of the node's template parameters (so that the
// assertions fire only when a trap is used). The copy assignment stays implicit and harmless.
#define PARJIT_EXPR_TRACED_VALUE_TRAPS(DEP)                                                      \
  constexpr explicit operator bool() const {                                                     \
    static_assert(::parjit::expr::detail::traced_misuse<DEP>, PARJIT_MSG_TRACED_BOOL);           \
    return false;                                                                                \
  }                                                                                              \
  constexpr operator double() const {                                                            \
    static_assert(::parjit::expr::detail::traced_misuse<DEP>, PARJIT_MSG_TRACED_NUMBER);         \
    return 0.0;                                                                                  \
  }                                                                                              \
  template <class V>                                                                             \
  constexpr auto& operator=(const V&) {                                                          \
    static_assert(::parjit::expr::detail::traced_misuse<DEP, V>, PARJIT_MSG_TRACED_ASSIGN);      \
    return *this;                                                                                \
  }
