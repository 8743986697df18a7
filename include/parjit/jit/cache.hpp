// The on-disk kernel cache: what it holds and how to empty it (the cache itself lives in the
// backend; kernels use it when options::cache is on). No LLVM here.
#pragma once

#include <cstdint>
#include <string>

#include "compile.hpp"

namespace parjit::jit::cache {

/// A snapshot of the on-disk kernel cache: `entries` and `bytes` on disk in `directory`, and
/// this process's `hits` (objects loaded from it) and `misses` (objects compiled and written).
///
/// Layout: one file per key, `<directory>/<64 hex digits>.pjk`; the key is a SHA-256 of the
/// kernel's canonical expression, argument/result types and kinds, options, a hash of the code
/// generator's sources (so a changed parjit never loads an older one's code), LLVM's version,
/// target triple, CPU name and features. Each file starts with a header
/// (magic, format version, key, lengths, checksum); a file that fails any check is ignored and
/// replaced. Writes are atomic (a 0600 temporary file + rename).
///
/// Trust: an entry is machine code the process will run, so the cache is used only where no one
/// but the process's (effective) user can have written it. The directory (created 0700) and each
/// entry must be owned by that user and not writable by group or others, and an entry must be a
/// regular file (a link or FIFO is never opened through); otherwise the process warns once for
/// that directory and compiles in memory, never loading or replacing the offending file.
///
/// Size bound: `PARJIT_CACHE_MAX_MB` MiB (default 256; fractions allowed; 0 keeps no entry;
/// `inf`, or 2^44 MiB and more, means no limit; unset or empty means the default; anything else,
/// e.g. `-1`, `abc`, `nan`, is ignored with one warning). The least recently used entries go
/// first; temporary files left by killed writers are removed after 10 minutes.
///
/// Thread-safety: a plain value.
struct contents {
  std::uint64_t entries = 0;
  std::uint64_t bytes = 0;
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::string directory;
};

/// The cache's contents in `directory` (empty: the default one, as `options::cache_dir`).
///
///     auto c = jit::cache::info();   // c.directory is e.g. /home/me/.cache/parjit
///
/// Thread-safety: safe to call at any time; a concurrent writer may change the numbers.
inline contents info(const std::string& directory = {}) {
  detail::cache_query q{directory};
  detail::backend().cache_info(q);
  return {q.entries, q.bytes, q.hits, q.misses, q.directory};
}

/// Removes every cache entry (and stray temporary file) from `directory` (empty: the default
/// one). Kernels already loaded keep working; later processes compile again.
///
///     jit::cache::clear();
///
/// Thread-safety: safe to call at any time, also while other processes use the cache (an entry
/// being written when it runs may survive).
inline void clear(const std::string& directory = {}) {
  detail::cache_query q{directory};
  detail::backend().cache_clear(q);
}

}  // namespace parjit::jit::cache
