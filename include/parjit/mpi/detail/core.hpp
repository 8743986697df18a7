// The MPI executor's machinery over MPI: the handshake, the root's progress thread, the worker loop.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "../../parallel/detail/executor_internals.hpp"
#include "mpi.hpp"
#include "registry.hpp"
#include "wire.hpp"

namespace parjit::mpi::detail {

// Waits for a message: a short spin on MPI_Iprobe, then yielding between probes. Open MPI's
// blocking MPI_Probe spins without yielding unless the node is oversubscribed, which starves the
// arena threads of a rank bound to one core; a sleep would add its whole period to every task.
inline void probe(int source, int tag, MPI_Comm comm, MPI_Status* st) {
  for (unsigned spins = 0;; ++spins) {
    int flag = 0;
    check(MPI_Iprobe(source, tag, comm, &flag, st), "MPI_Iprobe");
    if (flag) return;
    if (spins > 256) std::this_thread::yield();
  }
}

// The size of a probed message in bytes.
inline std::size_t probed_bytes(const MPI_Status& st) {
  int count = 0;
  check(MPI_Get_count(&st, MPI_BYTE, &count), "MPI_Get_count");
  if (count < 0) throw std::runtime_error("parjit::mpi: a message of undefined size");
  return static_cast<std::size_t>(count);
}

// Receives the probed message `st` into `buf` (resized to its size: bounded by what arrived).
inline void receive(std::vector<char>& buf, const MPI_Status& st, MPI_Comm comm) {
  const std::size_t n = probed_bytes(st);
  buf.resize(n);
  check(MPI_Recv(buf.data(), static_cast<int>(n), MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, comm,
                 MPI_STATUS_IGNORE),
        "MPI_Recv");
}

// Sends `m` blocking: whole, or as [u64 size] on `big_tag` then pieces. The caller keeps other
// sends to `dest` on this communicator out of the way meanwhile (pieces must not interleave).
inline void send_message(const std::vector<char>& m, int dest, int tag, int big_tag, MPI_Comm comm) {
  const std::size_t piece = std::max<std::size_t>(1, piece_bytes.load(std::memory_order_relaxed));
  if (m.size() <= piece) {
    check(MPI_Send(m.data(), static_cast<int>(m.size()), MPI_BYTE, dest, tag, comm), "MPI_Send");
    return;
  }
  const auto total = static_cast<std::uint64_t>(m.size());
  check(MPI_Send(&total, sizeof total, MPI_BYTE, dest, big_tag, comm), "MPI_Send");
  for (std::size_t at = 0; at < m.size(); at += piece) {
    const std::size_t n = std::min(piece, m.size() - at);
    check(MPI_Send(m.data() + at, static_cast<int>(n), MPI_BYTE, dest, piece_tag, comm),
          "MPI_Send");
  }
}

// Message buffers are recycled: a fresh 1 MiB allocation page-faults on every message.
class buffer_pool {
 public:
  std::vector<char> get() {
    std::lock_guard lk(m_);
    if (free_.empty()) return {};
    std::vector<char> b = std::move(free_.back());
    free_.pop_back();
    b.clear();
    return b;
  }
  void put(std::vector<char>&& b) {
    if (b.capacity() == 0 || b.capacity() > (std::size_t{64} << 20)) return;
    std::lock_guard lk(m_);
    if (free_.size() < 256) free_.push_back(std::move(b));
  }

 private:
  std::mutex m_;
  std::vector<std::vector<char>> free_;
};

// The handshake at executor start: every rank shows every other its protocol and program, and all
// refuse together, with the same message, when they differ. Returns each rank's thread count.
inline std::vector<int> handshake(MPI_Comm comm, int threads) {
  int rank = 0, size = 1;
  check(MPI_Comm_rank(comm, &rank), "MPI_Comm_rank");
  check(MPI_Comm_size(comm, &size), "MPI_Comm_size");
  const std::uint64_t id = identity_for_test.load() ? identity_for_test.load()
                                                    : program_image::get().identity;
  const std::uint64_t mine[4] = {handshake_magic, wire_version, id,
                                 static_cast<std::uint64_t>(threads)};
  std::vector<std::uint64_t> all(4 * static_cast<std::size_t>(size));
  check(MPI_Allgather(mine, 4, MPI_UINT64_T, all.data(), 4, MPI_UINT64_T, comm), "MPI_Allgather");
  std::vector<int> counts(static_cast<std::size_t>(size));
  for (int r = 0; r < size; ++r) {
    const std::uint64_t* h = &all[4 * static_cast<std::size_t>(r)];
    auto fail = [&](const std::string& what) {
      throw std::runtime_error("parjit::mpi: the executor's ranks refuse each other: rank " +
                               std::to_string(r) + " " + what + " (seen on rank " +
                               std::to_string(rank) + ")");
    };
    if (h[0] != all[0])
      fail("is not a parjit MPI executor of this version (its handshake word differs from rank "
           "0's)");
    if (h[1] != all[1])
      fail("speaks message format " + std::to_string(h[1]) + ", rank 0 format " +
           std::to_string(all[1]) + ": different parjit versions");
    if (h[2] != all[2])
      fail("runs a different program binary than rank 0 (every rank must run the same "
           "executable, built once)");
    if (h[3] == 0 || h[3] > (1u << 20)) fail("reports " + std::to_string(h[3]) + " threads");
    counts[static_cast<std::size_t>(r)] = static_cast<int>(h[3]);
  }
  return counts;
}

// Completes futures off the progress thread, so that a callback (on_done, a continuation) that
// waits for another future of the executor cannot block the thread that completes it. A thread
// is added whenever every one is busy (up to `max_threads`), so a chain of callbacks each waiting
// for the next still finds a thread for the next completion.
inline thread_local bool on_completer_thread = false;

class completer {
 public:
  explicit completer(std::size_t max_threads = 64) : max_(max_threads) {}
  ~completer() {
    {
      std::lock_guard lk(m_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  completer(const completer&) = delete;
  completer& operator=(const completer&) = delete;

  void post(std::function<void()> job) {
    bool spawn = false;
    {
      std::lock_guard lk(m_);
      queue_.push_back(std::move(job));
      queued_.fetch_add(1, std::memory_order_release);
      spawn = queue_.size() > idle_ && threads_.size() < max_;
      if (spawn) {
        try {
          threads_.emplace_back([this] { loop(); });
        } catch (...) {
          spawn = false;  // no thread to spare: an existing one takes it
        }
      }
    }
    if (!spawn) cv_.notify_one();
  }

 private:
  void loop() {
    on_completer_thread = true;
    std::unique_lock lk(m_);
    for (;;) {
      if (queue_.empty() && !stop_) {
        // Replies often come in streams: poll briefly before paying for a sleep and a wake-up.
        ++idle_;
        lk.unlock();
        const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(50);
        while (queued_.load(std::memory_order_acquire) == 0 &&
               std::chrono::steady_clock::now() < until)
          std::this_thread::yield();
        lk.lock();
        --idle_;
      }
      while (queue_.empty() && !stop_) {
        ++idle_;
        cv_.wait(lk);
        --idle_;
      }
      if (queue_.empty()) return;
      std::function<void()> job = std::move(queue_.front());
      queue_.pop_front();
      queued_.fetch_sub(1, std::memory_order_relaxed);
      lk.unlock();
      job();  // noexcept by construction: publish() and a counter
      job = nullptr;
      lk.lock();
    }
  }

  const std::size_t max_;
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  std::atomic<std::size_t> queued_{0};
  std::vector<std::thread> threads_;
  std::size_t idle_ = 0;
  bool stop_ = false;
};

// The root's side of an executor. With worker ranks, a progress thread owns every MPI call on
// the executor's communicator: it dispatches queued tasks to the least loaded worker (up to
// `capacity` in flight each, so idle workers pull the next task) and decodes replies as they
// arrive; futures are completed on the completer's threads. Without worker ranks, tasks run on a
// local arena through the same messages. A reply that breaks the protocol fails the tasks in
// flight on its rank (std::runtime_error naming the rank); an MPI call that fails on the progress
// thread fails every task and closes the executor. Neither ends the process.
class root_core {
 public:
  root_core(MPI_Comm comm, std::vector<int> worker_ranks, std::vector<int> worker_threads,
            int tasks_per_thread, int local_threads)
      : comm_(comm) {
    for (std::size_t i = 0; i < worker_ranks.size(); ++i) {
      const auto threads = static_cast<std::size_t>(std::max(1, worker_threads[i]));
      workers_.push_back({worker_ranks[i], threads * static_cast<std::size_t>(tasks_per_thread), 0});
      threads_ += threads;
    }
    if (workers_.empty()) {
      local_ = std::make_unique<parjit::arena_executor>(local_threads);
      threads_ = local_->workers();
    } else {
      progress_ = std::thread([this] { progress_loop(); });
    }
  }
  ~root_core() {
    shutdown(true, false);
    join();
  }

  // Arena threads that run tasks: of all worker ranks, or of the local arena.
  std::size_t threads() const noexcept { return threads_; }
  std::size_t worker_ranks() const noexcept { return workers_.size(); }
  std::size_t capacity() const noexcept {
    std::size_t c = 0;
    for (const auto& w : workers_) c += w.capacity;
    return workers_.empty() ? 2 * threads_ : c;
  }

  std::vector<char> buffer() { return pool_.get(); }

  bool closed() {
    std::lock_guard lk(m_);
    return closed_;
  }

  void submit(std::shared_ptr<remote_task> t) {
    {
      std::lock_guard lk(m_);
      if (!broken_.empty())
        throw std::runtime_error("parjit::mpi: submit() on an executor that failed: " + broken_);
      if (closed_)
        throw std::logic_error(
            "parjit::mpi: submit() on an executor that has been shut down (on a worker rank, the "
            "executor is shut down once its constructor returns)");
      outstanding_.fetch_add(1, std::memory_order_relaxed);
      if (!local_) {
        incoming_.push_back(std::move(t));
        incoming_count_.fetch_add(1, std::memory_order_release);
      }
    }
    if (local_) {
      run_locally(std::move(t));
    } else {
      cv_.notify_one();
    }
  }

  void shutdown(bool wait, bool cancel_pending) {
    {
      std::lock_guard lk(m_);
      closed_ = true;
      if (cancel_pending) drop_.store(true, std::memory_order_release);
    }
    cv_.notify_all();
    // From a callback (a completer thread) waiting would wait for that callback itself.
    if (!wait || std::this_thread::get_id() == progress_.get_id() || on_completer_thread) return;
    {
      std::unique_lock lk(m_);
      done_cv_.wait(lk, [&] { return outstanding_.load(std::memory_order_acquire) == 0; });
    }
    join();  // the workers are released once it returns
    if (local_) local_->shutdown(true, false);
  }

 private:
  struct worker {
    int rank;
    std::size_t capacity;
    std::size_t in_flight;
  };
  struct flight {
    std::shared_ptr<remote_task> task;
    std::size_t worker;
  };
  // Sends still in progress, with what they read from (MPI needs the buffers until they end).
  struct sending {
    std::vector<char> message;
    std::unique_ptr<std::uint64_t> announcement;
    std::vector<MPI_Request> requests;
  };

  void join() {
    std::lock_guard lk(join_m_);
    if (progress_.joinable() && std::this_thread::get_id() != progress_.get_id()) progress_.join();
  }

  // Called on the completer's threads too: the progress thread may be waiting for the count to
  // reach 0 after shutdown.
  void task_done() {
    if (outstanding_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard lk(m_);
      done_cv_.notify_all();
      cv_.notify_all();
    }
  }

  void run_locally(std::shared_ptr<remote_task> t) {
    local_->submit([this, t = std::move(t)] {
      if (drop_.load(std::memory_order_acquire)) t->drop();
      if (t->start()) {
        thread_local std::vector<char> out;
        serve_one(t->message.data(), t->message.size(), out, 0);
        pool_.put(std::move(t->message));
        reader in(out.data(), out.size());
        in.read<std::uint64_t>();
        t->finish(in, 0);
        publish(std::move(t));
      } else {
        task_done();
      }
    });
  }

  std::size_t least_loaded() const noexcept {
    std::size_t best = workers_.size();
    for (std::size_t i = 0; i < workers_.size(); ++i) {
      const auto& w = workers_[i];
      if (w.in_flight < w.capacity &&
          (best == workers_.size() || w.in_flight < workers_[best].in_flight))
        best = i;
    }
    return best;
  }

  // Posts the sends of one task message: whole, or an announcement and pieces.
  void start_send(std::vector<char>&& m, int dest) {
    sending s;
    s.message = std::move(m);
    const std::size_t piece = std::max<std::size_t>(1, piece_bytes.load(std::memory_order_relaxed));
    auto post = [&](const void* p, std::size_t n, int tag) {
      MPI_Request r = MPI_REQUEST_NULL;
      const int rc = MPI_Isend(p, static_cast<int>(n), MPI_BYTE, dest, tag, comm_, &r);
      if (rc == MPI_SUCCESS) s.requests.push_back(r);
      check(rc, "MPI_Isend");
    };
    try {
      if (s.message.size() <= piece) {
        post(s.message.data(), s.message.size(), task_tag);
      } else {
        s.announcement = std::make_unique<std::uint64_t>(s.message.size());
        post(s.announcement.get(), sizeof(std::uint64_t), task_big_tag);
        for (std::size_t at = 0; at < s.message.size(); at += piece)
          post(s.message.data() + at, std::min(piece, s.message.size() - at), piece_tag);
      }
    } catch (...) {
      if (!s.requests.empty()) sends_.push_back(std::move(s));  // buffers live until they end
      throw;
    }
    sends_.push_back(std::move(s));
  }

  // Releases the buffers of sends that have ended; `all`: wait for every one.
  void reap_sends(bool all) {
    for (auto it = sends_.begin(); it != sends_.end();) {
      int done = 0;
      if (all) {
        check(MPI_Waitall(static_cast<int>(it->requests.size()), it->requests.data(),
                          MPI_STATUSES_IGNORE),
              "MPI_Waitall");
        done = 1;
      } else {
        check(MPI_Testall(static_cast<int>(it->requests.size()), it->requests.data(), &done,
                          MPI_STATUSES_IGNORE),
              "MPI_Testall");
      }
      if (done) {
        pool_.put(std::move(it->message));
        it = sends_.erase(it);
      } else {
        ++it;
      }
    }
  }

  // Completes a task on the completer's threads; it counts as done (for shutdown) after its
  // callbacks have run.
  void publish(std::shared_ptr<remote_task> t) {
    completer_.post([this, t = std::move(t)] {
      t->publish();
      task_done();
    });
  }

  void complete(flight& f, std::exception_ptr error) {
    --workers_[f.worker].in_flight;
    if (error) f.task->fail(std::move(error));
    publish(std::move(f.task));
  }

  // A rank broke the protocol: every task in flight on it fails (its replies cannot be trusted
  // to be told apart any more), and it keeps getting new tasks.
  void refuse_rank(int rank, const std::string& what) {
    std::size_t n = 0;
    for (auto it = flights_.begin(); it != flights_.end();) {
      if (workers_[it->second.worker].rank == rank) {
        ++n;
        complete(it->second, std::make_exception_ptr(std::runtime_error(
                                 "parjit::mpi: rank " + std::to_string(rank) +
                                 " sent a malformed message (" + what +
                                 "); its tasks in flight failed")));
        it = flights_.erase(it);
      } else {
        ++it;
      }
    }
    if (n == 0)
      std::fprintf(stderr, "parjit::mpi: ignored a malformed message from rank %d (%s)\n", rank,
                   what.c_str());
  }

  // A whole reply from `rank`.
  void on_reply(std::vector<char>& reply, int rank) {
    if (reply.size() < sizeof(std::uint64_t)) {
      refuse_rank(rank, "a reply of " + std::to_string(reply.size()) + " bytes, without an id");
      return;
    }
    reader in(reply.data(), reply.size());
    const auto id = in.read<std::uint64_t>();
    auto it = flights_.find(id);
    if (it == flights_.end() || workers_[it->second.worker].rank != rank) {
      refuse_rank(rank, "a reply to task " + std::to_string(id) + ", which it was not running");
      return;
    }
    flight f = std::move(it->second);
    flights_.erase(it);
    f.task->finish(in, rank);
    complete(f, nullptr);
  }

  // Receives one message; false when none was waiting.
  bool receive_one(bool block) {
    MPI_Status st;
    int flag = 0;
    if (block) {
      probe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm_, &st);
      flag = 1;
    } else {
      check(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm_, &flag, &st), "MPI_Iprobe");
    }
    if (!flag) return false;
    receive(reply_, st, comm_);
    const int rank = st.MPI_SOURCE;
    if (rank < 0 || static_cast<std::size_t>(rank) >= assemblies_.size()) return true;
    assembly& a = assemblies_[static_cast<std::size_t>(rank)];
    try {
      if (st.MPI_TAG == result_tag) {
        if (a.active()) throw std::runtime_error("a whole reply inside a reply in pieces");
        on_reply(reply_, rank);
      } else if (st.MPI_TAG == result_big_tag) {
        a.start(reply_);
      } else if (st.MPI_TAG == piece_tag) {
        if (a.add(reply_.data(), reply_.size())) {
          std::vector<char> whole = a.take();
          on_reply(whole, rank);
        }
      } else {
        throw std::runtime_error("a message with tag " + std::to_string(st.MPI_TAG));
      }
    } catch (const std::exception& e) {
      a.reset();
      refuse_rank(rank, e.what());
    }
    return true;
  }

  // An MPI call failed on the progress thread: the executor cannot go on. Every task fails with
  // the reason, later submits throw it.
  void break_down(const std::string& why, std::deque<std::shared_ptr<remote_task>>& pending) {
    {
      std::lock_guard lk(m_);
      broken_ = why;
      closed_ = true;
      for (auto& t : incoming_) pending.push_back(std::move(t));
      incoming_.clear();
      incoming_count_.store(0, std::memory_order_relaxed);
    }
    const auto e = std::make_exception_ptr(std::runtime_error(why));
    for (auto& [id, f] : flights_) complete(f, e);
    flights_.clear();
    for (auto& t : pending) {
      if (t->start()) {
        t->fail(e);
        publish(std::move(t));
      } else {
        task_done();
      }
    }
    pending.clear();
  }

  void progress_loop() {
    std::deque<std::shared_ptr<remote_task>> pending;
    int size = 0;
    MPI_Comm_size(comm_, &size);
    assemblies_.resize(static_cast<std::size_t>(std::max(size, 0)));
    std::uint64_t next_id = 0;
    unsigned idle = 0;
    for (;;) {
      bool worked = false;
      try {
        if (incoming_count_.load(std::memory_order_acquire) != 0 ||
            drop_.load(std::memory_order_acquire)) {
          std::lock_guard lk(m_);
          for (auto& t : incoming_) pending.push_back(std::move(t));
          incoming_.clear();
          incoming_count_.store(0, std::memory_order_relaxed);
        }
        if (drop_.load(std::memory_order_acquire)) {
          for (auto& t : pending)  // cancelling runs callbacks: not on this thread
            completer_.post([this, t = std::move(t)] {
              t->drop();
              task_done();
            });
          pending.clear();
        }
        // Dispatch while a worker has room.
        while (!pending.empty()) {
          const std::size_t w = least_loaded();
          if (w == workers_.size()) break;
          std::shared_ptr<remote_task> t = std::move(pending.front());
          pending.pop_front();
          if (!t->start()) {  // cancelled while queued
            task_done();
            continue;
          }
          const std::uint64_t id = ++next_id;
          std::memcpy(t->message.data(), &id, sizeof id);
          ++workers_[w].in_flight;
          auto [it, _] = flights_.emplace(id, flight{t, w});
          try {
            start_send(std::move(t->message), workers_[w].rank);
          } catch (const std::exception& e) {
            complete(it->second, std::make_exception_ptr(std::runtime_error(
                                     "parjit::mpi: the task could not be sent to rank " +
                                     std::to_string(workers_[w].rank) + ": " + e.what())));
            flights_.erase(it);
          }
          worked = true;
        }
        if (!sends_.empty()) reap_sends(false);
        // Receive one message. Block in the probe when no worker has room: nothing else could
        // be dispatched meanwhile.
        if (!flights_.empty() && receive_one(least_loaded() == workers_.size())) worked = true;
      } catch (const std::exception& e) {
        break_down(std::string("parjit::mpi: the executor failed on the root: ") + e.what(),
                   pending);
        break;
      }
      if (worked) {
        idle = 0;
        continue;
      }
      if (flights_.empty() && pending.empty()) {
        std::unique_lock lk(m_);
        if (closed_ && outstanding_.load(std::memory_order_acquire) == 0 && incoming_.empty())
          break;
        cv_.wait(lk, [&] {
          return !incoming_.empty() || drop_.load(std::memory_order_relaxed) ||
                 (closed_ && outstanding_.load(std::memory_order_acquire) == 0);
        });
      } else if (++idle > 256) {
        std::this_thread::yield();  // a short spin, then let other threads have the core
      }
    }
    try {
      reap_sends(true);
      for (const auto& w : workers_)
        check(MPI_Send(nullptr, 0, MPI_BYTE, w.rank, stop_tag, comm_), "MPI_Send");
    } catch (const std::exception& e) {
      std::fprintf(stderr, "parjit::mpi: releasing the worker ranks failed: %s\n", e.what());
    }
  }

  MPI_Comm comm_;
  std::vector<worker> workers_;
  std::size_t threads_ = 0;
  buffer_pool pool_;
  completer completer_;  // declared before the arena, so it outlives it: arena tasks post to it
  std::unique_ptr<parjit::arena_executor> local_;

  // The progress thread's own.
  std::unordered_map<std::uint64_t, flight> flights_;
  std::vector<assembly> assemblies_;  // by source rank
  std::deque<sending> sends_;
  std::vector<char> reply_;

  std::mutex m_;
  std::condition_variable cv_;       // the progress thread: new work or shutdown
  std::condition_variable done_cv_;  // shutdown(wait): outstanding reached 0
  std::deque<std::shared_ptr<remote_task>> incoming_;
  std::atomic<std::size_t> incoming_count_{0};
  std::atomic<std::size_t> outstanding_{0};
  std::atomic<bool> drop_{false};
  bool closed_ = false;
  std::string broken_;

  std::mutex join_m_;
  std::thread progress_;
};

// A worker rank: receive tasks from the root, run each on the local arena, send the reply from
// the arena thread that ran it; return on the root's stop message. A task message that breaks the
// protocol is dropped with a line on stderr; a reply that cannot be sent becomes an error reply.
inline void serve(MPI_Comm comm, int root, int rank, int threads) {
  parjit::arena_executor arena(threads);
  buffer_pool pool;
  std::mutex send_m;  // one reply at a time: pieces of two replies must not interleave
  auto reply = [&, comm, root](std::vector<char>& out) {
    std::lock_guard lk(send_m);
    try {
      send_message(out, root, result_tag, result_big_tag, comm);
    } catch (const std::exception& e) {
      // Tell the root which task failed, in a reply small enough to go.
      std::vector<char> err;
      writer w(err);
      std::uint64_t id = 0;
      if (out.size() >= sizeof id) std::memcpy(&id, out.data(), sizeof id);
      w.write(id);
      w.write(true);
      w.write(std::string("std::runtime_error"));
      w.write("parjit::mpi: rank " + std::to_string(rank) + " could not send a reply of " +
              std::to_string(out.size()) + " bytes: " + e.what());
      try {
        send_message(err, root, result_tag, result_big_tag, comm);
      } catch (const std::exception& e2) {
        std::fprintf(stderr, "parjit::mpi: rank %d could not send a reply: %s\n", rank,
                     e2.what());
      }
    }
  };
  assembly big;
  std::vector<char> msg;
  for (;;) {
    MPI_Status st;
    probe(root, MPI_ANY_TAG, comm, &st);
    if (st.MPI_TAG == stop_tag) {
      check(MPI_Recv(nullptr, 0, MPI_BYTE, root, stop_tag, comm, MPI_STATUS_IGNORE), "MPI_Recv");
      break;
    }
    if (msg.capacity() == 0) msg = pool.get();
    receive(msg, st, comm);
    try {
      if (st.MPI_TAG == task_big_tag) {
        big.start(msg);
        continue;
      } else if (st.MPI_TAG == piece_tag) {
        if (!big.add(msg.data(), msg.size())) continue;
        msg = big.take();
      } else if (st.MPI_TAG != task_tag || big.active()) {
        throw std::runtime_error("a message with tag " + std::to_string(st.MPI_TAG) +
                                 (big.active() ? " inside a message in pieces" : ""));
      }
    } catch (const std::exception& e) {
      big.reset();
      std::fprintf(stderr, "parjit::mpi: rank %d dropped a malformed message from the root: %s\n",
                   rank, e.what());
      continue;
    }
    arena.submit([&pool, &reply, rank, msg = std::move(msg)]() mutable {
      thread_local std::vector<char> out;
      serve_one(msg.data(), msg.size(), out, rank);
      pool.put(std::move(msg));
      reply(out);
    });
    msg = {};
  }
  arena.shutdown(true, false);
}

}  // namespace parjit::mpi::detail
