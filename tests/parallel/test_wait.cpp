// Tests of as_completed and wait: completion order, duplicates, timeouts, return_when.
#include <parjit/parallel/executor.hpp>
#include <parjit/parallel/wait.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <latch>
#include <list>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

TEST_CASE("as_completed: yields in completion order, each future once", "[parallel][wait]") {
  // Task i finishes only when released; the test releases 3 first, then each next one only after
  // as_completed has yielded the previous, so the completion order is 3, 2, 1, 0 by construction.
  parjit::thread_executor pool{4};
  std::latch go[4] = {std::latch{1}, std::latch{1}, std::latch{1}, std::latch{1}};
  std::vector<parjit::future<int>> fs;
  for (int i = 0; i < 4; ++i)
    fs.push_back(pool.submit([&go, i] {
      go[i].wait();
      return i;
    }));
  fs.push_back(fs[0]);  // a duplicate is returned once
  std::vector<int> order;
  go[3].count_down();
  for (auto& f : parjit::as_completed(fs, 60s)) {  // a bound, not a timing assumption
    const int i = f.get();
    order.push_back(i);
    if (i > 0) go[i - 1].count_down();
  }
  REQUIRE(order == std::vector<int>{3, 2, 1, 0});
}

TEST_CASE("as_completed: is lazy, takes any range, and times out", "[parallel][wait]") {
  parjit::arena_executor pool{1};
  std::latch go{1};
  std::list<parjit::future<int>> fs;  // not a vector
  fs.push_back(pool.submit([] { return 1; }));
  fs.push_back(pool.submit([&] {
    go.wait();
    return 2;
  }));
  fs.front().wait();  // done before the clock starts, however loaded the machine is
  auto completed = parjit::as_completed(fs, 50ms);
  auto it = completed.begin();
  REQUIRE(it->get() == 1);
  ++it;
  REQUIRE_THROWS_AS(*it, parjit::timeout_error);
  go.count_down();
  REQUIRE_THROWS_AS(parjit::as_completed(fs, -1s), std::invalid_argument);
  int n = 0;
  for (auto& f : parjit::as_completed(fs)) n += f.get();
  REQUIRE(n == 3);
}

TEST_CASE("wait: first_completed, first_exception and all_completed", "[parallel][wait]") {
  parjit::thread_executor pool{4};
  std::latch slow{1};
  std::vector<parjit::future<int>> fs;
  fs.push_back(pool.submit([&] {
    slow.wait();
    return 0;
  }));
  fs.push_back(pool.submit([] { return 1; }));
  fs.push_back(pool.submit([]() -> int {
    std::this_thread::sleep_for(20ms);
    throw std::runtime_error("boom");
  }));

  auto [done1, pending1] = parjit::wait(fs, parjit::return_when::first_completed);
  REQUIRE(!done1.empty());
  REQUIRE(done1.size() + pending1.size() == 3);

  auto r = parjit::wait(fs, parjit::return_when::first_exception, 5s);
  REQUIRE(r.pending.size() == 1);  // the slow one
  REQUIRE(r.done.size() == 2);
  REQUIRE(r.pending[0] == fs[0]);

  auto timed = parjit::wait(fs, parjit::return_when::all_completed, 30ms);
  REQUIRE(timed.pending.size() == 1);

  slow.count_down();
  auto all = parjit::wait(fs);
  REQUIRE(all.done.size() == 3);
  REQUIRE(all.pending.empty());
  REQUIRE_THROWS_AS(parjit::wait(fs, parjit::return_when::all_completed, -5ms),
                    std::invalid_argument);
}

TEST_CASE("wait: an empty set and already-done futures return at once", "[parallel][wait]") {
  std::vector<parjit::future<int>> none;
  auto r = parjit::wait(none, parjit::return_when::first_completed);
  REQUIRE(r.done.empty());
  REQUIRE(r.pending.empty());
  parjit::arena_executor pool{1};
  auto f = pool.submit([] { return 1; });
  f.wait();
  auto r2 = parjit::wait(std::vector{f, f}, parjit::return_when::first_exception);
  REQUIRE(r2.done.size() == 1);
}

TEST_CASE("wait: as_completed inside a task of a one-slot arena does not deadlock",
          "[parallel][wait]") {
  parjit::arena_executor pool{1};
  auto outer = pool.submit([&] {
    std::vector<parjit::future<int>> inner;
    for (int i = 0; i < 10; ++i) inner.push_back(pool.submit([i] { return i; }));
    int sum = 0;
    for (auto& f : parjit::as_completed(inner)) sum += f.get();
    auto [done, pending] = parjit::wait(inner);
    return sum + static_cast<int>(pending.size());
  });
  REQUIRE(outer.wait_for(20s) == std::future_status::ready);
  REQUIRE(outer.get() == 45);
}

TEST_CASE("wait: many futures with duplicates, each once, in first-seen order",
          "[parallel][wait]") {
  // 20,000 futures, given as a scrambled list that names each of them two or three times. The
  // queue dedups by sorting (a pairwise search took seconds at this size).
  parjit::arena_executor pool{2};
  const int n = 20000;
  std::vector<parjit::future<int>> fs;
  for (int i = 0; i < n; ++i) fs.push_back(pool.submit([i] { return i; }));
  std::vector<parjit::future<int>> input;
  for (int i = 0; i < n; ++i) input.push_back(fs[static_cast<std::size_t>((i * 7919) % n)]);
  for (int i = n - 1; i >= 0; --i) input.push_back(fs[static_cast<std::size_t>(i)]);
  for (int i = 0; i < n; i += 3) input.push_back(fs[static_cast<std::size_t>(i)]);

  auto [done, pending] = parjit::wait(input);
  REQUIRE(pending.empty());
  REQUIRE(done.size() == static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) REQUIRE(done[static_cast<std::size_t>(i)].get() == (i * 7919) % n);

  std::vector<int> seen(static_cast<std::size_t>(n), 0);
  for (auto& f : parjit::as_completed(input)) ++seen[static_cast<std::size_t>(f.get())];
  for (int c : seen) REQUIRE(c == 1);
}

TEST_CASE("timeouts beyond the clock's range mean no deadline", "[parallel][wait][future]") {
  // steady_clock::now() + hours::max() overflows; it must wait (here: for a task that finishes
  // after a short while), not time out at once.
  parjit::thread_executor pool{1};
  std::latch started{1};
  auto slow = pool.submit([&] {
    started.count_down();
    std::this_thread::sleep_for(20ms);
    return 7;
  });
  started.wait();
  REQUIRE(slow.wait_for(std::chrono::hours::max()) == std::future_status::ready);
  REQUIRE(slow.get(std::chrono::seconds::max()) == 7);

  std::vector<parjit::future<int>> fs;
  for (int i = 0; i < 3; ++i)
    fs.push_back(pool.submit([i] {
      std::this_thread::sleep_for(5ms);
      return i;
    }));
  auto [done, pending] =
      parjit::wait(fs, parjit::return_when::all_completed, std::chrono::hours::max());
  REQUIRE(done.size() == 3);
  REQUIRE(pending.empty());
  auto more = pool.submit([] {
    std::this_thread::sleep_for(5ms);
    return 3;
  });
  fs.push_back(more);
  int sum = 0;
  for (auto& f : parjit::as_completed(fs, std::chrono::nanoseconds::max())) sum += f.get();
  REQUIRE(sum == 0 + 1 + 2 + 3);
  REQUIRE_THROWS_AS(slow.wait_for(std::chrono::duration<double>(std::nan(""))),
                    std::invalid_argument);
}
