// The kernel cache entry's byte layout: encoding its header and parsing a whole entry from bytes.
// Pure functions with no I/O and no LLVM, so that a fuzzer can drive the parser on its own.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace parjit::jit::detail {

using cache_key = std::array<std::uint8_t, 32>;

// Entry layout: a 64-byte header, then the object file, then `ir_size` bytes that the backend
// writes empty and skips (it once stored the optimised IR there; ir() now makes it again on
// request). Bump `cache_format_version` when this layout changes. Fields are in the
// host's byte order: the key already names the target, so an entry never crosses machines.
inline constexpr char cache_magic[8] = {'P', 'A', 'R', 'J', 'I', 'T', 'K', 'C'};
inline constexpr std::uint32_t cache_format_version = 1;
inline constexpr std::size_t cache_header_size = 64;

struct cache_header {
  char magic[8];
  std::uint32_t format;
  std::uint32_t header_size;
  std::uint8_t key[32];
  std::uint32_t object_size;
  std::uint32_t ir_size;
  std::uint64_t checksum;  // xxh3-64 of object + ir, verified by the reader (it needs LLVM)
};
static_assert(sizeof(cache_header) == cache_header_size);

// The parts of a well-formed entry, pointing into the parsed bytes.
struct cache_entry_view {
  std::string_view object;
  std::string_view ir;
  std::string_view payload;  // object + ir, what `checksum` covers
  std::uint64_t checksum = 0;
};

// The header for an entry of `key` with these payload sizes; empty if a size does not fit the
// header's 32-bit fields (such an entry is not cached).
inline std::string encode_cache_header(const cache_key& key, std::size_t object_size,
                                       std::size_t ir_size, std::uint64_t checksum) {
  if (object_size == 0 || object_size > UINT32_MAX || ir_size > UINT32_MAX) return {};
  cache_header h{};
  std::memcpy(h.magic, cache_magic, sizeof h.magic);
  h.format = cache_format_version;
  h.header_size = cache_header_size;
  std::memcpy(h.key, key.data(), key.size());
  h.object_size = static_cast<std::uint32_t>(object_size);
  h.ir_size = static_cast<std::uint32_t>(ir_size);
  h.checksum = checksum;
  return std::string(reinterpret_cast<const char*>(&h), sizeof h);
}

// Parses a whole entry file for `key`: the magic, format version, header size and key must match,
// the object must be non-empty and the sizes must add up to exactly the bytes given. Any other
// input (truncated, extended, foreign, another version or key) is nullopt. The checksum is
// returned, not checked. Reads only inside `bytes`.
inline std::optional<cache_entry_view> parse_cache_entry(std::string_view bytes,
                                                         const cache_key& key) noexcept {
  if (bytes.size() < cache_header_size) return std::nullopt;
  cache_header h{};
  std::memcpy(&h, bytes.data(), cache_header_size);
  if (std::memcmp(h.magic, cache_magic, sizeof h.magic) != 0) return std::nullopt;
  if (h.format != cache_format_version || h.header_size != cache_header_size) return std::nullopt;
  if (std::memcmp(h.key, key.data(), key.size()) != 0) return std::nullopt;
  if (h.object_size == 0) return std::nullopt;
  const std::uint64_t payload_size = std::uint64_t{h.object_size} + h.ir_size;
  if (bytes.size() - cache_header_size != payload_size) return std::nullopt;
  cache_entry_view v;
  v.payload = bytes.substr(cache_header_size);
  v.object = v.payload.substr(0, h.object_size);
  v.ir = v.payload.substr(h.object_size);
  v.checksum = h.checksum;
  return v;
}

}  // namespace parjit::jit::detail
