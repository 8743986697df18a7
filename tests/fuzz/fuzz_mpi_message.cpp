// libFuzzer target for the MPI executor's message decoders (parjit/mpi/detail/wire.hpp, no MPI
// needed): whatever bytes a peer sends, decoding reads only inside them, allocates at most in
// proportion to them, and either succeeds or fails with std::runtime_error (a malformed message),
// never another exception, a crash or UB. The first byte picks the decoder; the rest is the
// message.
//
//   clang++-19 -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude \
//       tests/fuzz/fuzz_mpi_message.cpp -o /tmp/fzm -ltbb
//   /tmp/fzm -max_total_time=30 tests/fuzz/corpus/fuzz_mpi_message
#include <parjit/mpi/detail/wire.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace mpi = parjit::mpi;
namespace detail = parjit::mpi::detail;

namespace {

struct pixel {  // an aggregate shipped byte for byte
  float r, g, b;
  std::uint8_t tag[3];
};

// Callables a worker can be asked to run (lambdas: a function pointer's offset would have to be
// a real function of this program; the decoders in front of it are what is fuzzed).
constexpr auto concat = [](int a, std::string s) { return s + std::to_string(a); };
constexpr auto flags = [](std::vector<bool> v, std::optional<int> o) {
  return std::make_tuple(v.size(), o.value_or(-1));
};
constexpr auto mix = [](std::pair<int, std::string> p, std::array<std::string, 2> a, pixel x) {
  // (unsigned arithmetic: the arguments are arbitrary; the decoders are what is tested)
  return std::make_tuple(static_cast<unsigned>(p.first) + x.tag[0], a[0] + p.second,
                         std::vector<std::string>{a[1]}, x.r + x.g + x.b);
};
constexpr auto twice = [](int x) { return 2u * static_cast<unsigned>(x); };

using concat_t = detail::call_invoker<std::remove_const_t<decltype(concat)>, int, std::string>;
using flags_t = detail::call_invoker<std::remove_const_t<decltype(flags)>, std::vector<bool>,
                                     std::optional<int>>;
using mix_t = detail::call_invoker<std::remove_const_t<decltype(mix)>, std::pair<int, std::string>,
                                   std::array<std::string, 2>, pixel>;
using chunk_t = detail::chunk_invoker<std::remove_const_t<decltype(twice)>, int>;

// Only a malformed message may fail, and only as std::runtime_error: anything else (bad_alloc
// from an allocation sized by the message, length_error, logic_error) is a bug.
void expect_runtime_error(const std::exception_ptr& e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::runtime_error&) {
  } catch (...) {
    std::abort();
  }
}

template <class F>
void decode(F&& f) {
  try {
    f();
  } catch (...) {
    expect_runtime_error(std::current_exception());
  }
}

// The root's decoding of a reply to a task of result type T (chunk: `items` sent).
template <class T>
void reply(const char* p, std::size_t n, typename detail::remote_state<T>::decoder d,
           std::uint64_t items = 0) {
  auto s = std::make_shared<detail::remote_state<T>>(d);
  s->items = items;
  mpi::reader in(p, n);
  s->finish(in, 1);
  expect_runtime_error(s->error());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto* p = reinterpret_cast<const char*>(data + 1);
  const std::size_t n = size - 1;
  mpi::reader in(p, n);
  switch (data[0] % 12) {
    case 0: decode([&] { in.read<std::string>(); }); break;
    case 1: decode([&] { in.read<std::vector<double>>(); }); break;
    case 2: decode([&] { in.read<std::vector<std::string>>(); }); break;
    case 3: decode([&] { in.read<std::tuple<bool, std::optional<int>, std::vector<bool>>>(); }); break;
    case 4: decode([&] { in.read<std::pair<std::array<std::string, 2>, std::vector<pixel>>>(); }); break;
    case 5: reply<int>(p, n, &detail::decode_value<int>); break;
    case 6: reply<std::tuple<std::size_t, int>>(p, n, &detail::decode_value<std::tuple<std::size_t, int>>); break;
    case 7: {  // a chunk reply, checked against the items sent (the next byte)
      const std::uint64_t items = n ? static_cast<std::uint8_t>(p[0]) : 0;
      reply<detail::chunk_result<unsigned>>(n ? p + 1 : p, n ? n - 1 : 0, &chunk_t::decode, items);
      break;
    }
    case 8: {  // a worker runs a task message: [key choice][offset][payload]; the id is added
      if (n < 1) break;
      static const std::uint64_t keys[] = {detail::checked_key<concat_t>(),
                                           detail::checked_key<flags_t>(),
                                           detail::checked_key<mix_t>(),
                                           detail::checked_key<chunk_t>(), 0x1234};
      std::vector<char> msg;
      mpi::writer w(msg);
      w.write(std::uint64_t{7});
      w.write(keys[static_cast<std::uint8_t>(p[0]) % 5]);
      w.bytes(p + 1, n - 1);  // the offset (8 bytes: 0 for a lambda) and the arguments
      std::vector<char> out;
      detail::serve_one(msg.data(), msg.size(), out, 1);
      // Its reply always decodes on the root as a reply of some kind: at least id and status.
      if (out.size() < 9) std::abort();
      break;
    }
    case 9: detail::serve_one(p, n, *std::make_unique<std::vector<char>>(), 1); break;
    case 10: {  // a message in pieces: [u8 piece size] then an announcement and pieces
      if (n < 1) break;
      const std::size_t piece = static_cast<std::uint8_t>(p[0]) % 16 + 1;
      detail::assembly a;
      decode([&] {
        a.start(std::vector<char>(p + 1, p + 1 + std::min<std::size_t>(8, n - 1)));
        for (std::size_t at = 9; at < n; at += piece)
          if (a.add(p + at, std::min(piece, n - at))) {
            if (a.take().size() > n) std::abort();
            break;
          }
      });
      break;
    }
    default: reply<std::string>(p, n, &detail::decode_value<std::string>); break;
  }
  return 0;
}
