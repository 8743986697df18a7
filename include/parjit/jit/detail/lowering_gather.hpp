// Lowering of gathers from table arguments (op::gather, op::gather2), of the call context's
// values (jit::index()'s offset, jit::y()) and of the index policies: a gather whose offsets are
// clamped (or 0 where an index is outside), so it never touches memory outside the table; lanes
// outside take the fill value (or 0); checked gathers report them through the descriptor's fault
// function, on a cold path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "../compile.hpp"
#include "errors.hpp"
#include "llvm.hpp"
#include "lowering.hpp"
#include "session.hpp"

namespace parjit::jit::detail {
namespace {  // internal linkage: every copy of the backend is self-contained; one is linked in

class gather_lowering : public lowering {
 public:
  gather_lowering(llvm::Module& m, llvm::IRBuilder<>& b, const expr::graph& g,
                  const signature& sig, const options& opts)
      : lowering(m, b, g, sig, opts), graph_(g), signature_(sig) {}

  // Arguments (lowering::load_arguments), the tables' descriptors and, when the graph uses them,
  // the call context's values; all in the entry block.
  void load_arguments(llvm::Value* args) {
    lowering::load_arguments(args);
    entry_ = b_.GetInsertBlock();
    tables_.assign(signature_.args.size(), {});
    once_.clear();
    for (std::size_t i = 0; i < signature_.args.size(); ++i) {
      if (signature_.args[i].scalar || signature_.args[i].form != access::table) continue;
      llvm::Value* d = base_of(i);
      table& t = tables_[i];
      t.descriptor = d;
      t.data = b_.CreateLoad(b_.getPtrTy(), field(d, offsetof(table_descriptor, data)));
      t.width = b_.CreateLoad(b_.getInt64Ty(), field(d, offsetof(table_descriptor, width)));
      t.height = b_.CreateLoad(b_.getInt64Ty(), field(d, offsetof(table_descriptor, height)));
      t.row_stride = b_.CreateLoad(b_.getInt64Ty(), field(d, offsetof(table_descriptor, row_stride)));
      t.fill = b_.CreateLoad(b_.getInt64Ty(), field(d, offsetof(table_descriptor, fill)));
      t.fault = b_.CreateLoad(b_.getPtrTy(), field(d, offsetof(table_descriptor, fault)));
      // An empty table reads a cell of zeros instead (every gather index is 0 or clamped, so
      // any other table has the element it reads).
      llvm::Value* empty = b_.CreateOr(b_.CreateICmpEQ(t.width, b_.getInt64(0)),
                                       b_.CreateICmpEQ(t.height, b_.getInt64(0)));
      const unsigned size = expr::size_of(signature_.args[i].type);
      if (size >= 4) {
        t.data = b_.CreateSelect(empty, dummy(), t.data);
        continue;
      }
      // 8- and 16-bit tables are read as the 4-byte words that hold the elements (x86 has no
      // byte gather): the word starts at the element, or at the table's last 4 bytes for the
      // last elements. A table of fewer than 8 bytes is copied into a zeroed 8-byte cell first.
      llvm::Value* elements = b_.CreateSelect(
          empty, b_.getInt64(0),
          b_.CreateAdd(b_.CreateMul(b_.CreateSub(t.height, b_.getInt64(1)), t.row_stride), t.width));
      llvm::Value* bytes = b_.CreateMul(elements, b_.getInt64(size));
      llvm::Value* cell = entry_alloca(b_.getInt64Ty());
      b_.CreateStore(b_.getInt64(0), cell);
      llvm::Value* small = b_.CreateICmpULT(bytes, b_.getInt64(8));
      b_.CreateMemCpy(cell, llvm::MaybeAlign(1), t.data, llvm::MaybeAlign(1),
                      b_.CreateSelect(small, bytes, b_.getInt64(0)));
      t.data = b_.CreateSelect(small, cell, t.data);
      t.last_word = b_.CreateSelect(small, b_.getInt64(4), b_.CreateSub(bytes, b_.getInt64(4)));
    }
    bool context = false;
    for (const expr::node& n : graph_.nodes) {
      context = context || n.code == op::index || n.code == op::row || n.code == op::gather ||
                n.code == op::gather2;
    }
    offset_ = b_.getInt64(0);
    row_ = b_.getInt64(0);
    if (!context) return;
    // args[n] is the call_context, or null (index offset 0, row 0).
    llvm::Value* slot = b_.CreateConstInBoundsGEP1_64(b_.getPtrTy(), args, signature_.args.size());
    llvm::Value* p = b_.CreateLoad(b_.getPtrTy(), slot);
    llvm::Value* zero = b_.CreateAlloca(llvm::ArrayType::get(b_.getInt64Ty(), 2));
    b_.CreateStore(llvm::Constant::getNullValue(llvm::ArrayType::get(b_.getInt64Ty(), 2)), zero);
    llvm::Value* q = b_.CreateSelect(b_.CreateIsNull(p), zero, p);
    offset_ = b_.CreateLoad(b_.getInt64Ty(), field(q, offsetof(call_context, index_offset)));
    row_ = b_.CreateLoad(b_.getInt64Ty(), field(q, offsetof(call_context, y)));
  }

 protected:
  llvm::Value* index_offset() const { return offset_; }
  llvm::Value* row_value() const { return row_; }

  // Node k (a gather) for the lanes of `mask` (i1 or <width x i1>); `x`, `y`: its int64 operand
  // values (y null for a 1-D table); `element`: jit::index() of lane 0, for fault reports.
  // `values`: the graph's values so far; `uniform`: every lane has the same index (one scalar
  // load, splat, instead of a gather). When x is an int64 conversion of a type that fits
  // int32 (bool, int8..int32, uint8, uint16), a 1-D gather computes its offsets from the value
  // before the conversion, in 32 bits (half the vector work, dword-indexed gathers).
  llvm::Value* gather(const expr::node& n, std::int32_t k, llvm::Value* x, llvm::Value* y,
                      llvm::Value* mask, llvm::Value* element,
                      const std::vector<llvm::Value*>& values, bool uniform) {
    llvm::Value* narrow = nullptr;
    scalar_kind narrow_kind = scalar_kind::i32;
    const expr::node& xn = graph_.nodes[static_cast<std::size_t>(n.operand[0])];
    if (xn.code == op::cast) {
      narrow_kind = graph_.nodes[static_cast<std::size_t>(xn.operand[0])].type;
      if (narrow_kind != scalar_kind::u32 && expr::size_of(narrow_kind) <= 4 &&
          expr::is_integral(narrow_kind)) {
        narrow = values[static_cast<std::size_t>(xn.operand[0])];
      }
    }
    const auto idx = static_cast<std::size_t>(n.index);
    const bool two = n.code == op::gather2;
    if (n.index < 0 || idx >= signature_.args.size() || signature_.args[idx].scalar ||
        signature_.args[idx].form != access::table || signature_.args[idx].type != n.type ||
        signature_.args[idx].dims != (two ? 2 : 1) ||
        static_cast<std::uint64_t>(signature_.args[idx].policy) != n.bits) {
      fail("graph node " + std::to_string(k) +
           " gathers from an argument the call does not pass as a table of that type, shape "
           "and policy");
    }
    const table& t = tables_[idx];
    const scalar_kind ty = n.type;
    if (!two && narrow != nullptr && width_ > 1 && expr::size_of(ty) != 2) {
      return gather32(n, t, x, narrow, narrow_kind, mask, element, uniform);
    }
    llvm::Type* i64 = lanes(b_.getInt64Ty());
    auto splat64 = [&](llvm::Value* v) {  // a table's field in every lane
      return once('s', v, 0, [&](llvm::IRBuilder<>& e) { return splat(e, v); });
    };
    llvm::Value* zero = llvm::Constant::getNullValue(i64);
    llvm::Value* inside = b_.CreateICmpULT(x, splat64(t.width));  // negative: huge unsigned
    if (two) inside = b_.CreateAnd(inside, b_.CreateICmpULT(y, splat64(t.height)));
    const auto policy = static_cast<expr::index_policy>(n.bits);
    llvm::Value* read = nullptr;  // lanes whose value comes from the table (null: all)
    llvm::Value* cx = nullptr;
    llvm::Value* cy = nullptr;
    if (policy == expr::index_policy::clamp) {  // the call checked the table is not empty
      auto clamp = [&](llvm::Value* v, llvm::Value* size) {
        llvm::Value* hi = once('h', size, 0, [&](llvm::IRBuilder<>& e) {
          return splat(e, e.CreateSub(size, e.getInt64(1)));
        });
        return b_.CreateBinaryIntrinsic(llvm::Intrinsic::smax, zero,
                                        b_.CreateBinaryIntrinsic(llvm::Intrinsic::smin, v, hi));
      };
      cx = clamp(x, t.width);
      if (two) cy = clamp(y, t.height);
    } else {
      read = inside;
      cx = b_.CreateSelect(inside, x, zero);
      if (two) cy = b_.CreateSelect(inside, y, zero);
      if (policy == expr::index_policy::checked) {
        report(t, b_.CreateAnd(mask, b_.CreateNot(inside)), x, y, element);
      }
    }
    llvm::Value* offset = two ? b_.CreateAdd(b_.CreateMul(cy, splat64(t.row_stride)), cx) : cx;
    llvm::Type* mt = memory_type(ty);
    llvm::Value* pass = policy == expr::index_policy::constant
                            ? splat_fill(t.fill, ty)
                            : llvm::Constant::getNullValue(lanes(mt));
    // Lanes outside take `pass` after the read (read_lanes).
    llvm::Value* v = nullptr;
    if (width_ > 1 && t.last_word != nullptr) {  // 8/16-bit: gather words, shift the element out
      const unsigned size = expr::size_of(ty);
      llvm::Value* byte = size == 1 ? offset : b_.CreateShl(offset, 1);
      llvm::Value* start = b_.CreateBinaryIntrinsic(llvm::Intrinsic::umin, byte, splat64(t.last_word));
      llvm::Value* ptrs = b_.CreateInBoundsGEP(b_.getInt8Ty(), t.data, start);
      llvm::Type* words = lanes(b_.getInt32Ty());
      llvm::Value* w = read_lanes(b_.getInt32Ty(), ptrs, llvm::Align(1), uniform);
      llvm::Value* shift = b_.CreateShl(b_.CreateTrunc(b_.CreateSub(byte, start), words), 3);
      v = b_.CreateTrunc(b_.CreateLShr(w, shift), lanes(mt));
    } else if (width_ > 1) {
      llvm::Value* ptrs = b_.CreateInBoundsGEP(mt, t.data, offset);
      v = read_lanes(mt, ptrs, llvm::Align(expr::size_of(ty)), uniform);
    } else {
      v = b_.CreateLoad(mt, b_.CreateInBoundsGEP(mt, t.data, offset));
    }
    if (read != nullptr) v = b_.CreateSelect(read, v, pass);
    if (ty == scalar_kind::boolean) v = b_.CreateICmpNE(v, llvm::Constant::getNullValue(v->getType()));
    return v;
  }

 private:
  struct table;

  // The 1-D gather of `gather` with 32-bit offsets: x32 < 2^31 always, so comparing it with
  // min(width, 2^31) (unsigned: negative indices are huge) is the int64 test, and sign-extended
  // 32-bit offsets address every element the index can reach.
  llvm::Value* gather32(const expr::node& n, const table& t, llvm::Value* x, llvm::Value* narrow,
                        scalar_kind narrow_kind, llvm::Value* mask, llvm::Value* element,
                        bool uniform) {
    const scalar_kind ty = n.type;
    llvm::Type* i32 = lanes(b_.getInt32Ty());
    auto limit32 = [&](llvm::Value* v64, std::int64_t cap) {  // min(v64, cap) as int32 lanes
      return once('l', v64, cap, [&](llvm::IRBuilder<>& e) {
        return splat(e, e.CreateTrunc(e.CreateBinaryIntrinsic(llvm::Intrinsic::umin, v64,
                                                              e.getInt64(cap)),
                                      e.getInt32Ty()));
      });
    };
    llvm::Value* x32 = narrow;
    if (narrow->getType() != i32) {
      x32 = expr::is_signed(narrow_kind) ? b_.CreateSExt(narrow, i32) : b_.CreateZExt(narrow, i32);
    }
    llvm::Value* w32 = limit32(t.width, std::int64_t{1} << 31);
    llvm::Value* zero = llvm::Constant::getNullValue(i32);
    llvm::Value* inside = b_.CreateICmpULT(x32, w32);
    const auto policy = static_cast<expr::index_policy>(n.bits);
    llvm::Value* offset = nullptr;
    llvm::Value* read = nullptr;
    if (policy == expr::index_policy::clamp) {  // the call checked the table is not empty
      llvm::Value* hi = once('m', t.width, 0, [&](llvm::IRBuilder<>& e) {
        return e.CreateSub(w32, llvm::ConstantInt::get(i32, 1));
      });
      offset = b_.CreateBinaryIntrinsic(llvm::Intrinsic::smax, zero,
                                        b_.CreateBinaryIntrinsic(llvm::Intrinsic::smin, x32, hi));
    } else {
      read = inside;
      offset = b_.CreateSelect(inside, x32, zero);
      if (policy == expr::index_policy::checked) {
        report(t, b_.CreateAnd(mask, b_.CreateNot(inside)), x, nullptr, element);
      }
    }
    llvm::Type* mt = memory_type(ty);
    llvm::Value* v = nullptr;
    if (t.last_word != nullptr && expr::size_of(narrow_kind) == 1 && !uniform && width_ <= 64 &&
        byte_permutes()) {
      v = permute_bytes(t, offset);  // a byte table, byte indices: offsets are in [0, 256)
    } else if (t.last_word != nullptr) {  // bytes: gather the words, shift the byte out
      llvm::Value* last = limit32(t.last_word, (std::int64_t{1} << 31) - 1);
      // offset and last are both in [0, 2^31), so smin and umin agree; the choice keeps x86's
      // gather dword-indexed (else it is split into two qword-indexed ones, ~2x slower). From
      // a small unsigned index, umin: the start is visibly < 2^16, which the code generator
      // sees through the zext InstCombine makes of the sext. From others, smin: the start is
      // not known to be non-negative, so its sext stays a sext, which x86 folds.
      const bool small = !expr::is_signed(narrow_kind) && expr::size_of(narrow_kind) <= 2;
      llvm::Value* start = b_.CreateBinaryIntrinsic(
          small ? llvm::Intrinsic::umin : llvm::Intrinsic::smin, offset, last);
      llvm::Value* ptrs = b_.CreateInBoundsGEP(b_.getInt8Ty(), t.data, b_.CreateSExt(start, lanes(b_.getInt64Ty())));
      llvm::Value* w = read_lanes(b_.getInt32Ty(), ptrs, llvm::Align(1), uniform);
      v = b_.CreateTrunc(b_.CreateLShr(w, b_.CreateShl(b_.CreateSub(offset, start), 3)), lanes(mt));
    } else {
      llvm::Value* ptrs = b_.CreateInBoundsGEP(mt, t.data, b_.CreateSExt(offset, lanes(b_.getInt64Ty())));
      v = read_lanes(mt, ptrs, llvm::Align(expr::size_of(ty)), uniform);
    }
    if (read != nullptr) {
      llvm::Value* pass = policy == expr::index_policy::constant
                              ? splat_fill(t.fill, ty)
                              : llvm::Constant::getNullValue(lanes(mt));
      v = b_.CreateSelect(read, v, pass);
    }
    if (ty == scalar_kind::boolean) v = b_.CreateICmpNE(v, llvm::Constant::getNullValue(v->getType()));
    return v;
  }

  struct table {
    llvm::Value* descriptor = nullptr;
    llvm::Value* data = nullptr;
    llvm::Value* width = nullptr;
    llvm::Value* height = nullptr;
    llvm::Value* row_stride = nullptr;
    llvm::Value* fill = nullptr;
    llvm::Value* fault = nullptr;
    llvm::Value* last_word = nullptr;  // 8/16-bit tables: byte offset of the last 4-byte word
  };

  llvm::Type* lanes(llvm::Type* t) const {
    return width_ > 1 ? llvm::FixedVectorType::get(t, width_) : t;
  }

  // The `et` elements at the lanes' addresses `ptrs`, all inside the table (clamped or 0 where
  // an index is outside), so the gather needs no mask: masks make LLVM branch per lane where it
  // has no gather instruction. `uniform`: every lane has lane 0's address (one load, splat).
  llvm::Value* read_lanes(llvm::Type* et, llvm::Value* ptrs, llvm::Align align, bool uniform) {
    if (uniform) {
      llvm::Value* p = b_.CreateExtractElement(ptrs, std::uint64_t{0});
      return b_.CreateVectorSplat(width_, b_.CreateAlignedLoad(et, p, align));
    }
    llvm::Value* all = llvm::ConstantInt::getTrue(lanes(b_.getInt1Ty()));
    return b_.CreateMaskedGather(lanes(et), ptrs, align, all);
  }

  // Whether the host permutes bytes across a 64-byte register pair (AVX-512 VBMI's vpermi2b):
  // then a byte table indexed by a byte is read by permutes, not gathers. A 16-lane dword
  // gather costs ~7 ns on AMD Zen 5 (more than sixteen scalar loads); two permutes cost a few
  // cycles on every VBMI host.
  static bool byte_permutes() { return the_session().has_feature("avx512vbmi"); }

  // The byte at `offset` (int32 lanes, each in [0, 256)) of the 8-bit 1-D table `t`: its first
  // 256 bytes sit in four 64-byte registers, read once per call (bytes at or past its width
  // read as 0: masked loads never touch memory outside the table), and two vpermi2b pick from
  // the low and the high 128 bytes, offset's bit 7 choosing between them. The lanes ride in
  // the low bytes of 64-byte vectors.
  llvm::Value* permute_bytes(const table& t, llvm::Value* offset) {
    llvm::Type* i8 = b_.getInt8Ty();
    auto* v64 = llvm::FixedVectorType::get(i8, 64);
    llvm::Value* count = once('c', t.width, 256, [&](llvm::IRBuilder<>& e) {  // bytes to read
      return e.CreateVectorSplat(
          64, e.CreateTrunc(e.CreateBinaryIntrinsic(llvm::Intrinsic::umin, t.width, e.getInt64(256)),
                            e.getInt32Ty()));
    });
    llvm::Value* part[4];
    for (int c = 0; c < 4; ++c) {
      part[c] = once('p', t.data, c, [&](llvm::IRBuilder<>& e) {
        llvm::SmallVector<llvm::Constant*, 64> at;
        for (int l = 0; l < 64; ++l) at.push_back(e.getInt32(64 * c + l));
        llvm::Value* live = e.CreateICmpULT(llvm::ConstantVector::get(at), count);
        llvm::Value* p = e.CreateConstInBoundsGEP1_64(i8, t.data, static_cast<std::uint64_t>(64 * c));
        return e.CreateMaskedLoad(v64, p, llvm::Align(1), live, llvm::Constant::getNullValue(v64));
      });
    }
    llvm::SmallVector<int, 64> widen(64, -1);
    for (unsigned l = 0; l < width_; ++l) widen[l] = static_cast<int>(l);
    llvm::Value* idx = b_.CreateShuffleVector(b_.CreateTrunc(offset, lanes(i8)), widen);
    llvm::Value* low = b_.CreateIntrinsic(llvm::Intrinsic::x86_avx512_vpermi2var_qi_512, {},
                                          {part[0], idx, part[1]});
    llvm::Value* high = b_.CreateIntrinsic(llvm::Intrinsic::x86_avx512_vpermi2var_qi_512, {},
                                           {part[2], idx, part[3]});
    llvm::Value* v = b_.CreateSelect(b_.CreateICmpSLT(idx, llvm::Constant::getNullValue(v64)), high, low);
    llvm::SmallVector<int, 64> narrow(width_);
    for (unsigned l = 0; l < width_; ++l) narrow[l] = static_cast<int>(l);
    return b_.CreateShuffleVector(v, narrow);
  }

  // The address `offset` bytes into a struct the kernel reads (offsetof of the field).
  llvm::Value* field(llvm::Value* p, std::size_t offset) {
    return b_.CreateConstInBoundsGEP1_64(b_.getInt8Ty(), p, offset);
  }

  // The constant policy's value (bits in a uint64) as `lanes` elements of `ty` in memory form.
  llvm::Value* splat_fill(llvm::Value* bits, scalar_kind ty) {
    return once('f', bits, static_cast<std::int64_t>(ty), [&](llvm::IRBuilder<>& b) {
      llvm::Type* mt = memory_type(ty);
      llvm::Value* v = b.CreateTrunc(bits, b.getIntNTy(8 * expr::size_of(ty)));
      if (mt->isFloatingPointTy()) v = b.CreateBitCast(v, mt);
      return splat(b, v);
    });
  }

  // `v` in every lane (itself with one lane).
  llvm::Value* splat(llvm::IRBuilder<>& b, llvm::Value* v) const {
    return width_ > 1 ? b.CreateVectorSplat(width_, v) : v;
  }

  // The value `make` builds from the tables' fields, made once per function at the end of the
  // entry block (so once per call, not per group or loop iteration) and shared by every gather
  // that asks for the same (what, of, cap) at the current lane count.
  template <class Make>
  llvm::Value* once(char what, llvm::Value* of, std::int64_t cap, Make make) {
    auto [it, added] = once_.try_emplace(std::tuple(what, of, cap, width_), nullptr);
    if (added) {
      llvm::IRBuilder<> e = in_entry();
      it->second = make(e);
    }
    return it->second;
  }

  // A builder at the end of the entry block (before its branch, which exists once the groups'
  // loop is being emitted): what it makes from the tables' fields is computed once per call.
  llvm::IRBuilder<> in_entry() {
    llvm::Instruction* end = entry_->getTerminator();
    return end != nullptr ? llvm::IRBuilder<>(end) : llvm::IRBuilder<>(entry_);
  }

  // A stack slot, made at the top of the entry block.
  llvm::Value* entry_alloca(llvm::Type* t) {
    llvm::IRBuilder<> e(entry_, entry_->begin());
    return e.CreateAlloca(t);
  }

  // An 8-byte cell of zeros in the entry block: what gathers from an empty table read.
  llvm::Value* dummy() {
    if (dummy_ == nullptr) {
      llvm::IRBuilder<> e(entry_, entry_->begin());
      dummy_ = e.CreateAlloca(e.getInt64Ty());
      e.CreateStore(e.getInt64(0), dummy_);
    }
    return dummy_;
  }

  // if (any lane of `bad`) table.fault(descriptor, element, x lanes, y lanes or null, bits, n)
  void report(const table& t, llvm::Value* bad, llvm::Value* x, llvm::Value* y,
              llvm::Value* element) {
    llvm::LLVMContext& ctx = b_.getContext();
    llvm::Function* f = b_.GetInsertBlock()->getParent();
    auto* cold = llvm::BasicBlock::Create(ctx, "gather.fault", f);
    auto* cont = llvm::BasicBlock::Create(ctx, "gather.ok", f);
    llvm::Value* any = width_ > 1 ? b_.CreateOrReduce(bad) : bad;
    llvm::MDBuilder md(ctx);
    b_.CreateCondBr(any, cold, cont, md.createBranchWeights(1, 1000000));
    b_.SetInsertPoint(cold);
    llvm::Type* row = llvm::ArrayType::get(b_.getInt64Ty(), width_);
    llvm::Value* xs = entry_alloca(row);
    b_.CreateAlignedStore(x, xs, llvm::Align(8));  // the array's alignment, not the vector's
    llvm::Value* ys = llvm::ConstantPointerNull::get(b_.getPtrTy());
    if (y != nullptr) {
      ys = entry_alloca(row);
      b_.CreateAlignedStore(y, ys, llvm::Align(8));
    }
    llvm::Value* bits = width_ > 1 ? b_.CreateBitCast(bad, b_.getIntNTy(width_)) : bad;
    bits = b_.CreateZExt(bits, b_.getInt64Ty());
    auto* fty = llvm::FunctionType::get(
        b_.getVoidTy(),
        {b_.getPtrTy(), b_.getInt64Ty(), b_.getPtrTy(), b_.getPtrTy(), b_.getInt64Ty(), b_.getInt32Ty()},
        false);
    b_.CreateCall(fty, t.fault, {t.descriptor, element, xs, ys, bits, b_.getInt32(width_)});
    b_.CreateBr(cont);
    b_.SetInsertPoint(cont);
  }

  const expr::graph& graph_;
  const signature& signature_;
  std::vector<table> tables_;
  llvm::BasicBlock* entry_ = nullptr;
  llvm::Value* offset_ = nullptr;
  llvm::Value* row_ = nullptr;
  llvm::Value* dummy_ = nullptr;
  std::map<std::tuple<char, llvm::Value*, std::int64_t, unsigned>, llvm::Value*> once_;
};

}  // namespace
}  // namespace parjit::jit::detail
