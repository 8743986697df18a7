// Tests of arena_executor and thread_executor: submit, map, nested waiting, shutdown, bad input.
#include <parjit/parallel/algorithm.hpp>
#include <parjit/parallel/executor.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <latch>
#include <mutex>
#include <numeric>
#include <ranges>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {
// A single-pass, endless input range that counts how many items were pulled from it.
class counting_generator {
 public:
  explicit counting_generator(std::atomic<long>& pulled) : pulled_(&pulled) {}
  class iterator {
   public:
    using value_type = long;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    explicit iterator(counting_generator* g) : g_(g) {}
    long operator*() const { return g_->current_; }
    iterator& operator++() {
      ++g_->current_;
      ++*g_->pulled_;
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator&, std::unreachable_sentinel_t) { return false; }

   private:
    counting_generator* g_ = nullptr;
  };
  iterator begin() { return iterator(this); }
  std::unreachable_sentinel_t end() const { return {}; }

 private:
  std::atomic<long>* pulled_;
  long current_ = 0;
};
static_assert(std::ranges::input_range<counting_generator>);
static_assert(!std::ranges::forward_range<counting_generator>);

using elapsed = std::chrono::duration<double>;
auto now() { return std::chrono::steady_clock::now(); }
}  // namespace

TEST_CASE("executor: map keeps input order", "[parallel][executor]") {
  parjit::arena_executor pool{2};
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{1'000'000}}) {
    DYNAMIC_SECTION("n = " << n) {
      std::vector<std::uint32_t> in(n);
      std::iota(in.begin(), in.end(), 0u);
      std::size_t i = 0;
      bool ordered = true;
      for (std::uint64_t r : pool.map([](std::uint32_t x) { return std::uint64_t{x} * 3; }, in)) {
        ordered = ordered && r == std::uint64_t{in[i]} * 3;
        ++i;
      }
      REQUIRE(ordered);
      REQUIRE(i == n);
    }
  }
}

TEST_CASE("executor: map rethrows at the failing item, after delivering the ones before",
          "[parallel][executor]") {
  parjit::arena_executor pool{2};
  std::vector<int> in(100);
  std::iota(in.begin(), in.end(), 0);
  constexpr int k = 37;
  std::vector<int> seen;
  auto fn = [](int x) {
    if (x == k) throw std::domain_error("bad item 37");
    return x;
  };
  REQUIRE_THROWS_MATCHES(
      [&] {
        for (int r : pool.map(fn, in)) seen.push_back(r);
      }(),
      std::domain_error, Catch::Message("bad item 37"));
  REQUIRE(seen.size() == k);
  for (int i = 0; i < k; ++i) REQUIRE(seen[static_cast<std::size_t>(i)] == i);
}

TEST_CASE("executor: map over an endless generator stops promptly after break, with a bounded "
          "window",
          "[parallel][executor]") {
  parjit::arena_executor pool{2};
  std::atomic<long> pulled{0};
  std::atomic<int> running{0}, max_running{0};
  counting_generator gen(pulled);
  const std::size_t window = 8;
  long consumed = 0;
  std::size_t max_in_flight = 0;
  const auto t0 = now();
  {
    auto results = pool.map(
        [&](long x) {
          const int r = ++running;
          int m = max_running;
          while (r > m && !max_running.compare_exchange_weak(m, r)) {
          }
          --running;
          return x * 2;
        },
        gen, parjit::map_options{.window = window});
    for (long r : results) {
      REQUIRE(r == 2 * consumed);
      ++consumed;
      // items pulled but not yet consumed never exceed the window
      max_in_flight = std::max(max_in_flight, static_cast<std::size_t>(pulled - consumed + 1));
      if (consumed == 100) break;
    }
  }
  REQUIRE(consumed == 100);
  REQUIRE(max_in_flight <= window);
  REQUIRE(pulled <= 100 + static_cast<long>(window));
  REQUIRE(elapsed(now() - t0).count() < 5.0);
  REQUIRE(max_running <= 2);
}

TEST_CASE("executor: map over iota and a moved-in container", "[parallel][executor]") {
  parjit::thread_executor pool{3};
  long sum = 0;
  for (long r : pool.map([](int x) { return long{x} * x; }, std::views::iota(0, 1000))) sum += r;
  REQUIRE(sum == 332833500L);
  std::string joined;
  for (auto& s : pool.map([](const std::string& x) { return x + "!"; },
                          std::vector<std::string>{"a", "b", "c"}))
    joined += s;
  REQUIRE(joined == "a!b!c!");
}

TEST_CASE("executor: waiting inside a task of a one-slot arena never deadlocks",
          "[parallel][executor]") {
  parjit::arena_executor pool{1};
  SECTION("one level") {
    auto outer = pool.submit([&] { return pool.submit([] { return 41; }).get() + 1; });
    REQUIRE(outer.get() == 42);
  }
  SECTION("three levels") {
    auto outer = pool.submit([&] {
      return pool
                 .submit([&] { return pool.submit([] { return 1; }).get() + 1; })
                 .get() +
             1;
    });
    REQUIRE(outer.get() == 3);
  }
  SECTION("10,000 tasks that each wait on a task they submit") {
    std::vector<parjit::future<int>> outers;
    outers.reserve(10'000);
    for (int i = 0; i < 10'000; ++i)
      outers.push_back(pool.submit([&pool, i] { return pool.submit([i] { return i; }).get(); }));
    long sum = 0;
    for (auto& f : outers) sum += f.get();
    REQUIRE(sum == 10'000L * 9'999 / 2);
  }
  SECTION("parallel_map called from inside a task") {
    auto outer = pool.submit([&] {
      std::vector<int> in(1000);
      std::iota(in.begin(), in.end(), 0);
      auto out = parjit::parallel_map(pool, in, [&](int x) { return x * 2; });
      return std::accumulate(out.begin(), out.end(), 0L);
    });
    REQUIRE(outer.get() == 999'000L);
  }
  SECTION("a continuation awaited inside a task") {
    auto outer = pool.submit([&] {
      auto first = pool.submit([] { return 2; });
      return first.then([](int x) { return x * 10; }).get();
    });
    REQUIRE(outer.get() == 20);
  }
}

TEST_CASE("executor: thread_executor waits inside its tasks without deadlock",
          "[parallel][executor]") {
  parjit::thread_executor pool{1};
  auto outer = pool.submit([&] { return pool.submit([] { return 5; }).get(); });
  REQUIRE(outer.get() == 5);
}

TEST_CASE("executor: shutdown(true, true) drops pending work and stops running tasks",
          "[parallel][executor]") {
  parjit::arena_executor pool{1};
  std::latch started{1};
  std::atomic<bool> saw_stop{false};
  auto running = pool.submit([&](std::stop_token st) {
    started.count_down();
    const auto until = now() + 10s;
    while (!st.stop_requested() && now() < until) std::this_thread::sleep_for(1ms);
    saw_stop = st.stop_requested();
    return 1;
  });
  started.wait();
  std::vector<parjit::future<int>> pending;
  for (int i = 0; i < 50; ++i) pending.push_back(pool.submit([i] { return i; }));
  const auto t0 = now();
  pool.shutdown(true, true);
  REQUIRE(elapsed(now() - t0).count() < 5.0);
  REQUIRE(saw_stop);
  REQUIRE(running.get() == 1);
  for (auto& f : pending) {
    REQUIRE(f.done());
    REQUIRE_THROWS_AS(f.get(), parjit::cancelled_error);
  }
}

TEST_CASE("executor: submit after shutdown is a logic_error; shutdown is idempotent",
          "[parallel][executor]") {
  parjit::thread_executor pool{2};
  pool.shutdown(false, false);
  pool.shutdown(true, false);
  pool.shutdown(true, true);
  REQUIRE_THROWS_AS(pool.submit([] { return 1; }), std::logic_error);
  parjit::arena_executor arena{1};
  arena.shutdown();
  REQUIRE_THROWS_WITH(arena.submit([] {}), Catch::Contains("shut down"));
}

TEST_CASE("executor: shutdown(false, false) returns at once and queued work still runs",
          "[parallel][executor]") {
  std::vector<parjit::future<int>> fs;
  std::latch go{1};
  {
    parjit::arena_executor pool{1};
    fs.push_back(pool.submit([&] {
      go.wait();
      return 0;
    }));
    for (int i = 1; i < 20; ++i) fs.push_back(pool.submit([i] { return i; }));
    const auto t0 = now();
    pool.shutdown(false, false);
    REQUIRE(elapsed(now() - t0).count() < 1.0);
    go.count_down();
  }  // the destructor waits
  for (int i = 0; i < 20; ++i) REQUIRE(fs[static_cast<std::size_t>(i)].get() == i);
}

TEST_CASE("executor: destroying an executor with pending work waits and loses nothing",
          "[parallel][executor]") {
  std::vector<parjit::future<int>> fs;
  std::atomic<int> ran{0};
  {
    parjit::thread_executor pool{2};
    for (int i = 0; i < 200; ++i)
      fs.push_back(pool.submit([&ran, i] {
        std::this_thread::sleep_for(100us);
        ++ran;
        return i;
      }));
  }
  REQUIRE(ran == 200);
  for (int i = 0; i < 200; ++i) {
    REQUIRE(fs[static_cast<std::size_t>(i)].done());
    REQUIRE(fs[static_cast<std::size_t>(i)].get() == i);
  }
  // A continuation of a future whose executor is gone runs in the calling thread.
  REQUIRE(fs[3].then([](int x) { return x + 1; }).get() == 4);
}

TEST_CASE("executor: thread_executor overlaps blocking calls", "[parallel][executor]") {
  // Each of 64 tasks blocks until all 64 have started: that can only finish if 64 run at once.
  // No clock in the check: a worker that serialised them leaves the first waiting until its
  // (generous) limit, and it reports so.
  constexpr int n = 64;
  parjit::thread_executor io{n};
  std::mutex m;
  std::condition_variable cv;
  int started = 0;
  std::vector<parjit::future<bool>> fs;
  for (int i = 0; i < n; ++i)
    fs.push_back(io.submit([&] {
      std::unique_lock lk(m);
      if (++started == n) cv.notify_all();
      return cv.wait_for(lk, 60s, [&] { return started == n; });
    }));
  int all_met = 0;
  for (auto& f : fs) all_met += f.get() ? 1 : 0;
  REQUIRE(all_met == n);
}

TEST_CASE("executor: bad input gets a clear exception", "[parallel][executor]") {
  REQUIRE_THROWS_AS(parjit::arena_executor{0}, std::invalid_argument);
  REQUIRE_THROWS_AS(parjit::thread_executor{-3}, std::invalid_argument);
  parjit::arena_executor pool{1};
  int (*null_fn)(int) = nullptr;
  REQUIRE_THROWS_AS(pool.submit(null_fn, 1), std::invalid_argument);
  std::function<int()> empty;
  REQUIRE_THROWS_AS(pool.submit(empty), std::invalid_argument);
  std::vector<int> in{1, 2};
  REQUIRE_THROWS_AS(pool.map(null_fn, in), std::invalid_argument);
}

TEST_CASE("executor: default_executor spans all cores", "[parallel][executor]") {
  REQUIRE(parjit::default_executor().workers() ==
          static_cast<std::size_t>(tbb::info::default_concurrency()));
  REQUIRE(parjit::default_executor().submit([] { return 3; }).get() == 3);
}

TEST_CASE("executor: shutdown(wait) from one of its own tasks is refused, not a deadlock",
          "[parallel][executor]") {
  parjit::arena_executor pool{1};
  auto f = pool.submit([&] { pool.shutdown(true, false); });
  REQUIRE_THROWS_AS(f.get(), std::logic_error);
  auto g = pool.submit([&] { pool.shutdown(false, false); });
  REQUIRE_NOTHROW(g.get());
}

TEST_CASE("executor: a callable returning a reference gives a future of a value",
          "[parallel][executor]") {
  parjit::arena_executor pool{1};
  std::string s = "kept";
  auto f = pool.submit([&]() -> const std::string& { return s; });
  static_assert(std::is_same_v<decltype(f), parjit::future<std::string>>);
  f.wait();
  s = "changed later";
  REQUIRE(f.get() == "kept");
}

TEST_CASE("executor: tasks start in submission order on one worker", "[parallel][executor]") {
  parjit::arena_executor pool{1};
  std::mutex m;
  std::vector<int> order;
  std::vector<parjit::future<void>> fs;
  for (int i = 0; i < 200; ++i)
    fs.push_back(pool.submit([&, i] {
      std::lock_guard lk(m);
      order.push_back(i);
    }));
  for (auto& f : fs) f.get();
  std::vector<int> expected(200);
  std::iota(expected.begin(), expected.end(), 0);
  REQUIRE(order == expected);
}

TEST_CASE("executor: map's refusal after shutdown names map, at the call and while iterating",
          "[parallel][executor]") {
  parjit::thread_executor pool{2};
  std::vector<int> in(10, 1);
  auto id = [](int x) { return x; };
  auto r = pool.map(id, in, {.window = 2});
  auto it = r.begin();
  REQUIRE(*it == 1);
  pool.shutdown(false, false);
  REQUIRE_THROWS_MATCHES(++it, std::logic_error,
                         Catch::Message("parjit: map() on an executor that has been shut down"));
  REQUIRE_THROWS_WITH(pool.map(id, in), Catch::Contains("map()"));
}
