// The MPI executor's wire format as pure functions over bytes: message layout and tags, the
// worker's handling of one task message, the root's decoding of one reply, and the assembly of a
// message sent in pieces. No MPI call here, so the decoders can be tested and fuzzed alone.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "../../parallel/detail/executor_internals.hpp"
#include "../serialize.hpp"
#include "registry.hpp"

namespace parjit::mpi::detail {

enum tag : int {
  task_tag = 7301,        // a task message, whole
  result_tag = 7302,      // a reply, whole
  stop_tag = 7303,        // the root releases a worker
  task_big_tag = 7304,    // [u64 size] of a task message that follows in pieces
  result_big_tag = 7305,  // [u64 size] of a reply that follows in pieces
  piece_tag = 7306,       // the next piece of the message announced last by this sender
};

// Message layout. Root -> worker: [u64 id][u64 key][i64 offset][payload]. Worker -> root:
// [u64 id][bool failed][result payload | type name, message]. Every reply is decoded against
// what was sent (its id, the chunk's item count) and must be consumed to its last byte.
inline constexpr std::size_t header_bytes = 3 * sizeof(std::uint64_t);

// Bumped whenever the layout above changes; checked by the handshake.
inline constexpr std::uint64_t wire_version = 2;
inline constexpr std::uint64_t handshake_magic = 0x4d4f4350'4a524150ull;  // "PARJPCOM"

// Messages larger than this travel as an announcement and pieces of at most this size: an MPI
// count is an int. Settable (before executors start) so tests can exercise the pieces with small
// messages; the receiver accepts any piece size.
inline std::atomic<std::size_t> piece_bytes{std::size_t{1} << 30};

// A stand-in build identity for the handshake, for tests of ranks that disagree (0: the real one).
inline std::atomic<std::uint64_t> identity_for_test{0};

// Collects a message announced by [u64 size] from pieces, with every piece checked against the
// announcement; memory grows with what actually arrives, never with what was announced.
class assembly {
 public:
  bool active() const noexcept { return active_; }
  // The announcement: 8 bytes, a size larger than one piece could be (else it is a lie).
  void start(const std::vector<char>& announcement) {
    if (active_) throw std::runtime_error("a second announcement before the first message ended");
    if (announcement.size() != sizeof(std::uint64_t))
      throw std::runtime_error("an announcement of " + std::to_string(announcement.size()) +
                               " bytes, not 8");
    std::memcpy(&total_, announcement.data(), sizeof total_);
    if (total_ == 0) throw std::runtime_error("an announced message of 0 bytes");
    active_ = true;
    data_.clear();
  }
  // One more piece; true when the message is complete (then take() it).
  bool add(const char* p, std::size_t n) {
    if (!active_) throw std::runtime_error("a piece without an announcement");
    if (n == 0 || n > total_ - data_.size())
      throw std::runtime_error("a piece of " + std::to_string(n) + " bytes where " +
                               std::to_string(total_ - data_.size()) + " were left");
    data_.insert(data_.end(), p, p + n);
    return data_.size() == total_;
  }
  std::vector<char> take() {
    active_ = false;
    return std::move(data_);
  }
  void reset() noexcept {
    active_ = false;
    data_ = {};
  }

 private:
  bool active_ = false;
  std::uint64_t total_ = 0;
  std::vector<char> data_;
};

// Runs one task message and writes the reply into `out` (cleared first). Never throws: a message
// that does not decode gets an error reply (with id 0 if even the id is missing).
inline void serve_one(const char* msg, std::size_t n, std::vector<char>& out, int rank) noexcept {
  out.clear();
  writer w(out);
  reader in(msg, n);
  try {
    const auto id = n >= sizeof(std::uint64_t) ? in.read<std::uint64_t>() : std::uint64_t{0};
    w.write(id);
    const std::size_t status_at = out.size();
    w.write(false);
    try {
      const auto key = in.read<std::uint64_t>();
      const auto offset = in.read<std::int64_t>();
      const trampoline t = registry::instance().find(key);
      if (!t)
        throw std::logic_error("parjit::mpi: rank " + std::to_string(rank) +
                               " does not know the callable (is every rank running the same "
                               "binary?)");
      t(offset, in, w);
    } catch (...) {
      out.resize(status_at);
      w.write(true);
      write_exception(w, std::current_exception());
    }
  } catch (...) {  // out of memory while writing the error itself: a reply with no id
    out.assign(sizeof(std::uint64_t) + 1, 0);
    out.back() = 1;
  }
}

// A task the root has accepted: its message, and the state its reply completes.
class remote_task {
 public:
  virtual ~remote_task() = default;
  virtual bool start() noexcept = 0;  // false: cancelled before dispatch
  // Decodes the reply (`in` is past the id) into the state; does not complete it.
  virtual void finish(reader& in, int rank) noexcept = 0;
  virtual void fail(std::exception_ptr e) noexcept = 0;  // the reply never came or was refused
  virtual void publish() noexcept = 0;  // completes the future: waiters wake, callbacks run
  virtual void drop() noexcept = 0;     // shutdown(_, cancel_pending)
  std::vector<char> message;
};

// A future's state completed by a reply from another rank (or the root's local arena), never by
// running a callable here. `items`: what the reply is checked against (a chunk's item count).
template <class T>
class remote_state final : public parjit::detail::state<T>, public remote_task {
 public:
  using decoder = T (*)(reader&, int rank, std::uint64_t items);
  explicit remote_state(decoder d) noexcept
      : parjit::detail::state<T>(nullptr, parjit::detail::status::pending), decode_(d) {}

  std::uint64_t items = 0;

  bool start() noexcept override { return this->mark_running(); }
  void finish(reader& in, int rank) noexcept override {
    try {
      try {
        if (in.read<bool>()) {
          auto type = in.read<std::string>();
          auto what = in.read<std::string>();
          expect_end(in);
          this->error_ = rebuild_exception(type, what, rank);
        } else {
          if constexpr (!std::is_void_v<T>) this->value_.emplace(decode_(in, rank, items));
          expect_end(in);
        }
      } catch (const std::exception& e) {
        if constexpr (!std::is_void_v<T>) this->value_.reset();
        throw std::runtime_error("parjit::mpi: the reply from rank " + std::to_string(rank) +
                                 " was refused: " + e.what());
      }
    } catch (...) {
      this->error_ = std::current_exception();
    }
  }
  void fail(std::exception_ptr e) noexcept override { this->error_ = std::move(e); }
  void publish() noexcept override { this->complete(parjit::detail::status::finished); }
  void drop() noexcept override { this->cancel(); }

 private:
  void invoke() noexcept override {}  // its work runs elsewhere
  decoder decode_;
};

template <class T>
T decode_value(reader& in, int, std::uint64_t) {
  if constexpr (!std::is_void_v<T>) return in.read<T>();
}

}  // namespace parjit::mpi::detail
