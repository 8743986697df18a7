// Streaming stores for large outputs: the compiled loop's non-temporal stores (added to the
// optimised IR), the fence that ends a call's, and the output size from which they are used (the
// last-level cache's).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <emmintrin.h>
#endif

#include "../compile.hpp"
#include "llvm.hpp"

namespace parjit::jit::detail {
namespace {  // internal linkage: every copy of the backend is self-contained; one is linked in

// The two halves of `v` if it is the narrowing of a vector wider than a vector register of
// `register_bytes` (a loop computing in double and storing float: `fptrunc <16 x double>` with
// 64-byte registers; code generation splits it into two conversions and a shuffle that joins
// them), made as two narrowings of the source's halves before `at`; else {nullptr, nullptr}.
// One that fits a register is one conversion: split, it would be two conversions and two
// half-size stores (K2 with its FMA, `fptrunc <8 x double>`: 20 % slower over 1e7 on two threads).
std::pair<llvm::Value*, llvm::Value*> narrowed_halves(llvm::Value* v, llvm::Instruction* at,
                                                      std::uint64_t register_bytes) {
  auto* cast = llvm::dyn_cast<llvm::CastInst>(v);
  if (cast == nullptr || (cast->getOpcode() != llvm::Instruction::FPTrunc &&
                          cast->getOpcode() != llvm::Instruction::Trunc)) {
    return {nullptr, nullptr};
  }
  auto* to = llvm::dyn_cast<llvm::FixedVectorType>(cast->getType());
  if (to == nullptr || to->getNumElements() % 2 != 0) return {nullptr, nullptr};
  const llvm::DataLayout& dl = at->getModule()->getDataLayout();
  if (dl.getTypeStoreSize(cast->getSrcTy()) <= register_bytes) return {nullptr, nullptr};
  const unsigned lanes = to->getNumElements() / 2;
  llvm::IRBuilder<> b(at);
  llvm::SmallVector<int, 32> first, second;
  for (unsigned i = 0; i < lanes; ++i) {
    first.push_back(static_cast<int>(i));
    second.push_back(static_cast<int>(lanes + i));
  }
  auto* half = llvm::FixedVectorType::get(to->getElementType(), lanes);
  llvm::Value* src = cast->getOperand(0);
  return {b.CreateCast(cast->getOpcode(), b.CreateShuffleVector(src, first), half),
          b.CreateCast(cast->getOpcode(), b.CreateShuffleVector(src, second), half)};
}

// Gives the optimised kernel of an access::streamed out its streaming stores. Every vector store
// of 16 bytes or more (a power of two) to `out` becomes
//     if (address % size == 0) the store, non-temporal, aligned to its size; else the same store
// (size capped at 64 bytes). A value of 32 or 64 bytes narrowed from a vector wider than a
// vector register (a loop computing in double, storing float) is stored non-temporally as its
// two halves, narrowed apart: code generation would join them with a shuffle first (K2's
// streamed loop: ~5 % faster on the AMD VM); the same bytes reach memory. A vector loop's steps
// keep the alignment of `out + begin`, so the branch goes the same way every iteration: an out
// aligned to 64 bytes streams every full vector, one that is not takes ordinary stores
// (jit::vectorize streams only the first kind). The values stored are the same either way: the
// same bits as the ordinary kernel. Scalar and masked stores (loop tails) stay ordinary. Done
// after the loop vectoriser, which would not vectorise a non-temporal store it cannot prove
// aligned; the stores are found by their address's base being the `out` argument. Only the
// streamed variant has these branches: an ordinary call's loop is the one it always was.
// The vector register size comes from `tm` (TargetTransformInfo's), asked for streamed kernels
// only.
void add_streaming_stores(llvm::Function& f, const signature& sig, llvm::TargetMachine& tm) {
  if (sig.kind != kernel_kind::elementwise || !sig.outs.empty() ||
      sig.out_form != access::streamed) {
    return;
  }
  const std::uint64_t register_bytes =
      tm.getTargetTransformInfo(f)
          .getRegisterBitWidth(llvm::TargetTransformInfo::RGK_FixedWidthVector)
          .getFixedValue() /
      8;
  const llvm::DataLayout& dl = f.getParent()->getDataLayout();
  llvm::Argument* out = f.getArg(2);
  std::vector<llvm::StoreInst*> stores;
  for (llvm::BasicBlock& bb : f) {
    for (llvm::Instruction& inst : bb) {
      auto* s = llvm::dyn_cast<llvm::StoreInst>(&inst);
      if (s == nullptr || !s->getValueOperand()->getType()->isVectorTy()) continue;
      const std::uint64_t bytes = dl.getTypeStoreSize(s->getValueOperand()->getType());
      if (bytes < 16 || !llvm::isPowerOf2_64(bytes)) continue;
      if (llvm::getUnderlyingObject(s->getPointerOperand()) != out) continue;
      stores.push_back(s);
    }
  }
  llvm::LLVMContext& ctx = f.getContext();
  llvm::IRBuilder<> b(ctx);
  // The non-temporal store is the fall-through (a streamed call's stores are aligned).
  llvm::MDNode* likely = llvm::MDBuilder(ctx).createBranchWeights(1000, 1);
  llvm::MDNode* nontemporal = llvm::MDNode::get(ctx, llvm::ConstantAsMetadata::get(b.getInt32(1)));
  for (llvm::StoreInst* s : stores) {
    const std::uint64_t bytes =
        std::min<std::uint64_t>(dl.getTypeStoreSize(s->getValueOperand()->getType()), 64);
    b.SetInsertPoint(s);
    llvm::Value* aligned = b.CreateICmpEQ(
        b.CreateAnd(b.CreatePtrToInt(s->getPointerOperand(), b.getInt64Ty()), bytes - 1),
        b.getInt64(0));
    llvm::Instruction* then_term = nullptr;
    llvm::Instruction* else_term = nullptr;
    llvm::SplitBlockAndInsertIfThenElse(aligned, s, &then_term, &else_term, likely);
    const bool split = bytes >= 32 &&
                       dl.getTypeStoreSize(s->getValueOperand()->getType()) == bytes;
    auto [lo, hi] = split ? narrowed_halves(s->getValueOperand(), then_term, register_bytes)
                          : std::pair<llvm::Value*, llvm::Value*>{nullptr, nullptr};
    if (lo != nullptr) {
      const std::uint64_t half = bytes / 2;
      b.SetInsertPoint(then_term);
      llvm::Value* p = s->getPointerOperand();
      llvm::StoreInst* first = b.CreateAlignedStore(lo, p, llvm::Align(bytes));
      llvm::StoreInst* second = b.CreateAlignedStore(
          hi, b.CreateConstInBoundsGEP1_64(b.getInt8Ty(), p, half), llvm::Align(half));
      for (llvm::StoreInst* nt : {first, second}) {
        nt->setMetadata(llvm::LLVMContext::MD_nontemporal, nontemporal);
      }
    } else {
      auto* nt = llvm::cast<llvm::StoreInst>(s->clone());
      nt->setAlignment(llvm::Align(bytes));
      nt->setMetadata(llvm::LLVMContext::MD_nontemporal, nontemporal);
      nt->insertBefore(then_term);
    }
    s->moveBefore(else_term);
    // The joined value is now the ordinary path's alone: computed there (not on every iteration).
    if (auto* joined = llvm::dyn_cast<llvm::Instruction>(s->getValueOperand());
        lo != nullptr && joined != nullptr && joined->hasOneUse()) {
      joined->moveBefore(s);
    }
  }
}

// Makes the streamed stores visible to other threads before the call returns (sfence).
void stream_fence_entry() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  _mm_sfence();
#else
  std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
}

// Outputs of at least this many bytes are streamed: $PARJIT_STREAM_BYTES if set (a decimal
// number of bytes; 0 streams every call that can), else the last-level cache's size (an output
// that large cannot stay in the cache for its reader anyway) up to 32 MiB, else 32 MiB. The cap:
// a VM reports its host's whole last-level cache (260 MiB and 508 MiB on the development VMs),
// and no core of those CPUs shares more than 32 MiB of it (a Zen 5 CCD's L3).
std::size_t stream_threshold_entry() noexcept {
  if (const char* e = std::getenv("PARJIT_STREAM_BYTES"); e != nullptr && *e != '\0') {
    char* end = nullptr;
    const unsigned long long v = std::strtoull(e, &end, 10);
    if (end != nullptr && *end == '\0') return static_cast<std::size_t>(v);
  }
  long llc = -1;
#if defined(_SC_LEVEL3_CACHE_SIZE)
  llc = ::sysconf(_SC_LEVEL3_CACHE_SIZE);
#endif
  if (llc <= 0) {  // sysconf may not know it (non-glibc, some VMs): ask sysfs
    for (const char* path : {"/sys/devices/system/cpu/cpu0/cache/index3/size",
                             "/sys/devices/system/cpu/cpu0/cache/index2/size"}) {
      if (llc > 0) break;
      std::ifstream f(path);
      std::string text;
      if (f >> text) {
        char* end = nullptr;
        const long v = std::strtol(text.c_str(), &end, 10);
        if (v > 0 && end != nullptr) llc = (*end == 'K') ? v * 1024 : (*end == 'M') ? v << 20 : v;
      }
    }
  }
  constexpr std::size_t cap = std::size_t{32} << 20;
  return llc > 0 ? std::min(static_cast<std::size_t>(llc), cap) : cap;
}

}  // namespace
}  // namespace parjit::jit::detail
