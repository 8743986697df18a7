// The on-disk cache key covers the code generator itself: a hash of the backend's sources that
// CMake computes, so a changed backend never loads an older one's cached machine code.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"  // this TU uses a few of the backend's parts
#include <parjit/jit/detail/cache_key.hpp>
#pragma GCC diagnostic pop

#include <catch2/catch.hpp>

#include <string>

namespace expr = parjit::expr;
namespace jit = parjit::jit;
namespace detail = parjit::jit::detail;

namespace {
const expr::graph g = expr::to_graph(expr::arg<0, float>{} * 2.0f);
const jit::signature sig{.args = {{expr::scalar_kind::f32}}, .result = expr::scalar_kind::f32};
}  // namespace

TEST_CASE("cache key: the backend is built with the source hash CMake computed", "[jit][cache]") {
  const std::string hash = PARJIT_JIT_SOURCE_HASH;
  CHECK(hash == PARJIT_TEST_SOURCE_HASH);  // not the fallback, not a stale installed header
  CHECK(hash.size() == 64);
  CHECK(hash.find_first_not_of("0123456789abcdef") == std::string::npos);
}

TEST_CASE("cache key: it includes the source hash, and another hash gives another key",
          "[jit][cache]") {
  auto& ses = detail::the_session();
  const jit::options opts{};
  const std::string text = detail::cache_key_text(g, sig, opts, ses, PARJIT_JIT_SOURCE_HASH);
  CHECK(text.find(std::string("\nbackend ") + PARJIT_JIT_SOURCE_HASH + "\n") != std::string::npos);
  // The key compile() uses is this text's hash ...
  const detail::cache_key key = detail::make_cache_key(g, sig, opts, ses);
  CHECK(key == detail::hash_key_text(text));
  // ... so a backend whose sources differ by one byte gets other keys for the same kernel.
  std::string other = PARJIT_JIT_SOURCE_HASH;
  other[0] = other[0] == '0' ? '1' : '0';
  CHECK(detail::hash_key_text(detail::cache_key_text(g, sig, opts, ses, other)) != key);
}
