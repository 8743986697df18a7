// The libmvec vector-function table the backend adds to LLVM's: what LLVM 19 lacks (log2, log10,
// tanh, and the functions glibc 2.35 added: log1p expm1 exp2 cbrt asin acos atan sinh cosh asinh
// acosh atanh erf erfc atan2 hypot) and the AVX-512 variants, so the loop vectoriser can call glibc's vector math.
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
  names.reserve(1024);                     // VecDesc keeps StringRefs: never reallocate
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
      // glibc 2.35+ (Debian 12 has 2.36): the rest of the kernel vocabulary's transcendentals.
      // The lowering calls these libm functions by name; the vectoriser maps them here.
      {"log1p", "log1pf", "log1p", 1, false},
      {"expm1", "expm1f", "expm1", 1, false},
      {"exp2", "exp2f", "exp2", 1, false},
      {"cbrt", "cbrtf", "cbrt", 1, false},
      {"asin", "asinf", "asin", 1, false},
      {"acos", "acosf", "acos", 1, false},
      {"atan", "atanf", "atan", 1, false},
      {"sinh", "sinhf", "sinh", 1, false},
      {"cosh", "coshf", "cosh", 1, false},
      {"asinh", "asinhf", "asinh", 1, false},
      {"acosh", "acoshf", "acosh", 1, false},
      {"atanh", "atanhf", "atanh", 1, false},
      {"erf", "erff", "erf", 1, false},
      {"erfc", "erfcf", "erfc", 1, false},
      {"atan2", "atan2f", "atan2", 2, false},
      {"hypot", "hypotf", "hypot", 2, false},
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
