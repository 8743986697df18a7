// Optimisation and code emission: parjit's pass pipeline for the host, and object/assembly output.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "errors.hpp"
#include "llvm.hpp"

namespace parjit::jit::detail {
namespace {  // internal linkage: every copy of the backend is self-contained; one is linked in

// parjit's IR is a handful of simple counted loops, already in rotated form (a guard and a
// bottom test) with no calls to inline and nothing to promote: all the default O3 pipeline's
// ~100 passes find to do is to vectorise them. So the pipeline is the loop vectoriser and the
// cleanup it needs (libmvec mappings before it, instcombine and simplifycfg after): a third of
// the optimisation time of O3, the same vector loops. O3's extra work was unrolling the scalar
// remainder loops (at most one vector step of elements) and re-simplifying.
void optimise(llvm::Module& m, llvm::TargetMachine& tm, const llvm::TargetLibraryInfoImpl& tlii) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder pb(&tm);
  fam.registerPass([&] { return llvm::TargetLibraryAnalysis(tlii); });
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::FunctionPassManager fpm;
  fpm.addPass(llvm::InjectTLIMappings());
  fpm.addPass(llvm::LoopVectorizePass());
  fpm.addPass(llvm::InstCombinePass());
  fpm.addPass(llvm::SimplifyCFGPass());
  llvm::ModulePassManager mpm;
  mpm.addPass(llvm::createModuleToFunctionPassAdaptor(std::move(fpm)));
  mpm.run(m, mam);
}

// A floating value known to be M * 2^Q with |M| < 2^bits and Q in [qmin, qmax].
struct exact_form {
  int bits, qmin, qmax;
};

// The exact form of a value, where its IR says: a float widened to double, an integer converted
// exactly, a finite non-zero constant (or a splat of one).
std::optional<exact_form> exact_form_of(llvm::Value* v) {
  const int precision = llvm::APFloat::semanticsPrecision(
      v->getType()->getScalarType()->getFltSemantics());
  if (auto* ext = llvm::dyn_cast<llvm::FPExtInst>(v)) {
    if (ext->getSrcTy()->getScalarType()->isFloatTy()) return exact_form{24, -149, 104};
    return std::nullopt;
  }
  if (llvm::isa<llvm::SIToFPInst>(v) || llvm::isa<llvm::UIToFPInst>(v)) {
    const auto* cast = llvm::cast<llvm::CastInst>(v);
    const int n = static_cast<int>(cast->getSrcTy()->getScalarSizeInBits());
    if (n > precision) return std::nullopt;  // the conversion itself may round
    return exact_form{n, 0, 0};
  }
  auto* c = llvm::dyn_cast<llvm::Constant>(v);
  if (c == nullptr) return std::nullopt;
  if (c->getType()->isVectorTy()) c = c->getSplatValue();
  auto* cf = llvm::dyn_cast_or_null<llvm::ConstantFP>(c);
  if (cf == nullptr || !cf->getValueAPF().isFiniteNonZero()) return std::nullopt;
  int e = 0;
  const double m = std::frexp(std::fabs(cf->getValueAPF().convertToDouble()), &e);
  auto mant = static_cast<std::uint64_t>(std::ldexp(m, 53));  // exact: m has at most 53 bits
  int q = e - 53;
  while ((mant & 1) == 0) {
    mant >>= 1;
    ++q;
  }
  return exact_form{static_cast<int>(std::bit_width(mant)), q, q};
}

// Without fastmath nothing is contracted, except where it cannot change a bit: `x * y + z` whose
// product is exact in its type (x a float widened to double, y a constant of few significant
// bits, as in `a * 0.5 + 1.5` over float `a`) rounds once either way, so it becomes
// llvm.fmuladd, one FMA where the target has them (and the same multiply and add where not). The
// product must fit the precision and, unless zero, lie in the normal range (no overflow; not
// subnormal, which a flush-to-zero mode would flush in the multiply alone); infinities and NaNs
// give the same results both ways. It takes one instruction of six off K2's arithmetic, which
// bounds it on two cores (bench/results/2026-12-01-amd-vm-e/rechecks/k2_compute_bound.txt).
void contract_exact_products(llvm::Function& f) {
  std::vector<std::pair<llvm::BinaryOperator*, int>> found;  // the add, its product operand
  for (llvm::BasicBlock& bb : f) {
    for (llvm::Instruction& inst : bb) {
      auto* add = llvm::dyn_cast<llvm::BinaryOperator>(&inst);
      if (add == nullptr || add->getOpcode() != llvm::Instruction::FAdd) continue;
      const llvm::fltSemantics& sem = add->getType()->getScalarType()->getFltSemantics();
      const int precision = llvm::APFloat::semanticsPrecision(sem);
      const int max_exp = llvm::APFloat::semanticsMaxExponent(sem);  // values < 2^(max_exp + 1)
      const int min_exp = llvm::APFloat::semanticsMinExponent(sem);  // the smallest normal's
      for (int j = 0; j < 2; ++j) {
        auto* mul = llvm::dyn_cast<llvm::BinaryOperator>(add->getOperand(j));
        if (mul == nullptr || mul->getOpcode() != llvm::Instruction::FMul || !mul->hasOneUse()) {
          continue;
        }
        const auto x = exact_form_of(mul->getOperand(0));
        const auto y = exact_form_of(mul->getOperand(1));
        if (!x || !y) continue;
        const int bits = x->bits + y->bits;
        if (bits <= precision && x->qmin + y->qmin >= min_exp &&
            bits + x->qmax + y->qmax <= max_exp + 1) {
          found.emplace_back(add, j);
          break;
        }
      }
    }
  }
  for (const auto& [add, j] : found) {
    auto* mul = llvm::cast<llvm::BinaryOperator>(add->getOperand(j));
    llvm::IRBuilder<> b(add);
    llvm::Value* fused = b.CreateIntrinsic(llvm::Intrinsic::fmuladd, {add->getType()},
                                           {mul->getOperand(0), mul->getOperand(1),
                                            add->getOperand(1 - j)});
    add->replaceAllUsesWith(fused);
    add->eraseFromParent();
    mul->eraseFromParent();
  }
}

// On AMD Zen 4 and 5 a vector select of an arithmetic result, `select(m, x * load(p), y)`, is
// emitted as one masked instruction with a memory operand (`vmulps (p), x, y {k}`), whose masked,
// fault-suppressing load is slow there: K5 (`select(a > 0, a * b, -a)`) ran 20-30 % slower over
// 1e7 floats than the same loop with the load apart (a throw-away intrinsics program on the
// Zen 5 VM: 3.2-3.5 ms against 2.5-2.7 ms). A freeze between such a load and its one user keeps
// the load an instruction of its own (the masked operation then takes a register); the values
// are unchanged (a load that was not poison freezes to itself).
void unfold_masked_loads(llvm::Function& f) {
  std::vector<llvm::Use*> uses;
  for (llvm::BasicBlock& bb : f) {
    for (llvm::Instruction& inst : bb) {
      auto* sel = llvm::dyn_cast<llvm::SelectInst>(&inst);
      if (sel == nullptr || !sel->getType()->isVectorTy()) continue;
      for (llvm::Value* arm : {sel->getTrueValue(), sel->getFalseValue()}) {
        auto* op = llvm::dyn_cast<llvm::Instruction>(arm);
        if (op == nullptr || !op->hasOneUse() || op->getParent() != &bb) continue;
        for (llvm::Use& u : op->operands()) {
          auto* load = llvm::dyn_cast<llvm::LoadInst>(u.get());
          if (load != nullptr && load->hasOneUse() && load->getType()->isVectorTy()) {
            uses.push_back(&u);
          }
        }
      }
    }
  }
  for (llvm::Use* u : uses) {
    auto* load = llvm::cast<llvm::LoadInst>(u->get());
    auto* frozen = new llvm::FreezeInst(load, load->getName() + ".unfolded");
    frozen->insertAfter(load);
    u->set(frozen);
  }
}

// Code generation for the host with one pass pipeline that can be kept for many modules.
// Building the legacy code generation pipeline (~150 passes, scheduled one by one) and tearing
// it down cost as much as running it on one of parjit's small modules, so each thread keeps one
// object-file emitter per library description (session::emitter) and runs it module after
// module: each run starts with every pass's doInitialization and ends with its doFinalization,
// and the object stream's state is reset at the end of each run, so one module's output carries
// nothing of the one before (tests/jit/test_emit.cpp compares its objects byte for byte with a
// fresh pipeline's).
class emitter {
 public:
  emitter(llvm::TargetMachine& tm, const llvm::TargetLibraryInfoImpl& tlii,
          llvm::CodeGenFileType type = llvm::CodeGenFileType::ObjectFile)
      : os_(buffer_) {
    pm_.add(new llvm::TargetLibraryInfoWrapperPass(tlii));
    if (tm.addPassesToEmitFile(pm_, os_, nullptr, type)) {
      fail("the host TargetMachine cannot emit this file type");
    }
  }
  emitter(const emitter&) = delete;
  emitter& operator=(const emitter&) = delete;

  std::string run(llvm::Module& m) {
    buffer_.clear();
    pm_.run(m);
    std::string out(buffer_.data(), buffer_.size());
    buffer_.clear();
    return out;
  }

 private:
  llvm::SmallVector<char, 0> buffer_;
  llvm::raw_svector_ostream os_;
  llvm::legacy::PassManager pm_;
};

// One module with a fresh pipeline (assembly() and tests).
std::string emit(llvm::Module& m, llvm::TargetMachine& tm, const llvm::TargetLibraryInfoImpl& tlii,
                 llvm::CodeGenFileType type) {
  return emitter(tm, tlii, type).run(m);
}

}  // namespace
}  // namespace parjit::jit::detail
