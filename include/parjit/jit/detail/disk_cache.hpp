// The on-disk kernel cache's files: where they live, their header, atomic writes, validation,
// LRU eviction. Included by the backend only (after llvm.hpp: SHA-256 and xxh3 come from LLVM).
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "../options.hpp"
#include "llvm.hpp"

namespace parjit::jit::detail {
namespace {  // internal linkage, as the rest of the backend

namespace fs = std::filesystem;

using cache_key = std::array<std::uint8_t, 32>;

// Entry layout: a 64-byte header, then the object file, then the optimised IR (for ir() and
// assembly() on a hit). Bump `cache_format_version` when this layout changes.
inline constexpr char cache_magic[8] = {'P', 'A', 'R', 'J', 'I', 'T', 'K', 'C'};
inline constexpr std::uint32_t cache_format_version = 1;
inline constexpr std::size_t cache_header_size = 64;
inline constexpr const char* cache_suffix = ".pjk";

struct cache_header {
  char magic[8];
  std::uint32_t format;
  std::uint32_t header_size;
  std::uint8_t key[32];
  std::uint32_t object_size;
  std::uint32_t ir_size;
  std::uint64_t checksum;  // xxh3-64 of object + ir
};
static_assert(sizeof(cache_header) == cache_header_size);

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

std::string cache_directory(const std::string& configured) {
  if (!configured.empty()) return configured;
  if (const char* d = std::getenv("PARJIT_CACHE_DIR"); d != nullptr && d[0] != '\0') return d;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x != nullptr && x[0] == '/') {
    return std::string(x) + "/parjit";
  }
  if (const char* h = std::getenv("HOME"); h != nullptr && h[0] != '\0') {
    return std::string(h) + "/.cache/parjit";
  }
  return "/tmp/parjit-cache-" + std::to_string(::getuid());
}

std::uint64_t cache_max_bytes() {
  double mb = 256.0;
  if (const char* e = std::getenv("PARJIT_CACHE_MAX_MB"); e != nullptr && e[0] != '\0') {
    char* end = nullptr;
    const double v = std::strtod(e, &end);
    if (end != e && v >= 0) mb = v;
  }
  return static_cast<std::uint64_t>(mb * 1024.0 * 1024.0);
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

// Says once per process that the cache cannot be used, then stays quiet.
void warn_unusable(const std::string& dir, const std::string& why) {
  static std::atomic<bool> warned{false};
  if (warned.exchange(true)) return;
  std::fprintf(stderr,
               "parjit::jit: warning: the kernel cache directory %s is unusable (%s); kernels "
               "are compiled in memory\n",
               dir.c_str(), why.c_str());
}

bool read_whole(const std::string& path, std::string& out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 0 &&
            st.st_size < (std::int64_t{1} << 31);
  if (ok) {
    out.resize(static_cast<std::size_t>(st.st_size));
    std::size_t done = 0;
    while (done < out.size()) {
      const ssize_t r = ::read(fd, out.data() + done, out.size() - done);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) break;
      done += static_cast<std::size_t>(r);
    }
    out.resize(done);
  }
  ::close(fd);
  return ok;
}

struct cache_entry {
  std::string bytes;  // the whole file
  llvm::StringRef object, ir;
};

// The entry for `key` if its file exists and passes every check. A file that fails one
// (truncated, corrupted, foreign, another format version, another key, empty) is removed so the
// caller's compile replaces it.
std::optional<cache_entry> read_entry(const std::string& path, const cache_key& key) {
  cache_entry e;
  if (!read_whole(path, e.bytes)) return std::nullopt;
  cache_header h{};
  bool ok = e.bytes.size() >= cache_header_size;
  if (ok) {
    std::memcpy(&h, e.bytes.data(), cache_header_size);
    ok = std::memcmp(h.magic, cache_magic, sizeof h.magic) == 0 &&
         h.format == cache_format_version && h.header_size == cache_header_size &&
         std::memcmp(h.key, key.data(), key.size()) == 0 && h.object_size > 0 &&
         e.bytes.size() == cache_header_size + std::uint64_t{h.object_size} + h.ir_size;
  }
  if (ok) {
    const llvm::StringRef payload(e.bytes.data() + cache_header_size,
                                  e.bytes.size() - cache_header_size);
    ok = llvm::xxh3_64bits(payload) == h.checksum;
    e.object = payload.substr(0, h.object_size);
    e.ir = payload.substr(h.object_size);
  }
  if (!ok) {
    ::unlink(path.c_str());  // best effort; a rename by another process may already replace it
    return std::nullopt;
  }
  return e;
}

// The last use of an entry, for LRU eviction: its mtime.
void touch(const std::string& path) { ::utimensat(AT_FDCWD, path.c_str(), nullptr, 0); }

bool write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

// Writes the entry atomically: a temporary file in the same directory, then rename(2), so a
// reader sees the old file, no file or the whole new one, and racing writers of one key each
// install a complete, equal entry. Returns an empty string, or why it failed.
std::string write_entry(const std::string& dir, const std::string& path, const cache_key& key,
                        llvm::StringRef object, llvm::StringRef ir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return ec.message();
  static std::atomic<std::uint64_t> serial{0};
  const std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." +
                          std::to_string(serial.fetch_add(1));
  cache_header h{};
  std::memcpy(h.magic, cache_magic, sizeof h.magic);
  h.format = cache_format_version;
  h.header_size = cache_header_size;
  std::memcpy(h.key, key.data(), key.size());
  h.object_size = static_cast<std::uint32_t>(object.size());
  h.ir_size = static_cast<std::uint32_t>(ir.size());
  std::string payload;
  payload.reserve(object.size() + ir.size());
  payload.append(object.data(), object.size());
  payload.append(ir.data(), ir.size());
  h.checksum = llvm::xxh3_64bits(llvm::StringRef(payload));

  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return std::strerror(errno);
  bool ok = write_all(fd, reinterpret_cast<const char*>(&h), sizeof h) &&
            write_all(fd, payload.data(), payload.size());
  std::string why = ok ? "" : std::strerror(errno);
  if (::close(fd) != 0 && ok) {
    ok = false;
    why = std::strerror(errno);
  }
  if (ok && ::rename(tmp.c_str(), path.c_str()) != 0) {
    ok = false;
    why = std::strerror(errno);
  }
  if (!ok) {
    ::unlink(tmp.c_str());
    return why.empty() ? "write failed" : why;
  }
  return {};
}

struct cache_file {
  fs::path path;
  std::uint64_t size;
  fs::file_time_type used;
};

std::vector<cache_file> list_entries(const std::string& dir) {
  std::vector<cache_file> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& p = it->path();
    if (p.extension() != cache_suffix) continue;
    std::error_code e1, e2;
    const auto size = fs::file_size(p, e1);
    const auto used = fs::last_write_time(p, e2);
    if (!e1 && !e2) out.push_back({p, size, used});
  }
  return out;
}

// Least recently used first, until the entries fit in `max_bytes`.
void evict(const std::string& dir, std::uint64_t max_bytes) {
  std::vector<cache_file> files = list_entries(dir);
  std::uint64_t total = 0;
  for (const auto& f : files) total += f.size;
  if (total <= max_bytes) return;
  std::sort(files.begin(), files.end(),
            [](const cache_file& a, const cache_file& b) { return a.used < b.used; });
  for (const auto& f : files) {
    if (total <= max_bytes) break;
    std::error_code ec;
    if (fs::remove(f.path, ec)) total -= f.size;
  }
}

void cache_info_entry(cache_query& q) {
  q.directory = cache_directory(q.directory);
  for (const auto& f : list_entries(q.directory)) {
    ++q.entries;
    q.bytes += f.size;
  }
  q.hits = cache_hits.load();
  q.misses = cache_misses.load();
}

void cache_clear_entry(cache_query& q) {
  q.directory = cache_directory(q.directory);
  std::error_code ec;
  for (fs::directory_iterator it(q.directory, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() > 4 && (name.ends_with(cache_suffix) || name.find(".pjk.tmp.") != std::string::npos)) {
      std::error_code e;
      fs::remove(it->path(), e);
    }
  }
}

}  // namespace
}  // namespace parjit::jit::detail
