// Tests of types.hpp: kinds of C++ types, and the run-time typing rules (usual arithmetic
// conversions, <cmath> result types) against what the C++ compiler itself decides.
#include <parjit/expr/types.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <set>
#include <string>
#include <type_traits>

#include "element_types.hpp"

using namespace parjit::expr;
using parjit::test::for_each_pair;
using parjit::test::for_each_type;

TEST_CASE("types: kind_of and type_of are inverse for the 11 element types", "[expr][types]") {
  std::set<scalar_kind> seen;
  for_each_type([&]<class T>() {
    seen.insert(kind_of<T>);
    STATIC_REQUIRE(std::is_same_v<type_of<kind_of<T>>, T>);
    CHECK(size_of(kind_of<T>) == static_cast<int>(sizeof(T)));
    CHECK(is_floating(kind_of<T>) == std::is_floating_point_v<T>);
    CHECK(is_signed(kind_of<T>) == std::is_signed_v<T>);
  });
  CHECK(seen.size() == static_cast<std::size_t>(scalar_kind_count));
  STATIC_REQUIRE(kind_of<long long> == scalar_kind::i64);
  STATIC_REQUIRE(kind_of<unsigned char> == scalar_kind::u8);
  STATIC_REQUIRE(!element<long double>);
  STATIC_REQUIRE(!element<char16_t>);
}

TEST_CASE("types: promote matches unary + in C++", "[expr][types]") {
  for_each_type([&]<class T>() {
    INFO(name_of(kind_of<T>));
    CHECK(promote(kind_of<T>) == kind_of<decltype(+T{})>);
  });
}

TEST_CASE("types: common_type is the usual arithmetic conversions of all 121 pairs",
          "[expr][types]") {
  for_each_pair([&]<class A, class B>() {
    INFO(name_of(kind_of<A>) << " and " << name_of(kind_of<B>));
    CHECK(common_type(kind_of<A>, kind_of<B>) == kind_of<decltype(A{} + B{})>);
    CHECK(common_type(kind_of<A>, kind_of<B>) == kind_of<decltype(A{} * B{})>);
    if constexpr (!std::is_same_v<A, B>) {
      // for distinct types std::common_type_t is the usual arithmetic conversions too
      CHECK(common_type(kind_of<A>, kind_of<B>) == kind_of<std::common_type_t<A, B>>);
    }
  });
}

TEST_CASE("types: select_type is std::common_type_t and the type of c ? a : b",
          "[expr][types]") {
  for_each_pair([&]<class A, class B>() {
    INFO(name_of(kind_of<A>) << " and " << name_of(kind_of<B>));
    CHECK(select_type(kind_of<A>, kind_of<B>) == kind_of<std::common_type_t<A, B>>);
    CHECK(select_type(kind_of<A>, kind_of<B>) ==
          kind_of<std::remove_cvref_t<decltype(true ? A{} : B{})>>);
    CHECK(select_type(kind_of<A>, kind_of<B>, kind_of<A>) ==
          kind_of<std::common_type_t<A, B, A>>);
  });
}

TEST_CASE("types: math_type follows <cmath>'s overloads", "[expr][types]") {
  for_each_type([&]<class T>() {
    INFO(name_of(kind_of<T>));
    CHECK(math_type(kind_of<T>) == kind_of<decltype(std::sqrt(T{}))>);
    CHECK(math_type(kind_of<T>) == kind_of<decltype(std::floor(T{}))>);
  });
  for_each_pair([&]<class A, class B>() {
    INFO(name_of(kind_of<A>) << " and " << name_of(kind_of<B>));
    CHECK(math_type(kind_of<A>, kind_of<B>) == kind_of<decltype(std::pow(A{}, B{}))>);
    CHECK(math_type(kind_of<A>, kind_of<B>, kind_of<B>) ==
          kind_of<decltype(std::fma(A{}, B{}, B{}))>);
  });
  CHECK(math_type(scalar_kind::f32, scalar_kind::i32) == scalar_kind::f64);  // pow(float, int)
}

TEST_CASE("types: names are distinct and spelled as in messages", "[expr][types]") {
  std::set<std::string> names;
  for_each_type([&]<class T>() { names.insert(std::string(name_of(kind_of<T>))); });
  CHECK(names.size() == 11u);
  CHECK(name_of(scalar_kind::f32) == "float");
  CHECK(name_of(scalar_kind::u8) == "uint8");
  CHECK(bits_of(scalar_kind::boolean) == 1);
  CHECK(bits_of(scalar_kind::i16) == 16);
}
