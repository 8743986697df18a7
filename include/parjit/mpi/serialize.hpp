// Serialisation of task arguments and results between MPI ranks: parjit::mpi::serializer<T>.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
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
    std::memcpy(out, take(n), n);
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
/// Built in: trivially copyable types (not pointers), `std::string`, `std::vector`, `std::pair`,
/// `std::tuple`, `std::array` and `std::optional` of shippable types. The primary template marks a
/// type as not shippable; submitting a callable that takes or returns one fails to compile.
/// Thread safety: `write` and `read` are called concurrently from many threads; keep them pure.
template <class T>
struct serializer {
  static constexpr bool unsupported = true;
};

/// True when a `T` can be sent to another rank (a `serializer<T>` exists).
template <class T>
concept shippable = !requires { serializer<std::remove_cvref_t<T>>::unsupported; };

namespace detail {
template <class T>
concept raw_copyable = std::is_trivially_copyable_v<T> && !std::is_pointer_v<T> &&
                       !std::is_member_pointer_v<T> && !std::is_reference_v<T>;
template <class T>
struct is_vector : std::false_type {};
template <class T, class A>
struct is_vector<std::vector<T, A>> : std::true_type {};
}  // namespace detail

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
    const auto n = r.read<std::uint64_t>();
    S s(static_cast<std::size_t>(n), C{});
    r.bytes(s.data(), static_cast<std::size_t>(n) * sizeof(C));
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
    const auto n = static_cast<std::size_t>(r.read<std::uint64_t>());
    V v;
    if constexpr (bulk) {
      if (r.left() / sizeof(T) < n) r.take(n * sizeof(T));  // throws: a short message
      v.resize(n);
      r.bytes(v.data(), n * sizeof(T));
    } else {
      v.reserve(std::min<std::size_t>(n, r.left()));
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
    if (!r.read<std::uint8_t>()) return std::nullopt;
    return r.read<T>();
  }
};

template <class T>
void writer::write(const T& v) {
  static_assert(shippable<T>,
                "parjit::mpi: this type cannot be sent to another rank. Built in: trivially "
                "copyable types (not pointers), std::string, std::vector, std::pair, std::tuple, "
                "std::array, std::optional of those; for other types specialise "
                "parjit::mpi::serializer<T> (see parjit/mpi/serialize.hpp)");
  serializer<T>::write(*this, v);
}

template <class T>
T reader::read() {
  static_assert(shippable<T>,
                "parjit::mpi: this type cannot be received from another rank; specialise "
                "parjit::mpi::serializer<T> (see parjit/mpi/serialize.hpp)");
  return serializer<T>::read(*this);
}

}  // namespace parjit::mpi
