// The argument block of one kernel call: `args[i]` for every operand (array data, a scalar's
// value, a table's descriptor), `args[n]` the call_context, and the records where checked
// gathers report indices outside their tables, turned into std::out_of_range after the call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>

#include "../compile.hpp"
#include "operand_checks.hpp"
#include "operands.hpp"

namespace parjit::jit::detail {

// Where checked gathers of one table argument report their first index outside it.
struct gather_fault_record {
  std::mutex mutex;
  std::int64_t element = std::numeric_limits<std::int64_t>::max();
  std::int64_t x = 0;
  std::int64_t y = 0;
};

// gather_fault_function: keeps the lowest element of all groups reported (any thread).
inline void record_gather_fault(const table_descriptor* table, std::int64_t element,
                                const std::int64_t* x, const std::int64_t* y, std::uint64_t bad,
                                std::int32_t lanes) {
  auto* r = static_cast<gather_fault_record*>(table->fault_state);
  for (std::int32_t j = 0; j < lanes && j < 64; ++j) {
    if (((bad >> j) & 1u) == 0) continue;
    std::lock_guard lock(r->mutex);
    if (element + j < r->element) {
      r->element = element + j;
      r->x = x[j];
      r->y = y != nullptr ? y[j] : 0;
    }
    return;  // lanes are in element order: the first bad lane is the group's lowest
  }
}

// The per-operand part of the block: nothing for arrays and scalars; a descriptor and a fault
// record for a table.
template <class Op>
struct frame_slot {
  const void* pointer(const Op& op) { return operand_pointer(op); }
  void check(const Op&, std::size_t) const {}
};
template <class T, int D, expr::index_policy P>
struct frame_slot<table_operand<T, D, P>> {
  table_descriptor descriptor;
  gather_fault_record fault;

  const void* pointer(const table_operand<T, D, P>& op) {
    const auto& t = op.table;
    descriptor.data = t.data;
    descriptor.width = t.width;
    descriptor.height = t.height;
    descriptor.row_stride = t.row_stride;
    descriptor.fill = expr::to_bits(t.fill);
    descriptor.fault = &record_gather_fault;
    descriptor.fault_state = &fault;
    return &descriptor;
  }
  // After the call: std::out_of_range if a checked gather met an index outside the table.
  void check(const table_operand<T, D, P>& op, std::size_t index) const {
    if (fault.element == std::numeric_limits<std::int64_t>::max()) return;
    const auto& t = op.table;
    const std::string where =
        D == 1 ? "index " + std::to_string(fault.x) + ", outside its " +
                     std::to_string(t.width) + " elements"
               : "(x, y) = (" + std::to_string(fault.x) + ", " + std::to_string(fault.y) +
                     "), outside its " + std::to_string(t.width) + " x " +
                     std::to_string(t.height) + " elements";
    throw std::out_of_range("parjit::jit: element " + std::to_string(fault.element) +
                            " reads input " + std::to_string(index) + " (a jit::table) at " +
                            where + "; the lowest such element is named, out's contents are "
                            "unspecified (use jit::clamp or jit::constant(v) for other policies)");
  }
};

// The block for operands In...: `args()` is what the compiled loop takes. Build it once per
// call, run the loop (any number of chunks, any threads), then `check()`.
template <class... In>
class call_frame {
 public:
  explicit call_frame(const In&... in, call_context ctx = {}) : in_(in...), context_(ctx) {
    std::size_t index = 0;
    [[maybe_unused]] auto validate = [&](const auto& op) {
      ++index;
      if constexpr (is_table_operand<std::remove_cvref_t<decltype(op)>>::value) {
        check_table(op, index);
      }
    };
    (validate(in), ...);
    fill(std::index_sequence_for<In...>{});
  }
  call_frame(const call_frame&) = delete;
  call_frame& operator=(const call_frame&) = delete;

  const void* const* args() const noexcept { return args_; }
  const call_context& context() const noexcept { return context_; }

  // Throws std::out_of_range for the first table (in argument order) with a bad index.
  void check() const {
    check_all(std::index_sequence_for<In...>{});
  }

 private:
  template <std::size_t... Is>
  void fill(std::index_sequence<Is...>) {
    ((args_[Is] = std::get<Is>(slots_).pointer(std::get<Is>(in_))), ...);
    args_[sizeof...(In)] = &context_;
  }
  template <std::size_t... Is>
  void check_all(std::index_sequence<Is...>) const {
    (std::get<Is>(slots_).check(std::get<Is>(in_), Is + 1), ...);
  }

  std::tuple<const In&...> in_;
  std::tuple<frame_slot<In>...> slots_;
  call_context context_;
  const void* args_[sizeof...(In) + 1] = {};
};

}  // namespace parjit::jit::detail
