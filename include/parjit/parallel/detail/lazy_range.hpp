// The lazy input ranges behind executor.map (both executors) and as_completed: one iterator over a
// source that computes values on demand, and the window of futures in flight that both maps keep.
#pragma once

#include <cstddef>
#include <iterator>
#include <type_traits>
#include <utility>
#include <vector>

namespace parjit::detail {

// An input range over a `Source`, which provides
//     void start();        // called by begin(); may throw (e.g. "iterated only once")
//     T& current();        // the value under the iterator, waited for (and rethrown) on demand
//     void advance();      // moves past it; computes it first, so a failure is never skipped
//     bool at_end() const;
// The iterators point at the range, so it is neither copyable nor movable: the public range
// types (map_range, mpi::map_range, as_completed_range) derive from it and add their own members.
template <class Source>
class lazy_range {
 public:
  using reference = decltype(std::declval<Source&>().current());
  static_assert(std::is_lvalue_reference_v<reference>, "parjit: internal: current() returns T&");

  template <class... A>
  explicit lazy_range(A&&... args) : source_(std::forward<A>(args)...) {}
  lazy_range(const lazy_range&) = delete;
  lazy_range& operator=(const lazy_range&) = delete;

  class iterator {
   public:
    using value_type = std::remove_cvref_t<reference>;
    using difference_type = std::ptrdiff_t;
    using iterator_concept = std::input_iterator_tag;

    iterator() = default;
    reference operator*() const { return r_->source_.current(); }
    std::remove_reference_t<reference>* operator->() const { return &r_->source_.current(); }
    iterator& operator++() {
      r_->source_.advance();
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& it, std::default_sentinel_t) { return it.at_end(); }

   private:
    friend class lazy_range;
    bool at_end() const { return r_->source_.at_end(); }
    explicit iterator(lazy_range* r) : r_(r) {}
    lazy_range* r_ = nullptr;
  };

  iterator begin() {
    source_.start();
    return iterator(this);
  }
  std::default_sentinel_t end() const noexcept { return {}; }

 protected:
  Source source_;
};

// Futures in flight, consumed in submission order, at most `window` of them. Destroying the
// window cancels what has not started and waits for the rest, because those tasks may read their
// owner's members (the callable, the input range): declare it after them.
template <class Future>
class ordered_window {
 public:
  explicit ordered_window(std::size_t window) : window_(window) {}
  ~ordered_window() {
    for (std::size_t i = first_; i < in_flight_.size(); ++i) in_flight_[i].cancel();
    for (std::size_t i = first_; i < in_flight_.size(); ++i) in_flight_[i].wait();
  }
  ordered_window(const ordered_window&) = delete;
  ordered_window& operator=(const ordered_window&) = delete;

  // Calls `submit_next()` until the window is full or it returns false (the input is exhausted).
  // submit_next pushes at most one future.
  template <class SubmitNext>
  void fill(SubmitNext&& submit_next) {
    while (size() < window_ && submit_next()) {
    }
  }
  void push(Future f) { in_flight_.push_back(std::move(f)); }
  Future& front() { return in_flight_[first_]; }
  void pop_front() {
    in_flight_[first_++] = Future();  // releases the state now
    if (first_ == in_flight_.size()) {
      in_flight_.clear();
      first_ = 0;
    } else if (first_ >= 64 && 2 * first_ >= in_flight_.size()) {
      // Consumed slots fill at least half: drop them (amortised O(1) per item).
      in_flight_.erase(in_flight_.begin(), in_flight_.begin() + static_cast<std::ptrdiff_t>(first_));
      first_ = 0;
    }
  }
  bool empty() const noexcept { return size() == 0; }
  std::size_t size() const noexcept { return in_flight_.size() - first_; }

 private:
  std::size_t window_;
  std::vector<Future> in_flight_;  // [first_, size()) are in flight, oldest first
  std::size_t first_ = 0;
};

}  // namespace parjit::detail
