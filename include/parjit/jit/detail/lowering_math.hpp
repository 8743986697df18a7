// The IR of the math vocabulary: libm calls (exact, or left for libmvec with vector math), the
// libm functions beyond the basic ones, classification (isnan, isfinite, isinf, signbit),
// numpy.sign, and Python's floor division and modulo. lowering.hpp derives from this.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "../../expr/graph.hpp"
#include "../../expr/types.hpp"
#include "../options.hpp"
#include "llvm.hpp"

namespace parjit::jit::detail {
namespace {  // internal linkage, as the rest of the backend

using expr::op;
using expr::scalar_kind;

class math_lowering {
 protected:
  math_lowering(llvm::Module& m, llvm::IRBuilder<>& b, const options& opts)
      : m_(m), b_(b), opts_(opts) {}

  llvm::Value* call_math(llvm::Intrinsic::ID id, llvm::Value* x) {
    return b_.CreateUnaryIntrinsic(id, x);
  }

  // A call to the C library's function, as C++ makes it. `exact`: marked nobuiltin, so LLVM
  // neither constant-folds it (its folder computes float functions in double, which can differ
  // from glibc's float function in the last bit) nor rewrites it (pow(x, -1) -> 1 / x).
  llvm::Value* call_libm(const char* f64_name, const char* f32_name,
                         std::initializer_list<llvm::Value*> xs, bool exact) {
    llvm::Type* t = (*xs.begin())->getType();
    if (auto* vt = llvm::dyn_cast<llvm::FixedVectorType>(t)) {
      return call_libm_lanes(f64_name, f32_name, std::vector<llvm::Value*>(xs), vt, exact);
    }
    const bool f32 = t->isFloatTy();
    std::vector<llvm::Type*> params(xs.size(), t);
    llvm::FunctionType* ft = llvm::FunctionType::get(t, params, false);
    llvm::FunctionCallee callee = m_.getOrInsertFunction(f32 ? f32_name : f64_name, ft);
    if (auto* f = llvm::dyn_cast<llvm::Function>(callee.getCallee())) {
      f->setDoesNotAccessMemory();  // as -fno-math-errno: lets the vectoriser use libmvec
      f->setDoesNotThrow();
      f->addFnAttr(llvm::Attribute::WillReturn);
    }
    llvm::CallInst* c = b_.CreateCall(callee, xs);
    c->setDoesNotAccessMemory();
    if (exact) c->addFnAttr(llvm::Attribute::NoBuiltin);
    return c;
  }

  // The vector code of loop kernels: libmvec's variant for register-sized pieces when vector
  // math may use it (`libmvec_`), else the scalar call per lane.
  llvm::Value* call_libm_lanes(const char* f64_name, const char* f32_name,
                               const std::vector<llvm::Value*>& xs, llvm::FixedVectorType* vt,
                               bool exact) {
    llvm::Type* et = vt->getElementType();
    const unsigned n = vt->getNumElements();
    const unsigned esize = et->isFloatTy() ? 4 : 8;
    const unsigned piece = vector_bytes_ / esize;
    const std::string base = et->isFloatTy() ? f32_name : f64_name;
    llvm::Value* r = llvm::PoisonValue::get(vt);
    if (!exact && libmvec_ && piece >= 2 && n % piece == 0) {
      const char isa = vector_bytes_ == 64 ? 'e' : vector_bytes_ == 32 ? 'd' : 'b';
      auto* pt = llvm::FixedVectorType::get(et, piece);
      const std::string name = std::string("_ZGV") + isa + "N" + std::to_string(piece) +
                               (xs.size() == 2 ? "vv_" : "v_") + base;
      std::vector<llvm::Type*> params(xs.size(), pt);
      llvm::FunctionCallee callee =
          m_.getOrInsertFunction(name, llvm::FunctionType::get(pt, params, false));
      if (auto* f = llvm::dyn_cast<llvm::Function>(callee.getCallee())) {
        f->setDoesNotAccessMemory();
        f->setDoesNotThrow();
        f->addFnAttr(llvm::Attribute::WillReturn);
      }
      llvm::SmallVector<int, 64> whole;
      for (unsigned j = 0; j < n; ++j) whole.push_back(static_cast<int>(j));
      std::vector<llvm::Value*> parts;
      for (unsigned p = 0; p < n; p += piece) {
        llvm::SmallVector<int, 64> lanes;
        for (unsigned j = 0; j < piece; ++j) lanes.push_back(static_cast<int>(p + j));
        std::vector<llvm::Value*> args;
        for (llvm::Value* x : xs) args.push_back(n == piece ? x : b_.CreateShuffleVector(x, lanes));
        llvm::CallInst* c = b_.CreateCall(callee, args);
        c->setDoesNotAccessMemory();
        parts.push_back(c);
      }
      if (parts.size() == 1) return parts[0];
      while (parts.size() > 1) {  // concatenate pairwise
        std::vector<llvm::Value*> joined;
        for (std::size_t p = 0; p + 1 < parts.size(); p += 2) {
          const unsigned w = llvm::cast<llvm::FixedVectorType>(parts[p]->getType())->getNumElements();
          llvm::SmallVector<int, 64> both;
          for (unsigned j = 0; j < 2 * w; ++j) both.push_back(static_cast<int>(j));
          joined.push_back(b_.CreateShuffleVector(parts[p], parts[p + 1], both));
        }
        parts = std::move(joined);
      }
      return parts[0];
    }
    for (unsigned j = 0; j < n; ++j) {
      std::vector<llvm::Value*> args;
      for (llvm::Value* x : xs) args.push_back(b_.CreateExtractElement(x, std::uint64_t{j}));
      llvm::Value* y = args.size() == 2 ? call_libm(f64_name, f32_name, {args[0], args[1]}, exact)
                                        : call_libm(f64_name, f32_name, {args[0]}, exact);
      r = b_.CreateInsertElement(r, y, std::uint64_t{j});
    }
    return r;
  }

  // libm functions C++ calls by these names; with vector math the loop vectoriser maps them to
  // libmvec (vector_functions.hpp), without it they are the exact scalar calls.
  llvm::Value* math_function(op code, llvm::Value* const* a) {
    const bool exact = !opts_.vector_math;
    auto libm1 = [&](const char* f64, const char* f32) { return call_libm(f64, f32, {a[0]}, exact); };
    auto libm2 = [&](const char* f64, const char* f32) {
      return call_libm(f64, f32, {a[0], a[1]}, exact);
    };
    switch (code) {
      case op::log1p: return libm1("log1p", "log1pf");
      case op::expm1: return libm1("expm1", "expm1f");
      case op::exp2: return libm1("exp2", "exp2f");
      case op::cbrt: return libm1("cbrt", "cbrtf");
      case op::asin: return libm1("asin", "asinf");
      case op::acos: return libm1("acos", "acosf");
      case op::atan: return libm1("atan", "atanf");
      case op::sinh: return libm1("sinh", "sinhf");
      case op::cosh: return libm1("cosh", "coshf");
      case op::asinh: return libm1("asinh", "asinhf");
      case op::acosh: return libm1("acosh", "acoshf");
      case op::atanh: return libm1("atanh", "atanhf");
      case op::erf: return libm1("erf", "erff");
      case op::erfc: return libm1("erfc", "erfcf");
      case op::atan2: return libm2("atan2", "atan2f");
      case op::hypot: return libm2("hypot", "hypotf");
      case op::trunc: return call_math(llvm::Intrinsic::trunc, a[0]);
      case op::copysign: return b_.CreateBinaryIntrinsic(llvm::Intrinsic::copysign, a[0], a[1]);
      default: return b_.CreateFRem(a[0], a[1]);  // fmod, exactly (no libmvec variant)
    }
  }

  // isnan / isfinite / isinf / signbit on the operand's bits: integer operations carry no
  // fast-math flags, so `fastmath` (which lets LLVM assume no NaN or Inf in floating
  // operations) cannot fold these tests away.
  llvm::Value* classify(op code, llvm::Value* x) {
    const unsigned bits = x->getType()->getScalarSizeInBits();
    llvm::Type* it = b_.getIntNTy(bits);
    if (auto* vt = llvm::dyn_cast<llvm::FixedVectorType>(x->getType())) {
      it = llvm::FixedVectorType::get(it, vt->getNumElements());  // loop kernels' vector code
    }
    llvm::Value* v = b_.CreateBitCast(x, it);
    if (code == op::signbit) return b_.CreateICmpSLT(v, llvm::ConstantInt::get(it, 0));
    const llvm::APInt magnitude = llvm::APInt::getSignedMaxValue(bits);
    const llvm::APInt inf = bits == 32 ? llvm::APInt(32, 0x7f800000u)
                                       : llvm::APInt(64, 0x7ff0000000000000ull);
    llvm::Value* m = b_.CreateAnd(v, llvm::ConstantInt::get(it, magnitude));
    llvm::Value* c_inf = llvm::ConstantInt::get(it, inf);
    switch (code) {
      case op::isnan: return b_.CreateICmpUGT(m, c_inf);
      case op::isinf: return b_.CreateICmpEQ(m, c_inf);
      default: return b_.CreateICmpULT(m, c_inf);  // isfinite
    }
  }

  // numpy.sign: x > 0 ? 1 : x < 0 ? -1 : x == 0 ? 0 : x (NaN stays NaN); integers (0 < x) - (x < 0).
  llvm::Value* sign(llvm::Value* x, scalar_kind ty) {
    llvm::Type* t = x->getType();
    if (expr::is_floating(ty)) {
      llvm::Value* zero = llvm::ConstantFP::get(t, 0.0);
      llvm::Value* r = b_.CreateSelect(b_.CreateFCmpOEQ(x, zero), zero, x);
      r = b_.CreateSelect(b_.CreateFCmpOLT(x, zero), llvm::ConstantFP::get(t, -1.0), r);
      return b_.CreateSelect(b_.CreateFCmpOGT(x, zero), llvm::ConstantFP::get(t, 1.0), r);
    }
    llvm::Value* zero = llvm::ConstantInt::get(t, 0);
    if (!expr::is_signed(ty)) return b_.CreateZExt(b_.CreateICmpNE(x, zero), t);
    return b_.CreateSub(b_.CreateZExt(b_.CreateICmpSGT(x, zero), t),
                        b_.CreateZExt(b_.CreateICmpSLT(x, zero), t));
  }

  // Python's // and % on integers (expr::detail::floor_divide / floor_modulo): x // 0 == 0,
  // x % 0 == 0, MIN // -1 == MIN, no trap.
  llvm::Value* floor_div_mod_int(op code, llvm::Value* a, llvm::Value* b, scalar_kind ty) {
    llvm::Type* t = a->getType();
    llvm::Value* zero = llvm::ConstantInt::get(t, 0);
    llvm::Value* one = llvm::ConstantInt::get(t, 1);
    llvm::Value* b_zero = b_.CreateICmpEQ(b, zero);
    if (!expr::is_signed(ty)) {
      llvm::Value* safe = b_.CreateSelect(b_zero, one, b);
      if (code == op::floor_mod) return b_.CreateURem(a, safe);
      return b_.CreateSelect(b_zero, zero, b_.CreateUDiv(a, safe));
    }
    llvm::Value* b_m1 = b_.CreateICmpEQ(b, llvm::ConstantInt::getSigned(t, -1));
    llvm::Value* safe = b_.CreateSelect(b_.CreateOr(b_zero, b_m1), one, b);
    llvm::Value* r = b_.CreateSRem(a, safe);  // 0 when b is 0 or -1
    llvm::Value* adjust = b_.CreateAnd(
        b_.CreateICmpNE(r, zero),
        b_.CreateXor(b_.CreateICmpSLT(r, zero), b_.CreateICmpSLT(b, zero)));
    if (code == op::floor_mod) return b_.CreateSelect(adjust, b_.CreateAdd(r, b), r);
    llvm::Value* q = b_.CreateSDiv(a, safe);
    q = b_.CreateSelect(b_m1, b_.CreateNeg(a), q);
    q = b_.CreateSelect(b_zero, zero, q);
    return b_.CreateSub(q, b_.CreateZExt(adjust, t));
  }

  // Python's // and % on floats, as numpy (CPython's float_floor_div / float_rem for b != 0;
  // b == 0 gives a / b and fmod(a, b)). Mirrors expr::detail::floor_divide / floor_modulo
  // operation for operation, so the results are the same bits.
  llvm::Value* floor_div_mod_fp(op code, llvm::Value* a, llvm::Value* b) {
    llvm::Type* t = a->getType();
    llvm::Value* zero = llvm::ConstantFP::get(t, 0.0);
    llvm::Value* b_zero = b_.CreateFCmpOEQ(b, zero);
    llvm::Value* mod = b_.CreateFRem(a, b);
    llvm::Value* mod_nonzero = b_.CreateFCmpUNE(mod, zero);
    llvm::Value* flip = b_.CreateAnd(
        mod_nonzero, b_.CreateXor(b_.CreateFCmpOLT(b, zero), b_.CreateFCmpOLT(mod, zero)));
    if (code == op::floor_mod) {
      llvm::Value* r = b_.CreateSelect(flip, b_.CreateFAdd(mod, b), mod);
      r = b_.CreateSelect(mod_nonzero, r,
                          b_.CreateBinaryIntrinsic(llvm::Intrinsic::copysign, zero, b));
      return b_.CreateSelect(b_zero, mod, r);
    }
    llvm::Value* quotient = b_.CreateFDiv(a, b);
    llvm::Value* div = b_.CreateFDiv(b_.CreateFSub(a, mod), b);
    div = b_.CreateSelect(flip, b_.CreateFSub(div, llvm::ConstantFP::get(t, 1.0)), div);
    llvm::Value* floored = call_math(llvm::Intrinsic::floor, div);
    llvm::Value* up = b_.CreateFCmpOGT(b_.CreateFSub(div, floored), llvm::ConstantFP::get(t, 0.5));
    floored = b_.CreateSelect(up, b_.CreateFAdd(floored, llvm::ConstantFP::get(t, 1.0)), floored);
    llvm::Value* r = b_.CreateSelect(
        b_.CreateFCmpOEQ(div, zero),
        b_.CreateBinaryIntrinsic(llvm::Intrinsic::copysign, zero, quotient), floored);
    return b_.CreateSelect(b_zero, quotient, r);
  }

  llvm::Module& m_;
  llvm::IRBuilder<>& b_;
  const options& opts_;
  bool libmvec_ = false;        // vector code may call libmvec (set by lowering_loops.hpp)
  unsigned vector_bytes_ = 16;  // the host's vector register size
};

}  // namespace
}  // namespace parjit::jit::detail
