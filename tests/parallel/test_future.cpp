// Tests of parjit::future: values, exceptions, cancellation, continuations, callbacks, timeouts.
#include <parjit/parallel/future.hpp>
#include <parjit/parallel/executor.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <latch>
#include <stdexcept>
#include <string>
#include <thread>

using namespace std::chrono_literals;

namespace {
// Occupies the only worker of a one-slot executor until released, so later tasks stay pending.
struct blocker {
  std::latch started{1};
  std::latch release{1};
  parjit::future<void> f;
  explicit blocker(parjit::detail::executor_base& ex)
      : f(ex.submit([this] { started.count_down(); release.wait(); })) {
    started.wait();
  }
  ~blocker() {
    release.count_down();
    f.wait();  // the task reads the latch: keep it alive until the task is done
  }
};
}  // namespace

TEST_CASE("future: get returns the value and rethrows the task's exception", "[parallel][future]") {
  parjit::arena_executor pool{2};
  auto f = pool.submit([](int x) { return x * x; }, 7);
  REQUIRE(f.get() == 49);
  REQUIRE(f.done());
  REQUIRE(f.get() == 49);  // get() can be called again; the value stays

  auto bad = pool.submit([]() -> int { throw std::out_of_range("item 3 is missing"); });
  REQUIRE_THROWS_MATCHES(bad.get(), std::out_of_range, Catch::Message("item 3 is missing"));
  REQUIRE_THROWS_AS(bad.get(), std::out_of_range);  // every get() rethrows
  REQUIRE(bad.done());
  REQUIRE(bad.exception() != nullptr);
  REQUIRE(f.exception() == nullptr);
}

TEST_CASE("future: future<void> and copies share one state", "[parallel][future]") {
  parjit::arena_executor pool{1};
  std::atomic<int> runs{0};
  parjit::future<void> f = pool.submit([&] { ++runs; });
  parjit::future<void> copy = f;
  copy.get();
  f.get();
  REQUIRE(runs == 1);
  REQUIRE(copy == f);
  parjit::future<int> empty;
  REQUIRE_FALSE(empty.valid());
  REQUIRE_THROWS_AS(empty.get(), std::logic_error);
}

TEST_CASE("future: cancel drops a task that has not started", "[parallel][future]") {
  parjit::arena_executor pool{1};
  std::atomic<bool> ran{false};
  parjit::future<int> pending;
  {
    blocker b(pool);
    pending = pool.submit([&] {
      ran = true;
      return 1;
    });
    REQUIRE_FALSE(pending.done());
    REQUIRE(pending.cancel());
    REQUIRE(pending.cancel());  // already cancelled: still true, as in Python
    REQUIRE(pending.cancelled());
    REQUIRE(pending.done());
  }
  pool.shutdown(true);
  REQUIRE_FALSE(ran);
  REQUIRE_THROWS_AS(pending.get(), parjit::cancelled_error);
  REQUIRE_THROWS_WITH(pending.get(), Catch::Contains("cancelled"));
}

TEST_CASE("future: cancel of a running or finished task returns false", "[parallel][future]") {
  parjit::arena_executor pool{1};
  std::latch started{1};
  std::atomic<bool> saw_stop{false};
  auto running = pool.submit([&](std::stop_token st) {
    started.count_down();
    auto until = std::chrono::steady_clock::now() + 5s;
    while (!st.stop_requested() && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(1ms);
    saw_stop = st.stop_requested();
    return 5;
  });
  started.wait();
  REQUIRE_FALSE(running.cancel());  // it runs: only a stop request
  REQUIRE(running.get() == 5);
  REQUIRE(saw_stop);
  REQUIRE_FALSE(running.cancel());  // finished
}

TEST_CASE("future: wait_for times out and reports ready", "[parallel][future]") {
  parjit::arena_executor pool{1};
  std::latch go{1};
  auto f = pool.submit([&] {
    go.wait();
    return 1;
  });
  REQUIRE(f.wait_for(10ms) == std::future_status::timeout);
  go.count_down();
  REQUIRE(f.wait_for(10s) == std::future_status::ready);
  REQUIRE_THROWS_AS(f.wait_for(-1ms), std::invalid_argument);
}

TEST_CASE("future: then chains on the same executor and forwards failures", "[parallel][future]") {
  parjit::arena_executor pool{2};
  auto f = pool.submit([] { return 20; });
  auto g = f.then([](int x) { return x + 1; }).then([](int x) { return std::to_string(x * 2); });
  REQUIRE(g.get() == "42");

  std::atomic<bool> called{false};
  auto bad = pool.submit([]() -> int { throw std::runtime_error("upstream"); });
  auto after = bad.then([&](int x) {
    called = true;
    return x;
  });
  REQUIRE_THROWS_WITH(after.get(), "upstream");
  REQUIRE_FALSE(called);

  auto v = pool.submit([] {}).then([] { return 3; });
  REQUIRE(v.get() == 3);
}

TEST_CASE("future: then of a cancelled future is cancelled", "[parallel][future]") {
  parjit::arena_executor pool{1};
  parjit::future<int> child;
  {
    blocker b(pool);
    auto pending = pool.submit([] { return 1; });
    child = pending.then([](int x) { return x + 1; });
    REQUIRE(pending.cancel());
  }
  REQUIRE_THROWS_AS(child.get(), parjit::cancelled_error);
  REQUIRE(child.cancelled());
}

TEST_CASE("future: on_done runs exactly once, also when registered after completion",
          "[parallel][future]") {
  parjit::arena_executor pool{2};
  for (int round = 0; round < 200; ++round) {
    std::atomic<int> before{0}, after{0};
    std::atomic<bool> done_in_callback{false};
    std::latch go{1};
    auto f = pool.submit([&] {
      go.wait();
      return round;
    });
    f.on_done([&](parjit::future<int>& self) {
      done_in_callback = self.done();  // no REQUIRE here: this runs on a worker thread
      ++before;
    });
    go.count_down();
    f.wait();
    f.on_done([&](parjit::future<int>& self) {
      REQUIRE(self.get() == round);
      ++after;
    });
    REQUIRE(after == 1);  // ran at once, in this thread
    pool.submit([] {}).get();
    // The callback registered before completion ran in the completing thread: wait for it.
    for (int i = 0; i < 1000 && before.load() == 0; ++i) std::this_thread::sleep_for(1ms);
    REQUIRE(before == 1);
    REQUIRE(done_in_callback);
  }
}

TEST_CASE("future: an exception from on_done changes neither the future nor the executor",
          "[parallel][future]") {
  parjit::arena_executor pool{1};
  auto f = pool.submit([] { return 7; });
  f.wait();
  REQUIRE_NOTHROW(f.on_done([](parjit::future<int>&) { throw std::runtime_error("callback bug"); }));
  REQUIRE(f.get() == 7);
  REQUIRE(pool.submit([] { return 8; }).get() == 8);
}

TEST_CASE("future: get(timeout) throws timeout_error while not done, then returns the value",
          "[parallel][future]") {
  parjit::arena_executor pool{1};
  std::latch go{1};
  auto f = pool.submit([&] {
    go.wait();
    return 7;
  });
  REQUIRE_THROWS_AS(f.get(10ms), parjit::timeout_error);
  REQUIRE_THROWS_WITH(f.get(0s), Catch::Contains("timed out"));
  REQUIRE_FALSE(f.done());  // a timeout does not cancel the task
  go.count_down();
  REQUIRE(f.get(60s) == 7);
  REQUIRE(f.get(0s) == 7);  // done: no waiting needed
  REQUIRE_THROWS_AS(f.get(-1ms), std::invalid_argument);

  auto bad = pool.submit([]() -> int { throw std::out_of_range("item 3"); });
  REQUIRE_THROWS_MATCHES(bad.get(60s), std::out_of_range, Catch::Message("item 3"));
  parjit::future<void> v = pool.submit([] {});
  REQUIRE_NOTHROW(v.get(60s));
  parjit::future<int> cancelled;
  {
    blocker b(pool);
    cancelled = pool.submit([] { return 1; });
    REQUIRE(cancelled.cancel());
  }
  REQUIRE_THROWS_AS(cancelled.get(60s), parjit::cancelled_error);
  // Inside a task of the same one-slot executor, get(timeout) runs the awaited task: no deadlock.
  auto outer = pool.submit([&] { return pool.submit([] { return 5; }).get(60s); });
  REQUIRE(outer.get() == 5);
}
