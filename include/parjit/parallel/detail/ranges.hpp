// The range vocabulary of the parallel layer (the range concepts, std::ranges::begin / end / size)
// and `detail::all`, its own std::views::all, without the rest of <ranges>.
#pragma once

#include <iterator>
#include <type_traits>
#include <utility>

// libstdc++ 10 and later keep the concepts and customisation points in <bits/ranges_base.h>; its
// <ranges> adds every view and range adaptor, which the parallel layer never uses and which cost
// every TU that includes parjit.hpp about 3 % more. Other standard libraries get <ranges>.
#if defined(__GLIBCXX__) && defined(_GLIBCXX_RELEASE) && __has_include(<bits/ranges_base.h>)
#if _GLIBCXX_RELEASE >= 11
#include <bits/ranges_base.h>
#else
#include <ranges>
#endif
#else
#include <ranges>
#endif

namespace parjit::detail {

// An lvalue range held by reference (std::ranges::ref_view): the caller keeps it alive.
template <std::ranges::range R>
class ref_range {
 public:
  explicit ref_range(R& r) noexcept : r_(std::addressof(r)) {}
  auto begin() const { return std::ranges::begin(*r_); }
  auto end() const { return std::ranges::end(*r_); }
  auto size() const
    requires std::ranges::sized_range<R>
  {
    return std::ranges::size(*r_);
  }

 private:
  R* r_;
};

// An rvalue range moved into the holder (std::ranges::owning_view).
template <std::ranges::range R>
class owned_range {
 public:
  explicit owned_range(R&& r) : r_(std::move(r)) {}
  auto begin() { return std::ranges::begin(r_); }
  auto end() { return std::ranges::end(r_); }
  auto begin() const
    requires std::ranges::range<const R>
  {
    return std::ranges::begin(r_);
  }
  auto end() const
    requires std::ranges::range<const R>
  {
    return std::ranges::end(r_);
  }
  auto size()
    requires std::ranges::sized_range<R>
  {
    return std::ranges::size(r_);
  }
  auto size() const
    requires std::ranges::sized_range<const R>
  {
    return std::ranges::size(r_);
  }

 private:
  R r_;
};

// What the parallel layer keeps of a range argument, as std::views::all_t: a view is copied, an
// lvalue range referred to, an rvalue range moved in.
template <class R>
using all_t = std::conditional_t<
    std::ranges::view<std::remove_cvref_t<R>>, std::remove_cvref_t<R>,
    std::conditional_t<std::is_lvalue_reference_v<R>, ref_range<std::remove_reference_t<R>>,
                       owned_range<std::remove_cvref_t<R>>>>;

template <std::ranges::range R>
all_t<R> all(R&& r) {
  return all_t<R>(std::forward<R>(r));
}

}  // namespace parjit::detail
