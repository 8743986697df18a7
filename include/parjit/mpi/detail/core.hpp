// The MPI executor's machinery: remote task states, the root's progress thread, the worker loop.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <exception>
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

namespace parjit::mpi::detail {

enum tag : int { task_tag = 7301, result_tag = 7302, stop_tag = 7303 };

// Message layout. Root -> worker: [u64 id][u64 key][i64 offset][payload]. Worker -> root:
// [u64 id][u8 failed][result payload | type name, message].
inline constexpr std::size_t header_bytes = 3 * sizeof(std::uint64_t);

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

// Runs one task message and writes the reply into `out` (cleared first).
inline void serve_one(const char* msg, std::size_t n, std::vector<char>& out, int rank) {
  out.clear();
  writer w(out);
  reader in(msg, n);
  const auto id = in.read<std::uint64_t>();
  w.write(id);
  const std::size_t status_at = out.size();
  w.write(std::uint8_t{0});
  try {
    const auto key = in.read<std::uint64_t>();
    const auto offset = in.read<std::int64_t>();
    const trampoline t = registry::instance().find(key);
    if (!t)
      throw std::logic_error("parjit::mpi: rank " + std::to_string(rank) +
                             " does not know the callable (is every rank running the same "
                             "binary?)");
    t(static_cast<std::intptr_t>(offset), in, w);
  } catch (...) {
    out.resize(status_at);
    w.write(std::uint8_t{1});
    write_exception(w, std::current_exception());
  }
}

// A task the root has accepted: its message, and the state its reply completes.
class remote_task {
 public:
  virtual ~remote_task() = default;
  virtual bool start() noexcept = 0;                       // false: cancelled before dispatch
  virtual void finish(reader& in, int rank) noexcept = 0;  // `in` is past the id
  virtual void drop() noexcept = 0;                        // shutdown(_, cancel_pending)
  std::vector<char> message;
};

// A future's state completed by a reply from another rank (or the root's local arena), never by
// running a callable here.
template <class T>
class remote_state final : public parjit::detail::state<T>, public remote_task {
 public:
  using decoder = T (*)(reader&, int rank);
  explicit remote_state(decoder d)
      : parjit::detail::state<T>(nullptr, parjit::detail::status::pending), decode_(d) {}

  bool start() noexcept override { return this->mark_running(); }
  void finish(reader& in, int rank) noexcept override {
    try {
      if (in.read<std::uint8_t>()) {
        auto type = in.read<std::string>();
        auto what = in.read<std::string>();
        this->error_ = rebuild_exception(type, what, rank);
      } else if constexpr (!std::is_void_v<T>) {
        this->value_.emplace(decode_(in, rank));
      }
    } catch (...) {
      this->error_ = std::current_exception();  // a reply that does not decode
    }
    this->complete(parjit::detail::status::finished);
  }
  void drop() noexcept override { this->cancel(); }

 private:
  void invoke() noexcept override {}  // its work runs elsewhere
  decoder decode_;
};

template <class T>
T decode_value(reader& in, int) {
  if constexpr (!std::is_void_v<T>) return in.read<T>();
}

// The root's side of an executor. With worker ranks, a progress thread owns every MPI call on
// the executor's communicator: it dispatches queued tasks to the least loaded worker (up to
// `capacity` in flight each, so idle workers pull the next task) and completes futures as
// replies arrive. Without worker ranks, tasks run on a local arena through the same messages.
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
    if (!wait || std::this_thread::get_id() == progress_.get_id()) return;
    {
      std::unique_lock lk(m_);
      done_cv_.wait(lk, [&] { return outstanding_.load(std::memory_order_acquire) == 0; });
    }
    join();  // the workers are released once it returns
  }

 private:
  struct worker {
    int rank;
    std::size_t capacity;
    std::size_t in_flight;
  };
  struct flight {
    std::shared_ptr<remote_task> task;
    MPI_Request request;
    std::size_t worker;
  };

  void join() {
    std::lock_guard lk(join_m_);
    if (progress_.joinable() && std::this_thread::get_id() != progress_.get_id()) progress_.join();
  }

  void task_done() {
    if (outstanding_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard lk(m_);
      done_cv_.notify_all();
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
      }
      task_done();
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

  void progress_loop() {
    std::deque<std::shared_ptr<remote_task>> pending;
    std::unordered_map<std::uint64_t, flight> flights;
    std::vector<char> reply;
    std::uint64_t next_id = 0;
    unsigned idle = 0;
    for (;;) {
      bool worked = false;
      if (incoming_count_.load(std::memory_order_acquire) != 0 ||
          drop_.load(std::memory_order_acquire)) {
        std::lock_guard lk(m_);
        for (auto& t : incoming_) pending.push_back(std::move(t));
        incoming_.clear();
        incoming_count_.store(0, std::memory_order_relaxed);
      }
      if (drop_.load(std::memory_order_acquire)) {
        for (auto& t : pending) {
          t->drop();
          task_done();
        }
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
        flight f{std::move(t), MPI_REQUEST_NULL, w};
        MPI_Isend(f.task->message.data(), static_cast<int>(f.task->message.size()), MPI_BYTE,
                  workers_[w].rank, task_tag, comm_, &f.request);
        ++workers_[w].in_flight;
        flights.emplace(id, std::move(f));
        worked = true;
      }
      // Receive one reply. Block in MPI_Probe when no worker has room: nothing else could be
      // dispatched meanwhile.
      if (!flights.empty()) {
        MPI_Status st;
        int flag = 0;
        if (least_loaded() == workers_.size()) {
          probe(MPI_ANY_SOURCE, result_tag, comm_, &st);
          flag = 1;
        } else {
          MPI_Iprobe(MPI_ANY_SOURCE, result_tag, comm_, &flag, &st);
        }
        if (flag) {
          int count = 0;
          MPI_Get_count(&st, MPI_BYTE, &count);
          reply.resize(static_cast<std::size_t>(count));
          MPI_Recv(reply.data(), count, MPI_BYTE, st.MPI_SOURCE, result_tag, comm_,
                   MPI_STATUS_IGNORE);
          reader in(reply.data(), reply.size());
          const auto id = in.read<std::uint64_t>();
          auto it = flights.find(id);
          if (it != flights.end()) {
            flight f = std::move(it->second);
            flights.erase(it);
            MPI_Wait(&f.request, MPI_STATUS_IGNORE);  // done: the worker has the message
            --workers_[f.worker].in_flight;
            pool_.put(std::move(f.task->message));
            f.task->finish(in, st.MPI_SOURCE);
            task_done();
          }
          worked = true;
        }
      }
      if (worked) {
        idle = 0;
        continue;
      }
      if (flights.empty() && pending.empty()) {
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
    for (const auto& w : workers_)
      MPI_Send(nullptr, 0, MPI_BYTE, w.rank, stop_tag, comm_);
  }

  MPI_Comm comm_;
  std::vector<worker> workers_;
  std::size_t threads_ = 0;
  std::unique_ptr<parjit::arena_executor> local_;
  buffer_pool pool_;

  std::mutex m_;
  std::condition_variable cv_;       // the progress thread: new work or shutdown
  std::condition_variable done_cv_;  // shutdown(wait): outstanding reached 0
  std::deque<std::shared_ptr<remote_task>> incoming_;
  std::atomic<std::size_t> incoming_count_{0};
  std::atomic<std::size_t> outstanding_{0};
  std::atomic<bool> drop_{false};
  bool closed_ = false;

  std::mutex join_m_;
  std::thread progress_;
};

// A worker rank: receive tasks from the root, run each on the local arena, send the reply from
// the arena thread that ran it; return on the root's stop message.
inline void serve(MPI_Comm comm, int root, int rank, int threads) {
  parjit::arena_executor arena(threads);
  buffer_pool pool;
  for (;;) {
    MPI_Status st;
    probe(root, MPI_ANY_TAG, comm, &st);
    int count = 0;
    MPI_Get_count(&st, MPI_BYTE, &count);
    if (st.MPI_TAG == stop_tag) {
      MPI_Recv(nullptr, 0, MPI_BYTE, root, stop_tag, comm, MPI_STATUS_IGNORE);
      break;
    }
    std::vector<char> msg = pool.get();
    msg.resize(static_cast<std::size_t>(count));
    check(MPI_Recv(msg.data(), count, MPI_BYTE, root, st.MPI_TAG, comm, MPI_STATUS_IGNORE),
          "MPI_Recv");
    arena.submit([&pool, comm, root, rank, msg = std::move(msg)]() mutable {
      thread_local std::vector<char> out;
      serve_one(msg.data(), msg.size(), out, rank);
      pool.put(std::move(msg));
      MPI_Send(out.data(), static_cast<int>(out.size()), MPI_BYTE, root, result_tag, comm);
    });
  }
  arena.shutdown(true, false);
}

}  // namespace parjit::mpi::detail
