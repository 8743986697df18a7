// The evaluation order of a graph with loops, shared by the reference evaluator and the LLVM
// lowering: which nodes each scope (the top level, a loop's preheader, a loop's condition and
// body) computes, in dependency order, with inner loops as single steps.
#pragma once

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "../graph.hpp"

namespace parjit::expr::detail {

struct loop_scope {
  std::int32_t node = -1;  // the loop node
  bool is_while = false;
  std::int32_t depth = 0;
  std::int32_t count = 0;           // carried values
  std::vector<std::int32_t> init;   // per carry: the initial value's node
  std::vector<std::int32_t> next;   // per carry: the next value's node
  std::int32_t lo = -1, hi = -1;    // fori
  std::int32_t cond = -1;           // loop_while
  std::vector<std::int32_t> before;  // nodes computed before the loop (no use of its variables)
  std::vector<std::int32_t> cond_steps;  // per iteration, first (loop_while)
  std::vector<std::int32_t> body_steps;  // per iteration, then
};

struct loop_plan {
  // Loops, jit::index(), gathers or jit::x()/y(): the backend computes such kernels as explicit
  // vector code over groups of elements (jit/detail/lowering_loops.hpp).
  bool has_loops = false;
  std::vector<std::uint64_t> free;        // per node: depths of the loop variables it uses
  std::vector<std::int32_t> scope_of;     // per node: its loop_scope if a loop node, else -1
  std::vector<loop_scope> loops;
  std::vector<std::int32_t> top;          // the root's steps
};

[[noreturn]] inline void invalid_loop(std::int32_t i, const std::string& why) {
  throw std::invalid_argument("parjit::expr::validate: node " + std::to_string(i) +
                              " (loop): " + why);
}

// The values of a pack of `count` values, first to last.
inline std::vector<std::int32_t> unpack(const graph& g, std::int32_t p, std::int32_t count,
                                        std::int32_t loop) {
  std::vector<std::int32_t> v(static_cast<std::size_t>(count));
  for (std::int32_t k = count - 1; k > 0; --k) {
    const node& n = g.nodes[static_cast<std::size_t>(p)];
    if (n.code != op::pack) invalid_loop(loop, "a list of its values is shorter than its count");
    v[static_cast<std::size_t>(k)] = n.operand[1];
    p = n.operand[0];
  }
  if (g.nodes[static_cast<std::size_t>(p)].code == op::pack) {
    invalid_loop(loop, "a list of its values is longer than its count");
  }
  v[0] = p;
  return v;
}

// Nodes needed by `roots`, stopping at loop nodes (a step of their own), sorted. With depth >= 0:
// `varying` gets those that use that depth's loop variables (walked through), `invariant` those
// that do not (with everything they need); `seen` marks nodes already placed.
inline void steps(const graph& g, const loop_plan& p, const std::vector<std::int32_t>& roots,
                  std::int32_t depth, std::vector<std::int32_t>& varying,
                  std::vector<std::int32_t>& invariant, std::vector<char>& seen) {
  const std::uint64_t bit = depth >= 0 ? std::uint64_t{1} << depth : 0;
  std::vector<std::int32_t> stack;
  auto visit = [&](std::int32_t i) {
    if (seen[static_cast<std::size_t>(i)]) return;
    seen[static_cast<std::size_t>(i)] = 1;
    stack.push_back(i);
  };
  for (std::int32_t r : roots) visit(r);
  const std::size_t v0 = varying.size(), i0 = invariant.size();
  while (!stack.empty()) {
    const std::int32_t i = stack.back();
    stack.pop_back();
    const bool uses = depth < 0 || (p.free[static_cast<std::size_t>(i)] & bit) != 0;
    (uses ? varying : invariant).push_back(i);
    const node& n = g.nodes[static_cast<std::size_t>(i)];
    if (n.code == op::loop) continue;
    for (int k = 0; k < arity(n.code); ++k) visit(n.operand[k]);
  }
  std::sort(varying.begin() + static_cast<std::ptrdiff_t>(v0), varying.end());
  std::sort(invariant.begin() + static_cast<std::ptrdiff_t>(i0), invariant.end());
}

// Builds the plan and checks the loop structure (check_structure must have passed): every loop
// variable is used inside its loop at its depth, values carried keep one type, fori's bounds
// are one integer type, loop_while's condition is bool.
inline loop_plan make_loop_plan(const graph& g) {
  loop_plan p;
  const std::size_t n = g.nodes.size();
  p.free.assign(n, 0);
  p.scope_of.assign(n, -1);
  for (std::size_t i = 0; i < n; ++i) {
    const node& x = g.nodes[i];
    std::uint64_t f = 0;
    for (int k = 0; k < arity(x.code); ++k) f |= p.free[static_cast<std::size_t>(x.operand[k])];
    if (x.code == op::loop_var) {
      if (x.bits >= 64) invalid_loop(static_cast<std::int32_t>(i), "a loop variable deeper than 63");
      f |= std::uint64_t{1} << x.bits;
    }
    if (x.code == op::index || x.code == op::loop_var || x.code == op::loop ||
        x.code == op::gather || x.code == op::gather2 || x.code == op::column ||
        x.code == op::row) {
      p.has_loops = true;
    }
    if (x.code == op::loop) {
      const auto self = static_cast<std::int32_t>(i);
      loop_scope s;
      s.node = self;
      s.depth = static_cast<std::int32_t>(x.bits & 0xffffffffu);
      const std::uint64_t kind = x.bits >> 32;
      if (s.depth >= 63 || kind > 1) invalid_loop(self, "bad depth or kind");
      s.is_while = kind == 1;
      s.count = x.index;
      if (s.count < 1) invalid_loop(self, "a loop carries at least one value");
      s.init = unpack(g, x.operand[0], s.count, self);
      s.next = unpack(g, x.operand[1], s.count, self);
      const std::uint64_t inner = ~std::uint64_t{0} << (s.depth + 1);
      const std::uint64_t own_and_inner = ~std::uint64_t{0} << s.depth;
      for (std::int32_t k = 0; k < s.count; ++k) {
        const node& a = g.nodes[static_cast<std::size_t>(s.init[static_cast<std::size_t>(k)])];
        const node& b = g.nodes[static_cast<std::size_t>(s.next[static_cast<std::size_t>(k)])];
        if (a.type != b.type) invalid_loop(self, "a carried value changes type");
        if (p.free[static_cast<std::size_t>(s.init[static_cast<std::size_t>(k)])] & own_and_inner) {
          invalid_loop(self, "an initial value uses the loop's own variables");
        }
        if (p.free[static_cast<std::size_t>(s.next[static_cast<std::size_t>(k)])] & inner) {
          invalid_loop(self, "a next value uses an inner loop's variables");
        }
      }
      const node& c = g.nodes[static_cast<std::size_t>(x.operand[2])];
      if (s.is_while) {
        s.cond = x.operand[2];
        if (c.type != scalar_kind::boolean) invalid_loop(self, "the condition is not bool");
        if (p.free[static_cast<std::size_t>(s.cond)] & inner) {
          invalid_loop(self, "the condition uses an inner loop's variables");
        }
      } else {
        if (c.code != op::pack) invalid_loop(self, "fori's control is not pack(lo, hi)");
        s.lo = c.operand[0];
        s.hi = c.operand[1];
        const scalar_kind t = g.nodes[static_cast<std::size_t>(s.lo)].type;
        if (t != g.nodes[static_cast<std::size_t>(s.hi)].type || !is_integral(t) ||
            t == scalar_kind::boolean || promote(t) != t) {
          invalid_loop(self, "fori's bounds are not one int32/uint32/int64/uint64 type");
        }
        if ((p.free[static_cast<std::size_t>(s.lo)] | p.free[static_cast<std::size_t>(s.hi)]) &
            own_and_inner) {
          invalid_loop(self, "fori's bounds use the loop's own variables");
        }
      }
      f &= ~(std::uint64_t{1} << s.depth);
      p.scope_of[i] = static_cast<std::int32_t>(p.loops.size());
      p.loops.push_back(std::move(s));
    }
    p.free[i] = f;
  }
  if (g.root >= 0 && p.free[static_cast<std::size_t>(g.root)] != 0) {
    throw std::invalid_argument("parjit::expr::validate: the result uses a loop variable outside "
                                "its loop");
  }
  if (!p.has_loops) return p;

  // Steps per scope. `before`: what a loop needs that its variables do not change (bounds,
  // initial values, the body's invariant parts), computed where the loop starts.
  {
    std::vector<char> seen(n, 0);
    std::vector<std::int32_t> unused;
    steps(g, p, {g.root}, -1, p.top, unused, seen);
  }
  for (loop_scope& s : p.loops) {
    std::vector<char> seen(n, 0);
    std::vector<std::int32_t> outside = s.init;
    if (!s.is_while) {
      outside.push_back(s.lo);
      outside.push_back(s.hi);
    }
    std::vector<std::int32_t> ignored;
    steps(g, p, outside, s.depth, ignored, s.before, seen);
    if (!ignored.empty()) invalid_loop(s.node, "an initial value or bound uses its variables");
    if (s.is_while) steps(g, p, {s.cond}, s.depth, s.cond_steps, s.before, seen);
    steps(g, p, s.next, s.depth, s.body_steps, s.before, seen);
    std::sort(s.before.begin(), s.before.end());
    for (const auto* list : {&s.cond_steps, &s.body_steps}) {
      for (std::int32_t i : *list) {
        const node& x = g.nodes[static_cast<std::size_t>(i)];
        if (x.code != op::loop_var || static_cast<std::int32_t>(x.bits) != s.depth) continue;
        const std::int32_t slots = s.count + (s.is_while ? 0 : 1);
        if (x.index < 0 || x.index >= slots) invalid_loop(s.node, "a loop variable's slot is out of range");
        const scalar_kind want =
            x.index < s.count
                ? g.nodes[static_cast<std::size_t>(s.init[static_cast<std::size_t>(x.index)])].type
                : g.nodes[static_cast<std::size_t>(s.lo)].type;
        if (x.type != want) invalid_loop(s.node, "a loop variable's type differs from its value's");
      }
    }
  }
  // A loop variable of depth d is only used inside a loop of depth d: a scope at depth d runs
  // loops of greater depth only.
  auto check_nesting = [&](const std::vector<std::int32_t>& list, std::int32_t outer) {
    for (std::int32_t i : list) {
      const std::int32_t s = p.scope_of[static_cast<std::size_t>(i)];
      if (s >= 0 && p.loops[static_cast<std::size_t>(s)].depth <= outer) {
        invalid_loop(i, "a loop nested in a loop of the same or a greater depth");
      }
      const node& x = g.nodes[static_cast<std::size_t>(i)];
      if (x.code == op::loop_var && static_cast<std::int32_t>(x.bits) > outer) {
        throw std::invalid_argument("parjit::expr::validate: node " + std::to_string(i) +
                                    " (loop_var) is used outside its loop");
      }
    }
  };
  check_nesting(p.top, -1);
  for (const loop_scope& s : p.loops) {
    check_nesting(s.cond_steps, s.depth);
    check_nesting(s.body_steps, s.depth);
  }
  return p;
}

}  // namespace parjit::expr::detail
