// libFuzzer target for the kernel cache's entry parser (parse_cache_entry): whatever bytes an
// entry file holds, the parser reads only inside them and accepts exactly the entries that
// encode back to the same bytes. Self-contained: needs only include/ (no LLVM).
//
//   clang++-19 -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude
//     tests/fuzz/fuzz_cache_entry.cpp -o fuzz_cache_entry
//   ./fuzz_cache_entry -max_total_time=30 tests/fuzz/corpus/fuzz_cache_entry
#include <parjit/jit/detail/cache_entry.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace {

namespace detail = parjit::jit::detail;

// A violated invariant is a crash the fuzzer reports (and keeps the input).
void require(bool ok) {
  if (!ok) __builtin_trap();
}

bool inside(std::string_view part, std::string_view whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

void check(std::string_view bytes, const detail::cache_key& key) {
  const auto v = detail::parse_cache_entry(bytes, key);
  if (!v) return;
  require(!v->object.empty());
  require(inside(v->payload, bytes) && inside(v->object, bytes) && inside(v->ir, bytes));
  require(v->object.size() + v->ir.size() == v->payload.size());
  require(v->payload.size() + detail::cache_header_size == bytes.size());
  require(v->object.data() == v->payload.data());
  require(v->ir.data() == v->payload.data() + v->object.size());
  // Accepted entries are exactly the ones the writer produces: re-encoding gives the input back.
  const std::string header =
      detail::encode_cache_header(key, v->object.size(), v->ir.size(), v->checksum);
  require(header.size() == detail::cache_header_size);
  require(std::memcmp(header.data(), bytes.data(), header.size()) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // An all-zero key (entries almost never match: the key check) and the key the input itself
  // carries at offset 16 (so the fuzzer gets past it to the size checks).
  detail::cache_key key{};
  check(bytes, key);
  if (size >= 48) {
    std::memcpy(key.data(), data + 16, key.size());
    check(bytes, key);
  }
  // The same bytes in an exactly sized heap copy: ASan sees any read past the end.
  std::string copy(bytes);
  check(copy, key);
  return 0;
}
