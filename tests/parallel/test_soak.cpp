// A bounded soak: submit / cancel / shutdown / then / on_done / as_completed from several threads
// on both executors, checking that every future ends in exactly one state and that its outcome
// is the right one. PARJIT_SOAK_SECONDS (default 20, at most 60) bounds the run; a watchdog turns
// a hang into a failure.
#include <parjit/parallel/executor.hpp>
#include <parjit/parallel/future.hpp>
#include <parjit/parallel/wait.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <variant>
#include <vector>

using namespace std::chrono_literals;

namespace {

using clock_type = std::chrono::steady_clock;

double soak_seconds() {
  const char* s = std::getenv("PARJIT_SOAK_SECONDS");
  const double v = s ? std::atof(s) : 20.0;
  return std::clamp(v, 0.5, 60.0);
}

// What a future must end as, given how it was made.
struct record {
  parjit::future<long> f;
  long expected = 0;               // the value, if it ends with one
  bool may_fail = false;           // its task (or an ancestor's) throws
  std::shared_ptr<const record> parent;  // for a continuation: x + 1 of the parent's value
  std::shared_ptr<std::atomic<int>> callbacks;  // on_done calls seen (null: none registered)
};

struct counts {
  std::atomic<long> futures{0}, values{0}, failures{0}, cancelled{0}, refused{0}, continuations{0},
      cancel_calls{0}, cancel_true{0}, as_completed_yields{0}, as_completed_timeouts{0},
      waits{0}, shutdowns{0}, callbacks{0}, rounds{0};
  // Catch2's assertions are not thread-safe: driver threads report here, the test checks it.
  std::atomic<long> wrong{0};
  std::mutex m;
  std::string first_wrong;
  void expect(bool ok, const std::string& what) {
    if (ok) return;
    if (++wrong == 1) {
      std::lock_guard lk(m);
      first_wrong = what;
    }
  }
};

// Terminates the process if the soak outlives its bound: a hang must fail, not stall CI.
class watchdog {
 public:
  explicit watchdog(std::chrono::duration<double> limit)
      : thread_([this, limit] {
          std::unique_lock lk(m_);
          if (!cv_.wait_for(lk, limit, [&] { return done_; })) {
            std::fprintf(stderr, "soak: still running after %.0f s: a hang\n", limit.count());
            std::abort();
          }
        }) {}
  ~watchdog() {
    {
      std::lock_guard lk(m_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

// The futures of one round, shared by its driver threads.
class pool_of_futures {
 public:
  void add(std::shared_ptr<record> r) {
    std::lock_guard lk(m_);
    all_.push_back(std::move(r));
  }
  std::shared_ptr<record> pick(std::mt19937& rng) {
    std::lock_guard lk(m_);
    if (all_.empty()) return nullptr;
    return all_[std::uniform_int_distribution<std::size_t>(0, all_.size() - 1)(rng)];
  }
  std::vector<parjit::future<long>> sample(std::mt19937& rng, std::size_t k) {
    std::lock_guard lk(m_);
    std::vector<parjit::future<long>> out;
    for (std::size_t i = 0; i < k && !all_.empty(); ++i)
      out.push_back(all_[std::uniform_int_distribution<std::size_t>(0, all_.size() - 1)(rng)]->f);
    return out;
  }
  std::vector<std::shared_ptr<record>> take() {
    std::lock_guard lk(m_);
    return std::move(all_);
  }

 private:
  std::mutex m_;
  std::vector<std::shared_ptr<record>> all_;
};

// One driver's random operations on `ex` until `until`.
template <class Executor>
void drive(Executor& ex, pool_of_futures& pool, counts& c, unsigned seed, clock_type::time_point until) {
  std::mt19937 rng(seed);
  auto roll = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
  long next = static_cast<long>(seed % 1000) * 1'000'000;
  int refusals = 0;
  // After the shutdown, a few more rounds of then / cancel / waits on what exists, then stop.
  while (clock_type::now() < until && refusals < 16) {
    const int op = roll(100);
    try {
      if (op < 45) {  // submit: a value, a failure, a short sleep, or a stop-aware spin
        auto r = std::make_shared<record>();
        r->expected = ++next;
        const long v = r->expected;
        switch (roll(4)) {
          case 0: r->f = ex.submit([v] { return v; }); break;
          case 1:
            r->may_fail = true;
            r->f = ex.submit([v]() -> long {
              if (v % 2 == 0) throw std::runtime_error("soak: item " + std::to_string(v));
              return v;
            });
            break;
          case 2:
            r->f = ex.submit([v] {
              std::this_thread::sleep_for(50us);
              return v;
            });
            break;
          default:
            r->f = ex.submit([v](std::stop_token st) {
              const auto end = clock_type::now() + 1ms;
              while (!st.stop_requested() && clock_type::now() < end) std::this_thread::yield();
              return v;
            });
        }
        if (roll(4) == 0) {
          r->callbacks = std::make_shared<std::atomic<int>>(0);
          r->f.on_done([cb = r->callbacks](parjit::future<long>&) { ++*cb; });
        }
        ++c.futures;
        pool.add(std::move(r));
      } else if (op < 55) {  // a continuation of any future of the round
        if (auto p = pool.pick(rng)) {
          auto r = std::make_shared<record>();
          r->parent = p;
          r->may_fail = p->may_fail;
          r->expected = p->expected + 1;
          r->f = p->f.then([](long x) { return x + 1; });
          ++c.futures;
          ++c.continuations;
          pool.add(std::move(r));
        }
      } else if (op < 80) {  // cancel any future, possibly another thread's
        if (auto p = pool.pick(rng)) {
          ++c.cancel_calls;
          if (p->f.cancel()) ++c.cancel_true;
        }
      } else if (op < 92) {  // as_completed over a sample, with a timeout
        auto some = pool.sample(rng, 1 + static_cast<std::size_t>(roll(8)));
        try {
          for (auto& f : parjit::as_completed(some, 20ms)) {
            c.expect(f.done(), "as_completed yielded a future that is not done");
            ++c.as_completed_yields;
          }
        } catch (const parjit::timeout_error&) {
          ++c.as_completed_timeouts;
        }
      } else {  // wait for the first of a sample
        auto some = pool.sample(rng, 1 + static_cast<std::size_t>(roll(8)));
        auto [done, pending] = parjit::wait(some, parjit::return_when::first_completed, 20ms);
        for (auto& f : done) c.expect(f.done(), "wait listed a future as done that is not");
        ++c.waits;
      }
    } catch (const std::logic_error& e) {  // submit after shutdown
      c.expect(std::string(e.what()).find("shut down") != std::string::npos,
               std::string("unexpected logic_error: ") + e.what());
      ++c.refused;
      ++refusals;
    } catch (const std::exception& e) {
      c.expect(false, std::string("unexpected exception in a driver: ") + e.what());
    }
  }
}

// Checks that `r` ended in exactly one of value / exception / cancelled, and the right one.
void check(const record& r, counts& c) {
  REQUIRE(r.f.done());
  const bool cancelled = r.f.cancelled();
  const std::exception_ptr e = r.f.exception();
  int outcomes = 0;
  if (cancelled) {
    ++outcomes;
    REQUIRE(e != nullptr);
    REQUIRE_THROWS_AS(r.f.get(), parjit::cancelled_error);
    ++c.cancelled;
  }
  if (!cancelled && e) {
    ++outcomes;
    REQUIRE(r.may_fail);
    REQUIRE_THROWS_WITH(r.f.get(), Catch::StartsWith("soak: item "));
    if (r.parent) {  // it came from upstream
      REQUIRE(r.parent->f.exception() != nullptr);
      REQUIRE_FALSE(r.parent->f.cancelled());
    }
    ++c.failures;
  }
  if (!cancelled && !e) {
    ++outcomes;
    REQUIRE(r.f.get() == r.expected);
    if (r.parent) REQUIRE(r.parent->f.get() == r.expected - 1);
    ++c.values;
  }
  REQUIRE(outcomes == 1);
  REQUIRE_FALSE(r.f.running());
  if (r.callbacks) {
    REQUIRE(r.callbacks->load() == 1);  // exactly once, whatever the outcome
    ++c.callbacks;
  }
}

template <class Executor>
void soak_round(counts& c, unsigned seed, std::chrono::milliseconds length) {
  std::mt19937 rng(seed);
  pool_of_futures pool;
  {
    Executor ex(1 + static_cast<int>(rng() % 3));
    const auto until = clock_type::now() + length;
    std::vector<std::thread> drivers;
    for (unsigned t = 0; t < 3; ++t)
      drivers.emplace_back([&, t] { drive(ex, pool, c, seed * 7 + t, until); });
    // A fourth thread shuts the executor down part-way, in one of the four ways.
    std::thread closer([&, delay = length / 3 + std::chrono::milliseconds(rng() % length.count()) / 2,
                        how = static_cast<int>(rng() % 4)] {
      std::this_thread::sleep_for(delay);
      ex.shutdown(how & 1, (how & 2) != 0);
      ++c.shutdowns;
    });
    for (auto& d : drivers) d.join();
    closer.join();
  }  // the destructor waits for every accepted task
  // Continuations made after the executor was gone run in the thread that completes the parent;
  // every future is done now.
  for (auto& r : pool.take()) check(*r, c);
  ++c.rounds;
}

}  // namespace

TEST_CASE("soak: submit, cancel, shutdown, then and as_completed from many threads end every "
          "future in exactly one state",
          "[parallel][soak]") {
  const double seconds = soak_seconds();
  watchdog dog(std::chrono::duration<double>(seconds * 3 + 60));
  counts c;
  const auto until = clock_type::now() + std::chrono::duration<double>(seconds);
  const unsigned base = std::random_device{}();
  INFO("seed " << base);
  unsigned round = 0;
  while (clock_type::now() < until) {
    const unsigned seed = base + round;
    INFO("round " << round << " seed " << seed);
    const auto length = std::chrono::milliseconds(50 + seed % 250);
    if (round % 2 == 0) {
      soak_round<parjit::thread_executor>(c, seed, length);
    } else {
      soak_round<parjit::arena_executor>(c, seed, length);
    }
    ++round;
  }
  std::printf(
      "soak: %.0f s, %ld rounds (both executors), %ld futures (%ld continuations): %ld values, "
      "%ld exceptions, %ld cancelled; %ld submits refused after shutdown; %ld cancel calls "
      "(%ld succeeded); %ld as_completed yields, %ld as_completed timeouts; %ld waits; %ld "
      "shutdowns; %ld on_done callbacks each run once\n",
      seconds, c.rounds.load(), c.futures.load(), c.continuations.load(), c.values.load(),
      c.failures.load(), c.cancelled.load(), c.refused.load(), c.cancel_calls.load(),
      c.cancel_true.load(), c.as_completed_yields.load(), c.as_completed_timeouts.load(),
      c.waits.load(), c.shutdowns.load(), c.callbacks.load());
  INFO("first wrong observation in a driver thread: " << c.first_wrong);
  REQUIRE(c.wrong == 0);
  REQUIRE(c.futures == c.values + c.failures + c.cancelled);
  REQUIRE(c.rounds >= 2);
  REQUIRE(c.values > 0);
  REQUIRE(c.failures > 0);
  REQUIRE(c.cancelled > 0);
}
