// Canonical text of an expression graph (readable, exact, usable as a cache key) and its stable
// 64-bit hash.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "detail/graph_builder.hpp"
#include "graph.hpp"
#include "nodes.hpp"
#include "to_graph.hpp"

namespace parjit::expr {

namespace detail {

inline void append_constant(std::string& out, const node& n) {
  char buf[64];
  with_type(n.type, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T v = n.value<T>();
    if constexpr (std::is_same_v<T, bool>) {
      out += v ? "true" : "false";
    } else if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(v)) {
        // Every NaN payload prints differently: the key must not merge distinct constants.
        auto r = std::to_chars(buf, buf + sizeof buf, n.bits, 16);
        out += "nan(0x";
        out.append(buf, r.ptr);
        out += ')';
      } else {
        // Shortest text that reads back to the same value; locale-independent, unlike printf.
        auto r = std::to_chars(buf, buf + sizeof buf, v);
        out.append(buf, r.ptr);
      }
    } else {
      auto r = std::to_chars(buf, buf + sizeof buf, v);
      out.append(buf, r.ptr);
    }
  });
  out += ':';
  out += name_of(n.type);
}

constexpr std::string_view infix_symbol(op o) noexcept {
  switch (o) {
    case op::add: return "+";
    case op::sub: return "-";
    case op::mul: return "*";
    case op::div: return "/";
    case op::mod: return "%";
    case op::eq: return "==";
    case op::ne: return "!=";
    case op::lt: return "<";
    case op::le: return "<=";
    case op::gt: return ">";
    case op::ge: return ">=";
    case op::logical_and: return "&&";
    case op::logical_or: return "||";
    default: return {};
  }
}

// Prints with an explicit stack of pending pieces (a node to print, or fixed text) rather than a
// recursion per level: a graph may be tens of thousands of levels deep.
struct printer {
  const graph& g;
  std::vector<std::int32_t> temp;  // hoisted name of a shared node, or -1
  std::string out;

  struct piece {
    std::int32_t node;      // >= 0: print this node; -1: append `text`
    std::string_view text;  // static text (op symbols and names, punctuation)
  };
  std::vector<piece> pending;

  void text(std::string_view t) { pending.push_back({-1, t}); }
  void child(std::int32_t i) { pending.push_back({i, {}}); }

  // Prints node i; `define`: its full expression even if it has a hoisted name.
  void expr(std::int32_t i, bool define = false) {
    pending.clear();
    expand(i, define);
    while (!pending.empty()) {
      const piece p = pending.back();
      pending.pop_back();
      if (p.node < 0) {
        out += p.text;
      } else {
        expand(p.node, false);
      }
    }
  }

  // Appends a leaf or a hoisted name to `out`, or pushes node i's pieces (in reverse: the stack
  // pops them in reading order).
  void expand(std::int32_t i, bool define) {
    const node& n = g.nodes[static_cast<std::size_t>(i)];
    if (!define && temp[static_cast<std::size_t>(i)] >= 0) {
      out += 't';
      out += std::to_string(temp[static_cast<std::size_t>(i)]);
      return;
    }
    switch (n.code) {
      case op::argument:
        out += 'a';
        out += std::to_string(n.index);
        out += ':';
        out += name_of(n.type);
        return;
      case op::constant: append_constant(out, n); return;
      case op::index: out += "index()"; return;
      case op::column: out += "x()"; return;
      case op::row: out += "y()"; return;
      case op::gather:  // a<k>:<type>[i]<policy>  (policy: checked, clamp or constant)
      case op::gather2: {  // a<k>:<type>(x, y)<policy>
        static constexpr std::string_view ends[2][4] = {
            {"]<checked>", "]<clamp>", "]<constant>", "]<?>"},
            {")<checked>", ")<clamp>", ")<constant>", ")<?>"}};
        const bool two = n.code == op::gather2;
        text(ends[two ? 1 : 0][n.bits < 3 ? n.bits : 3]);  // text() keeps a view: literals only
        if (two) {
          child(n.operand[1]);
          text(", ");
        }
        child(n.operand[0]);
        out += 'a';
        out += std::to_string(n.index);
        out += ':';
        out += name_of(n.type);
        out += two ? '(' : '[';
        return;
      }
      case op::loop_var:  // v<depth>.<slot>
        out += 'v';
        out += std::to_string(n.bits);
        out += '.';
        out += std::to_string(n.index);
        out += ':';
        out += name_of(n.type);
        return;
      case op::loop_result:  // result<k>(loop)
        text(")");
        child(n.operand[0]);
        out += "result<" + std::to_string(n.index) + ">(";
        return;
      case op::loop:  // fori<depth, n>(inits, next, pack(lo, hi)) / while<depth, n>(..., cond)
        text(")");
        for (int k = 2; k >= 0; --k) {
          child(n.operand[k]);
          if (k) text(", ");
        }
        out += (n.bits >> 32) == 1 ? "while<" : "fori<";
        out += std::to_string(n.bits & 0xffffffffu) + ", " + std::to_string(n.index) + ">(";
        return;
      case op::neg:
        text(")");
        child(n.operand[0]);
        out += "(-";
        return;
      case op::logical_not:
        text(")");
        child(n.operand[0]);
        out += "(!";
        return;
      case op::cast:
        text(")");
        child(n.operand[0]);
        out += name_of(n.type);
        out += '(';
        return;
      default: break;
    }
    const std::string_view sym = infix_symbol(n.code);
    if (!sym.empty()) {
      text(")");
      child(n.operand[1]);
      text(" ");
      text(sym);
      text(" ");
      child(n.operand[0]);
      out += '(';
      return;
    }
    text(")");
    for (int k = arity(n.code) - 1; k >= 0; --k) {
      child(n.operand[k]);
      if (k) text(", ");
    }
    out += name_of(n.code);
    out += '(';
  }
};

}  // namespace detail

/// Canonical, human-readable text of a graph: arguments as `a0:float`, constants exactly with
/// their type (`0.5:double`, `-3:int32`, `true:bool`, `nan(0x7ff8000000000000):double`), casts as
/// `float(...)`, operators fully parenthesised, other ops as calls; a non-leaf node used more
/// than once is printed once as `tK = ...; ` before the result. Loops print as
/// `fori<depth, n>(initial values, next values, pack(lo, hi))` or `while<depth, n>(..., cond)`,
/// their variables as `v<depth>.<slot>:type`, their results as `result<k>(loop)`; several results
/// (a `jit::tuple` root) as `pack(pack(v0, v1), v2)`. Graphs with the same canonical
/// form print the same text; any difference in a type, op, literal or shape changes it.
/// Example: `to_string(to_graph(sqrt(a * a + b * b)))` with float a, b is
/// `sqrt(((a0:float * a0:float) + (a1:float * a1:float)))`.
/// Throws std::invalid_argument for a structurally broken graph. Thread-safety: a pure function.
inline std::string to_string(const graph& g) {
  const graph c = canonical(g);
  std::vector<int> uses(c.nodes.size(), 0);
  for (const node& n : c.nodes) {
    for (int k = 0; k < arity(n.code); ++k) ++uses[static_cast<std::size_t>(n.operand[k])];
  }
  detail::printer p{c, std::vector<std::int32_t>(c.nodes.size(), -1), {}, {}};
  std::int32_t next = 0;
  for (std::size_t i = 0; i < c.nodes.size(); ++i) {
    if (uses[i] > 1 && arity(c.nodes[i].code) > 0) {
      p.out += 't';
      p.out += std::to_string(next);
      p.out += " = ";
      p.expr(static_cast<std::int32_t>(i), true);
      p.out += "; ";
      p.temp[i] = next++;
    }
  }
  p.expr(c.root);
  return std::move(p.out);
}

/// The canonical text of an expression's graph: `to_string(to_graph(e))`.
/// Example: `to_string(arg<0, float>{} + 1)` is `(a0:float + 1:float)`.
/// Thread-safety: a pure function.
template <expression E>
std::string to_string(const E& e) {
  return to_string(to_graph(e));
}

/// 64-bit FNV-1a of `to_string(g)`: stable across runs, processes and machines (no pointers, no
/// std::hash), equal for graphs that print equally. Example: a cache key is
/// `hash(g) ^ signature`. Thread-safety: a pure function.
inline std::uint64_t hash(const graph& g) {
  std::uint64_t h = 14695981039346656037ull;
  for (const char ch : to_string(g)) {
    h ^= static_cast<unsigned char>(ch);
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace parjit::expr
