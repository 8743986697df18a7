// The on-disk kernel cache's files: where they live, whether they can be trusted, and reading
// and atomically writing one entry. Included by the backend only (after llvm.hpp: xxh3 comes
// from LLVM); disk_cache.hpp holds the policy (on or off, size limit, eviction) and the entry's
// byte layout is in cache_entry.hpp (no LLVM, fuzzed on its own).
//
// Trust model: an entry is native code this process will run, so the cache is used only when
// nobody but this process's user can have written it. The directory (created 0700) and each
// entry must be owned by the effective user and not writable by group or others (ssh's
// StrictModes rule), and entries must be regular files opened without following a link;
// otherwise the process warns once for that directory and compiles in memory.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <utility>

#include "cache_entry.hpp"
#include "llvm.hpp"

namespace parjit::jit::detail {
namespace {  // internal linkage, as the rest of the backend

namespace fs = std::filesystem;

// With neither XDG_CACHE_HOME nor HOME: a per-user directory in the temporary directory. Others
// can create that name first, so it gets the same checks as any cache directory, plus: its last
// component must not be a symbolic link (see open_cache_dir). A squatted name costs the cache
// (one warning), never the process's integrity.
std::string cache_tmp_fallback() {
  const char* t = std::getenv("TMPDIR");
  const std::string base = (t != nullptr && t[0] == '/') ? std::string(t) : std::string("/tmp");
  return base + "/parjit-cache-" + std::to_string(::geteuid());
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
  return cache_tmp_fallback();
}

// Says once per process and directory that the cache there is not used, then stays quiet.
void warn_unusable(const std::string& dir, const std::string& why) {
  static std::mutex m;
  static std::set<std::string> warned;
  {
    std::lock_guard<std::mutex> lock(m);
    if (!warned.insert(dir).second) return;
  }
  std::fprintf(stderr,
               "parjit::jit: warning: the kernel cache directory %s is not used (%s); kernels "
               "are compiled in memory\n",
               dir.c_str(), why.c_str());
}

// Why a cache directory or entry with status `st` is not trusted, or empty if it is.
std::string distrust(const struct stat& st, bool directory) {
  if (directory ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) {
    return directory ? "not a directory" : "not a regular file";
  }
  if (st.st_uid != ::geteuid()) {
    return "owned by uid " + std::to_string(st.st_uid) + ", not by this user (uid " +
           std::to_string(::geteuid()) + ")";
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return std::string("writable by group or others, mode ") + mode;
  }
  return {};
}

// An open file descriptor, closed on scope exit.
class unique_fd {
 public:
  explicit unique_fd(int fd = -1) noexcept : fd_(fd) {}
  unique_fd(unique_fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  unique_fd& operator=(unique_fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  ~unique_fd() { reset(); }
  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  void reset() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// Opens the cache directory if it is trusted; every entry is then opened relative to this
// descriptor, so renaming the path afterwards cannot redirect us. `create`: make it first, 0700
// (its parents as mkdir -p would). On failure `why` says why, or is empty when the directory
// does not exist and `create` is false. The temporary-directory fallback is opened without
// following a link: another user could have planted one there pointing at our own directories.
unique_fd open_cache_dir(const std::string& dir, bool create, std::string& why) {
  why.clear();
  if (create) {
    std::error_code ec;
    const fs::path parent = fs::path(dir).parent_path();
    if (!parent.empty()) fs::create_directories(parent, ec);
    if (ec) {
      why = ec.message();
      return unique_fd{};
    }
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      why = std::strerror(errno);
      return unique_fd{};
    }
  }
  const int nofollow = dir == cache_tmp_fallback() ? O_NOFOLLOW : 0;
  unique_fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | nofollow));
  if (!fd) {
    const int err = errno;
    if (err == ENOENT && !create) return fd;
    why = err == ELOOP ? "a symbolic link" : std::strerror(err);
    return fd;
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    why = std::strerror(errno);
    return unique_fd{};
  }
  why = distrust(st, true);
  if (!why.empty()) return unique_fd{};
  return fd;
}

// Splits "<dir>/<name>" (the backend's entry path) into its directory and file name.
std::pair<std::string, std::string> split_entry_path(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return {".", path};
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

enum class entry_read { ok, absent, untrusted, failed };

// Reads entry `name` of the directory `dfd` into `out`: a regular file owned by us and not
// writable by others, opened without following a link and without blocking (a FIFO planted at
// the name must not hang the caller), checked with fstat on the descriptor actually read.
entry_read read_whole(int dfd, const std::string& name, std::string& out, std::string& why) {
  unique_fd fd(::openat(dfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!fd) {
    const int err = errno;
    if (err == ENOENT) return entry_read::absent;
    why = err == ELOOP ? "a symbolic link" : std::strerror(err);
    return err == ELOOP ? entry_read::untrusted : entry_read::failed;
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    why = std::strerror(errno);
    return entry_read::failed;
  }
  why = distrust(st, false);
  if (!why.empty()) return entry_read::untrusted;
  if (st.st_size < 0 || st.st_size >= (std::int64_t{1} << 31)) return entry_read::failed;
  out.resize(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t r = ::read(fd.get(), out.data() + done, out.size() - done);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    done += static_cast<std::size_t>(r);
  }
  out.resize(done);
  return entry_read::ok;
}

struct cache_entry {
  std::string bytes;  // the whole file
  llvm::StringRef object;
};

// The entry at `path` (= <dir>/<hex key>.pjk) for `key` if the directory and the file are
// trusted and the file passes every check. A trusted file that fails one (truncated,
// corrupted, foreign, another format version, another key, empty) is removed so the caller's
// compile replaces it; an untrusted one is left alone (write_entry then refuses to replace it
// and the caller warns).
std::optional<cache_entry> read_entry(const std::string& path, const cache_key& key) {
  const auto [dir, name] = split_entry_path(path);
  std::string why;
  const unique_fd dfd = open_cache_dir(dir, false, why);
  if (!dfd) return std::nullopt;
  cache_entry e;
  if (read_whole(dfd.get(), name, e.bytes, why) != entry_read::ok) return std::nullopt;
  const auto v = parse_cache_entry(e.bytes, key);
  if (!v || llvm::xxh3_64bits(llvm::StringRef(v->payload.data(), v->payload.size())) !=
                v->checksum) {
    ::unlinkat(dfd.get(), name.c_str(), 0);  // best effort; a writer's rename may replace it
    return std::nullopt;
  }
  e.object = llvm::StringRef(v->object.data(), v->object.size());
  return e;
}

// The last use of an entry, for LRU eviction: its mtime (of the entry itself, never a link's
// target).
void touch(const std::string& path) {
  ::utimensat(AT_FDCWD, path.c_str(), nullptr, AT_SYMLINK_NOFOLLOW);
}

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

// Writes the entry atomically: a temporary file (0600) in the same trusted directory, then
// rename(2), so a reader sees the old file, no file or the whole new one, and racing writers of
// one key each install a complete, equal entry. Creates the directory (0700) if needed. Returns
// an empty string, or why the cache cannot be used (the caller warns once).
std::string write_entry(const std::string& dir, const std::string& path, const cache_key& key,
                        llvm::StringRef object) {
  std::string why;
  const unique_fd dfd = open_cache_dir(dir, true, why);
  if (!dfd) return why;
  const std::string name = split_entry_path(path).second;
  // An existing entry we do not trust is not ours to replace: someone else put it there.
  struct stat st {};
  if (::fstatat(dfd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    why = distrust(st, false);
    if (!why.empty()) return "entry " + name + " is " + why;
  }
  const std::string header = encode_cache_header(key, object.size(), 0, llvm::xxh3_64bits(object));
  if (header.empty()) return "a kernel too large for a cache entry";

  static std::atomic<std::uint64_t> serial{0};
  const std::string tmp = name + ".tmp." + std::to_string(::getpid()) + "." +
                          std::to_string(serial.fetch_add(1));
  const int fd = ::openat(dfd.get(), tmp.c_str(),
                          O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return std::strerror(errno);
  bool ok = write_all(fd, header.data(), header.size()) &&
            write_all(fd, object.data(), object.size());
  why = ok ? "" : std::strerror(errno);
  if (::close(fd) != 0 && ok) {
    ok = false;
    why = std::strerror(errno);
  }
  if (ok && ::renameat(dfd.get(), tmp.c_str(), dfd.get(), name.c_str()) != 0) {
    ok = false;
    why = std::strerror(errno);
  }
  if (!ok) {
    ::unlinkat(dfd.get(), tmp.c_str(), 0);
    return why.empty() ? "write failed" : why;
  }
  return {};
}

}  // namespace
}  // namespace parjit::jit::detail
