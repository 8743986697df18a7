// Lowering of kernels with loops (jit::fori, jit::loop_while), jit::index(), gathers and
// jit::x()/y(): the graph's values computed scope by scope (expr/detail/loop_plan.hpp), either
// for one element or, for an elementwise kernel, as explicit vector code over groups of elements
// (ISPC's model): a loop_while runs while any lane is active and finished lanes keep their values
// (blends); gathers read only the active lanes (lowering_gather.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "../../expr/detail/loop_plan.hpp"
#include "../compile.hpp"
#include "errors.hpp"
#include "llvm.hpp"
#include "lowering.hpp"
#include "lowering_gather.hpp"
#include "session.hpp"

namespace parjit::jit::detail {
namespace {  // internal linkage: every copy of the backend is self-contained; one is linked in

class loop_lowering : public gather_lowering {
 public:
  loop_lowering(llvm::Module& m, llvm::IRBuilder<>& b, const expr::graph& g, const signature& sig,
                const options& opts)
      : gather_lowering(m, b, g, sig, opts), g_(g), sig_(sig),
        plan_(expr::detail::make_loop_plan(g)) {}

  bool has_loops() const noexcept { return plan_.has_loops; }

  // Lanes per group of the vector code: one register of 32-bit elements (16 with AVX-512,
  // 8 with AVX2, 4 with SSE); 64-bit values take two registers.
  static unsigned vector_bytes() {
    const std::string& f = the_session().features();
    if (f.find("+avx512f") != std::string::npos) return 64;
    if (f.find("+avx2") != std::string::npos) return 32;
    return 16;
  }

  // The value at index i, one element (reductions); without loops, as lowering::evaluate.
  llvm::Value* evaluate(llvm::Value* i) {
    if (!plan_.has_loops) return lowering::evaluate(i);
    first_ = i;
    mask_ = nullptr;
    return run_plan();
  }

  // Switches to vector code of `lanes` lanes (after load_arguments).
  void use_lanes(unsigned lanes) {
    width_ = lanes;
    vector_bytes_ = vector_bytes();
    libmvec_ = opts_.vector_math && the_session().have_libmvec();
  }

  // The values of the group of elements first .. first + lanes - 1; `mask` (lanes of i1): the
  // elements that exist (loads and stores of the others are suppressed).
  llvm::Value* evaluate_group(llvm::Value* first, llvm::Value* mask) {
    first_ = first;
    mask_ = mask;
    return run_plan();
  }

  // The values of the graph's results after evaluate / evaluate_group.
  std::vector<llvm::Value*> results() const {
    return plan_.has_loops ? pick_results(result_nodes(), v_) : lowering::results();
  }

  // Stores a group's values (converted to out's type) under `mask`; a strided out scatters.
  void store_group(llvm::Value* v, const out_slot& out, llvm::Value* first, llvm::Value* mask) {
    const scalar_kind k = out.type;
    if (k == scalar_kind::boolean) v = b_.CreateZExt(v, vector_of(b_.getInt8Ty()));
    const llvm::Align align(expr::size_of(k));
    if (out.stride != nullptr) {
      llvm::Value* at = b_.CreateAdd(splat(first), lane_numbers());
      b_.CreateMaskedScatter(v, element_address(b_, memory_type(k), out.base, out.stride, at),
                             align, mask);
      return;
    }
    b_.CreateMaskedStore(v, b_.CreateInBoundsGEP(memory_type(k), out.base, first), align, mask);
  }

  llvm::Value* lane_numbers() {
    std::vector<llvm::Constant*> c;
    for (unsigned j = 0; j < width_; ++j) c.push_back(b_.getInt64(j));
    return llvm::ConstantVector::get(c);
  }
  llvm::Type* vector_of(llvm::Type* t) const { return llvm::FixedVectorType::get(t, width_); }

 private:
  llvm::Value* run_plan() {
    v_.assign(g_.nodes.size(), nullptr);
    same_.assign(g_.nodes.size(), 0);
    env_.assign(64, {});
    env_same_.assign(64, {});
    results_.assign(plan_.loops.size(), {});
    run(plan_.top, all_true());
    return v_[static_cast<std::size_t>(g_.root)];
  }

  llvm::Value* all_true() {
    if (mask_ != nullptr) return mask_;
    return width_ > 1 ? llvm::ConstantInt::getTrue(vector_of(b_.getInt1Ty())) : b_.getTrue();
  }
  llvm::Value* any(llvm::Value* m) { return width_ > 1 ? b_.CreateOrReduce(m) : m; }
  llvm::Value* splat(llvm::Value* x) {
    return width_ > 1 ? b_.CreateVectorSplat(width_, x) : x;
  }
  llvm::Value* lane0(llvm::Value* x) {
    return width_ > 1 ? b_.CreateExtractElement(x, std::uint64_t{0}) : x;
  }

  // Whether node k's value (computed in this group) is the same in every lane: scalars,
  // literals, jit::y(), the counter of a fori whose start is the same in every lane (all lanes
  // count together; a lane whose end came is inactive), and operations (gathers included) of such
  // values. A fori with both bounds uniform is a scalar counted loop; a uniform gather is one
  // scalar load.
  bool lane_uniform(std::int32_t k) const {
    const expr::node& n = g_.nodes[static_cast<std::size_t>(k)];
    switch (n.code) {
      case op::argument: {
        const auto idx = static_cast<std::size_t>(n.index);
        return idx < sig_.args.size() && sig_.args[idx].scalar;
      }
      case op::loop_var: {
        const auto& e = env_same_.at(static_cast<std::size_t>(n.bits));
        return static_cast<std::size_t>(n.index) < e.size() && e[static_cast<std::size_t>(n.index)];
      }
      case op::index:
      case op::column:
      case op::loop_result:
      case op::loop:
      case op::pack: return false;
      default: break;
    }
    bool u = true;
    for (int j = 0; j < expr::arity(n.code); ++j) {
      u = u && same_[static_cast<std::size_t>(n.operand[j])] != 0;
    }
    return u;
  }

  void run(const std::vector<std::int32_t>& steps, llvm::Value* mask) {
    for (std::int32_t k : steps) {
      const std::int32_t s = plan_.scope_of[static_cast<std::size_t>(k)];
      if (s >= 0) {
        const expr::detail::loop_scope& scope = plan_.loops[static_cast<std::size_t>(s)];
        results_[static_cast<std::size_t>(s)] =
            scope.is_while ? emit_while(scope, mask) : emit_fori(scope, mask);
      } else {
        active_ = mask;
        same_[static_cast<std::size_t>(k)] = lane_uniform(k) ? 1 : 0;
        v_[static_cast<std::size_t>(k)] = value_of(k);
      }
    }
  }

  llvm::Value* load_array(std::size_t idx, scalar_kind k) {
    llvm::Type* et = memory_type(k);
    llvm::Value* stride = stride_of(idx);
    if (width_ == 1) return load_element(element_address(b_, et, base_of(idx), stride, first_), k);
    llvm::Type* mt = vector_of(et);
    const llvm::Align align(expr::size_of(k));
    llvm::Value* none = llvm::Constant::getNullValue(mt);
    llvm::Value* x = nullptr;
    if (stride != nullptr) {  // a strided array: a gather of the group's elements
      llvm::Value* at = b_.CreateAdd(splat(first_), lane_numbers());
      x = b_.CreateMaskedGather(mt, element_address(b_, et, base_of(idx), stride, at), align,
                                all_true(), none);
    } else {
      llvm::Value* p = b_.CreateInBoundsGEP(et, base_of(idx), first_);
      x = mask_ == nullptr ? static_cast<llvm::Value*>(b_.CreateAlignedLoad(mt, p, align))
                           : b_.CreateMaskedLoad(mt, p, align, mask_, none);
    }
    if (k == scalar_kind::boolean) x = b_.CreateICmpNE(x, none);
    return x;
  }

  llvm::Value* value_of(std::int32_t k) {
    const expr::node& n = g_.nodes[static_cast<std::size_t>(k)];
    switch (n.code) {
      case op::argument: {
        const auto idx = static_cast<std::size_t>(n.index);
        if (n.index < 0 || idx >= sig_.args.size() || sig_.args[idx].type != n.type) {
          fail("graph node " + std::to_string(k) + " reads an argument the call does not pass");
        }
        if (sig_.args[idx].scalar) return splat(scalar_of(idx));
        return load_array(idx, n.type);
      }
      case op::index: {  // the call's offset (blocks, rows) + the element's place in the call
        llvm::Value* i = b_.CreateAdd(first_, index_offset());
        return width_ > 1 ? b_.CreateAdd(splat(i), lane_numbers()) : i;
      }
      case op::column: return width_ > 1 ? b_.CreateAdd(splat(first_), lane_numbers()) : first_;
      case op::row: return splat(row_value());
      case op::gather:
      case op::gather2: {
        llvm::Value* x = v_[static_cast<std::size_t>(n.operand[0])];
        llvm::Value* y = n.code == op::gather2 ? v_[static_cast<std::size_t>(n.operand[1])] : nullptr;
        if (x == nullptr || (n.code == op::gather2 && y == nullptr)) {
          fail("graph node " + std::to_string(k) + " is computed before its operand");
        }
        return gather(n, k, x, y, active_, b_.CreateAdd(first_, index_offset()), v_,
                      width_ > 1 && same_[static_cast<std::size_t>(k)] != 0);
      }
      case op::loop_var: {
        const auto& e = env_.at(static_cast<std::size_t>(n.bits));
        if (static_cast<std::size_t>(n.index) >= e.size()) fail("a loop variable outside its loop");
        return e[static_cast<std::size_t>(n.index)];
      }
      case op::loop_result: {
        const std::int32_t s = plan_.scope_of[static_cast<std::size_t>(n.operand[0])];
        return results_.at(static_cast<std::size_t>(s)).at(static_cast<std::size_t>(n.index));
      }
      case op::pack:
      case op::loop: return nullptr;  // run as a scope
      default: break;
    }
    const int ar = expr::arity(n.code);
    llvm::Value* a[3] = {nullptr, nullptr, nullptr};
    scalar_kind t[3] = {};
    for (int j = 0; j < ar; ++j) {
      a[j] = v_[static_cast<std::size_t>(n.operand[j])];
      t[j] = g_.nodes[static_cast<std::size_t>(n.operand[j])].type;
      if (a[j] == nullptr) fail("graph node " + std::to_string(k) + " is computed before its operand");
    }
    return node_value(n, k, a, t, first_);
  }

  std::vector<llvm::Value*> values(const std::vector<std::int32_t>& nodes) {
    std::vector<llvm::Value*> r;
    for (std::int32_t i : nodes) r.push_back(v_[static_cast<std::size_t>(i)]);
    return r;
  }

  llvm::Function* function() { return b_.GetInsertBlock()->getParent(); }

  // while (any lane active) { active &= cond; if none: exit; carries = active ? body : carries }
  std::vector<llvm::Value*> emit_while(const expr::detail::loop_scope& s, llvm::Value* mask) {
    run(s.before, mask);
    std::vector<llvm::Value*> init = values(s.init);
    llvm::LLVMContext& ctx = b_.getContext();
    llvm::BasicBlock* pre = b_.GetInsertBlock();
    auto* head = llvm::BasicBlock::Create(ctx, "while.head", function());
    auto* body = llvm::BasicBlock::Create(ctx, "while.body", function());
    auto* exit = llvm::BasicBlock::Create(ctx, "while.exit", function());
    b_.CreateBr(head);
    b_.SetInsertPoint(head);
    std::vector<llvm::PHINode*> carry;
    for (llvm::Value* x : init) {
      carry.push_back(b_.CreatePHI(x->getType(), 2));
      carry.back()->addIncoming(x, pre);
    }
    llvm::PHINode* active = b_.CreatePHI(mask->getType(), 2, "active");
    active->addIncoming(mask, pre);
    env_[static_cast<std::size_t>(s.depth)].assign(carry.begin(), carry.end());
    env_same_[static_cast<std::size_t>(s.depth)].assign(carry.size(), 0);
    run(s.cond_steps, active);
    llvm::Value* go = b_.CreateAnd(active, v_[static_cast<std::size_t>(s.cond)]);
    b_.CreateCondBr(any(go), body, exit);
    b_.SetInsertPoint(body);
    env_[static_cast<std::size_t>(s.depth)].assign(carry.begin(), carry.end());
    run(s.body_steps, go);
    std::vector<llvm::Value*> next = values(s.next);
    llvm::BasicBlock* latch = b_.GetInsertBlock();
    for (std::size_t j = 0; j < carry.size(); ++j) {
      llvm::Value* x = width_ > 1 ? b_.CreateSelect(go, next[j], carry[j]) : next[j];
      carry[j]->addIncoming(x, latch);
    }
    active->addIncoming(go, latch);
    b_.CreateBr(head);
    b_.SetInsertPoint(exit);
    return {carry.begin(), carry.end()};
  }

  llvm::Value* less(llvm::Value* x, llvm::Value* y, scalar_kind k) {
    return expr::is_signed(k) ? b_.CreateICmpSLT(x, y) : b_.CreateICmpULT(x, y);
  }

  // for (i = lo; i < hi; ++i) carries = body: with bounds equal for every lane, a scalar
  // counted loop; else per lane, masked as loop_while.
  std::vector<llvm::Value*> emit_fori(const expr::detail::loop_scope& s, llvm::Value* mask) {
    run(s.before, mask);
    std::vector<llvm::Value*> init = values(s.init);
    const scalar_kind ck = g_.nodes[static_cast<std::size_t>(s.lo)].type;
    const bool scalar_control = width_ == 1 || (same_[static_cast<std::size_t>(s.lo)] != 0 &&
                                                 same_[static_cast<std::size_t>(s.hi)] != 0);
    llvm::Value* lo = v_[static_cast<std::size_t>(s.lo)];
    llvm::Value* hi = v_[static_cast<std::size_t>(s.hi)];
    if (scalar_control) {
      lo = lane0(lo);
      hi = lane0(hi);
    }
    llvm::LLVMContext& ctx = b_.getContext();
    llvm::BasicBlock* pre = b_.GetInsertBlock();
    auto* body = llvm::BasicBlock::Create(ctx, "fori.body", function());
    auto* exit = llvm::BasicBlock::Create(ctx, "fori.exit", function());
    llvm::Value* first_active = scalar_control ? nullptr : b_.CreateAnd(mask, less(lo, hi, ck));
    b_.CreateCondBr(scalar_control ? less(lo, hi, ck) : any(first_active), body, exit);
    b_.SetInsertPoint(body);
    llvm::PHINode* i = b_.CreatePHI(lo->getType(), 2, "i");
    i->addIncoming(lo, pre);
    std::vector<llvm::PHINode*> carry;
    for (llvm::Value* x : init) {
      carry.push_back(b_.CreatePHI(x->getType(), 2));
      carry.back()->addIncoming(x, pre);
    }
    llvm::PHINode* active = nullptr;
    if (!scalar_control) {
      active = b_.CreatePHI(first_active->getType(), 2, "active");
      active->addIncoming(first_active, pre);
    }
    auto& e = env_[static_cast<std::size_t>(s.depth)];
    e.assign(carry.begin(), carry.end());
    e.push_back(scalar_control ? splat(i) : i);
    auto& same = env_same_[static_cast<std::size_t>(s.depth)];
    same.assign(carry.size(), 0);
    same.push_back(same_[static_cast<std::size_t>(s.lo)]);  // every lane counts from lo
    run(s.body_steps, scalar_control ? mask : active);
    std::vector<llvm::Value*> next = values(s.next);
    llvm::Value* i_next = b_.CreateAdd(i, llvm::ConstantInt::get(i->getType(), 1));
    llvm::BasicBlock* latch = b_.GetInsertBlock();
    std::vector<llvm::Value*> out;
    for (std::size_t j = 0; j < carry.size(); ++j) {
      llvm::Value* x = scalar_control ? next[j] : b_.CreateSelect(active, next[j], carry[j]);
      carry[j]->addIncoming(x, latch);
      out.push_back(x);
    }
    i->addIncoming(i_next, latch);
    llvm::Value* more = nullptr;
    if (scalar_control) {
      more = less(i_next, hi, ck);
    } else {
      llvm::Value* still = b_.CreateAnd(active, less(i_next, hi, ck));
      active->addIncoming(still, latch);
      more = any(still);
    }
    b_.CreateCondBr(more, body, exit);
    b_.SetInsertPoint(exit);
    std::vector<llvm::Value*> result;
    for (std::size_t j = 0; j < carry.size(); ++j) {
      llvm::PHINode* p = b_.CreatePHI(init[j]->getType(), 2);
      p->addIncoming(init[j], pre);
      p->addIncoming(out[j], latch);
      result.push_back(p);
    }
    return result;
  }

  const expr::graph& g_;
  const signature& sig_;
  expr::detail::loop_plan plan_;
  std::vector<llvm::Value*> v_;
  std::vector<std::vector<llvm::Value*>> env_;
  std::vector<std::vector<llvm::Value*>> results_;
  std::vector<char> same_;                   // per node: lane_uniform when computed
  std::vector<std::vector<char>> env_same_;  // per loop depth: lane_uniform of each variable
  llvm::Value* first_ = nullptr;
  llvm::Value* mask_ = nullptr;
  llvm::Value* active_ = nullptr;  // the lanes the node being computed is for
};

// The elementwise loop of a kernel with loops: groups of `lanes` elements from `begin`, the last
// one masked (every element takes the same vector code, so `par` chunks give serial's bits).
void emit_vector_groups(loop_lowering& low, llvm::IRBuilder<>& b, llvm::Function* f,
                        llvm::Value* begin, llvm::Value* end, const std::vector<out_slot>& outs,
                        const std::vector<scalar_kind>& types) {
  const unsigned bytes = loop_lowering::vector_bytes();
  const unsigned lanes = bytes / 4;
  f->addFnAttr("prefer-vector-width", std::to_string(bytes * 8));
  f->addFnAttr("min-legal-vector-width", std::to_string(bytes * 8));
  low.use_lanes(lanes);
  llvm::LLVMContext& ctx = b.getContext();
  llvm::BasicBlock* pre = b.GetInsertBlock();
  auto* body = llvm::BasicBlock::Create(ctx, "group", f);
  auto* exit = llvm::BasicBlock::Create(ctx, "groups.exit", f);
  b.CreateCondBr(b.CreateICmpSLT(begin, end), body, exit);
  b.SetInsertPoint(body);
  llvm::PHINode* first = b.CreatePHI(b.getInt64Ty(), 2, "first");
  first->addIncoming(begin, pre);
  llvm::Value* left = b.CreateVectorSplat(lanes, b.CreateSub(end, first));
  llvm::Value* mask = b.CreateICmpSLT(low.lane_numbers(), left);
  low.evaluate_group(first, mask);
  const std::vector<llvm::Value*> v = low.results();
  for (std::size_t k = 0; k < outs.size(); ++k) {
    low.store_group(low.cast(v[k], types[k], outs[k].type), outs[k], first, mask);
  }
  llvm::Value* next = b.CreateAdd(first, b.getInt64(lanes), "", true, true);
  first->addIncoming(next, b.GetInsertBlock());
  b.CreateCondBr(b.CreateICmpSLT(next, end), body, exit);
  b.SetInsertPoint(exit);
}

}  // namespace
}  // namespace parjit::jit::detail
