// Naming callables the same on every rank, and the per-type functions a worker runs a task with.
#pragma once

#include <cxxabi.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <unordered_map>
#include <utility>
#include <vector>

#include "../../parallel/detail/executor_internals.hpp"
#include "../../parallel/errors.hpp"
#include "../errors.hpp"
#include "../serialize.hpp"

namespace parjit::mpi::detail {

// A worker runs a task by calling its type's trampoline on the message's payload. The callable
// itself is recovered from `offset`: 0 for a captureless lambda (default-constructed), and for a
// function pointer its distance from the trampoline, which is the same on every rank because
// both lie in the same binary (ASLR moves a module as a whole).
using trampoline = void (*)(std::intptr_t offset, reader& in, writer& out);

// Trampolines by a hash of their type's mangled name, filled during static initialisation (before
// main) on every rank by the same template instantiations. Names, not addresses, so a callable in
// a shared library works too.
class registry {
 public:
  static registry& instance() {
    static registry r;
    return r;
  }
  std::uint64_t add(std::uint64_t key, trampoline t) {
    std::lock_guard lk(m_);
    auto [it, inserted] = map_.try_emplace(key, t);
    if (!inserted && it->second != t) it->second = nullptr;  // two types, one name: ambiguous
    return key;
  }
  trampoline find(std::uint64_t key) const {
    std::lock_guard lk(m_);
    auto it = map_.find(key);
    return it == map_.end() ? nullptr : it->second;
  }

 private:
  mutable std::mutex m_;
  std::unordered_map<std::uint64_t, trampoline> map_;
};

constexpr std::uint64_t fnv1a(const char* s) noexcept {
  std::uint64_t h = 1469598103934665603ull;
  for (; *s; ++s) h = (h ^ static_cast<unsigned char>(*s)) * 1099511628211ull;
  return h;
}

template <class Invoker>
inline const std::uint64_t key_of =
    registry::instance().add(fnv1a(typeid(Invoker).name()), &Invoker::run);

// The key to send, checked once per type: lambdas of internal linkage in different TUs can share
// a mangled name; refuse those rather than run the wrong one.
template <class Invoker>
std::uint64_t checked_key() {
  static const bool unique = registry::instance().find(key_of<Invoker>) == &Invoker::run;
  if (!unique)
    throw std::logic_error(
        std::string("parjit::mpi: two different callables share the type name '") +
        typeid(Invoker).name() +
        "' (lambdas in anonymous namespaces or static functions of different files); move the "
        "lambda into a named function or namespace");
  return key_of<Invoker>;
}

template <class F>
inline constexpr bool shippable_callable =
    (std::is_pointer_v<F> && std::is_function_v<std::remove_pointer_t<F>>) ||
    (std::is_class_v<F> && std::is_empty_v<F> && std::is_default_constructible_v<F> &&
     std::is_trivially_copyable_v<F>);

template <class F>
void check_shippable_callable() {
  static_assert(shippable_callable<F>,
                "parjit::mpi: the callable must be a function or a lambda without captures: "
                "captured state cannot be sent to another rank. Pass the values as arguments "
                "instead (they are serialised).");
}

template <class F>
std::intptr_t offset_of(const F& f, trampoline anchor) noexcept {
  if constexpr (std::is_pointer_v<F>) {
    return static_cast<std::intptr_t>(reinterpret_cast<std::uintptr_t>(f) -
                                      reinterpret_cast<std::uintptr_t>(anchor));
  } else {
    return 0;
  }
}

template <class F>
F callable_at(std::intptr_t offset, trampoline anchor) noexcept {
  if constexpr (std::is_pointer_v<F>) {
    return reinterpret_cast<F>(reinterpret_cast<std::uintptr_t>(anchor) +
                               static_cast<std::uintptr_t>(offset));
  } else {
    return F{};
  }
}

inline std::string demangle(const char* name) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> d(abi::__cxa_demangle(name, nullptr, nullptr, &status),
                                           std::free);
  return status == 0 && d ? std::string(d.get()) : std::string(name);
}

// An exception as type name + message, to travel back to the root.
inline void write_exception(writer& w, const std::exception_ptr& e) {
  std::string type = "unknown exception", what;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    type = demangle(typeid(x).name());
    what = x.what();
  } catch (...) {
    if (const std::type_info* t = abi::__cxa_current_exception_type()) type = demangle(t->name());
  }
  w.write(type);
  w.write(what);
}

// The root's side: a standard exception comes back as its own type, anything else as
// remote_error.
inline std::exception_ptr rebuild_exception(const std::string& type, const std::string& what,
                                            int rank) {
  using std::make_exception_ptr;
  if (type == "std::runtime_error") return make_exception_ptr(std::runtime_error(what));
  if (type == "std::logic_error") return make_exception_ptr(std::logic_error(what));
  if (type == "std::invalid_argument") return make_exception_ptr(std::invalid_argument(what));
  if (type == "std::out_of_range") return make_exception_ptr(std::out_of_range(what));
  if (type == "std::domain_error") return make_exception_ptr(std::domain_error(what));
  if (type == "std::length_error") return make_exception_ptr(std::length_error(what));
  if (type == "std::range_error") return make_exception_ptr(std::range_error(what));
  if (type == "std::overflow_error") return make_exception_ptr(std::overflow_error(what));
  if (type == "std::underflow_error") return make_exception_ptr(std::underflow_error(what));
  if (type == "std::bad_alloc") return make_exception_ptr(std::bad_alloc());
  if (type == "parjit::cancelled_error") return make_exception_ptr(parjit::cancelled_error(what));
  return make_exception_ptr(remote_error(type, what, rank));
}

// submit(fn, args...): the arguments travel as a tuple, the result as itself.
template <class F, class... Args>
struct call_invoker {
  using result = std::remove_cvref_t<std::invoke_result_t<F&, Args&&...>>;

  static void run(std::intptr_t offset, reader& in, writer& out) {
    F fn = callable_at<F>(offset, &run);
    std::tuple<Args...> args{in.read<Args>()...};  // braces: read left to right
    std::apply(
        [&](auto&... a) {
          if constexpr (std::is_void_v<result>) {
            std::invoke(fn, std::move(a)...);
          } else {
            out.write(static_cast<const result&>(std::invoke(fn, std::move(a)...)));
          }
        },
        args);
  }
};

// A chunk of map / parallel_map: items in, results out; the items run in parallel on the
// worker's arena. On a failure, the results before the lowest failing index travel back with it.
struct no_value {};

template <class R>
using chunk_value_t = std::conditional_t<std::is_void_v<R>, no_value, R>;

template <class R>
struct chunk_result {
  std::vector<chunk_value_t<R>> values;  // of the items before `error` (all, without one)
  std::exception_ptr error;
};

template <class F, class Item>
struct chunk_invoker {
  using result = std::remove_cvref_t<std::invoke_result_t<F&, Item&>>;

  static void run(std::intptr_t offset, reader& in, writer& out) {
    F fn = callable_at<F>(offset, &run);
    const auto n = static_cast<std::size_t>(in.read<std::uint64_t>());
    std::vector<Item> items;
    items.reserve(std::min(n, in.left()));
    for (std::size_t i = 0; i < n; ++i) items.push_back(in.read<Item>());
    using slot = std::conditional_t<std::is_void_v<result>, no_value, std::optional<result>>;
    std::vector<slot> results(n);
    std::atomic<std::size_t> failed_at{std::numeric_limits<std::size_t>::max()};
    std::mutex m;
    std::exception_ptr error;
    auto one = [&](std::size_t i) {
      if (i > failed_at.load(std::memory_order_relaxed)) return false;
      try {
        if constexpr (std::is_void_v<result>) {
          std::invoke(fn, items[i]);
        } else {
          results[i].emplace(std::invoke(fn, items[i]));
        }
      } catch (...) {
        std::lock_guard lk(m);
        if (i < failed_at.load(std::memory_order_relaxed)) {
          failed_at.store(i, std::memory_order_relaxed);
          error = std::current_exception();
        }
        return false;
      }
      return true;
    };
    if (n <= 1) {
      if (n == 1) one(0);
    } else {
      tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n),
                        [&](const tbb::blocked_range<std::size_t>& r) {
                          for (std::size_t i = r.begin(); i < r.end(); ++i)
                            if (!one(i)) break;
                        });
    }
    const std::size_t ok = std::min(n, failed_at.load());
    out.write(static_cast<std::uint64_t>(ok));
    if constexpr (!std::is_void_v<result>)
      for (std::size_t i = 0; i < ok; ++i) out.write(static_cast<const result&>(*results[i]));
    out.write(static_cast<std::uint8_t>(error != nullptr));
    if (error) write_exception(out, error);
  }

  static chunk_result<result> decode(reader& in, int rank) {
    chunk_result<result> r;
    const auto ok = static_cast<std::size_t>(in.read<std::uint64_t>());
    if constexpr (std::is_void_v<result>) {
      r.values.resize(ok);
    } else {
      r.values.reserve(ok);
      for (std::size_t i = 0; i < ok; ++i) r.values.push_back(in.read<result>());
    }
    if (in.read<std::uint8_t>()) {
      auto type = in.read<std::string>();
      auto what = in.read<std::string>();
      r.error = rebuild_exception(type, what, rank);
    }
    return r;
  }
};

}  // namespace parjit::mpi::detail
