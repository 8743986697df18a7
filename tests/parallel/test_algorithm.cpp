// Tests of parallel_map, parallel_for_each and map_reduce: order, failures, progress, bad input.
#include <parjit/parallel/algorithm.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <forward_list>
#include <functional>
#include <latch>
#include <mutex>
#include <numeric>
#include <ranges>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

TEST_CASE("parallel_map: results in input order for 0, 1 and 1e6 items", "[parallel][algorithm]") {
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{1'000'000}}) {
    std::vector<double> in(n);
    std::iota(in.begin(), in.end(), 0.0);
    auto out = parjit::parallel_map(in, [](double x) { return 2 * x + 1; });
    REQUIRE(out.size() == n);
    bool ok = true;
    for (std::size_t i = 0; i < n; ++i) ok = ok && out[i] == 2 * in[i] + 1;
    REQUIRE(ok);
  }
}

TEST_CASE("parallel_map: accepts spans, iota views, forward lists and strings",
          "[parallel][algorithm]") {
  parjit::arena_executor pool{2};
  std::vector<int> v{1, 2, 3};
  REQUIRE(parjit::parallel_map(pool, std::span(v), [](int x) { return x * x; }) ==
          std::vector<int>{1, 4, 9});
  REQUIRE(parjit::parallel_map(std::views::iota(0, 5), [](int x) { return x; }) ==
          std::vector<int>{0, 1, 2, 3, 4});
  std::forward_list<std::string> words{"a", "bb", "ccc"};
  REQUIRE(parjit::parallel_map(pool, words, [](const std::string& s) { return s.size(); }) ==
          std::vector<std::size_t>{1, 2, 3});
  REQUIRE(parjit::parallel_map(pool, v, [](int x) { return x % 2 == 1; }) ==
          std::vector<bool>{true, false, true});
  parjit::thread_executor threads{3};
  REQUIRE(parjit::parallel_map(threads, std::views::iota(0, 100), [](int x) { return x; }).back() ==
          99);
}

TEST_CASE("parallel_map: the lowest failing index wins and later work is cancelled",
          "[parallel][algorithm]") {
  const std::size_t n = 100'000;
  std::vector<std::size_t> in(n);
  std::iota(in.begin(), in.end(), std::size_t{0});
  for (int trial = 0; trial < 5; ++trial) {
    parjit::arena_executor pool{2};
    std::atomic<std::size_t> calls{0};
    auto fn = [&](std::size_t i) {
      ++calls;
      if (i == 1000 || i == 1001 || i == 50'000)
        throw std::runtime_error("failed at " + std::to_string(i));
      return i;
    };
    REQUIRE_THROWS_WITH(parjit::parallel_map(pool, in, fn, {.grain = 16}), "failed at 1000");
    INFO("calls: " << calls);
    REQUIRE(calls < n / 2);  // most of the work after the failure never ran
  }
  parjit::thread_executor threads{2};
  std::atomic<std::size_t> calls{0};
  REQUIRE_THROWS_WITH(parjit::parallel_map(threads, in,
                                           [&](std::size_t i) {
                                             ++calls;
                                             if (i >= 10) throw std::runtime_error(std::to_string(i));
                                             return i;
                                           }),
                      "10");
  REQUIRE(calls < n / 2);
}

TEST_CASE("parallel_map: called from inside a task of a one-slot arena", "[parallel][algorithm]") {
  parjit::arena_executor pool{1};
  auto f = pool.submit([&] {
    return parjit::parallel_map(pool, std::views::iota(0, 10000), [&](int x) {
      return pool.submit([x] { return x; }).get();  // waiting inside the map body, too
    });
  });
  REQUIRE(f.get().back() == 9999);
}

TEST_CASE("parallel_map: progress increases and ends at total", "[parallel][algorithm]") {
  std::vector<int> in(10'000, 1);
  std::vector<std::pair<std::size_t, std::size_t>> calls;
  std::mutex m;  // the callback is serialised by parjit; this guards the test's own vector
  auto out = parjit::parallel_map(in, [](int x) { return x + 1; },
                                  {.grain = 64, .progress = [&](std::size_t done, std::size_t total) {
                                     std::lock_guard lk(m);
                                     calls.emplace_back(done, total);
                                   }});
  REQUIRE(!calls.empty());
  for (std::size_t i = 1; i < calls.size(); ++i) REQUIRE(calls[i].first > calls[i - 1].first);
  REQUIRE(calls.back().first == in.size());
  for (auto& c : calls) REQUIRE(c.second == in.size());
}

TEST_CASE("parallel_for_each and map_reduce", "[parallel][algorithm]") {
  std::vector<int> in(100'000);
  std::iota(in.begin(), in.end(), 0);
  std::atomic<long> sum{0};
  parjit::parallel_for_each(in, [&](int x) { sum += x; });
  REQUIRE(sum == 4'999'950'000L);
  REQUIRE(parjit::map_reduce(in, [](int x) { return long{x}; }, std::plus<>{}, 10L) ==
          4'999'950'010L);
  parjit::arena_executor pool{2};
  std::vector<double> xs(100'001);
  for (std::size_t i = 0; i < xs.size(); ++i) xs[i] = 1.0 / double(i + 1);
  const double a = parjit::map_reduce(pool, xs, [](double x) { return x; }, std::plus<>{}, 0.0);
  const double b = parjit::map_reduce(pool, xs, [](double x) { return x; }, std::plus<>{}, 0.0);
  REQUIRE(a == b);  // same grouping every run
  const double sequential = std::accumulate(xs.begin(), xs.end(), 0.0);
  REQUIRE(a == Approx(sequential).epsilon(1e-12));
  std::vector<int> empty;
  REQUIRE(parjit::map_reduce(empty, [](int x) { return x; }, std::plus<>{}, 7) == 7);
  REQUIRE_THROWS_WITH(parjit::map_reduce(pool, in,
                                         [](int x) {
                                           if (x == 500) throw std::runtime_error("x500");
                                           return x;
                                         },
                                         std::plus<>{}, 0),
                      "x500");
}

TEST_CASE("parallel algorithms: bad input gets a clear exception", "[parallel][algorithm]") {
  std::vector<int> in{1, 2, 3};
  REQUIRE_THROWS_WITH(parjit::parallel_map(in, [](int x) { return x; }, {.grain = 0}),
                      Catch::Contains("grain"));
  std::function<int(int)> empty;
  REQUIRE_THROWS_AS(parjit::parallel_map(in, empty), std::invalid_argument);
  REQUIRE_THROWS_AS(parjit::parallel_for_each(in, std::function<void(int)>{}), std::invalid_argument);
  REQUIRE_THROWS_AS(parjit::map_reduce(in, [](int x) { return x; }, std::plus<>{}, 0, {.grain = 0}),
                    std::invalid_argument);
}

namespace {
// A thread_executor that shuts itself down just before its `at`-th submit, as another thread
// might while an algorithm is submitting its chunks.
class shutting_down_pool : public parjit::thread_executor {
 public:
  shutting_down_pool(int workers, int at) : parjit::thread_executor(workers), at_(at) {}
  template <class F, class... A>
  auto submit(F&& fn, A&&... args) {
    if (++count_ == at_) shutdown(false, false);
    return parjit::thread_executor::submit(std::forward<F>(fn), std::forward<A>(args)...);
  }

 private:
  int at_;
  int count_ = 0;
};
static_assert(parjit::executor<shutting_down_pool>);
}  // namespace

TEST_CASE("parallel algorithms: shut down while submitting chunks, the call drops or waits for "
          "them before it throws",
          "[parallel][algorithm]") {
  // The only worker is held by a blocker, so the first chunk is still queued when the executor
  // shuts down at the second chunk's submit. It must be dropped (or finished) before the call
  // throws: it uses the call's stack frame (ASan: stack-use-after-scope), and no item of a call
  // that has thrown may run afterwards.
  std::vector<int> in(100, 1);
  std::atomic<int> calls{0};
  auto run = [&](auto&& algorithm) {
    std::latch release{1};
    {
      shutting_down_pool pool(1, 3);  // submit #1: the blocker; #2: chunk 0; #3: shuts down
      auto blocker = pool.submit([&] { release.wait(); });
      REQUIRE_THROWS_WITH(algorithm(pool), Catch::Contains("shut down"));
      release.count_down();
    }  // the destructor waits for everything accepted
    REQUIRE(calls == 0);
  };
  SECTION("parallel_map") {
    run([&](auto& pool) {
      return parjit::parallel_map(pool, in, [&](int x) {
        ++calls;
        return x;
      });
    });
  }
  SECTION("parallel_for_each") {
    run([&](auto& pool) { parjit::parallel_for_each(pool, in, [&](int) { ++calls; }); });
  }
  SECTION("map_reduce") {
    run([&](auto& pool) {
      return parjit::map_reduce(pool, in, [&](int x) {
        ++calls;
        return x;
      }, std::plus<>{}, 0);
    });
  }
}

TEST_CASE("parallel algorithms on an executor already shut down throw logic_error naming the call",
          "[parallel][algorithm]") {
  std::vector<int> in{1, 2, 3};
  std::atomic<int> calls{0};
  auto id = [&](int x) {
    ++calls;
    return x;
  };
  auto check = [&](auto& pool) {
    pool.shutdown();
    REQUIRE(pool.closed());
    REQUIRE_THROWS_MATCHES(parjit::parallel_map(pool, in, id), std::logic_error,
                           Catch::Message("parjit: parallel_map() on an executor that has been "
                                          "shut down"));
    REQUIRE_THROWS_AS(parjit::parallel_for_each(pool, in, [&](int) { ++calls; }),
                      std::logic_error);
    REQUIRE_THROWS_WITH(parjit::parallel_for_each(pool, in, [&](int) { ++calls; }),
                        Catch::Contains("parallel_for_each()"));
    REQUIRE_THROWS_AS(parjit::map_reduce(pool, in, id, std::plus<>{}, 0), std::logic_error);
    REQUIRE_THROWS_WITH(parjit::map_reduce(pool, in, id, std::plus<>{}, 0),
                        Catch::Contains("map_reduce()"));
    REQUIRE_THROWS_AS(pool.map(id, in), std::logic_error);
    REQUIRE_THROWS_WITH(pool.map(id, in), Catch::Contains("map()"));
    REQUIRE(calls == 0);
  };
  SECTION("arena_executor") {
    parjit::arena_executor pool{2};
    REQUIRE_FALSE(pool.closed());
    check(pool);
  }
  SECTION("thread_executor") {
    parjit::thread_executor pool{2};
    check(pool);
  }
}

namespace {
// A user's executor, structurally: no parjit base class, just the members the concept names.
class forwarding_executor {
 public:
  template <class F, class... A>
  auto submit(F&& fn, A&&... args) {
    ++submits;
    return inner_.submit(std::forward<F>(fn), std::forward<A>(args)...);
  }
  std::size_t workers() const { return inner_.workers(); }
  bool closed() const { return inner_.closed(); }
  void shutdown(bool wait = true, bool cancel_pending = false) { inner_.shutdown(wait, cancel_pending); }
  std::atomic<int> submits{0};

 private:
  parjit::thread_executor inner_{2};
};
}  // namespace

TEST_CASE("executor concept: parjit's executors and a user's satisfy it, other types do not",
          "[parallel][algorithm]") {
  STATIC_REQUIRE(parjit::executor<parjit::arena_executor>);
  STATIC_REQUIRE(parjit::executor<parjit::thread_executor>);
  STATIC_REQUIRE(parjit::executor<forwarding_executor>);
  STATIC_REQUIRE_FALSE(parjit::executor<std::vector<int>>);
  STATIC_REQUIRE_FALSE(parjit::executor<int>);
  forwarding_executor ex;
  const auto out = parjit::parallel_map(ex, std::views::iota(0, 1000), [](int x) { return 2 * x; });
  REQUIRE(out.size() == 1000);
  REQUIRE(out[999] == 1998);
  REQUIRE(ex.submits > 0);  // the algorithm went through the user's submit
  REQUIRE(parjit::map_reduce(ex, std::views::iota(1, 101), [](int x) { return x; }, std::plus<>{},
                             0) == 5050);
  ex.shutdown();
  REQUIRE_THROWS_AS(parjit::parallel_for_each(ex, std::views::iota(0, 3), [](int) {}),
                    std::logic_error);
}
