// Serialisation of task arguments and results between MPI ranks: parjit::mpi::serializer<T>.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <complex>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace parjit::mpi {

/// Appends bytes to a reusable buffer (its capacity is kept between messages).
///
///     std::vector<char> buf; parjit::mpi::writer w(buf); w.write(42); w.write(std::string("x"));
///
/// Thread safety: one writer per thread.
class writer {
 public:
  explicit writer(std::vector<char>& buf) noexcept : buf_(buf) {}
  /// Appends `n` raw bytes.
  void bytes(const void* p, std::size_t n) {
    if (n == 0) return;
    const std::size_t at = buf_.size();
    buf_.resize(at + n);
    std::memcpy(buf_.data() + at, p, n);
  }
  /// Appends `v` through `serializer<T>`.
  template <class T>
  void write(const T& v);
  std::size_t size() const noexcept { return buf_.size(); }
  std::vector<char>& buffer() noexcept { return buf_; }

 private:
  std::vector<char>& buf_;
};

/// Reads what a `writer` wrote, bounds-checked: a short message is std::runtime_error.
///
///     parjit::mpi::reader r(buf.data(), buf.size()); int x = r.read<int>();
///
/// Thread safety: one reader per thread.
class reader {
 public:
  reader(const char* p, std::size_t n) noexcept : p_(p), end_(p + n) {}
  /// Copies `n` raw bytes out.
  void bytes(void* out, std::size_t n) {
    if (n == 0) return;  // `out` may be null (an empty vector's data()): memcpy would be UB
    std::memcpy(out, take(n), n);
  }
  /// Checks a container's element count before anything is allocated for it: each element takes
  /// at least `min_bytes` (at least 1) of the message, so a count larger than the bytes left is a
  /// malformed message (std::runtime_error), never a huge allocation.
  std::size_t count(std::uint64_t n, std::size_t min_bytes = 1) const {
    const std::size_t per = min_bytes ? min_bytes : 1;
    if (n > left() / per)
      throw std::runtime_error("parjit::mpi: malformed message (a count of " + std::to_string(n) +
                               " elements of at least " + std::to_string(per) +
                               " bytes, but only " + std::to_string(left()) + " bytes left)");
    return static_cast<std::size_t>(n);
  }
  /// Returns `n` bytes in place (valid while the message buffer lives) and moves past them.
  const char* take(std::size_t n) {
    if (static_cast<std::size_t>(end_ - p_) < n)
      throw std::runtime_error("parjit::mpi: message too short (wanted " + std::to_string(n) +
                               " more bytes, " + std::to_string(end_ - p_) + " left)");
    const char* at = p_;
    p_ += n;
    return at;
  }
  /// Reads a `T` through `serializer<T>`.
  template <class T>
  T read();
  std::size_t left() const noexcept { return static_cast<std::size_t>(end_ - p_); }

 private:
  const char* p_;
  const char* end_;
};

/// The customisation point: how a `T` travels between ranks. Specialise it for your type with
///
///     template <> struct parjit::mpi::serializer<point> {
///       static void write(parjit::mpi::writer& w, const point& p) { w.write(p.name); w.write(p.xy); }
///       static point read(parjit::mpi::reader& r) {
///         point p; p.name = r.read<std::string>(); p.xy = r.read<std::vector<double>>(); return p;
///       }
///     };
///
/// Built in: arithmetic types, enums, `bool` (checked to be 0 or 1), aggregates of those (checked
/// member by member at compile time: no pointer, reference, `bool` or non-aggregate class inside),
/// `std::complex`, `std::chrono::duration`, `std::string`, `std::vector`, `std::pair`, `std::tuple`,
/// `std::array` and `std::optional` of shippable types. Pointers, `std::string_view`, `std::span`
/// and other views hold addresses that mean nothing on another rank: they do not compile. The
/// primary template marks a type as not shippable; submitting a callable that takes or returns
/// one fails to compile. A `read` gets bytes from another process: check what it reads (a count
/// against `reader::count`, an enum against its range) and throw std::runtime_error if it is wrong.
/// Thread safety: `write` and `read` are called concurrently from many threads; keep them pure.
template <class T>
struct serializer {
  static constexpr bool unsupported = true;
};

/// True when a `T` can be sent to another rank (a `serializer<T>` exists).
template <class T>
concept shippable = !requires { serializer<std::remove_cvref_t<T>>::unsupported; };

/// Opt-in for a trivially copyable class that the compile-time check cannot see into (private
/// members, a constructor, a union) but that holds no pointer: it is then copied byte for byte.
///
///     template <> inline constexpr bool parjit::mpi::bitwise_shippable<my_handle_free_pod> = true;
///
/// Every bit pattern must be a valid value (a `bool` member is not: specialise `serializer`).
template <class T>
inline constexpr bool bitwise_shippable = false;

namespace detail {

// Whether a T may be copied byte for byte to another process: no pointer (not even in a view
// such as std::string_view or std::span) and no bit pattern that is UB to read (bool).
template <class T>
struct bitwise_value;

// Stand-ins for aggregate members in unevaluated initialisations. `any_field` converts to
// anything (counts the members; arrays are counted element by element through brace elision);
// `safe_field` converts only to types that are bitwise, and its deleted conversion to any other
// type makes the initialisation ill-formed instead of letting brace elision look inside.
struct any_field {
  template <class U>
  operator U() const noexcept;
};
struct safe_field {
  template <class U>
    requires bitwise_value<U>::value
  operator U() const noexcept;
  template <class U>
    requires(!bitwise_value<U>::value)
  operator U() const noexcept = delete;
};

template <class T, class F, std::size_t... I>
constexpr bool init_with(std::index_sequence<I...>) {
  return requires { T{((void)I, F{})...}; };
}
template <class T, class F, std::size_t... I>
constexpr bool init_with_one_more(std::index_sequence<I...>) {
  return requires { T{((void)I, F{})..., {}}; };
}
inline constexpr std::size_t max_checked_members = 64;
template <class T, std::size_t N = 0>
constexpr std::size_t member_count() {
  if constexpr (N > max_checked_members) {
    return N;
  } else if constexpr (init_with<T, any_field>(std::make_index_sequence<N + 1>())) {
    return member_count<T, N + 1>();
  } else {
    return N;
  }
}

// An aggregate is bitwise when every member (array elements, bases) converts from safe_field,
// and the count covers every member: `{}` for one more member must not compile (a member that
// `any_field` cannot initialise would otherwise end the count early and go unchecked; and clang
// elides braces around a member whose conversion is deleted, which spends more initialisers).
template <class T>
constexpr bool bitwise_aggregate() {
  if constexpr (!std::is_aggregate_v<T> || std::is_union_v<T> || !std::is_copy_assignable_v<T>) {
    return false;  // not copy-assignable: a reference or const member
  } else {
    constexpr std::size_t n = member_count<T>();
    if constexpr (n > max_checked_members) {
      return false;
    } else {
      return init_with<T, safe_field>(std::make_index_sequence<n>()) &&
             !init_with_one_more<T, any_field>(std::make_index_sequence<n>()) &&
             !init_with_one_more<T, safe_field>(std::make_index_sequence<n>());
    }
  }
}

template <class T>
struct is_complex_or_duration : std::false_type {};
template <class T>
struct is_complex_or_duration<std::complex<T>> : std::is_arithmetic<T> {};
template <class R, class P>
struct is_complex_or_duration<std::chrono::duration<R, P>> : std::is_arithmetic<R> {};

template <class T>
constexpr bool bitwise_check() {
  using U = std::remove_cv_t<T>;
  if constexpr (!std::is_trivially_copyable_v<U> || std::is_reference_v<T>) {
    return false;
  } else if constexpr (bitwise_shippable<U>) {
    return true;
  } else if constexpr (std::is_same_v<U, bool>) {
    return false;  // only 0 and 1 are bools: read through serializer<bool>, which checks
  } else if constexpr (std::is_arithmetic_v<U> || std::is_enum_v<U>) {
    return true;
  } else if constexpr (std::is_array_v<U>) {
    return bitwise_value<std::remove_all_extents_t<U>>::value;
  } else if constexpr (is_complex_or_duration<U>::value) {
    return true;
  } else if constexpr (std::is_class_v<U>) {
    return bitwise_aggregate<U>();
  } else {
    return false;  // pointers, member pointers, nullptr_t
  }
}

template <class T>
struct bitwise_value : std::bool_constant<bitwise_check<T>()> {};

template <class T>
concept raw_copyable = bitwise_value<T>::value;

// Trivially copyable but refused: most likely a pointer inside (a view, a struct with a pointer).
template <class T>
inline constexpr bool looks_like_a_view =
    std::is_trivially_copyable_v<std::remove_cvref_t<T>> && !shippable<T>;

template <class T>
struct is_vector : std::false_type {};
template <class T, class A>
struct is_vector<std::vector<T, A>> : std::true_type {};
}  // namespace detail

/// The static_assert every shipping entry point makes about a type (`what`: "an argument",
/// "the result", "the item"): one readable message instead of a template backtrace.
template <class T>
constexpr void check_shippable() {
  static_assert(!detail::looks_like_a_view<T>,
                "parjit::mpi: this type holds (or may hold) a pointer, so its bytes mean nothing on "
                "another rank: std::string_view, std::span, a struct with a pointer, reference or "
                "bool member, a union or a class with private members. Send an owning type "
                "(std::string, std::vector) instead; if the type holds no pointer, declare "
                "`template <> inline constexpr bool parjit::mpi::bitwise_shippable<T> = true;` "
                "or specialise parjit::mpi::serializer<T>");
  static_assert(detail::looks_like_a_view<T> || shippable<T>,
                "parjit::mpi: this type cannot be sent to another rank. Built in: arithmetic types, "
                "enums, aggregates of those, std::string, std::vector, std::pair, std::tuple, "
                "std::array, std::optional of those; for other types specialise "
                "parjit::mpi::serializer<T> (see parjit/mpi/serialize.hpp)");
}

template <>
struct serializer<bool> {
  static void write(writer& w, bool v) {
    const auto b = static_cast<std::uint8_t>(v ? 1 : 0);
    w.bytes(&b, 1);
  }
  static bool read(reader& r) {
    const auto b = static_cast<std::uint8_t>(*r.take(1));
    if (b > 1)
      throw std::runtime_error("parjit::mpi: malformed message (a bool byte of " +
                               std::to_string(b) + ", not 0 or 1)");
    return b == 1;
  }
};

template <class T>
  requires detail::raw_copyable<T>
struct serializer<T> {
  static void write(writer& w, const T& v) { w.bytes(std::addressof(v), sizeof(T)); }
  static T read(reader& r) {
    std::array<std::byte, sizeof(T)> raw;
    r.bytes(raw.data(), sizeof(T));
    return std::bit_cast<T>(raw);  // no default constructor needed
  }
};

template <class C, class Tr, class A>
struct serializer<std::basic_string<C, Tr, A>> {
  using S = std::basic_string<C, Tr, A>;
  static void write(writer& w, const S& s) {
    w.write(static_cast<std::uint64_t>(s.size()));
    w.bytes(s.data(), s.size() * sizeof(C));
  }
  static S read(reader& r) {
    const std::size_t n = r.count(r.read<std::uint64_t>(), sizeof(C));  // before allocating
    S s(n, C{});
    r.bytes(s.data(), n * sizeof(C));
    return s;
  }
};

template <class T, class A>
  requires shippable<T>
struct serializer<std::vector<T, A>> {
  using V = std::vector<T, A>;
  static constexpr bool bulk = detail::raw_copyable<T> && !std::is_same_v<T, bool>;
  static void write(writer& w, const V& v) {
    w.write(static_cast<std::uint64_t>(v.size()));
    if constexpr (bulk) {
      w.bytes(v.data(), v.size() * sizeof(T));
    } else {
      for (const auto& x : v) w.write(static_cast<const T&>(x));
    }
  }
  static V read(reader& r) {
    // Checked before allocating: every element takes at least one byte (sizeof(T) in bulk).
    const std::size_t n = r.count(r.read<std::uint64_t>(), bulk ? sizeof(T) : 1);
    V v;
    if constexpr (bulk) {
      v.resize(n);
      r.bytes(v.data(), n * sizeof(T));
    } else {
      v.reserve(n);
      for (std::size_t i = 0; i < n; ++i) v.push_back(r.read<T>());
    }
    return v;
  }
};

template <class A, class B>
  requires(shippable<A> && shippable<B> && !detail::raw_copyable<std::pair<A, B>>)
struct serializer<std::pair<A, B>> {
  static void write(writer& w, const std::pair<A, B>& p) {
    w.write(p.first);
    w.write(p.second);
  }
  static std::pair<A, B> read(reader& r) {
    A a = r.read<A>();
    B b = r.read<B>();
    return {std::move(a), std::move(b)};
  }
};

template <class... T>
  requires((shippable<T> && ...) && !detail::raw_copyable<std::tuple<T...>>)
struct serializer<std::tuple<T...>> {
  static void write(writer& w, const std::tuple<T...>& t) {
    std::apply([&](const auto&... x) { (w.write(x), ...); }, t);
  }
  static std::tuple<T...> read(reader& r) {
    // Braced initialisation evaluates left to right.
    return std::tuple<T...>{r.read<T>()...};
  }
};

template <class T, std::size_t N>
  requires(shippable<T> && !detail::raw_copyable<std::array<T, N>>)
struct serializer<std::array<T, N>> {
  static void write(writer& w, const std::array<T, N>& a) {
    for (const auto& x : a) w.write(x);
  }
  static std::array<T, N> read(reader& r) {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return std::array<T, N>{((void)I, r.read<T>())...};
    }(std::make_index_sequence<N>());
  }
};

template <class T>
  requires(shippable<T> && !detail::raw_copyable<std::optional<T>>)
struct serializer<std::optional<T>> {
  static void write(writer& w, const std::optional<T>& o) {
    w.write(static_cast<std::uint8_t>(o.has_value()));
    if (o) w.write(*o);
  }
  static std::optional<T> read(reader& r) {
    if (!r.read<bool>()) return std::nullopt;
    return r.read<T>();
  }
};

template <class T>
void writer::write(const T& v) {
  check_shippable<T>();
  if constexpr (shippable<T>) serializer<T>::write(*this, v);
}

template <class T>
T reader::read() {
  check_shippable<T>();
  if constexpr (shippable<T>) {
    return serializer<T>::read(*this);
  } else {
    throw std::logic_error("parjit::mpi: unshippable type");  // not reached: does not compile
  }
}

}  // namespace parjit::mpi
