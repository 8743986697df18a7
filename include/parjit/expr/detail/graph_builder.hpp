// Appends nodes to a graph with hash-consing, so identical subexpressions become one node
// (`a * a` reads argument 0 once) and equal trees build equal graphs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "../graph.hpp"
#include "scalar.hpp"

namespace parjit::expr::detail {

struct node_hash {
  std::size_t operator()(const node& n) const noexcept {
    // FNV-1a over the fields; only for the in-memory table, never persisted.
    std::uint64_t h = 1469598103934665603ull;
    auto mix = [&h](std::uint64_t v) {
      for (int i = 0; i < 8; ++i) {
        h ^= (v >> (8 * i)) & 0xffu;
        h *= 1099511628211ull;
      }
    };
    mix(static_cast<std::uint64_t>(n.code) | (static_cast<std::uint64_t>(n.type) << 8));
    for (std::int32_t o : n.operand) mix(static_cast<std::uint32_t>(o));
    mix(static_cast<std::uint32_t>(n.index));
    mix(n.bits);
    return static_cast<std::size_t>(h);
  }
};

class graph_builder {
 public:
  // Returns the index of an equal node already added, or appends n.
  std::int32_t add(const node& n) {
    auto [it, inserted] = index_.try_emplace(n, static_cast<std::int32_t>(g_.nodes.size()));
    if (inserted) g_.nodes.push_back(n);
    return it->second;
  }

  std::int32_t add(op code, scalar_kind type, std::int32_t a, std::int32_t b = -1,
                   std::int32_t c = -1) {
    node n;
    n.code = code;
    n.type = type;
    n.operand[0] = a;
    n.operand[1] = b;
    n.operand[2] = c;
    n.index = 0;
    n.bits = 0;
    return add(n);
  }

  // The implicit conversion of node i to kind `to`: nothing if it already has that type; a
  // constant is converted here (exactly as the `cast` op would at run time), as a C++ compiler
  // folds `x * 2` with float x into a multiply by 2.0f; otherwise a `cast` node.
  std::int32_t convert(std::int32_t i, scalar_kind to) {
    const node& n = g_.nodes[static_cast<std::size_t>(i)];
    if (n.type == to) return i;
    if (n.code == op::constant) {
      const node folded = with_type(n.type, [&](auto from) {
        using from_t = typename decltype(from)::type;
        const from_t v = n.value<from_t>();
        return with_type(to, [&](auto target) {
          using to_t = typename decltype(target)::type;
          return node::make_constant(detail::convert<to_t>(v));
        });
      });
      return add(folded);
    }
    return add(op::cast, to, i);
  }

  const graph& peek() const noexcept { return g_; }

  graph finish(std::int32_t root) && {
    g_.root = root;
    return std::move(g_);
  }

 private:
  graph g_;
  std::unordered_map<node, std::int32_t, node_hash> index_;
};

// Structural checks every walk over a graph needs before indexing with its operands.
inline void check_structure(const graph& g) {
  const auto n = static_cast<std::int32_t>(g.nodes.size());
  if (g.root < 0 || g.root >= n) {
    throw std::invalid_argument("parjit::expr: graph root " + std::to_string(g.root) +
                                " is not a node index (the graph has " + std::to_string(n) +
                                " nodes)");
  }
  for (std::int32_t i = 0; i < n; ++i) {
    const node& x = g.nodes[static_cast<std::size_t>(i)];
    if (static_cast<int>(x.code) >= op_count) {
      throw std::invalid_argument("parjit::expr: node " + std::to_string(i) +
                                  " has an unknown op code " +
                                  std::to_string(static_cast<int>(x.code)));
    }
    for (int k = 0; k < arity(x.code); ++k) {
      if (x.operand[k] < 0 || x.operand[k] >= i) {
        throw std::invalid_argument(
            "parjit::expr: node " + std::to_string(i) + " (" + std::string(name_of(x.code)) +
            ") has operand " + std::to_string(k) + " = " + std::to_string(x.operand[k]) +
            ", which is not an earlier node");
      }
    }
  }
}

// Copies the nodes `root` depends on into `b`, operands before users, left to right (the
// post-order a recursive walk would give), with an explicit stack: a graph may be tens of
// thousands of levels deep, and a recursion per level would overflow the thread's stack.
// `done[i]`: node i's index in `b`, or -1.
inline std::int32_t copy_canonical(const graph& g, std::int32_t root, graph_builder& b,
                                   std::vector<std::int32_t>& done) {
  struct frame {
    std::int32_t node;
    int next;  // the next operand to copy
  };
  std::vector<frame> stack{{root, 0}};
  while (!stack.empty()) {
    frame& f = stack.back();
    const auto i = static_cast<std::size_t>(f.node);
    if (done[i] >= 0) {
      stack.pop_back();
      continue;
    }
    const node& src = g.nodes[i];
    const int ar = arity(src.code);
    while (f.next < ar && done[static_cast<std::size_t>(src.operand[f.next])] >= 0) ++f.next;
    if (f.next < ar) {
      stack.push_back({src.operand[f.next], 0});  // invalidates f
      continue;
    }
    node n = src;
    for (int k = 0; k < 3; ++k) {
      // Unused slots do not distinguish graphs.
      n.operand[k] = k < ar ? done[static_cast<std::size_t>(src.operand[k])] : -1;
    }
    done[i] = b.add(n);
    stack.pop_back();
  }
  return done[static_cast<std::size_t>(root)];
}

}  // namespace parjit::expr::detail
