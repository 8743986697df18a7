// Naming callables the same on every rank, and the per-type functions a worker runs a task with.
#pragma once

#include <cxxabi.h>
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

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
// function pointer its distance from the load address of the program's executable, which is the
// same on every rank running the same binary (ASLR moves a module as a whole; the handshake checks
// that every rank runs the same binary). Only the entry points of the executable's own functions
// are accepted (its code range and, unless it is stripped, its symbol table), on both sides: a
// function from a shared library (`&::cos`) is refused at submit (each process maps libraries at
// its own address), and a message naming any other address is refused by the worker instead of
// being called.
using trampoline = void (*)(std::int64_t offset, reader& in, writer& out);

// The program's executable as loaded in this process: its load address, its executable segments,
// and an identity of its code (the GNU build-id note, else a hash of the executable segments).
struct program_image {
  std::uintptr_t base = 0;
  std::vector<std::pair<std::uintptr_t, std::uintptr_t>> code;  // [begin, end)
  std::uint64_t identity = 0;

  bool in_code(std::uintptr_t a) const noexcept {
    for (const auto& [b, e] : code)
      if (a >= b && a < e) return true;
    return false;
  }

  static const program_image& get() {
    static const program_image image = load();
    return image;
  }

 private:
  static std::uint64_t mix(std::uint64_t h, std::uint64_t v) noexcept {
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdull;
  }
  static program_image load() {
    program_image p;
    // The first object dl_iterate_phdr reports is the main program.
    dl_iterate_phdr(
        [](dl_phdr_info* info, std::size_t, void* out) -> int {
          auto& img = *static_cast<program_image*>(out);
          img.base = static_cast<std::uintptr_t>(info->dlpi_addr);
          std::uint64_t build_id = 0, code_hash = 1469598103934665603ull;
          for (int i = 0; i < info->dlpi_phnum; ++i) {
            const auto& ph = info->dlpi_phdr[i];
            const std::uintptr_t at = img.base + ph.p_vaddr;
            if (ph.p_type == PT_LOAD && (ph.p_flags & PF_X)) {
              img.code.emplace_back(at, at + ph.p_memsz);
              code_hash = mix(code_hash, ph.p_memsz);
              const auto* b = reinterpret_cast<const unsigned char*>(at);
              std::size_t k = 0;
              for (; k + 8 <= ph.p_filesz; k += 8) {
                std::uint64_t w;
                std::memcpy(&w, b + k, 8);
                code_hash = mix(code_hash, w);
              }
              for (; k < ph.p_filesz; ++k) code_hash = mix(code_hash, b[k]);
            } else if (ph.p_type == PT_NOTE && build_id == 0) {
              const auto* n = reinterpret_cast<const unsigned char*>(at);
              std::size_t off = 0;
              while (off + sizeof(ElfW(Nhdr)) <= ph.p_memsz) {
                ElfW(Nhdr) h;
                std::memcpy(&h, n + off, sizeof h);
                const std::size_t name_at = off + sizeof h;
                const std::size_t desc_at = name_at + ((h.n_namesz + 3u) & ~std::size_t{3});
                const std::size_t next = desc_at + ((h.n_descsz + 3u) & ~std::size_t{3});
                if (next > ph.p_memsz) break;
                if (h.n_type == NT_GNU_BUILD_ID && h.n_namesz == 4 &&
                    std::memcmp(n + name_at, "GNU", 4) == 0) {
                  build_id = 0xcbf29ce484222325ull;
                  for (std::size_t k = 0; k < h.n_descsz; ++k) build_id = mix(build_id, n[desc_at + k]);
                }
                off = next;
              }
            }
          }
          img.identity = build_id ? build_id : code_hash;
          return 1;  // stop after the main program
        },
        &p);
    return p;
  }
};

// The entry points of the executable's functions (link-time addresses, i.e. offsets from the load
// address), from its ELF symbol tables: a function offset must be one of them, so a message cannot
// make a worker jump into the middle of the code. Empty `available` when the file has no symbol
// table (a stripped binary): then only the code range is checked.
struct function_table {
  std::vector<std::uint64_t> starts;  // sorted
  bool available = false;

  bool has(std::uint64_t offset) const noexcept {
    return !available || std::binary_search(starts.begin(), starts.end(), offset);
  }

  static const function_table& get() {
    static const function_table table = load();
    return table;
  }

 private:
  static function_table load() {
    function_table t;
    const int fd = ::open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return t;
    struct stat st {};
    void* map = MAP_FAILED;
    if (::fstat(fd, &st) == 0 && st.st_size > 0)
      map = ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (map == MAP_FAILED) return t;
    const auto* file = static_cast<const unsigned char*>(map);
    const auto size = static_cast<std::size_t>(st.st_size);
    auto fits = [&](std::uint64_t at, std::uint64_t n) { return at <= size && n <= size - at; };
    ElfW(Ehdr) eh;
    if (fits(0, sizeof eh)) {
      std::memcpy(&eh, file, sizeof eh);
      const bool elf = std::memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 &&
                       eh.e_shentsize == sizeof(ElfW(Shdr)) &&
                       fits(eh.e_shoff, std::uint64_t{eh.e_shnum} * sizeof(ElfW(Shdr)));
      for (unsigned i = 0; elf && i < eh.e_shnum; ++i) {
        ElfW(Shdr) sh;
        std::memcpy(&sh, file + eh.e_shoff + i * sizeof sh, sizeof sh);
        if ((sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM) ||
            sh.sh_entsize != sizeof(ElfW(Sym)) || !fits(sh.sh_offset, sh.sh_size))
          continue;
        if (sh.sh_type == SHT_SYMTAB) t.available = true;
        for (std::uint64_t k = 0; k + sizeof(ElfW(Sym)) <= sh.sh_size; k += sizeof(ElfW(Sym))) {
          ElfW(Sym) sym;
          std::memcpy(&sym, file + sh.sh_offset + k, sizeof sym);
          if (ELF64_ST_TYPE(sym.st_info) == STT_FUNC && sym.st_shndx != SHN_UNDEF &&
              sym.st_value != 0)
            t.starts.push_back(sym.st_value);
        }
      }
    }
    ::munmap(map, size);
    std::sort(t.starts.begin(), t.starts.end());
    t.starts.erase(std::unique(t.starts.begin(), t.starts.end()), t.starts.end());
    return t;
  }
};

// Where a function lives, for an error message: the shared object dladdr names.
inline std::string module_of(const void* f) {
  Dl_info info{};
  if (dladdr(f, &info) && info.dli_fname && *info.dli_fname) return info.dli_fname;
  return "an unknown module";
}

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

// The offset a function pointer travels as (0 for a lambda). Throws std::invalid_argument at
// submit for a function outside the executable's code, which no other rank could find.
template <class F>
std::int64_t offset_of(const F& f) {
  if constexpr (std::is_pointer_v<F>) {
    const auto& img = program_image::get();
    const auto a = reinterpret_cast<std::uintptr_t>(f);
    if (!img.in_code(a) || !function_table::get().has(a - img.base))
      throw std::invalid_argument(
          "parjit::mpi: cannot send the function at " + std::to_string(a) + " (in " +
          module_of(reinterpret_cast<const void*>(f)) +
          ") to another rank: only functions of the program's own executable can be sent, "
          "because a shared library is loaded at a different address in each process. Wrap the "
          "call in a lambda without captures, e.g. ex.submit([](double x) { return std::cos(x); }, "
          "0.0)");
    return static_cast<std::int64_t>(a - img.base);
  } else {
    return 0;
  }
}

// The callable a message names, checked: a function pointer must land in the executable's code
// (a message from another binary or a forged one is refused, never called); a lambda has none.
template <class F>
F callable_at(std::int64_t offset) {
  if constexpr (std::is_pointer_v<F>) {
    const auto& img = program_image::get();
    const std::uintptr_t a = img.base + static_cast<std::uintptr_t>(offset);
    if (offset <= 0 || !img.in_code(a) ||
        !function_table::get().has(static_cast<std::uint64_t>(offset)))
      throw std::runtime_error("parjit::mpi: malformed task message (function offset " +
                               std::to_string(offset) +
                               " is outside the program's code or not the start of one of its "
                               "functions; is every rank running the same binary?)");
    return reinterpret_cast<F>(a);
  } else {
    if (offset != 0)
      throw std::runtime_error("parjit::mpi: malformed task message (a lambda with function "
                               "offset " + std::to_string(offset) + ")");
    return F{};
  }
}

// Every byte of a message is accounted for: bytes left over mean the sender wrote something else.
inline void expect_end(const reader& in) {
  if (in.left() != 0)
    throw std::runtime_error("parjit::mpi: malformed message (" + std::to_string(in.left()) +
                             " bytes left over)");
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

  static void run(std::int64_t offset, reader& in, writer& out) {
    F fn = callable_at<F>(offset);
    std::tuple<Args...> args{in.read<Args>()...};  // braces: read left to right
    expect_end(in);
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

  static void run(std::int64_t offset, reader& in, writer& out) {
    F fn = callable_at<F>(offset);
    const std::size_t n = in.count(in.read<std::uint64_t>());
    std::vector<Item> items;
    items.reserve(n);
    for (std::size_t i = 0; i < n; ++i) items.push_back(in.read<Item>());
    expect_end(in);
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

  // `items`: how many the chunk sent. A reply must carry all their results, or those before a
  // failure and the failure: any other count is a malformed reply, refused before allocating.
  static chunk_result<result> decode(reader& in, int rank, std::uint64_t items) {
    chunk_result<result> r;
    const std::uint64_t ok = in.read<std::uint64_t>();
    if (ok > items)
      throw std::runtime_error("parjit::mpi: malformed reply (" + std::to_string(ok) +
                               " results for a chunk of " + std::to_string(items) + " items)");
    if constexpr (std::is_void_v<result>) {
      r.values.resize(static_cast<std::size_t>(ok));
    } else {
      r.values.reserve(in.count(ok));
      for (std::uint64_t i = 0; i < ok; ++i) r.values.push_back(in.read<result>());
    }
    const bool failed = in.read<bool>();
    if (failed != (ok < items))
      throw std::runtime_error("parjit::mpi: malformed reply (" + std::to_string(ok) + " of " +
                               std::to_string(items) + " results, " +
                               (failed ? "and an error" : "and no error") + ")");
    if (failed) {
      auto type = in.read<std::string>();
      auto what = in.read<std::string>();
      r.error = rebuild_exception(type, what, rank);
    }
    return r;
  }
};

}  // namespace parjit::mpi::detail
