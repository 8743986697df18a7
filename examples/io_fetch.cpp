// Many slow "requests" on a thread_executor, consumed as they complete (as_completed), plus a
// hedged request with wait(first_completed, timeout): don't wait for every request to do anything.
//
// A request is simulated by a sleep of a seeded random latency (no network needed); the sleep
// watches a std::stop_token, so a request that is no longer wanted stops early.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <random>
#include <stop_token>
#include <string>
#include <vector>

#include <parjit/parjit.hpp>

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

double ms_since(clock_type::time_point t0) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
}

constexpr std::size_t n_requests = 32;

// Latency of each request: seeded random uniform in [10, 90) ms.
std::vector<std::chrono::milliseconds> make_latencies() {
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<int> dist(10, 89);
  std::vector<std::chrono::milliseconds> out(n_requests);
  for (auto& l : out) l = std::chrono::milliseconds(dist(rng));
  return out;
}

struct response {
  std::size_t id = 0;
  std::uint64_t body = 0;  // a deterministic "payload" derived from the id
  bool complete = false;   // false if the request was stopped before its latency passed
};

// One blocking request: waits `latency` (or until a stop is requested), then answers.
response fetch(std::stop_token stop, std::size_t id, std::chrono::milliseconds latency) {
  std::mutex m;
  std::condition_variable_any cv;
  std::unique_lock lk(m);
  const bool stopped = cv.wait_for(lk, stop, latency, [] { return false; });
  (void)stopped;
  response r;
  r.id = id;
  r.body = (id + 1) * 0x9E3779B97F4A7C15ull;
  r.complete = !stop.stop_requested();
  return r;
}

}  // namespace

int main() {
  const auto latency = make_latencies();
  std::chrono::milliseconds sum{0};
  for (auto l : latency) sum += l;
  std::printf("io_fetch: %zu requests, latencies 10..89 ms (sum %lld ms)\n\n", n_requests,
              static_cast<long long>(sum.count()));

  // --- 1. one request after another ---------------------------------------------------------
  auto t0 = clock_type::now();
  std::vector<std::uint64_t> sequential(n_requests);
  std::stop_source never;
  for (std::size_t i = 0; i < n_requests; ++i)
    sequential[i] = fetch(never.get_token(), i, latency[i]).body;
  const double seq_ms = ms_since(t0);
  std::printf("sequential:   all %zu responses after %7.1f ms\n", n_requests, seq_ms);

  // --- 2. all at once on I/O threads, handled as they complete -------------------------------
  parjit::thread_executor io{static_cast<int>(n_requests)};
  t0 = clock_type::now();
  std::vector<parjit::future<response>> futures;
  for (std::size_t i = 0; i < n_requests; ++i) futures.push_back(io.submit(&fetch, i, latency[i]));
  std::vector<std::uint64_t> concurrent(n_requests);
  double first_ms = -1;
  std::size_t first_id = 0, handled = 0;
  for (auto& f : parjit::as_completed(futures)) {
    const response& r = f.get();
    if (first_ms < 0) {
      first_ms = ms_since(t0);
      first_id = r.id;
    }
    concurrent[r.id] = r.body;  // "process" the response while the others are still in flight
    ++handled;
  }
  const double all_ms = ms_since(t0);
  const auto fastest = std::min_element(latency.begin(), latency.end()) - latency.begin();
  std::printf("as_completed: first response (request %zu) after %7.1f ms, all %zu after %.1f ms\n",
              first_id, first_ms, handled, all_ms);
  std::printf("              %.1fx faster than sequential; the first result came %.1fx sooner "
              "than waiting for all\n\n", seq_ms / all_ms, all_ms / first_ms);

  // --- 3. a hedged request: ask three mirrors, keep the first answer, drop the rest -----------
  const std::vector<std::chrono::milliseconds> mirror_latency{120ms, 35ms, 80ms};
  t0 = clock_type::now();
  std::vector<parjit::future<response>> mirrors;
  for (std::size_t m = 0; m < mirror_latency.size(); ++m)
    mirrors.push_back(io.submit(&fetch, m, mirror_latency[m]));
  auto [done, pending] = parjit::wait(mirrors, parjit::return_when::first_completed, 500ms);
  const double hedge_ms = ms_since(t0);
  for (auto& p : pending) p.cancel();  // running requests get a stop request and end early
  std::size_t winner = done.empty() ? n_requests : done.front().get().id;
  std::printf("hedged:       mirror %zu answered first after %.1f ms; %zu slower mirrors asked "
              "to stop\n", winner, hedge_ms, pending.size());
  for (auto& p : pending) p.wait();
  std::size_t stopped_early = 0;
  for (auto& p : pending) stopped_early += p.get().complete ? 0 : 1;
  std::printf("              %zu of them stopped early\n", stopped_early);

  // A timeout: nothing finishes within 5 ms, so everything is still pending.
  auto slow = io.submit(&fetch, std::size_t{99}, 200ms);
  std::vector<parjit::future<response>> one{slow};
  auto [done2, pending2] = parjit::wait(one, parjit::return_when::first_completed, 5ms);
  std::printf("timeout:      after 5 ms, %zu done, %zu pending\n", done2.size(), pending2.size());
  slow.cancel();

  bool ok = concurrent == sequential && handled == n_requests &&
            first_id == static_cast<std::size_t>(fastest) && winner == 1 && done2.empty() &&
            pending2.size() == 1;
  if (!ok) {
    std::printf("FAIL: results disagree with the sequential run\n");
    return 1;
  }
  std::printf("\nall responses agree with the sequential run\n");
  return 0;
}
