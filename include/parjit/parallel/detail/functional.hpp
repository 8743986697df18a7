// std::function and std::invoke (as detail::invoke), without the rest of <functional>.
#pragma once

#include <type_traits>
#include <utility>

// libstdc++ 11 and later keep std::function in <bits/std_function.h> and INVOKE in
// <bits/invoke.h>; its <functional> adds the C++17 searchers (<unordered_map>, <array>, the
// algorithms) and std::bind, which the parallel layer never uses and which cost every TU that
// includes parjit.hpp about 5 % more. Other standard libraries get <functional>.
#if defined(__GLIBCXX__) && defined(_GLIBCXX_RELEASE) && __has_include(<bits/std_function.h>) && \
    __has_include(<bits/invoke.h>)
#if _GLIBCXX_RELEASE >= 11
#define PARJIT_DETAIL_LIGHT_FUNCTIONAL 1
#endif
#endif

#ifdef PARJIT_DETAIL_LIGHT_FUNCTIONAL
#include <bits/invoke.h>
#include <bits/std_function.h>

namespace parjit::detail {
// std::invoke, which libstdc++ defines in <functional> itself, over the same INVOKE.
template <class F, class... Args>
constexpr std::invoke_result_t<F, Args...> invoke(F&& fn, Args&&... args) noexcept(
    std::is_nothrow_invocable_v<F, Args...>) {
  return std::__invoke(std::forward<F>(fn), std::forward<Args>(args)...);
}
}  // namespace parjit::detail
#else
#include <functional>

namespace parjit::detail {
using std::invoke;
}  // namespace parjit::detail
#endif
#undef PARJIT_DETAIL_LIGHT_FUNCTIONAL
