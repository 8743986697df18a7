// The on-disk kernel cache and ahead-of-time specialisation: hits across fresh processes, no
// stale code, damaged entries, racing writers, an unusable directory, LRU eviction, strict mode.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
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

// Runs the helper program with the cache in `dir`; returns its "name value" lines.
std::map<std::string, std::string> run_helper(const std::string& dir, const std::string& args,
                                              const std::string& out) {
  const std::string cmd = "PARJIT_CACHE=1 PARJIT_CACHE_DIR='" + dir + "' '" PARJIT_CACHE_HELPER
                          "' " + args + " > '" + out + "' 2> '" + out + ".err'";
  REQUIRE(std::system(cmd.c_str()) == 0);
  std::map<std::string, std::string> kv;
  std::istringstream in(read_text(out));
  std::string k, v;
  while (in >> k >> v) kv[k] = v;
  return kv;
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
  const std::string err = read_text(dir.path + "/out.err");
  std::size_t warnings = 0;
  for (std::size_t p = err.find("warning"); p != std::string::npos; p = err.find("warning", p + 1)) {
    ++warnings;
  }
  CHECK(warnings == 1);
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
