// The MPI layer's tests: one SPMD program run by mpirun on 1, 2 and 3 ranks (plain main, own checks).
#include <parjit/mpi.hpp>
#include <parjit/parjit.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <future>
#include <numeric>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

namespace mpi = parjit::mpi;
using namespace std::chrono_literals;

// A user type shipped through the customisation point.
struct point {
  std::string name;
  std::vector<double> xy;
};
template <>
struct parjit::mpi::serializer<point> {
  static void write(writer& w, const point& p) {
    w.write(p.name);
    w.write(p.xy);
  }
  static point read(reader& r) {
    point p;
    p.name = r.read<std::string>();
    p.xy = r.read<std::vector<double>>();
    return p;
  }
};

struct parse_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

namespace {

int passed = 0, failed = 0;
int my_rank = 0;
// --quick: the volume tests at a twentieth of their size (the ThreadSanitizer runs, ~10x slower).
bool quick = false;

void check(bool ok, const char* what, int line) {
  if (ok) {
    ++passed;
  } else {
    ++failed;
    std::printf("FAILED (rank %d) line %d: %s\n", my_rank, line, what);
    std::fflush(stdout);
  }
}
#define CHECK(cond) check((cond), #cond, __LINE__)

template <class E, class F>
bool throws(F&& f, const std::string& contains = "") {
  try {
    f();
  } catch (const E& e) {
    return std::string(e.what()).find(contains) != std::string::npos;
  } catch (...) {
    return false;
  }
  return false;
}

// Bounds every test in time: a hang is a failure, reported by ctest's TIMEOUT as well.
struct timed {
  std::string name;
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  ~timed() {
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("  %-44s %7.3f s\n", name.c_str(), s);
    std::fflush(stdout);
  }
};

}  // namespace

long square(long x) { return x * x; }
double score(double x) { return std::sqrt(x) * std::sin(x) + std::log1p(x); }
int which_rank(int) {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}
int slow(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return ms;
}
int fail_on(int x) {
  if (x == 37) throw parse_error("bad item 37");
  if (x == 38) throw std::invalid_argument("invalid 38");
  return x + 1;
}
std::vector<char> flip(std::vector<char> v) {
  for (auto& c : v) c = static_cast<char>(~c);
  return v;
}

void test_roundtrips(mpi::executor& ex) {
  timed t{"serialisation round trips"};
  auto s = ex.submit([](std::string a, std::vector<std::string> v) {
    for (auto& x : v) a += x;
    return a;
  }, std::string("a"), std::vector<std::string>{"b", "c", "d"});
  CHECK(s.get() == "abcd");
  auto p = ex.submit([](std::pair<int, std::string> x, std::tuple<double, std::vector<int>> t) {
    return std::make_tuple(x.second, x.first * 2, std::get<0>(t) + std::get<1>(t).size());
  }, std::pair<int, std::string>{21, "x"}, std::tuple<double, std::vector<int>>{0.5, {1, 2, 3}});
  CHECK(p.get() == std::make_tuple(std::string("x"), 42, 3.5));
  auto a = ex.submit([](std::array<std::string, 2> x, std::optional<int> o) {
    return std::array<std::string, 2>{x[1] + std::to_string(o.value_or(-1)), x[0]};
  }, std::array<std::string, 2>{"p", "q"}, std::optional<int>{});
  CHECK((a.get() == std::array<std::string, 2>{"q-1", "p"}));
  auto c = ex.submit([](point q) {
    q.name += "!";
    for (auto& v : q.xy) v *= 2;
    return q;
  }, point{"pt", {1.5, 2.5}});
  CHECK(c.get().name == "pt!" && c.get().xy == (std::vector<double>{3.0, 5.0}));
  auto v = ex.submit([](std::vector<bool> b) { return std::vector<bool>(b.rbegin(), b.rend()); },
                     std::vector<bool>{true, false, false});
  CHECK((v.get() == std::vector<bool>{false, false, true}));
  auto nothing = ex.submit([](int) {}, 1);
  nothing.get();
  CHECK(nothing.done());
  // Empty containers (no memcpy to a null pointer), bools and optionals (checked flag bytes).
  auto e = ex.submit([](std::vector<double> v, std::string s) { return std::make_pair(v, s); },
                     std::vector<double>{}, std::string());
  CHECK(e.get().first.empty() && e.get().second.empty());
  auto b = ex.submit([](bool x, std::optional<int> o) { return std::make_tuple(!x, o, x); }, true,
                     std::optional<int>{7});
  CHECK(b.get() == std::make_tuple(false, std::optional<int>{7}, true));
}

// A function of a shared library lies at another address on each rank: submit refuses it with a
// clear error (or, where the executable holds a stub for it, runs it): never a crashed worker.
void test_library_function(mpi::executor& ex) {
  timed t{"a shared library's function: refused at submit"};
  bool ok = false;
  try {
    ok = ex.submit(&::cos, 0.0).get() == 1.0;
  } catch (const std::invalid_argument& e) {
    ok = std::string(e.what()).find("only functions of the program's own executable") !=
         std::string::npos;
  }
  CHECK(ok);
  CHECK(ex.submit([](double x) { return std::cos(x); }, 0.0).get() == 1.0);
}

// A callback that waits on another future of the executor: completions do not wait for callbacks,
// so this finishes, as it does on one rank.
void test_callback_waits(mpi::executor& ex) {
  timed t{"on_done / then waiting on another MPI future"};
  std::promise<long> got;
  auto done = got.get_future();
  auto f = ex.submit(square, 3L);
  f.on_done([&ex, &got](parjit::future<long>& self) {
    got.set_value(ex.submit(square, self.get()).get());
  });
  CHECK(done.wait_for(std::chrono::seconds(60)) == std::future_status::ready && done.get() == 81);
  auto g = ex.submit(square, 2L).then([&ex](long x) { return ex.submit(square, x).get(); });
  CHECK(g.wait_for(std::chrono::seconds(60)) == std::future_status::ready && g.get() == 16);
}

void test_order(mpi::executor& ex) {
  timed t{"ordering: submit, map, as_completed"};
  std::vector<parjit::future<long>> futs;
  for (long i = 0; i < 500; ++i) futs.push_back(ex.submit(square, i));
  bool in_order = true;
  for (long i = 0; i < 500; ++i) in_order = in_order && futs[static_cast<std::size_t>(i)].get() == i * i;
  CHECK(in_order);

  long i = 0;
  bool map_ok = true;
  for (long r : ex.map(square, std::views::iota(0L, 1000L), {.chunk = 7})) {
    map_ok = map_ok && r == i * i;
    ++i;
  }
  CHECK(map_ok && i == 1000);

  // An endless input, a break: the window bounds what was sent.
  long last = 0;
  for (long r : ex.map(square, std::views::iota(0L), {.chunk = 4, .window = 3})) {
    last = r;
    if (r >= 10000) break;
  }
  CHECK(last == 10000);

  std::vector<parjit::future<int>> slowf;
  for (int ms : {40, 1, 20, 1}) slowf.push_back(ex.submit(slow, ms));
  std::set<int> seen;
  for (auto& f : parjit::as_completed(slowf)) seen.insert(f.get());
  CHECK(seen == (std::set<int>{1, 20, 40}));
  auto [done, pending] = parjit::wait(slowf, parjit::return_when::all_completed);
  CHECK(done.size() == 4 && pending.empty());

  // Futures compose as local ones do; callbacks run on the root's progress thread.
  std::atomic<int> called{0};
  auto f = ex.submit(square, 9L);
  f.on_done([&](parjit::future<long>& self) { called += static_cast<int>(self.get()); });
  auto g = f.then([](long x) { return x + 1; });
  CHECK(g.get() == 82);
  CHECK(called.load() == 81);

  if (ex.worker_ranks() >= 2) {  // dynamic distribution reaches every worker
    std::set<int> ranks;
    for (int r : ex.map(which_rank, std::views::iota(0, 400), {.chunk = 1})) ranks.insert(r);
    CHECK(ranks.size() == ex.worker_ranks());
    CHECK(!ranks.contains(0));
  }
}

void test_exceptions(mpi::executor& ex) {
  timed t{"exceptions travel back; workers survive"};
  CHECK(throws<mpi::remote_error>([&] { ex.submit(fail_on, 37).get(); }, "bad item 37"));
  bool threw = false;  // the checks in the handler must not pass when nothing is thrown
  try {
    ex.submit(fail_on, 37).get();
  } catch (const mpi::remote_error& e) {
    threw = true;
    CHECK(e.type_name() == "parse_error");
    CHECK(e.message() == "bad item 37");
    CHECK(ex.worker_ranks() == 0 ? e.rank() == 0 : e.rank() > 0);
  }
  CHECK(threw);
  CHECK(throws<std::invalid_argument>([&] { ex.submit(fail_on, 38).get(); }, "invalid 38"));
  CHECK(throws<std::out_of_range>(
      [&] { ex.submit([](std::vector<int> v) { return v.at(5); }, std::vector<int>{1}).get(); }));
  // Every worker throws, then all keep serving.
  std::vector<parjit::future<int>> bad;
  for (int k = 0; k < 64; ++k) bad.push_back(ex.submit(fail_on, 37));
  int failures = 0;
  for (auto& f : bad) failures += f.exception() != nullptr;
  CHECK(failures == 64);
  long sum = 0;
  for (long r : ex.map(square, std::views::iota(0L, 200L), {.chunk = 3})) sum += r;
  CHECK(sum == 2646700);

  // map rethrows at the failed item, after yielding the ones before it.
  std::vector<int> got;
  CHECK(throws<mpi::remote_error>([&] {
    for (int r : ex.map(fail_on, std::views::iota(0, 100), {.chunk = 8})) got.push_back(r);
  }));
  CHECK(got.size() == 37 && got.back() == 37);
  // parallel_map: the lowest failing index's exception.
  std::vector<int> items(200);
  std::iota(items.begin(), items.end(), 0);
  CHECK(throws<mpi::remote_error>([&] { parjit::parallel_map(ex, items, fail_on); }, "37"));
}

void test_cancel(mpi::executor& ex) {
  timed t{"cancellation of pending remote work"};
  // Fill every worker's capacity with slow tasks; the rest wait on the root and can be cancelled.
  // The slack of two rounds of completions (2 * workers) lasts 2 * 300 ms: a test thread
  // descheduled that long between the submits and the cancels (a loaded CI machine; 30 ms tasks
  // once made this flaky) would let a third round dispatch a task this test expects to cancel.
  const std::size_t busy = ex.capacity() + 2 * ex.workers();
  constexpr int task_ms = 300;
  std::vector<parjit::future<int>> futs;
  for (std::size_t k = 0; k < busy + 20; ++k) futs.push_back(ex.submit(slow, task_ms));
  int cancelled = 0;
  for (std::size_t k = busy; k < futs.size(); ++k) cancelled += futs[k].cancel();
  CHECK(cancelled == 20);
  int ok = 0, dropped = 0;
  for (auto& f : futs) {
    f.wait();
    if (f.cancelled()) {
      ++dropped;
      CHECK(throws<parjit::cancelled_error>([&] { f.get(); }));
    } else {
      ok += f.get() == task_ms;
    }
  }
  CHECK(dropped == 20 && ok == static_cast<int>(busy));
  // A running task cannot be cancelled.
  auto r = ex.submit(slow, 50);
  while (!r.running() && !r.done()) std::this_thread::yield();
  CHECK(!r.cancel());
  CHECK(r.get() == 50);
}

void test_volume(mpi::executor& ex) {
  const long n = quick ? 5000 : 100000;
  const long want = (n - 1) * n * (2 * n - 1) / 6;  // sum of i*i for i < n
  {
    timed t{std::to_string(n) + " tiny tasks: map, chunk 256"};
    long sum = 0;
    for (long r : ex.map(square, std::views::iota(0L, n), {.chunk = 256})) sum += r;
    CHECK(sum == want);
  }
  {
    timed t{std::to_string(n) + " tiny tasks: submit + get"};
    long sum = 0;
    std::vector<parjit::future<long>> batch;
    for (long b = 0; b < n; b += 1000) {
      batch.clear();
      for (long i = b; i < b + 1000; ++i) batch.push_back(ex.submit(square, i));
      for (auto& f : batch) sum += f.get();
    }
    CHECK(sum == want);
  }
  {
    const int tasks = quick ? 16 : 64;
    const std::size_t bytes = quick ? std::size_t{1} << 16 : std::size_t{1} << 20;
    timed t{std::to_string(tasks) + " tasks, " + std::to_string(bytes >> 10) +
            " KiB payloads both ways"};
    std::vector<parjit::future<std::vector<char>>> futs;
    for (int k = 0; k < tasks; ++k) {
      std::vector<char> v(bytes);
      for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<char>((i * 31 + static_cast<std::size_t>(k)) & 0xff);
      futs.push_back(ex.submit(flip, std::move(v)));
    }
    bool ok = true;
    for (int k = 0; k < tasks; ++k) {
      const auto& v = futs[static_cast<std::size_t>(k)].get();
      ok = ok && v.size() == bytes;
      for (std::size_t i = 0; ok && i < v.size(); i += 4099)
        ok = static_cast<char>(~v[i]) == static_cast<char>((i * 31 + static_cast<std::size_t>(k)) & 0xff);
    }
    CHECK(ok);
  }
}

// Several threads of the root use one executor at once (documented: every member may be called
// from any thread): each submits, attaches callbacks, cancels some, maps and reads the executor's
// state. Under ThreadSanitizer this is what checks the root's registry look-ups (a lambda type's
// first submit from four threads at once), the hand-off of submissions to the progress thread and
// of completions to the completer threads, the futures shared between them, and the registry
// growing meanwhile. The threads only count; the checks run on the main thread.
void test_threads(mpi::executor& ex) {
  timed t{"4 threads submit, cancel, map; 1 registers"};
  constexpr int threads = 4;
  const long n = quick ? 100 : 400;
  std::atomic<long> callbacks{0}, values{0}, cancelled{0}, wrong{0}, map_sums{0};
  std::vector<std::thread> ts;
  for (int k = 0; k < threads; ++k)
    ts.emplace_back([&, k] {
      try {
        std::vector<parjit::future<long>> futs;
        for (long i = 0; i < n; ++i) {
          futs.push_back(ex.submit(square, i + k));
          futs.back().on_done([&](parjit::future<long>&) { ++callbacks; });
        }
        // One lambda type whose first submit happens on every thread at once.
        auto pair = ex.submit([](int a, int b) { return a * 1000 + b; }, k, 7);
        for (long i = 0; i < n; i += 7) cancelled += futs[static_cast<std::size_t>(i)].cancel();
        if (ex.closed() || ex.capacity() == 0) ++wrong;
        long sum = 0;
        for (long r : ex.map(square, std::views::iota(0L, n), {.chunk = 5})) sum += r;
        map_sums += sum;
        for (long i = 0; i < n; ++i) {
          auto& f = futs[static_cast<std::size_t>(i)];
          f.wait();
          if (f.cancelled()) continue;
          if (f.get() == (i + k) * (i + k)) ++values; else ++wrong;
        }
        if (pair.get() != k * 1000 + 7) ++wrong;
      } catch (...) {
        ++wrong;
      }
    });
  // Meanwhile another thread registers callables, as loading a shared library with dlopen does
  // (its static initialisers run on the loading thread while the others look types up).
  ts.emplace_back([&] {
    auto& registry = mpi::detail::registry::instance();
    const mpi::detail::trampoline run = &mpi::detail::call_invoker<long (*)(long), long>::run;
    for (int i = 0; i < 200; ++i) {
      const std::string name = "test_mpi plugin callable " + std::to_string(i);
      const std::uint64_t key = mpi::detail::fnv1a(name.c_str());
      if (registry.add(key, run) != key || registry.find(key) != run) ++wrong;
    }
  });
  for (auto& th : ts) th.join();
  CHECK(wrong.load() == 0);
  CHECK(values.load() + cancelled.load() == threads * n);
  CHECK(callbacks.load() == threads * n);  // once per future, cancelled ones included
  CHECK(map_sums.load() == threads * ((n - 1) * n * (2 * n - 1) / 6));
}

void test_same_as_local(mpi::executor& ex) {
  timed t{"results identical to a local executor"};
  std::vector<double> xs(5000);
  std::uint64_t s = 42;
  for (auto& x : xs) {  // seeded uniform
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    x = static_cast<double>(s >> 11) * 0x1p-53 * 100.0;
  }
  parjit::arena_executor pool{2};
  const auto local = parjit::parallel_map(pool, xs, score);
  const auto remote = parjit::parallel_map(ex, xs, score, {.grain = 16, .progress = {}});
  CHECK(local == remote);
  std::vector<double> mapped;
  for (double r : ex.map(score, xs, {.chunk = 64})) mapped.push_back(r);
  CHECK(mapped == local);
  const double lsum = std::accumulate(local.begin(), local.end(), 0.0);
  CHECK(parjit::map_reduce(ex, xs, score, std::plus<>{}, 0.0) == lsum);
  std::atomic<std::size_t> last{0};
  parjit::parallel_for_each(ex, xs, [](double) {},
                            {.grain = 100, .progress = [&](std::size_t d, std::size_t) { last = d; }});
  CHECK(last.load() == xs.size());
  CHECK(throws<std::invalid_argument>([&] { parjit::parallel_map(ex, xs, score, {.grain = 0, .progress = {}}); }));
  CHECK(parjit::parallel_map(ex, std::vector<double>{}, score).empty());
}

void test_shutdown(mpi::executor& ex) {
  timed t{"shutdown(wait, cancel_pending) does not hang"};
  std::vector<parjit::future<int>> futs;
  // 200 ms tasks: at most two rounds of completions (2 * workers more dispatches) before the
  // shutdown, unless this thread stalls for 400 ms (as test_cancel's margin)
  for (std::size_t k = 0; k < ex.capacity() + 30; ++k) futs.push_back(ex.submit(slow, 200));
  ex.shutdown(true, true);
  int finished = 0, cancelled = 0;
  for (auto& f : futs) {
    CHECK(f.done());
    if (f.cancelled()) {
      ++cancelled;
    } else {
      finished += f.get() == 200;
    }
  }
  CHECK(cancelled >= 30 - static_cast<int>(2 * ex.workers()) && finished + cancelled == static_cast<int>(futs.size()));
  CHECK(throws<std::logic_error>([&] { ex.submit(square, 1L); }, "shut down"));
  ex.shutdown();  // idempotent
}

// shutdown() while three other threads submit: each submit is either accepted (and finished when
// shutdown(wait) returns) or refused with std::logic_error, never lost or hung.
void test_shutdown_while_submitting(mpi::executor& ex) {
  timed t{"shutdown while 3 threads submit"};
  constexpr int threads = 3;
  std::atomic<long> accepted{0}, refused{0}, wrong{0};
  std::vector<std::vector<std::pair<long, parjit::future<long>>>> futs(threads);
  std::vector<std::thread> ts;
  for (int k = 0; k < threads; ++k)
    ts.emplace_back([&, k] {
      for (long i = 0; i < 20000; ++i) {  // bounded: shutdown comes long before
        try {
          futs[static_cast<std::size_t>(k)].emplace_back(i, ex.submit(square, i));
          ++accepted;
        } catch (const std::logic_error&) {
          ++refused;
          return;
        } catch (...) {
          ++wrong;
          return;
        }
      }
    });
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (accepted.load() < 60 && std::chrono::steady_clock::now() < until)
    std::this_thread::yield();
  ex.shutdown(true, false);
  const bool closed = ex.closed();
  for (auto& th : ts) th.join();
  long finished = 0;
  for (auto& v : futs)
    for (auto& [i, f] : v) finished += f.done() && f.get() == i * i;
  CHECK(closed);
  CHECK(wrong.load() == 0);
  CHECK(accepted.load() >= 60 && refused.load() == threads);
  CHECK(finished == accepted.load());
}

int main(int argc, char** argv) {
  mpi::environment env(argc, argv);
  my_rank = env.rank();
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--quick") quick = true;
    if (std::string(argv[i]) == "--piece-bytes" && i + 1 < argc)  // larger messages go in pieces
      parjit::mpi::detail::piece_bytes = static_cast<std::size_t>(std::stoul(argv[i + 1]));
  }
  {
    mpi::executor ex;
    if (ex.is_root()) {
      std::printf("parjit mpi tests: %d rank(s), %zu worker rank(s), %zu worker threads\n",
                  ex.size(), ex.worker_ranks(), ex.workers());
      test_roundtrips(ex);
      test_library_function(ex);
      test_callback_waits(ex);
      test_order(ex);
      test_exceptions(ex);
      test_cancel(ex);
      test_volume(ex);
      test_same_as_local(ex);
      test_threads(ex);
    } else {
      CHECK(throws<std::logic_error>([&] { ex.submit(square, 1L); }, "worker rank"));
    }
  }
  {
    // A second executor on the same ranks, one thread each; shut down explicitly.
    mpi::executor ex({.threads = 1});
    if (ex.is_root()) test_shutdown(ex);
  }
  {
    mpi::executor ex({.threads = 1});
    if (ex.is_root()) test_shutdown_while_submitting(ex);
  }
  int totals[2] = {passed, failed}, sums[2] = {0, 0};
  MPI_Reduce(totals, sums, 2, MPI_INT, MPI_SUM, 0, MPI_COMM_WORLD);
  if (env.rank() == 0) std::printf("%d passed, %d failed\n", sums[0], sums[1]);
  int any_failed = 0;
  MPI_Allreduce(&failed, &any_failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return any_failed ? 1 : 0;
}
