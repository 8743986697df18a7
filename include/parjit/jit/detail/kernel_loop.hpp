// The kernel function: its ABI (begin, end, out, args), the elementwise loop and the blocked,
// lane-parallel reductions, built around lowering.hpp's per-index value.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "../compile.hpp"
#include "errors.hpp"
#include "llvm.hpp"
#include "lowering.hpp"
#include "lowering_loops.hpp"
#include "session.hpp"

namespace parjit::jit::detail {
namespace {  // internal linkage: every copy of the backend is self-contained; one is linked in

using expr::op;
using expr::scalar_kind;

// The reduction's combining step on scalars or vectors of the accumulator type.
llvm::Value* combine(llvm::IRBuilder<>& b, kernel_kind kind, scalar_kind acc, llvm::Value* x,
                     llvm::Value* y) {
  const bool fp = expr::is_floating(acc);
  const bool s = expr::is_signed(acc);
  switch (kind) {
    case kernel_kind::sum: return fp ? b.CreateFAdd(x, y) : b.CreateAdd(x, y);
    case kernel_kind::prod: return fp ? b.CreateFMul(x, y) : b.CreateMul(x, y);
    case kernel_kind::min:
      if (fp) return b.CreateBinaryIntrinsic(llvm::Intrinsic::minimum, x, y);
      return b.CreateBinaryIntrinsic(s ? llvm::Intrinsic::smin : llvm::Intrinsic::umin, x, y);
    default:
      if (fp) return b.CreateBinaryIntrinsic(llvm::Intrinsic::maximum, x, y);
      return b.CreateBinaryIntrinsic(s ? llvm::Intrinsic::smax : llvm::Intrinsic::umax, x, y);
  }
}

llvm::Constant* identity(llvm::Type* t, kernel_kind kind, scalar_kind acc) {
  if (expr::is_floating(acc)) {
    const llvm::fltSemantics& sem = t->getFltSemantics();
    switch (kind) {
      case kernel_kind::sum: return llvm::ConstantFP::get(t, -0.0);  // -0 + x == x, even x = -0
      case kernel_kind::prod: return llvm::ConstantFP::get(t, 1.0);
      case kernel_kind::min: return llvm::ConstantFP::get(t->getContext(), llvm::APFloat::getInf(sem));
      default: return llvm::ConstantFP::get(t->getContext(), llvm::APFloat::getInf(sem, true));
    }
  }
  const unsigned bits = t->getIntegerBitWidth();
  const bool s = expr::is_signed(acc);
  switch (kind) {
    case kernel_kind::sum: return llvm::ConstantInt::get(t, 0);
    case kernel_kind::prod: return llvm::ConstantInt::get(t, 1);
    case kernel_kind::min:
      return llvm::ConstantInt::get(t->getContext(), s ? llvm::APInt::getSignedMaxValue(bits)
                                                       : llvm::APInt::getMaxValue(bits));
    default:
      return llvm::ConstantInt::get(t->getContext(), s ? llvm::APInt::getSignedMinValue(bits)
                                                       : llvm::APInt::getMinValue(bits));
  }
}

// Marks the loop from `header` to `latch` (its back edge) as free of memory dependences
// between iterations: every memory access in it joins one access group and the back edge says
// the group's accesses are parallel. The loop vectoriser then needs neither its dependence
// analysis nor run-time overlap checks (which sent an in-place call, out == input, to the
// scalar loop: equal addresses fail the check). True of the elementwise loop by the call
// contract: an input is `out` itself (element i read, then element i written) or disjoint
// from every out, and tables never overlap an out.
void mark_parallel(llvm::BasicBlock* header, llvm::BasicBlock* latch, llvm::BasicBlock* exit) {
  llvm::LLVMContext& ctx = header->getContext();
  llvm::MDNode* group = llvm::MDNode::getDistinct(ctx, {});
  std::vector<llvm::BasicBlock*> todo{header};
  llvm::SmallPtrSet<llvm::BasicBlock*, 8> seen{header};
  while (!todo.empty()) {
    llvm::BasicBlock* bb = todo.back();
    todo.pop_back();
    for (llvm::Instruction& inst : *bb) {
      if (inst.mayReadOrWriteMemory()) inst.setMetadata(llvm::LLVMContext::MD_access_group, group);
    }
    for (llvm::BasicBlock* next : llvm::successors(bb)) {
      if (next != exit && seen.insert(next).second) todo.push_back(next);
    }
  }
  llvm::Metadata* parallel[] = {llvm::MDString::get(ctx, "llvm.loop.parallel_accesses"), group};
  llvm::Metadata* self[] = {nullptr, llvm::MDNode::get(ctx, parallel)};
  llvm::MDNode* loop_id = llvm::MDNode::getDistinct(ctx, self);
  loop_id->replaceOperandWith(0, loop_id);
  latch->getTerminator()->setMetadata(llvm::LLVMContext::MD_loop, loop_id);
}

// Counted loop `for (iv = from; iv < to; ++iv) body(iv)` at the builder's position; the builder
// ends after the loop. `carried` are loop-carried values updated by `body`. `parallel`: the
// iterations' memory accesses are independent (mark_parallel).
template <class Body>
std::vector<llvm::Value*> emit_loop(llvm::IRBuilder<>& b, llvm::Function* f, llvm::Value* from,
                                    llvm::Value* to, std::vector<llvm::Value*> carried,
                                    Body body, const char* name, bool parallel = false) {
  llvm::LLVMContext& ctx = b.getContext();
  llvm::BasicBlock* pre = b.GetInsertBlock();
  auto* loop = llvm::BasicBlock::Create(ctx, std::string(name) + ".body", f);
  auto* exit = llvm::BasicBlock::Create(ctx, std::string(name) + ".exit", f);
  b.CreateCondBr(b.CreateICmpSLT(from, to), loop, exit);

  b.SetInsertPoint(loop);
  llvm::PHINode* iv = b.CreatePHI(from->getType(), 2, name);
  iv->addIncoming(from, pre);
  std::vector<llvm::PHINode*> phis;
  std::vector<llvm::Value*> in(carried.size());
  for (std::size_t j = 0; j < carried.size(); ++j) {
    phis.push_back(b.CreatePHI(carried[j]->getType(), 2));
    phis[j]->addIncoming(carried[j], pre);
    in[j] = phis[j];
  }
  std::vector<llvm::Value*> out = body(iv, in);
  llvm::Value* next = b.CreateAdd(iv, llvm::ConstantInt::get(iv->getType(), 1), "", true, true);
  llvm::BasicBlock* latch = b.GetInsertBlock();
  iv->addIncoming(next, latch);
  for (std::size_t j = 0; j < phis.size(); ++j) phis[j]->addIncoming(out[j], latch);
  b.CreateCondBr(b.CreateICmpSLT(next, to), loop, exit);
  if (parallel) mark_parallel(loop, latch, exit);

  b.SetInsertPoint(exit);
  std::vector<llvm::Value*> result(carried.size());
  for (std::size_t j = 0; j < carried.size(); ++j) {
    llvm::PHINode* p = b.CreatePHI(carried[j]->getType(), 2);
    p->addIncoming(carried[j], pre);
    p->addIncoming(out[j], latch);
    result[j] = p;
  }
  return result;
}

// Reductions: blocks of `block` elements; each block is computed elementwise into a stack buffer
// (a loop LLVM vectorises like any map), then folded into `lanes` independent accumulators with
// explicit vector operations (no reassociation needed, so it is deterministic and needs no
// fastmath). Lanes combine pairwise at the end; the tail of the last block goes to one scalar.
inline constexpr int reduction_block = 512;
int reduction_lanes(scalar_kind acc) { return 128 / expr::size_of(acc); }

void build_kernel(llvm::Module& m, const std::string& name, const expr::graph& g,
                  const signature& sig, const options& opts) {
  llvm::LLVMContext& ctx = m.getContext();
  llvm::IRBuilder<> b(ctx);
  if (opts.fastmath) b.setFastMathFlags(llvm::FastMathFlags::getFast());

  auto* i64 = b.getInt64Ty();
  auto* ptr = b.getPtrTy();
  auto* fty = llvm::FunctionType::get(b.getVoidTy(), {i64, i64, ptr, ptr}, false);
  auto* f = llvm::Function::Create(fty, llvm::Function::ExternalLinkage, name, m);
  f->addFnAttr(llvm::Attribute::NoUnwind);
  f->addFnAttr(llvm::Attribute::WillReturn);
  f->addParamAttr(3, llvm::Attribute::NoAlias);
  f->addParamAttr(3, llvm::Attribute::ReadOnly);
  if (opts.fastmath) {
    for (const char* a : {"unsafe-fp-math", "no-nans-fp-math", "no-infs-fp-math",
                          "no-signed-zeros-fp-math", "approx-func-fp-math"}) {
      f->addFnAttr(a, "true");
    }
  }
  llvm::Value* begin = f->getArg(0);
  llvm::Value* end = f->getArg(1);
  llvm::Value* out = f->getArg(2);
  llvm::Value* args = f->getArg(3);

  b.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", f));
  loop_lowering low(m, b, g, sig, opts);
  low.load_arguments(args);
  // One type per result (a jit::tuple kernel has several), one out or accumulator per result.
  std::vector<scalar_kind> types;
  for (const std::int32_t r : low.result_nodes()) {
    types.push_back(g.nodes.at(static_cast<std::size_t>(r)).type);
  }
  const std::vector<out_slot> outs = load_outs(b, out, sig, types.size());
  const std::size_t results = types.size();

  if (sig.kind == kernel_kind::elementwise && low.has_loops()) {
    emit_vector_groups(low, b, f, begin, end, outs, types);  // lowering_loops.hpp
    b.CreateRetVoid();
    return;
  }

  if (sig.kind == kernel_kind::elementwise) {
    emit_loop(
        b, f, begin, end, {},
        [&](llvm::Value* i, const std::vector<llvm::Value*>&) {
          low.evaluate(i);
          const std::vector<llvm::Value*> v = low.results();
          for (std::size_t k = 0; k < results; ++k) {
            const scalar_kind t = outs[k].type;
            llvm::Value* p =
                element_address(b, low.memory_type(t), outs[k].base, outs[k].stride, i);
            low.store_element(low.cast(v[k], types[k], t), p, t);
          }
          return std::vector<llvm::Value*>{};
        },
        "i", true);
    b.CreateRetVoid();
    return;
  }

  // A reduction of each result, each exactly as if it were the only one (its own lanes, block
  // buffer and order), computed in one pass: a tuple reduction gives the scalar ones' bits.
  struct accumulator {
    llvm::Type* type;
    int lanes;
    llvm::Type* vector;
    llvm::Value* buffer;
    llvm::Constant* identity;
  };
  std::vector<accumulator> accs;
  std::vector<llvm::Value*> carried;  // the lane vectors, then the tails' scalars
  for (std::size_t k = 0; k < results; ++k) {
    const scalar_kind res = outs[k].type;
    if (res == scalar_kind::boolean) fail("a reduction cannot accumulate in bool");
    llvm::Type* at = low.value_type(res);
    const int lanes = reduction_lanes(res);
    accs.push_back({at, lanes, llvm::FixedVectorType::get(at, static_cast<unsigned>(lanes)),
                    b.CreateAlloca(llvm::ArrayType::get(at, reduction_block)),
                    identity(at, sig.kind, res)});
    carried.push_back(
        llvm::ConstantVector::getSplat(llvm::ElementCount::getFixed(lanes), accs[k].identity));
  }
  for (std::size_t k = 0; k < results; ++k) carried.push_back(accs[k].identity);
  llvm::Value* block = b.getInt64(reduction_block);

  // while (i < end) { cnt = min(block, end - i); ... ; i += cnt }, written as a loop over blocks.
  llvm::Value* n_blocks = b.CreateSDiv(
      b.CreateAdd(b.CreateSub(end, begin), b.getInt64(reduction_block - 1)), block);
  auto acc = emit_loop(
      b, f, b.getInt64(0), n_blocks, carried,
      [&](llvm::Value* blk, const std::vector<llvm::Value*>& in) {
        llvm::Value* start = b.CreateAdd(begin, b.CreateMul(blk, block));
        llvm::Value* cnt = b.CreateBinaryIntrinsic(llvm::Intrinsic::smin, block,
                                                   b.CreateSub(end, start));
        emit_loop(
            b, f, b.getInt64(0), cnt, {},
            [&](llvm::Value* j, const std::vector<llvm::Value*>&) {
              low.evaluate(b.CreateAdd(start, j));
              const std::vector<llvm::Value*> v = low.results();
              for (std::size_t k = 0; k < results; ++k) {
                b.CreateStore(low.cast(v[k], types[k], outs[k].type),
                              b.CreateInBoundsGEP(accs[k].type, accs[k].buffer, j));
              }
              return std::vector<llvm::Value*>{};
            },
            "j");
        std::vector<llvm::Value*> next(2 * results);
        for (std::size_t k = 0; k < results; ++k) {
          const accumulator& a = accs[k];
          const scalar_kind res = outs[k].type;
          llvm::Value* full = b.CreateSDiv(cnt, b.getInt64(a.lanes));
          next[k] = emit_loop(
              b, f, b.getInt64(0), full, {in[k]},
              [&](llvm::Value* q, const std::vector<llvm::Value*>& c) {
                llvm::Value* p =
                    b.CreateInBoundsGEP(a.type, a.buffer, b.CreateMul(q, b.getInt64(a.lanes)));
                llvm::Value* x = b.CreateAlignedLoad(a.vector, p, llvm::Align(expr::size_of(res)));
                return std::vector<llvm::Value*>{combine(b, sig.kind, res, c[0], x)};
              },
              "k")[0];
          next[results + k] = emit_loop(
              b, f, b.CreateMul(full, b.getInt64(a.lanes)), cnt, {in[results + k]},
              [&](llvm::Value* r, const std::vector<llvm::Value*>& c) {
                llvm::Value* x = b.CreateLoad(a.type, b.CreateInBoundsGEP(a.type, a.buffer, r));
                return std::vector<llvm::Value*>{combine(b, sig.kind, res, c[0], x)};
              },
              "r")[0];
        }
        return next;
      },
      "block");
  for (std::size_t k = 0; k < results; ++k) {
    // Pairwise lane combination: halves, in a fixed order.
    const scalar_kind res = outs[k].type;
    llvm::Value* v = acc[k];
    for (int w = accs[k].lanes / 2; w >= 1; w /= 2) {
      llvm::SmallVector<int, 64> lo, hi;
      for (int j = 0; j < w; ++j) {
        lo.push_back(j);
        hi.push_back(j + w);
      }
      v = combine(b, sig.kind, res, b.CreateShuffleVector(v, lo), b.CreateShuffleVector(v, hi));
    }
    llvm::Value* total = combine(b, sig.kind, res, b.CreateExtractElement(v, std::uint64_t{0}),
                                 acc[results + k]);
    b.CreateStore(total, outs[k].base);
  }
  b.CreateRetVoid();
}

}  // namespace
}  // namespace parjit::jit::detail
