// The libmvec vector-function table the backend adds to LLVM's: what LLVM 19 lacks (log2, log10,
// tanh) and the AVX-512 variants, so the loop vectoriser can call glibc's vector math.
#pragma once

#include <string>
#include <vector>

#include "llvm.hpp"

namespace parjit::jit::detail {
namespace {  // internal linkage: every copy of the backend is self-contained; one is linked in

// libmvec functions LLVM 19's table lacks (log2, log10, tanh) and the AVX-512 ('e') variants.
// Names must outlive the TargetLibraryInfoImpl copies, hence static storage.
std::vector<llvm::VecDesc> extra_vector_functions(bool avx2, bool avx512) {
  static std::vector<std::string> names;  // guarded by the session's construction (once)
  names.reserve(512);                     // VecDesc keeps StringRefs: never reallocate
  std::vector<llvm::VecDesc> out;
  struct fn {
    const char* scalar_f64;
    const char* scalar_f32;
    const char* base;
    int arity;
    bool in_llvm_table;  // LLVM 19 already has the SSE ('b') and AVX2 ('d') entries
  };
  const fn fns[] = {
      {"llvm.exp.f64", "llvm.exp.f32", "exp", 1, true},
      {"llvm.log.f64", "llvm.log.f32", "log", 1, true},
      {"llvm.sin.f64", "llvm.sin.f32", "sin", 1, true},
      {"llvm.cos.f64", "llvm.cos.f32", "cos", 1, true},
      {"llvm.tan.f64", "llvm.tan.f32", "tan", 1, true},
      {"llvm.pow.f64", "llvm.pow.f32", "pow", 2, true},
      {"llvm.log2.f64", "llvm.log2.f32", "log2", 1, false},
      {"llvm.log10.f64", "llvm.log10.f32", "log10", 1, false},
      {"tanh", "tanhf", "tanh", 1, false},
  };
  auto add = [&](const char* scalar, char isa, int width, const std::string& vname, int arity) {
    std::string vparams = arity == 2 ? "vv" : "v";
    names.push_back(vname);
    const std::string& v = names.back();
    names.push_back("_ZGV_LLVM_N" + std::to_string(width) + vparams);
    const std::string& prefix = names.back();
    (void)isa;
    out.emplace_back(scalar, v, llvm::ElementCount::getFixed(static_cast<unsigned>(width)), false,
                     prefix);
  };
  for (const fn& f : fns) {
    const std::string vp = f.arity == 2 ? "vv_" : "v_";
    if (!f.in_llvm_table) {
      add(f.scalar_f64, 'b', 2, std::string("_ZGVbN2") + vp + f.base, f.arity);
      add(f.scalar_f32, 'b', 4, std::string("_ZGVbN4") + vp + f.base + "f", f.arity);
      if (avx2) {
        add(f.scalar_f64, 'd', 4, std::string("_ZGVdN4") + vp + f.base, f.arity);
        add(f.scalar_f32, 'd', 8, std::string("_ZGVdN8") + vp + f.base + "f", f.arity);
      }
    }
    if (avx512) {
      add(f.scalar_f64, 'e', 8, std::string("_ZGVeN8") + vp + f.base, f.arity);
      add(f.scalar_f32, 'e', 16, std::string("_ZGVeN16") + vp + f.base + "f", f.arity);
    }
  }
  return out;
}

}  // namespace
}  // namespace parjit::jit::detail
