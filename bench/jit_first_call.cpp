// parjit's first call as a fresh process pays it (the twin of kernels.py's numba first call):
// process start -> first kernel result, session start-up and LLVM's load included, on-disk cache
// off. Not Google Benchmark: the unit is a process, spawned and timed from outside.
//
// usage: jit_first_call [--reps N] [--kernels K1_hypot,K4_dot,...] [--out FILE.json]
//        jit_first_call child <kernel>    (the measured program: one kernel, one call, exit)
//
// Per kernel: one untimed process first (the page cache warm, as numba's is after its import),
// then N timed ones. Each reports three figures on CLOCK_MONOTONIC (steady_clock, shared by
// parent and child): start_to_result (posix_spawn called -> the first result is back in the
// child), main_to_result (main() entered -> first result: the part parjit's own code costs) and
// process (spawn -> exit, the teardown too). Exits 1 when a child fails or reports a cache hit.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <parjit/jit.hpp>

#include "jit_kernels.hpp"

extern char** environ;
namespace jit = parjit::jit;

namespace {

const char* const kernel_names[] = {"K1_hypot", "K2_poly", "K3_expsin",
                                    "K4_dot",   "K5_select", "K6_grey"};

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The measured program. Same data as jit_compile (n = 1000, seeded); prints one line:
// "<main ns> <result ns> <compile ms> <cache hits>".
int child(const std::string& kernel) {
  const std::int64_t t_main = now_ns();
  constexpr std::size_t n = 1000;
  std::vector<float> a(n), b(n), out(n);
  std::vector<std::uint8_t> r(n), g(n), bl(n);
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (auto& x : a) x = u(rng);
  for (auto& x : b) x = u(rng);
  std::uniform_int_distribution<int> byte(0, 255);
  for (auto* v : {&r, &g, &bl}) {
    for (auto& x : *v) x = static_cast<std::uint8_t>(byte(rng));
  }
  using namespace parjit_bench;
  jit::stats st;
  std::int64_t t_result = 0;
  volatile float sink = 0;
  // The timestamp is taken as soon as the result is back, before the kernel is destroyed.
  auto map = [&](const auto& k, const auto&... in) {
    k(out, in...);
    sink = out[0];
    t_result = now_ns();
    st = k.stats();
  };
  auto reduce = [&](const auto& k, const auto&... in) {
    sink = k(in...);
    t_result = now_ns();
    st = k.stats();
  };
  if (kernel == "K1_hypot") map(jit::vectorize(k1), a, b);
  else if (kernel == "K2_poly") map(jit::vectorize(k2), a);
  else if (kernel == "K3_expsin") map(jit::vectorize(k3), a, b);
  else if (kernel == "K4_dot") reduce(jit::reduce(jit::sum, k4), a, b);
  else if (kernel == "K5_select") map(jit::vectorize(k5), a, b);
  else if (kernel == "K6_grey") map(jit::vectorize(k6), r, g, bl);
  else {
    std::fprintf(stderr, "jit_first_call: unknown kernel %s\n", kernel.c_str());
    return 2;
  }
  (void)sink;
  std::printf("%lld %lld %.3f %zu\n", static_cast<long long>(t_main),
              static_cast<long long>(t_result), st.compile_ms, st.cache_hits);
  return 0;
}

struct sample {
  double start_to_result_s, main_to_result_s, process_s, compile_ms;
};

// Spawns `self child <kernel>` with the cache off (PARJIT_CACHE=0, the kill switch); false, with
// the reason in `why`, on any failure.
bool spawn_child(const std::string& self, const std::string& kernel, const std::string& out_file,
                 sample& s, std::string& why) {
  std::vector<std::string> envs = {"PARJIT_CACHE=0"};
  for (char** e = environ; *e; ++e) {
    if (std::strncmp(*e, "PARJIT_CACHE=", 13) != 0) envs.emplace_back(*e);
  }
  std::vector<std::string> argv = {self, "child", kernel};
  std::vector<char*> a, en;
  for (auto& x : argv) a.push_back(x.data());
  a.push_back(nullptr);
  for (auto& x : envs) en.push_back(x.data());
  en.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  const std::int64_t t_spawn = now_ns();
  const int rc = posix_spawn(&pid, a[0], &fa, nullptr, a.data(), en.data());
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    why = std::string("posix_spawn: ") + std::strerror(rc);
    return false;
  }
  int status = 0;
  waitpid(pid, &status, 0);
  const std::int64_t t_exit = now_ns();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    why = "child exited with status " + std::to_string(status);
    return false;
  }
  std::ifstream in(out_file);
  long long t_main = 0, t_result = 0;
  std::size_t hits = 0;
  if (!(in >> t_main >> t_result >> s.compile_ms >> hits)) {
    why = "child printed no timings";
    return false;
  }
  if (hits != 0 || s.compile_ms <= 0) {
    why = "the kernel was not compiled in the child (cache hit): the figure would not be a first call";
    return false;
  }
  s.start_to_result_s = static_cast<double>(t_result - t_spawn) * 1e-9;
  s.main_to_result_s = static_cast<double>(t_result - t_main) * 1e-9;
  s.process_s = static_cast<double>(t_exit - t_spawn) * 1e-9;
  return true;
}

std::string json_list(const std::vector<sample>& v, double sample::*m) {
  std::ostringstream o;
  o.precision(9);
  o << '[';
  for (std::size_t i = 0; i < v.size(); ++i) o << (i ? ", " : "") << v[i].*m;
  return o.str() + ']';
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "child") == 0) return child(argv[2]);
  int reps = 10;
  std::string out_path, kernels_arg;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--reps" && i + 1 < argc) reps = std::max(1, std::atoi(argv[++i]));
    else if (arg == "--kernels" && i + 1 < argc) kernels_arg = argv[++i];
    else if (arg == "--out" && i + 1 < argc) out_path = argv[++i];
    else {
      std::fprintf(stderr, "usage: jit_first_call [--reps N] [--kernels K1_hypot,...] [--out FILE]\n");
      return 2;
    }
  }
  std::vector<std::string> kernels;
  if (kernels_arg.empty()) {
    kernels.assign(std::begin(kernel_names), std::end(kernel_names));
  } else {
    std::stringstream ss(kernels_arg);
    for (std::string k; std::getline(ss, k, ',');) kernels.push_back(k);
  }
  const std::string self = std::filesystem::canonical("/proc/self/exe").string();
  char tmpl[] = "/tmp/parjit-first-call-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  const std::string child_out = dir + "/child.out";

  std::ostringstream json;
  json << "{\"meta\": {\"reps\": " << reps << ", \"n\": 1000, \"cache\": \"off (PARJIT_CACHE=0)\", "
       << "\"what\": \"posix_spawn -> first kernel result in a fresh process\"},\n \"first_call\": [";
  int failures = 0;
  bool first_rec = true;
  for (const auto& k : kernels) {
    std::vector<sample> v;
    std::string why;
    sample s{};
    bool ok = spawn_child(self, k, child_out, s, why);  // untimed: warms the page cache
    for (int i = 0; ok && i < reps; ++i) {
      ok = spawn_child(self, k, child_out, s, why);
      if (ok) v.push_back(s);
    }
    json << (first_rec ? "\n  " : ",\n  ");
    first_rec = false;
    if (!ok) {
      ++failures;
      std::fprintf(stderr, "jit_first_call: %s: %s\n", k.c_str(), why.c_str());
      json << "{\"case\": \"" << k << "\", \"system\": \"parjit\", \"n\": 1000, \"error\": \""
           << why << "\"}";
      continue;
    }
    std::vector<double> st;
    for (const auto& x : v) st.push_back(x.start_to_result_s);
    std::sort(st.begin(), st.end());
    std::fprintf(stderr, "first_call/%s/parjit (fresh process): %.1f ms start -> result (median of %d)\n",
                 k.c_str(), st[st.size() / 2] * 1e3, reps);
    json << "{\"case\": \"" << k << "\", \"system\": \"parjit\", \"n\": 1000, "
         << "\"start_to_result_s\": " << json_list(v, &sample::start_to_result_s)
         << ", \"main_to_result_s\": " << json_list(v, &sample::main_to_result_s)
         << ", \"process_s\": " << json_list(v, &sample::process_s)
         << ", \"compile_ms\": " << json_list(v, &sample::compile_ms) << "}";
  }
  json << "\n ]}\n";
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  if (out_path.empty()) {
    std::fputs(json.str().c_str(), stdout);
  } else {
    std::ofstream(out_path) << json.str();
  }
  return failures == 0 ? 0 : 1;
}
