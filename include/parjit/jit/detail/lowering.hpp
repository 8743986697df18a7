// Lowering: the IR for one expression graph's value at an index (types, casts, constants, the
// operations); the math functions' IR is in lowering_math.hpp. kernel_loop.hpp wraps it in the
// kernel's loop.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <tuple>
#include <vector>

#include "../../expr/evaluate.hpp"
#include "../compile.hpp"
#include "errors.hpp"
#include "llvm.hpp"
#include "lowering_access.hpp"
#include "lowering_math.hpp"

namespace parjit::jit::detail {
namespace {  // internal linkage: every copy of the backend is self-contained; one is linked in

using expr::op;
using expr::scalar_kind;

const char* kind_name(scalar_kind k) { return expr::name_of(k).data(); }

class lowering : protected math_lowering {
 public:
  lowering(llvm::Module& m, llvm::IRBuilder<>& b, const expr::graph& g, const signature& sig,
           const options& opts)
      : math_lowering(m, b, opts), g_(g), sig_(sig), result_nodes_(expr::result_nodes(g)) {}

  // Type used for values of `k` in registers (bool is i1): a vector of `width_` lanes in the
  // vector code of loop kernels (lowering_loops.hpp), else one element.
  llvm::Type* value_type(scalar_kind k) const {
    llvm::Type* t = scalar_type(k);
    return width_ > 1 ? llvm::FixedVectorType::get(t, width_) : t;
  }
  llvm::Type* scalar_type(scalar_kind k) const {
    switch (k) {
      case scalar_kind::boolean: return b_.getInt1Ty();
      case scalar_kind::i8:
      case scalar_kind::u8: return b_.getInt8Ty();
      case scalar_kind::i16:
      case scalar_kind::u16: return b_.getInt16Ty();
      case scalar_kind::i32:
      case scalar_kind::u32: return b_.getInt32Ty();
      case scalar_kind::i64:
      case scalar_kind::u64: return b_.getInt64Ty();
      case scalar_kind::f32: return b_.getFloatTy();
      case scalar_kind::f64: return b_.getDoubleTy();
    }
    fail("unknown element type");
  }
  // Type used in memory (bool is one byte).
  llvm::Type* memory_type(scalar_kind k) const {
    return k == scalar_kind::boolean ? b_.getInt8Ty() : scalar_type(k);
  }

  llvm::Value* load_element(llvm::Value* ptr, scalar_kind k) {
    llvm::Value* v = b_.CreateLoad(memory_type(k), ptr);
    if (k == scalar_kind::boolean) v = b_.CreateICmpNE(v, b_.getInt8(0));
    return v;
  }
  void store_element(llvm::Value* v, llvm::Value* ptr, scalar_kind k) {
    if (k == scalar_kind::boolean) v = b_.CreateZExt(v, b_.getInt8Ty());
    b_.CreateStore(v, ptr);
  }

  // static_cast with parjit's definitions: float -> integer saturates (NaN -> 0); -> bool is != 0.
  llvm::Value* cast(llvm::Value* v, scalar_kind from, scalar_kind to) {
    if (from == to) return v;
    llvm::Type* t = value_type(to);
    const bool ff = expr::is_floating(from), tf = expr::is_floating(to);
    if (to == scalar_kind::boolean) {
      if (ff) return b_.CreateFCmpUNE(v, llvm::ConstantFP::get(value_type(from), 0.0));
      return b_.CreateICmpNE(v, llvm::ConstantInt::get(value_type(from), 0));
    }
    if (from == scalar_kind::boolean) return tf ? b_.CreateUIToFP(v, t) : b_.CreateZExt(v, t);
    if (ff && tf) return b_.CreateFPCast(v, t);
    if (!ff && tf) return expr::is_signed(from) ? b_.CreateSIToFP(v, t) : b_.CreateUIToFP(v, t);
    if (ff && !tf) {
      const auto id = expr::is_signed(to) ? llvm::Intrinsic::fptosi_sat : llvm::Intrinsic::fptoui_sat;
      return b_.CreateIntrinsic(id, {t, value_type(from)}, {v});
    }
    return b_.CreateIntCast(v, t, expr::is_signed(from));
  }

  llvm::Value* constant(const expr::node& n) {
    llvm::Type* t = value_type(n.type);
    switch (n.type) {
      case scalar_kind::f32: return llvm::ConstantFP::get(t, static_cast<double>(n.value<float>()));
      case scalar_kind::f64: return llvm::ConstantFP::get(t, n.value<double>());
      case scalar_kind::boolean: return llvm::ConstantInt::get(t, n.bits != 0 ? 1 : 0);
      default: return llvm::ConstantInt::get(t, n.bits, false);  // truncates to the width
    }
  }

  // Values of kernel arguments: scalars are loaded once in the entry block; arrays give a base
  // pointer that `element(i)` indexes (strided arrays also a stride, from their descriptor).
  void load_arguments(llvm::Value* args) {
    const std::size_t count = sig_.args.size();
    base_.assign(count, nullptr);
    scalar_.assign(count, nullptr);
    stride_.assign(count, nullptr);
    for (std::size_t i = 0; i < count; ++i) {
      llvm::Value* slot = b_.CreateConstInBoundsGEP1_64(b_.getPtrTy(), args, i);
      llvm::Value* p = b_.CreateLoad(b_.getPtrTy(), slot);
      if (sig_.args[i].form == access::streamed) fail("access::streamed is an out's form only");
      if (sig_.args[i].scalar) {
        scalar_[i] = load_element(p, sig_.args[i].type);
      } else if (sig_.args[i].form == access::strided) {
        std::tie(base_[i], stride_[i]) = load_strided(b_, p);
      } else {
        base_[i] = p;
      }
    }
  }

  // The values of the graph's results (one, or a jit::tuple's components) after evaluate().
  std::vector<llvm::Value*> results() const { return pick_results(result_nodes_, values_); }
  const std::vector<std::int32_t>& result_nodes() const noexcept { return result_nodes_; }

  // Emits the graph's value at index `i`, in the graph's result type.
  llvm::Value* evaluate(llvm::Value* i) {
    std::vector<llvm::Value*>& v = values_;
    v.assign(g_.nodes.size(), nullptr);
    const auto n_nodes = static_cast<std::int32_t>(g_.nodes.size());
    if (g_.root < 0 || g_.root >= n_nodes) fail("the expression graph has no valid root");
    for (std::int32_t k = 0; k < n_nodes; ++k) {
      const expr::node& n = g_.nodes[static_cast<std::size_t>(k)];
      if (n.code == op::pack) continue;  // a tuple root: results() reads its values
      const int ar = expr::arity(n.code);
      llvm::Value* a[3] = {nullptr, nullptr, nullptr};
      scalar_kind t[3] = {};
      for (int j = 0; j < ar; ++j) {
        const std::int32_t o = n.operand[j];
        if (o < 0 || o >= k) fail("graph node " + std::to_string(k) + " has an invalid operand");
        a[j] = v[static_cast<std::size_t>(o)];
        t[j] = g_.nodes[static_cast<std::size_t>(o)].type;
      }
      v[static_cast<std::size_t>(k)] = node_value(n, k, a, t, i);
    }
    return v[static_cast<std::size_t>(g_.root)];
  }

 protected:
  unsigned width_ = 1;
  llvm::Value* base_of(std::size_t arg) const { return base_[arg]; }
  llvm::Value* scalar_of(std::size_t arg) const { return scalar_[arg]; }
  llvm::Value* stride_of(std::size_t arg) const { return stride_[arg]; }

  void expect(bool ok, std::int32_t k, const expr::node& n, const char* what) {
    if (!ok) {
      fail("graph node " + std::to_string(k) + " (" + kind_name(n.type) + "): " + what);
    }
  }

  // A transcendental: an intrinsic LLVM may vectorise through libmvec, or, without vector math,
  // exactly the libm call C++ makes.
  llvm::Value* transcendental(llvm::Intrinsic::ID id, const char* f64_name, const char* f32_name,
                              llvm::Value* x) {
    if (!opts_.vector_math) return call_libm(f64_name, f32_name, {x}, true);
    return call_math(id, x);
  }

  llvm::Value* compare(op code, llvm::Value* x, llvm::Value* y, scalar_kind k) {
    if (expr::is_floating(k)) {
      switch (code) {
        case op::eq: return b_.CreateFCmpOEQ(x, y);
        case op::ne: return b_.CreateFCmpUNE(x, y);
        case op::lt: return b_.CreateFCmpOLT(x, y);
        case op::le: return b_.CreateFCmpOLE(x, y);
        case op::gt: return b_.CreateFCmpOGT(x, y);
        default: return b_.CreateFCmpOGE(x, y);
      }
    }
    const bool s = expr::is_signed(k);
    switch (code) {
      case op::eq: return b_.CreateICmpEQ(x, y);
      case op::ne: return b_.CreateICmpNE(x, y);
      case op::lt: return s ? b_.CreateICmpSLT(x, y) : b_.CreateICmpULT(x, y);
      case op::le: return s ? b_.CreateICmpSLE(x, y) : b_.CreateICmpULE(x, y);
      case op::gt: return s ? b_.CreateICmpSGT(x, y) : b_.CreateICmpUGT(x, y);
      default: return s ? b_.CreateICmpSGE(x, y) : b_.CreateICmpUGE(x, y);
    }
  }

  llvm::Value* node_value(const expr::node& n, std::int32_t k, llvm::Value* const* a,
                          const scalar_kind* t, llvm::Value* i) {
    const scalar_kind ty = n.type;
    const bool fp = expr::is_floating(ty);
    auto same_operands = [&](int count) {
      for (int j = 0; j < count; ++j) {
        expect(t[j] == ty, k, n, "operand type differs from the node's type (missing cast)");
      }
    };
    switch (n.code) {
      case op::argument: {
        const auto idx = static_cast<std::size_t>(n.index);
        expect(n.index >= 0 && idx < sig_.args.size(), k, n,
               "refers to an argument the call does not pass");
        expect(sig_.args[idx].type == ty, k, n, "argument type differs from the call's type");
        if (sig_.args[idx].scalar) return scalar_[idx];
        expect(sig_.args[idx].form != access::table, k, n,
               "reads a table argument element by element (tables are read by gathers)");
        return load_element(element_address(b_, memory_type(ty), base_[idx], stride_[idx], i), ty);
      }
      case op::constant: return constant(n);
      case op::neg:
        same_operands(1);
        return fp ? b_.CreateFNeg(a[0]) : b_.CreateNeg(a[0]);
      case op::logical_not:
        expect(ty == scalar_kind::boolean && t[0] == ty, k, n, "! needs a bool operand");
        return b_.CreateNot(a[0]);
      case op::cast: return cast(a[0], t[0], ty);
      case op::abs:
        same_operands(1);
        if (fp) return call_math(llvm::Intrinsic::fabs, a[0]);
        if (!expr::is_signed(ty)) return a[0];
        return b_.CreateBinaryIntrinsic(llvm::Intrinsic::abs, a[0], b_.getFalse());
      case op::sqrt:
      case op::exp:
      case op::log:
      case op::log2:
      case op::log10:
      case op::sin:
      case op::cos:
      case op::tan:
      case op::tanh:
      case op::floor:
      case op::ceil:
      case op::round: {
        same_operands(1);
        expect(fp, k, n, "math functions take a floating operand (cast integers first)");
        switch (n.code) {
          case op::sqrt: return call_math(llvm::Intrinsic::sqrt, a[0]);
          case op::exp: return transcendental(llvm::Intrinsic::exp, "exp", "expf", a[0]);
          case op::log: return transcendental(llvm::Intrinsic::log, "log", "logf", a[0]);
          case op::log2: return transcendental(llvm::Intrinsic::log2, "log2", "log2f", a[0]);
          case op::log10: return transcendental(llvm::Intrinsic::log10, "log10", "log10f", a[0]);
          case op::sin: return transcendental(llvm::Intrinsic::sin, "sin", "sinf", a[0]);
          case op::cos: return transcendental(llvm::Intrinsic::cos, "cos", "cosf", a[0]);
          case op::tan: return transcendental(llvm::Intrinsic::tan, "tan", "tanf", a[0]);
          case op::tanh: return call_libm("tanh", "tanhf", {a[0]}, !opts_.vector_math);
          case op::floor: return call_math(llvm::Intrinsic::floor, a[0]);
          case op::ceil: return call_math(llvm::Intrinsic::ceil, a[0]);
          default: return call_math(llvm::Intrinsic::round, a[0]);
        }
      }
      case op::add:
        same_operands(2);
        return fp ? b_.CreateFAdd(a[0], a[1]) : b_.CreateAdd(a[0], a[1]);
      case op::sub:
        same_operands(2);
        return fp ? b_.CreateFSub(a[0], a[1]) : b_.CreateSub(a[0], a[1]);
      case op::mul:
        same_operands(2);
        return fp ? b_.CreateFMul(a[0], a[1]) : b_.CreateMul(a[0], a[1]);
      case op::div:
      case op::mod: {
        same_operands(2);
        if (fp) {
          expect(n.code == op::div, k, n, "% needs integer operands");
          return b_.CreateFDiv(a[0], a[1]);
        }
        llvm::Type* vt = value_type(ty);
        llvm::Value* zero = llvm::ConstantInt::get(vt, 0);
        llvm::Value* one = llvm::ConstantInt::get(vt, 1);
        llvm::Value* d_zero = b_.CreateICmpEQ(a[1], zero);
        if (ty == scalar_kind::boolean) {  // x / true == x, x % true == 0; by false: 0
          return n.code == op::div ? b_.CreateAnd(a[0], a[1]) : llvm::ConstantInt::get(vt, 0);
        }
        if (expr::is_signed(ty)) {
          // x / 0 == 0 and x / -1 == -x (wrapping, so INT_MIN / -1 == INT_MIN) without a trap.
          llvm::Value* d_m1 = b_.CreateICmpEQ(a[1], llvm::ConstantInt::getSigned(vt, -1));
          llvm::Value* safe = b_.CreateSelect(b_.CreateOr(d_zero, d_m1), one, a[1]);
          if (n.code == op::mod) return b_.CreateSRem(a[0], safe);  // x % 1 == 0 covers both
          llvm::Value* q = b_.CreateSDiv(a[0], safe);
          q = b_.CreateSelect(d_m1, b_.CreateNeg(a[0]), q);
          return b_.CreateSelect(d_zero, zero, q);
        }
        llvm::Value* safe = b_.CreateSelect(d_zero, one, a[1]);
        if (n.code == op::mod) return b_.CreateURem(a[0], safe);
        return b_.CreateSelect(d_zero, zero, b_.CreateUDiv(a[0], safe));
      }
      case op::eq:
      case op::ne:
      case op::lt:
      case op::le:
      case op::gt:
      case op::ge:
        expect(t[0] == t[1], k, n, "compared operands differ in type (missing cast)");
        expect(ty == scalar_kind::boolean, k, n, "a comparison gives bool");
        return compare(n.code, a[0], a[1], t[0]);
      case op::logical_and:
      case op::logical_or:
        expect(ty == scalar_kind::boolean && t[0] == ty && t[1] == ty, k, n,
               "&& and || take bool operands");
        return n.code == op::logical_and ? b_.CreateAnd(a[0], a[1]) : b_.CreateOr(a[0], a[1]);
      case op::log1p: case op::expm1: case op::exp2: case op::cbrt: case op::asin:
      case op::acos: case op::atan: case op::sinh: case op::cosh: case op::asinh:
      case op::acosh: case op::atanh: case op::erf: case op::erfc: case op::trunc:
      case op::atan2: case op::hypot: case op::copysign: case op::fmod:
        same_operands(expr::arity(n.code));
        expect(fp, k, n, "math functions take floating operands (cast integers first)");
        return math_function(n.code, a);
      case op::isnan: case op::isfinite: case op::isinf: case op::signbit:
        expect(ty == scalar_kind::boolean && expr::is_floating(t[0]), k, n,
               "a classification function takes a floating operand and gives bool");
        return classify(n.code, a[0]);
      case op::sign:
        same_operands(1);
        return sign(a[0], ty);
      case op::floor_div:
      case op::floor_mod:
        same_operands(2);
        return fp ? floor_div_mod_fp(n.code, a[0], a[1]) : floor_div_mod_int(n.code, a[0], a[1], ty);
      case op::pow:
        same_operands(2);
        expect(fp, k, n, "pow takes floating operands");
        if (!opts_.vector_math) return call_libm("pow", "powf", {a[0], a[1]}, true);
        return b_.CreateBinaryIntrinsic(llvm::Intrinsic::pow, a[0], a[1]);
      case op::min:  // std::min: (b < a) ? b : a
        same_operands(2);
        return b_.CreateSelect(compare(op::lt, a[1], a[0], ty), a[1], a[0]);
      case op::max:  // std::max: (a < b) ? b : a
        same_operands(2);
        return b_.CreateSelect(compare(op::lt, a[0], a[1], ty), a[1], a[0]);
      case op::select:
        expect(t[0] == scalar_kind::boolean, k, n, "select's condition must be bool");
        expect(t[1] == ty && t[2] == ty, k, n, "select's branches differ in type");
        return b_.CreateSelect(a[0], a[1], a[2]);
      case op::fma:
        same_operands(3);
        expect(fp, k, n, "fma takes floating operands");
        return b_.CreateIntrinsic(llvm::Intrinsic::fma, {a[0]->getType()}, {a[0], a[1], a[2]});
      case op::clamp: {  // std::clamp: x < lo ? lo : hi < x ? hi : x
        same_operands(3);
        llvm::Value* upper = b_.CreateSelect(compare(op::lt, a[2], a[0], ty), a[2], a[0]);
        return b_.CreateSelect(compare(op::lt, a[0], a[1], ty), a[1], upper);
      }
      case op::index:
      case op::loop_var:
      case op::pack:
      case op::loop_result:
      case op::loop: break;  // lowering_loops.hpp
      case op::gather:
      case op::gather2:
      case op::column:
      case op::row: break;  // lowering_gather.hpp
    }
    fail("graph node " + std::to_string(k) + " has an unknown operation");
  }

  const expr::graph& g_;
  const signature& sig_;
  std::vector<llvm::Value*> base_, scalar_, stride_;
  std::vector<std::int32_t> result_nodes_;
  std::vector<llvm::Value*> values_;
};

}  // namespace
}  // namespace parjit::jit::detail
