// The on-disk kernel cache, measured as a user sees it: whole processes (start + 5 kernels +
// their first calls), spawned and timed end to end, with no cache, with a warm cache, and
// numba's @njit(cache=True) second process the same way. Not Google Benchmark: the unit is a
// process. Usage: jit_cache [reps] (default 15); `jit_cache child` is the measured program.
#include <parjit/jit.hpp>

#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

extern char** environ;
namespace jit = parjit::jit;

namespace {

// The measured program: five kernels, one first call each (n = 1000); prints per-kernel
// trace + load/compile ms and whether it was a hit.
int child() {
  std::vector<float> a(1000, 1.5f), b(1000, 2.5f), out(1000);
  auto k1 = jit::vectorize([](auto x, auto y) { return jit::sqrt(x * x + y * y); });
  auto k2 = jit::vectorize([](auto x) { return jit::exp(-x * x); });
  auto k3 = jit::vectorize([](auto x, auto m, auto s) { return (x - m) / s; });
  auto k4 = jit::vectorize([](auto x, auto y) { return jit::select(x < y, x, y) * 0.5f; });
  auto k5 = jit::reduce<double>(jit::sum, [](auto x, auto y) { return x * y; });
  k1(out, a, b);
  k2(out, a);
  k3(out, a, 0.5f, 0.25f);
  k4(out, a, b);
  volatile double s = k5(a, b);
  (void)s;
  for (const jit::stats& st : {k1.stats(), k2.stats(), k3.stats(), k4.stats(), k5.stats()}) {
    std::printf("%s %.3f\n", st.cache_hits ? "hit" : "compiled",
                st.cache_hits ? st.load_ms : st.compile_ms);
  }
  return 0;
}

// Runs argv with `env` added to the environment; returns the wall milliseconds.
double spawn_ms(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                const std::string& out) {
  std::vector<std::string> envs = env;
  for (char** e = environ; *e; ++e) envs.emplace_back(*e);
  std::vector<char*> a, en;
  for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
  a.push_back(nullptr);
  for (auto& s : envs) en.push_back(s.data());
  en.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  const auto t0 = std::chrono::steady_clock::now();
  pid_t pid = 0;
  if (posix_spawn(&pid, a[0], &fa, nullptr, a.data(), en.data()) != 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  posix_spawn_file_actions_destroy(&fa);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? ms : -1;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

const char* numba_script = R"(import numpy as np
from numba import njit
@njit(cache=True)
def k1(o, a, b):
    for i in range(a.size): o[i] = np.sqrt(a[i]*a[i] + b[i]*b[i])
@njit(cache=True)
def k2(o, a):
    for i in range(a.size): o[i] = np.exp(-a[i]*a[i])
@njit(cache=True)
def k3(o, a, m, s):
    for i in range(a.size): o[i] = (a[i] - m) / s
@njit(cache=True)
def k4(o, a, b):
    for i in range(a.size): o[i] = (a[i] if a[i] < b[i] else b[i]) * np.float32(0.5)
@njit(cache=True)
def k5(a, b):
    s = 0.0
    for i in range(a.size): s += a[i] * b[i]
    return s
a = np.full(1000, 1.5, np.float32); b = np.full(1000, 2.5, np.float32); o = np.empty_like(a)
k1(o, a, b); k2(o, a); k3(o, a, np.float32(0.5), np.float32(0.25)); k4(o, a, b); k5(a, b)
)";

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "child") == 0) return child();
  const int reps = argc > 1 ? std::max(1, std::atoi(argv[1])) : 15;
  char tmpl[] = "/tmp/parjit-cache-bench-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  const std::string self = std::filesystem::canonical("/proc/self/exe").string();
  const std::string out = dir + "/child.out";
  const std::string cache = "PARJIT_CACHE_DIR=" + dir + "/parjit";

  auto series = [&](const std::vector<std::string>& cmd, const std::vector<std::string>& env,
                    bool warm_up) {
    if (warm_up) spawn_ms(cmd, env, out);
    std::vector<double> v;
    for (int i = 0; i < reps; ++i) v.push_back(spawn_ms(cmd, env, out));
    return v;
  };
  const auto cold = series({self, "child"}, {"PARJIT_CACHE=0"}, false);
  std::string cold_kernels = [&] { std::ifstream in(out); return std::string(std::istreambuf_iterator<char>(in), {}); }();
  const auto warm = series({self, "child"}, {"PARJIT_CACHE=1", cache}, true);
  std::string warm_kernels = [&] { std::ifstream in(out); return std::string(std::istreambuf_iterator<char>(in), {}); }();

  std::printf("process = spawn + start + 5 kernels + first calls (n = 1000), median of %d\n", reps);
  std::printf("%-42s %10.1f ms\n", "parjit, no cache (PARJIT_CACHE=0)", median(cold));
  std::printf("%-42s %10.1f ms\n", "parjit, warm on-disk cache", median(warm));
  std::printf("per kernel in the last cold process (trace + optimise + codegen ms):\n%s", cold_kernels.c_str());
  std::printf("per kernel in the last warm process (trace + load ms):\n%s", warm_kernels.c_str());

  const std::string py = "/usr/bin/python3";
  if (::access(py.c_str(), X_OK) == 0) {
    const std::string script = dir + "/numba_kernels.py";
    std::ofstream(script) << numba_script;
    const std::string nenv = "NUMBA_CACHE_DIR=" + dir + "/numba";
    const auto nb_cold = series({py, script}, {nenv}, false);  // first is the real cold run
    const auto nb_warm = series({py, script}, {nenv}, true);
    const auto imp = series({py, "-c", "import numpy, numba"}, {}, true);
    std::printf("%-42s %10.1f ms (first process, empty cache: %.1f ms)\n",
                "numba @njit(cache=True), second process", median(nb_warm), nb_cold.front());
    std::printf("%-42s %10.1f ms\n", "  of which python3 + import numpy, numba", median(imp));
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}
