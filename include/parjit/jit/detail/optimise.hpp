// Optimisation and code emission: parjit's pass pipeline for the host, and object/assembly output.
#pragma once

#include <string>

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
