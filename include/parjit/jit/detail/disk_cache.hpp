// The on-disk kernel cache's policy: whether it is on, its size limit, entry names, eviction,
// and the info/clear queries. Included by the backend only (after llvm.hpp); where the files live,
// whether they are trusted and how one entry is read or written is in cache_files.hpp, the
// entry's byte layout in cache_entry.hpp (no LLVM, fuzzed on its own).
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "../compile.hpp"
#include "../options.hpp"
#include "cache_files.hpp"
#include "llvm.hpp"

namespace parjit::jit::detail {
namespace {  // internal linkage, as the rest of the backend

inline constexpr const char* cache_suffix = ".pjk";
inline constexpr std::string_view cache_tmp_marker = ".pjk.tmp.";
// A temporary file older than this was left by a killed writer (a write takes milliseconds).
inline constexpr std::time_t cache_orphan_age_s = 600;
inline constexpr std::uint64_t cache_default_max_mb = 256;

std::atomic<std::uint64_t> cache_hits{0}, cache_misses{0};

// PARJIT_CACHE=0 is a kill switch; otherwise the option decides, then PARJIT_CACHE=1, then the
// build: PARJIT_CACHE_DEFAULT=0|1 where the backend is compiled, else on in release builds
// (NDEBUG). Benchmarks of first-call latency build with PARJIT_CACHE_DEFAULT=0.
bool cache_enabled(const options& opts) {
  const char* env = std::getenv("PARJIT_CACHE");
  if (env != nullptr && env[0] == '0') return false;
  if (opts.cache) return *opts.cache;
  if (env != nullptr && env[0] == '1') return true;
#if defined(PARJIT_CACHE_DEFAULT)
  return PARJIT_CACHE_DEFAULT != 0;
#elif defined(NDEBUG)
  return true;
#else
  return false;
#endif
}

// PARJIT_CACHE_MAX_MB's value in bytes: a decimal number of MiB >= 0 (fractions allowed; 0 keeps
// no entry); "inf", or anything of 2^44 MiB (2^64 bytes) or more, means no size limit; empty
// means unset. nullopt: not such a number (negative, NaN, text, trailing characters, beyond a
// double). Never converts an out-of-range double to an integer.
std::optional<std::uint64_t> parse_cache_max_mb(std::string_view s) {
  constexpr std::uint64_t mib = 1024 * 1024;
  if (s.empty()) return cache_default_max_mb * mib;
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || std::isnan(v) || v < 0) {
    return std::nullopt;
  }
  constexpr double unlimited_mb = 17592186044416.0;  // 2^44
  if (v >= unlimited_mb) return UINT64_MAX;
  return static_cast<std::uint64_t>(v * static_cast<double>(mib));  // < 2^64: exact scaling
}

std::uint64_t cache_max_bytes() {
  const char* e = std::getenv("PARJIT_CACHE_MAX_MB");
  if (e == nullptr) return cache_default_max_mb * 1024 * 1024;
  if (auto bytes = parse_cache_max_mb(e)) return *bytes;
  static std::atomic<bool> warned{false};
  if (!warned.exchange(true)) {
    std::fprintf(stderr,
                 "parjit::jit: warning: PARJIT_CACHE_MAX_MB=\"%s\" is not a size in MiB (a "
                 "number >= 0, or inf for no limit); using the default, %llu\n",
                 e, static_cast<unsigned long long>(cache_default_max_mb));
  }
  return cache_default_max_mb * 1024 * 1024;
}

std::string hex(const cache_key& key) {
  static const char digits[] = "0123456789abcdef";
  std::string s;
  for (std::uint8_t b : key) {
    s += digits[b >> 4];
    s += digits[b & 15];
  }
  return s;
}

struct cache_file {
  std::string name;
  std::uint64_t size;
  struct timespec used;  // mtime
  bool temporary;        // a writer's "<key>.pjk.tmp.<pid>.<n>"
};

// The entries (files named *.pjk) and writers' temporary files in the directory `dfd`; only
// regular files unless `any_type` (links and the like are never counted, only cleared).
std::vector<cache_file> list_entries(int dfd, bool any_type = false) {
  std::vector<cache_file> out;
  const int copy = ::dup(dfd);
  if (copy < 0) return out;
  DIR* d = ::fdopendir(copy);
  if (d == nullptr) {
    ::close(copy);
    return out;
  }
  ::rewinddir(d);
  while (const dirent* de = ::readdir(d)) {
    const std::string_view n(de->d_name);
    const bool temporary = n.find(cache_tmp_marker) != std::string_view::npos;
    if (!temporary && !n.ends_with(cache_suffix)) continue;
    struct stat st {};
    if (::fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (!any_type && !S_ISREG(st.st_mode)) continue;
    out.push_back({std::string(n), static_cast<std::uint64_t>(st.st_size), st.st_mtim, temporary});
  }
  ::closedir(d);
  return out;
}

// Removes writers' temporary files older than cache_orphan_age_s (their writer was killed),
// then the least recently used entries until the entries fit in `max_bytes`.
void evict(const std::string& dir, std::uint64_t max_bytes) {
  std::string why;
  const unique_fd dfd = open_cache_dir(dir, false, why);
  if (!dfd) return;
  std::vector<cache_file> files = list_entries(dfd.get());
  const std::time_t now = std::time(nullptr);
  std::uint64_t total = 0;
  std::erase_if(files, [&](const cache_file& f) {
    if (!f.temporary) {
      total += f.size;
      return false;
    }
    if (now - f.used.tv_sec > cache_orphan_age_s) ::unlinkat(dfd.get(), f.name.c_str(), 0);
    return true;
  });
  if (total <= max_bytes) return;
  std::sort(files.begin(), files.end(), [](const cache_file& a, const cache_file& b) {
    return a.used.tv_sec != b.used.tv_sec ? a.used.tv_sec < b.used.tv_sec
                                          : a.used.tv_nsec < b.used.tv_nsec;
  });
  for (const auto& f : files) {
    if (total <= max_bytes) break;
    if (::unlinkat(dfd.get(), f.name.c_str(), 0) == 0) total -= f.size;
  }
}

void cache_info_entry(cache_query& q) {
  q.directory = cache_directory(q.directory);
  const unique_fd dfd(::open(q.directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd) {
    for (const auto& f : list_entries(dfd.get())) {
      if (f.temporary) continue;
      ++q.entries;
      q.bytes += f.size;
    }
  }
  q.hits = cache_hits.load();
  q.misses = cache_misses.load();
}

void cache_clear_entry(cache_query& q) {
  q.directory = cache_directory(q.directory);
  const unique_fd dfd(::open(q.directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dfd) return;
  for (const auto& f : list_entries(dfd.get(), true)) ::unlinkat(dfd.get(), f.name.c_str(), 0);
}

}  // namespace
}  // namespace parjit::jit::detail
