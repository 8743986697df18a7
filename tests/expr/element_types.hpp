// The 11 element types as a type list, and compile-time loops over them and their pairs, for the
// expression-layer tests.
#pragma once

#include <cstdint>
#include <tuple>
#include <type_traits>
#include <utility>

namespace parjit::test {

using element_types = std::tuple<bool, std::int8_t, std::uint8_t, std::int16_t, std::uint16_t,
                                 std::int32_t, std::uint32_t, std::int64_t, std::uint64_t, float,
                                 double>;

// f.template operator()<T>() for every element type T.
template <class F>
void for_each_type(F&& f) {
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (f.template operator()<std::tuple_element_t<I, element_types>>(), ...);
  }(std::make_index_sequence<std::tuple_size_v<element_types>>{});
}

// f.template operator()<A, B>() for every ordered pair of element types (121 pairs).
template <class F>
void for_each_pair(F&& f) {
  for_each_type([&]<class A>() { for_each_type([&]<class B>() { f.template operator()<A, B>(); }); });
}

}  // namespace parjit::test
