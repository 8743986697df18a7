// The on-disk kernel cache and ahead-of-time specialisation: hits across fresh processes, no
// stale code, damaged entries, racing writers, an unusable directory, the trust model (owner,
// modes, links, FIFOs, the temporary-directory fallback), PARJIT_CACHE_MAX_MB, LRU eviction and
// orphaned temporary files, a very deep graph, strict mode.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include <parjit/jit.hpp>

namespace jit = parjit::jit;
namespace fs = std::filesystem;

namespace {

// A fresh directory under /tmp, removed at the end of the test; never the user's cache.
struct temp_dir {
  std::string path;
  temp_dir() {
    char tmpl[] = "/tmp/parjit-cache-test-XXXXXX";
    const char* p = ::mkdtemp(tmpl);
    if (p == nullptr) throw std::runtime_error("mkdtemp failed");
    path = p;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
};

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs the helper program with the cache in `dir` (and `env`, "NAME=value ..." or "env -u NAME
// ..." words put before it); returns its "name value" lines. A helper that hangs is killed
// after four minutes (a loaded machine is slow, a hang is forever) and fails the test.
std::map<std::string, std::string> run_helper(const std::string& dir, const std::string& args,
                                              const std::string& out,
                                              const std::string& env = {}) {
  const std::string cmd = "PARJIT_CACHE=1 PARJIT_CACHE_DIR='" + dir + "' " + env +
                          " timeout 240 '" PARJIT_CACHE_HELPER "' " + args + " > '" + out +
                          "' 2> '" + out + ".err'";
  REQUIRE(std::system(cmd.c_str()) == 0);
  std::map<std::string, std::string> kv;
  std::istringstream in(read_text(out));
  std::string k, v;
  while (in >> k >> v) kv[k] = v;
  return kv;
}

// How many lines of `text` contain "warning".
std::size_t warnings_in(const std::string& text) {
  std::size_t n = 0;
  for (std::size_t p = text.find("warning"); p != std::string::npos; p = text.find("warning", p + 1)) {
    ++n;
  }
  return n;
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st.st_mode;
}

std::vector<fs::path> entries(const std::string& dir) {
  std::vector<fs::path> v;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".pjk") v.push_back(e.path());
  }
  return v;
}

auto make_hypot(const std::string& dir) {
  return jit::vectorize([](auto a, auto b) { return jit::sqrt(a * a + b * b); },
                        jit::options{.cache = true, .cache_dir = dir});
}

std::vector<float> run_hypot(const std::string& dir, jit::stats* st = nullptr) {
  std::vector<float> a{3, 5, 8}, b{4, 12, 15}, out(3);
  auto k = make_hypot(dir);
  k(out, a, b);
  if (st) *st = k.stats();
  return out;
}

}  // namespace

TEST_CASE("cache: a second process compiles nothing and computes the same", "[jit][cache]") {
  temp_dir dir;
  const auto first = run_helper(dir.path, "base", dir.path + "/out1");
  CHECK(first.at("misses") == "5");
  CHECK(first.at("hits") == "0");
  CHECK(entries(dir.path).size() == 5);
  const auto second = run_helper(dir.path, "base", dir.path + "/out2");
  CHECK(second.at("hits") == "5");
  CHECK(second.at("misses") == "0");
  CHECK(second.at("compiled") == "0");
  CHECK(second.at("checksum") == first.at("checksum"));

  SECTION("changing one literal is a miss, never stale code") {
    const auto changed = run_helper(dir.path, "literal", dir.path + "/out3");
    CHECK(changed.at("misses") == "1");
    CHECK(changed.at("hits") == "4");
    CHECK(changed.at("checksum") != first.at("checksum"));
    CHECK(entries(dir.path).size() == 6);
  }
}

TEST_CASE("cache: processes racing on one key all succeed and leave one valid entry",
          "[jit][cache]") {
  temp_dir dir;
  std::string cmd = "(";
  for (int i = 0; i < 4; ++i) {
    cmd += "PARJIT_CACHE=1 PARJIT_CACHE_DIR='" + dir.path + "' '" PARJIT_CACHE_HELPER
           "' base race > '" + dir.path + "/race" + std::to_string(i) + "' & ";
  }
  cmd += "wait)";
  REQUIRE(std::system(cmd.c_str()) == 0);
  const std::string expected = read_text(dir.path + "/race0");
  REQUIRE(expected.find("checksum") != std::string::npos);
  for (int i = 1; i < 4; ++i) {
    const std::string got = read_text(dir.path + "/race" + std::to_string(i));
    CHECK(got.substr(0, got.find('\n')) == expected.substr(0, expected.find('\n')));
  }
  CHECK(entries(dir.path).size() == 1);
  const auto after = run_helper(dir.path, "base race", dir.path + "/after");
  CHECK(after.at("hits") == "1");
  CHECK(after.at("compiled") == "0");
}

TEST_CASE("cache: damaged entries are ignored and replaced, never loaded", "[jit][cache]") {
  temp_dir dir;
  const std::vector<float> expected{5, 13, 17};
  jit::stats st;
  REQUIRE(run_hypot(dir.path, &st) == expected);
  REQUIRE(st.cache_misses == 1);
  REQUIRE(entries(dir.path).size() == 1);
  const fs::path entry = entries(dir.path)[0];
  const std::string good = read_text(entry.string());
  REQUIRE(good.size() > 64);

  std::map<std::string, std::string> damaged;
  damaged["zero bytes"] = "";
  damaged["truncated header"] = good.substr(0, 30);
  damaged["truncated payload"] = good.substr(0, good.size() / 2);
  std::string flipped = good;
  flipped[good.size() / 2] = static_cast<char>(flipped[good.size() / 2] ^ 0x40);
  damaged["a flipped payload byte"] = flipped;
  std::string version = good;
  version[8] = static_cast<char>(version[8] + 1);
  damaged["another format version"] = version;
  std::string key = good;
  key[20] = static_cast<char>(key[20] ^ 1);
  damaged["another key"] = key;
  damaged["garbage"] = std::string(4096, '\x7f') + "ELF garbage";
  damaged["extra bytes"] = good + "x";

  for (const auto& [what, bytes] : damaged) {
    SECTION(what) {
      { std::ofstream(entry, std::ios::binary | std::ios::trunc) << bytes; }
      CHECK(run_hypot(dir.path, &st) == expected);
      CHECK(st.cache_hits == 0);
      CHECK(st.cache_misses == 1);
      CHECK(read_text(entry.string()) == good);  // replaced by a valid entry
      CHECK(run_hypot(dir.path, &st) == expected);
      CHECK(st.cache_hits == 1);
    }
  }
}

TEST_CASE("cache: a hit keeps ir() and assembly(), and shares code with an identical kernel",
          "[jit][cache]") {
  temp_dir dir;
  std::vector<float> a{3}, b{4}, out(1);
  auto k1 = make_hypot(dir.path);
  k1(out, a, b);
  auto k2 = make_hypot(dir.path);  // same key, k1 still alive: shared in this process
  k2(out, a, b);
  CHECK(out[0] == 5.0f);
  CHECK(k2.stats().cache_hits == 1);
  CHECK(k2.ir() == k1.ir());
  CHECK(k2.ir().find("define") != std::string::npos);
  CHECK_FALSE(k2.assembly().empty());
  const auto info = jit::cache::info(dir.path);
  CHECK(info.entries == 1);
  CHECK(info.bytes > 64);
  CHECK(info.directory == dir.path);
  CHECK(info.hits >= 1);
  CHECK(info.misses >= 1);
  jit::cache::clear(dir.path);
  CHECK(jit::cache::info(dir.path).entries == 0);
  k1(out, a, b);  // loaded code keeps working
  CHECK(out[0] == 5.0f);
}

TEST_CASE("cache: an unusable directory degrades to in-memory compilation with one warning",
          "[jit][cache]") {
  temp_dir dir;
  const std::string file = dir.path + "/a-file";
  { std::ofstream(file) << "not a directory"; }
  // Under a regular file: ENOTDIR, even for root (chmod would not stop root).
  jit::stats st;
  CHECK(run_hypot(file + "/cache", &st) == std::vector<float>{5, 13, 17});
  CHECK(st.cache_hits == 0);
  CHECK(st.cache_misses == 0);
  CHECK(st.specializations == 1);
  const auto kv = run_helper(file + "/cache", "base", dir.path + "/out");
  CHECK(kv.at("compiled") == "5");
  CHECK(warnings_in(read_text(dir.path + "/out.err")) == 1);
}

TEST_CASE("cache: LRU eviction keeps the directory under PARJIT_CACHE_MAX_MB", "[jit][cache]") {
  temp_dir dir;
  std::vector<float> a{1, 2, 3}, out(3);
  const jit::options opts{.cache = true, .cache_dir = dir.path};
  auto make = [&](float c) {
    return jit::vectorize(jit::frozen([c](auto x) { return x * c + c; }), opts);
  };
  make(1.0f)(out, a);
  const std::uint64_t one = jit::cache::info(dir.path).bytes;
  REQUIRE(one > 0);
  // Room for about three entries.
  const std::string mb = std::to_string(3.5 * static_cast<double>(one) / (1024.0 * 1024.0));
  ::setenv("PARJIT_CACHE_MAX_MB", mb.c_str(), 1);
  for (int i = 2; i <= 8; ++i) {
    make(static_cast<float>(i))(out, a);
    CHECK(out[2] == 3.0f * static_cast<float>(i) + static_cast<float>(i));
  }
  const auto info = jit::cache::info(dir.path);
  CHECK(info.entries >= 2);
  CHECK(info.entries <= 4);
  CHECK(static_cast<double>(info.bytes) <= 3.5 * static_cast<double>(one) + 1);
  // The most recent kernel is still there: a hit.
  auto again = make(8.0f);
  again(out, a);
  CHECK(again.stats().cache_hits == 1);
  ::unsetenv("PARJIT_CACHE_MAX_MB");
}

TEST_CASE("cache: the directory is created 0700 and entries are written 0600", "[jit][cache]") {
  temp_dir dir;
  const std::string cache = dir.path + "/new/cache";
  const auto kv = run_helper(cache, "base", dir.path + "/out");
  CHECK(kv.at("misses") == "5");
  CHECK((mode_of(cache) & 07777) == 0700);
  REQUIRE(entries(cache).size() == 5);
  for (const auto& e : entries(cache)) CHECK((mode_of(e.string()) & 07777) == 0600);
}

// The trust model: the cache is used only if nobody but this user can have written it.
TEST_CASE("cache: a directory or entry others could have written is never loaded",
          "[jit][cache][security]") {
  temp_dir dir;
  const std::string cache = dir.path + "/cache";
  const auto first = run_helper(cache, "base", dir.path + "/out1");
  REQUIRE(first.at("misses") == "5");
  REQUIRE(entries(cache).size() == 5);
  const std::string entry = entries(cache)[0].string();
  const std::string good = read_text(entry);
  const std::string out = dir.path + "/out2";
  const bool root = ::geteuid() == 0;
  const uid_t other = 65534;  // nobody

  SECTION("a directory writable by others: nothing loaded, nothing written, one warning") {
    REQUIRE(::chmod(cache.c_str(), 0777) == 0);
    const auto kv = run_helper(cache, "base", out);
    CHECK(kv.at("hits") == "0");
    CHECK(kv.at("misses") == "0");
    CHECK(kv.at("compiled") == "5");
    CHECK(kv.at("checksum") == first.at("checksum"));
    const std::string err = read_text(out + ".err");
    CHECK(warnings_in(err) == 1);
    CHECK(err.find("writable by group or others") != std::string::npos);
  }
  SECTION("a group-writable directory: not used") {
    REQUIRE(::chmod(cache.c_str(), 0770) == 0);
    const auto kv = run_helper(cache, "base", out);
    CHECK(kv.at("hits") == "0");
    CHECK(kv.at("compiled") == "5");
    CHECK(warnings_in(read_text(out + ".err")) == 1);
  }
  SECTION("a directory owned by another user: not used") {
    if (!root) {
      WARN("not root: cannot give the directory to another user; section skipped");
      return;
    }
    REQUIRE(::chown(cache.c_str(), other, static_cast<gid_t>(-1)) == 0);
    const auto kv = run_helper(cache, "base", out);
    CHECK(kv.at("hits") == "0");
    CHECK(kv.at("compiled") == "5");
    const std::string err = read_text(out + ".err");
    CHECK(warnings_in(err) == 1);
    CHECK(err.find("owned by uid 65534") != std::string::npos);
  }
  SECTION("an entry writable by others: that entry is not loaded nor replaced") {
    REQUIRE(::chmod(entry.c_str(), 0666) == 0);
    const auto kv = run_helper(cache, "base", out);
    CHECK(kv.at("hits") == "4");
    CHECK(kv.at("compiled") == "1");
    CHECK(kv.at("checksum") == first.at("checksum"));
    CHECK(warnings_in(read_text(out + ".err")) == 1);
    CHECK((mode_of(entry) & 07777) == 0666);
  }
  SECTION("an entry owned by another user: not loaded") {
    if (!root) {
      WARN("not root: cannot give the entry to another user; section skipped");
      return;
    }
    REQUIRE(::chown(entry.c_str(), other, static_cast<gid_t>(-1)) == 0);
    const auto kv = run_helper(cache, "base", out);
    CHECK(kv.at("hits") == "4");
    CHECK(kv.at("compiled") == "1");
    CHECK(warnings_in(read_text(out + ".err")) == 1);
  }
  SECTION("an entry that is a symbolic link (to a valid entry): not followed") {
    const std::string elsewhere = dir.path + "/elsewhere.pjk";
    fs::rename(entry, elsewhere);
    fs::create_symlink(elsewhere, entry);
    const auto kv = run_helper(cache, "base", out);
    CHECK(kv.at("hits") == "4");
    CHECK(kv.at("compiled") == "1");
    CHECK(warnings_in(read_text(out + ".err")) == 1);
    CHECK(fs::is_symlink(fs::symlink_status(entry)));
  }
  SECTION("a FIFO at an entry's path: no hang, not loaded") {
    REQUIRE(::unlink(entry.c_str()) == 0);
    REQUIRE(::mkfifo(entry.c_str(), 0600) == 0);
    const auto kv = run_helper(cache, "base", out);  // today's reader blocks in open(2)
    CHECK(kv.at("hits") == "4");
    CHECK(kv.at("compiled") == "1");
    CHECK(kv.at("checksum") == first.at("checksum"));
    CHECK(warnings_in(read_text(out + ".err")) == 1);
    CHECK(S_ISFIFO(mode_of(entry)));
  }
  SECTION("the control: the same directory, untouched, is used") {
    const auto kv = run_helper(cache, "base", out);
    CHECK(kv.at("hits") == "5");
    CHECK(warnings_in(read_text(out + ".err")) == 0);
    CHECK(read_text(entry) == good);
  }
}

// Without XDG_CACHE_HOME and HOME the cache lives in $TMPDIR (else /tmp)/parjit-cache-<euid>,
// where anyone can create that name first.
TEST_CASE("cache: the temporary-directory fallback is used only if it passes the checks",
          "[jit][cache][security]") {
  temp_dir tmp;
  const std::string fallback = tmp.path + "/parjit-cache-" + std::to_string(::geteuid());
  const std::string env =
      "TMPDIR='" + tmp.path + "' env -u HOME -u XDG_CACHE_HOME -u PARJIT_CACHE_DIR";
  const std::string out = tmp.path + "/out";

  SECTION("absent: created 0700 and used") {
    const auto first = run_helper("", "base", out, env);
    CHECK(first.at("misses") == "5");
    CHECK((mode_of(fallback) & 07777) == 0700);
    CHECK(S_ISDIR(mode_of(fallback)));
    CHECK(entries(fallback).size() == 5);
    const auto second = run_helper("", "base", out, env);
    CHECK(second.at("hits") == "5");
    CHECK(warnings_in(read_text(out + ".err")) == 0);
  }
  SECTION("created first by someone else, world-writable: not used") {
    REQUIRE(::mkdir(fallback.c_str(), 0777) == 0);
    REQUIRE(::chmod(fallback.c_str(), 0777) == 0);
    const auto kv = run_helper("", "base", out, env);
    CHECK(kv.at("compiled") == "5");
    CHECK(kv.at("misses") == "0");
    CHECK(entries(fallback).empty());
    CHECK(warnings_in(read_text(out + ".err")) == 1);
  }
  SECTION("a symbolic link planted at the name (to one of our own directories): not followed") {
    const std::string ours = tmp.path + "/ours";
    REQUIRE(::mkdir(ours.c_str(), 0700) == 0);
    fs::create_directory_symlink(ours, fallback);
    const auto kv = run_helper("", "base", out, env);
    CHECK(kv.at("compiled") == "5");
    CHECK(entries(ours).empty());
    CHECK(warnings_in(read_text(out + ".err")) == 1);
  }
}

TEST_CASE("cache: PARJIT_CACHE_MAX_MB is parsed safely", "[jit][cache]") {
  // value -> (entries kept of the helper's five, warnings)
  const std::vector<std::tuple<std::string, std::size_t, std::size_t>> cases{
      {"inf", 5, 0},     // no limit
      {"1e30", 5, 0},    // beyond 2^64 bytes: no limit (no out-of-range cast)
      {"''", 5, 0},      // empty: unset, the default 256 MiB
      {"1000", 5, 0},    {"0.5", 5, 0},  // the entries are a few KiB each
      {"0", 0, 0},       // keep nothing
      {"-1", 5, 1},      // bad values: one warning, the default
      {"abc", 5, 1},     {"nan", 5, 1}, {"12abc", 5, 1}, {"-inf", 5, 1},
  };
  for (const auto& [value, kept, warnings] : cases) {
    DYNAMIC_SECTION("PARJIT_CACHE_MAX_MB=" << value) {
      temp_dir dir;
      const std::string out = dir.path + "/out";
      const std::string cache = dir.path + "/cache";
      const auto kv = run_helper(cache, "base", out, "PARJIT_CACHE_MAX_MB=" + value);
      CHECK(kv.at("misses") == "5");
      CHECK(entries(cache).size() == kept);
      const std::string err = read_text(out + ".err");
      CHECK(warnings_in(err) == warnings);
      if (warnings != 0) CHECK(err.find("PARJIT_CACHE_MAX_MB") != std::string::npos);
    }
  }
}

TEST_CASE("cache: eviction removes temporary files that killed writers left behind",
          "[jit][cache]") {
  temp_dir dir;
  const std::string key(64, 'a');
  const std::string old_tmp = dir.path + "/" + key + ".pjk.tmp.99999.0";
  const std::string new_tmp = dir.path + "/" + key + ".pjk.tmp.99999.1";
  { std::ofstream(old_tmp) << "half an entry"; }
  { std::ofstream(new_tmp) << "a writer still at work"; }
  struct timeval times[2] {};
  ::gettimeofday(&times[0], nullptr);
  times[0].tv_sec -= 3600;  // an hour old
  times[1] = times[0];
  REQUIRE(::utimes(old_tmp.c_str(), times) == 0);
  std::vector<float> a{1, 2}, out(2);
  auto k = jit::vectorize([](auto x) { return x * 7.25f + 1.5f; },
                          jit::options{.cache = true, .cache_dir = dir.path});
  k(out, a);
  REQUIRE(k.stats().cache_misses == 1);  // a write, then eviction
  CHECK_FALSE(fs::exists(old_tmp));
  CHECK(fs::exists(new_tmp));
  CHECK(entries(dir.path).size() == 1);
  CHECK(jit::cache::info(dir.path).entries == 1);
}

TEST_CASE("cache: a graph 20,000 nodes deep compiles (no recursion per level)", "[jit][cache]") {
  temp_dir dir;
  // x0 = a0; x(k) = x(k-1) * a1 + a0, alternating mul and add: 20,000 levels.
  namespace ex = parjit::expr;
  ex::graph g;
  ex::node a0;
  a0.code = ex::op::argument;
  a0.type = ex::scalar_kind::f64;
  a0.index = 0;
  ex::node a1 = a0;
  a1.index = 1;
  const std::int32_t i0 = g.add(a0);
  const std::int32_t i1 = g.add(a1);
  std::int32_t x = i0;
  constexpr int depth = 20000;
  for (int k = 0; k < depth / 2; ++k) {
    ex::node m;
    m.code = ex::op::mul;
    m.type = ex::scalar_kind::f64;
    m.operand[0] = x;
    m.operand[1] = i1;
    x = g.add(m);
    ex::node s = m;
    s.code = ex::op::add;
    s.operand[0] = x;
    s.operand[1] = i0;
    x = g.add(s);
  }
  g.root = x;
  const jit::signature sig{.args = {{ex::scalar_kind::f64}, {ex::scalar_kind::f64}},
                           .result = ex::scalar_kind::f64};
  const std::vector<double> av{0.5, -1.25, 3.0}, bv{0.5, 0.25, -0.75};
  auto check = [&](const jit::compiled_kernel& k) {
    std::vector<double> out(av.size());
    const void* args[] = {av.data(), bv.data()};
    k(0, static_cast<std::int64_t>(av.size()), out.data(), args);
    for (std::size_t i = 0; i < av.size(); ++i) {
      double want = av[i];
      for (int j = 0; j < depth / 2; ++j) want = want * bv[i] + av[i];
      CHECK(out[i] == want);
    }
  };
  const jit::options opts{.cache = true, .cache_dir = dir.path};
  auto k1 = jit::compile(g, sig, opts);
  CHECK(k1.origin() == jit::code_origin::cache_miss);
  check(k1);
  CHECK(entries(dir.path).size() == 1);
}

TEST_CASE("aot: compile<Out, In...>() and strict kernels", "[jit][aot]") {
  const jit::options off{.cache = false};
  std::vector<float> a{1, 2}, b{3, 4}, out(2);
  SECTION("compile<> returns its milliseconds once; calls then compile nothing") {
    auto k = jit::vectorize([](auto x, auto y) { return x + y; }, off);
    const double ms = k.compile<float, float, float>();
    CHECK(ms > 0.0);
    CHECK(k.compile<float, float, float>() == 0.0);
    CHECK(k.stats().specializations == 1);
    k(out, a, b);
    CHECK(out == std::vector<float>{4, 6});
    CHECK(k.stats().specializations == 1);
  }
  SECTION("strict: an uncompiled signature throws std::invalid_argument naming the types") {
    auto k = jit::vectorize([](auto x, auto y) { return x * y; },
                            jit::options{.cache = false, .strict = true});
    try {
      k(out, a, b);
      FAIL("a strict kernel compiled on call");
    } catch (const std::invalid_argument& e) {
      CHECK(std::string(e.what()).find("float") != std::string::npos);
    }
    CHECK(k.stats().specializations == 0);
    k.compile<float, float, float>();
    k(out, a, b);
    CHECK(out == std::vector<float>{3, 8});
    std::vector<double> d(2);
    CHECK_THROWS_AS(k(d, a, b), std::invalid_argument);
    CHECK_THROWS_WITH(k(out, a, 2.0), Catch::Contains("double scalar"));
  }
  SECTION("eager signatures, scalars and reductions") {
    auto scale = jit::vectorize([](auto x, auto m) { return x * m; },
                                jit::options{.cache = false, .strict = true},
                                jit::eager<jit::types<float, float, jit::scalar<float>>>);
    CHECK(scale.stats().specializations == 1);
    scale(out, a, 2.0f);
    CHECK(out == std::vector<float>{2, 4});
    auto dot = jit::reduce(jit::sum, [](auto x, auto y) { return x * y; },
                           jit::options{.cache = false, .strict = true},
                           jit::eager<jit::types<float, float>>);
    CHECK(dot(a, b) == 11.0f);
    CHECK_THROWS_AS(dot(a, 2.0f), std::invalid_argument);
    CHECK(dot.compile<float, jit::scalar<float>>() > 0.0);
    CHECK(dot(a, 2.0f) == 6.0f);
  }
}

TEST_CASE("cache: values captured by jit::frozen are part of the key", "[jit][cache]") {
  temp_dir dir;
  const jit::options opts{.cache = true, .cache_dir = dir.path};
  auto make = [&](float c) {
    return jit::vectorize(jit::frozen([c](auto x) { return x * c; }), opts);
  };
  std::vector<float> a{1, 2, 3}, out(3);
  auto two = make(2.0f);
  two(out, a);
  CHECK(out == std::vector<float>{2, 4, 6});
  CHECK(two.stats().cache_misses == 1);
  auto three = make(3.0f);  // same lambda type, another captured value: another entry
  three(out, a);
  CHECK(out == std::vector<float>{3, 6, 9});
  CHECK(three.stats().cache_hits == 0);
  CHECK(three.stats().cache_misses == 1);
  auto two_again = make(2.0f);  // the same value: the same key
  two_again(out, a);
  CHECK(out == std::vector<float>{2, 4, 6});
  CHECK(two_again.stats().cache_hits == 1);
  CHECK(jit::cache::info(dir.path).entries == 2);
}
