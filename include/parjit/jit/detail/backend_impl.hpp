// The JIT backend: lowers an expression graph to an LLVM IR loop, optimises it at O3 for the host
// CPU (libmvec for vector math) and links it into the process-wide ORC LLJIT session. Compiled
// once per program: by include/parjit/jit/backend.cpp, or where PARJIT_JIT_IMPLEMENTATION is set.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "../../expr/evaluate.hpp"
#include "../compile.hpp"
#include "disk_cache.hpp"
#include "llvm.hpp"

namespace parjit::jit::detail {
namespace {  // internal linkage: every copy of the backend is self-contained; one is linked in

using expr::op;
using expr::scalar_kind;

[[noreturn]] void fail(const std::string& what) { throw compile_error("parjit::jit: " + what); }

std::string take_message(llvm::Error err) {
  std::string msg = llvm::toString(std::move(err));  // consumes the error
  return msg;
}

template <class T>
T unwrap(llvm::Expected<T> value, const char* what) {
  if (!value) fail(std::string(what) + ": " + take_message(value.takeError()));
  return std::move(*value);
}

void check(llvm::Error err, const char* what) {
  if (err) fail(std::string(what) + ": " + take_message(std::move(err)));
}

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

// One ORC session per process, created on first use and never destroyed (kernels may be released
// during static destruction, in any order).
class session {
 public:
  session() {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    llvm::InitializeNativeTargetAsmParser();

    jtmb_ = std::make_unique<llvm::orc::JITTargetMachineBuilder>(
        unwrap(llvm::orc::JITTargetMachineBuilder::detectHost(), "detecting the host CPU"));
    jtmb_->setCodeGenOptLevel(llvm::CodeGenOptLevel::Aggressive);
    jtmb_->setCPU(llvm::sys::getHostCPUName().str());
    llvm::SubtargetFeatures features;
    for (const auto& [name, enabled] : llvm::sys::getHostCPUFeatures()) {
      features.AddFeature(name, enabled);
    }
    jtmb_->getFeatures() = features;
    cpu_ = jtmb_->getCPU();
    features_ = features.getString();
    triple_ = jtmb_->getTargetTriple();
    const bool avx2 = features_.find("+avx2") != std::string::npos;
    const bool avx512 = features_.find("+avx512f") != std::string::npos;

    jit_ = unwrap(llvm::orc::LLJITBuilder().setJITTargetMachineBuilder(*jtmb_).create(),
                  "creating the ORC LLJIT session");
    const char prefix = jit_->getDataLayout().getGlobalPrefix();
    auto& main = jit_->getMainJITDylib();
    main.addGenerator(unwrap(llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(prefix),
                             "exposing the process's symbols to the JIT"));
    auto mvec = llvm::orc::DynamicLibrarySearchGenerator::Load("libmvec.so.1", prefix);
    if (mvec) {
      main.addGenerator(std::move(*mvec));
      have_libmvec_ = triple_.isX86() && triple_.isOSLinux();
    } else {
      llvm::consumeError(mvec.takeError());  // no libmvec: scalar libm calls only
    }

    tlii_novec_ = std::make_unique<llvm::TargetLibraryInfoImpl>(triple_);
    tlii_vec_ = std::make_unique<llvm::TargetLibraryInfoImpl>(triple_);
    if (have_libmvec_) {
      tlii_vec_->addVectorizableFunctionsFromVecLib(llvm::TargetLibraryInfoImpl::LIBMVEC_X86,
                                                    triple_);
      tlii_vec_->addVectorizableFunctions(extra_vector_functions(avx2, avx512));
    }
  }

  const llvm::Triple& triple() const { return triple_; }
  const std::string& cpu() const { return cpu_; }
  const std::string& features() const { return features_; }
  bool have_libmvec() const { return have_libmvec_; }
  const llvm::TargetLibraryInfoImpl& tlii(bool vector_math) const {
    return vector_math ? *tlii_vec_ : *tlii_novec_;
  }

  // A TargetMachine per thread: TargetMachine is not safe to share between concurrent compiles.
  llvm::TargetMachine& target_machine() {
    thread_local std::unique_ptr<llvm::TargetMachine> tm;
    if (!tm) {
      std::lock_guard lock(mutex_);
      tm = unwrap(jtmb_->createTargetMachine(), "creating the host TargetMachine");
    }
    return *tm;
  }

  std::string next_name() { return "parjit_kernel_" + std::to_string(++counter_); }

  // Links an object file into the session; returns its entry point and a release handle.
  // `shared`: `name` is derived from the cache key, so an object of that name already linked
  // here is the same code: it is reused (reference counted) instead of linked twice.
  struct linked {
    kernel_function fn;
    std::uint64_t handle;
    std::string ir;  // of a reused object
  };
  linked add_object(std::unique_ptr<llvm::MemoryBuffer> obj, const std::string& name,
                    bool shared, const std::string& ir) {
    std::lock_guard lock(mutex_);  // LLJIT's default setup is not safe for concurrent adds
    if (shared) {
      if (auto it = by_name_.find(name); it != by_name_.end()) {
        loaded& l = trackers_.at(it->second);
        ++l.refs;
        return {l.fn, it->second, l.ir};
      }
    }
    auto rt = jit_->getMainJITDylib().createResourceTracker();
    check(jit_->addObjectFile(rt, std::move(obj)), "linking the kernel");
    auto addr = jit_->lookup(name);
    if (!addr) {
      std::string msg = take_message(addr.takeError());
      llvm::consumeError(rt->remove());
      fail("looking up the compiled kernel: " + msg);
    }
    const std::uint64_t handle = ++handles_;
    const auto fn = addr->toPtr<kernel_function>();
    trackers_.emplace(handle, loaded{std::move(rt), fn, 1, shared ? name : std::string(),
                                     shared ? ir : std::string()});
    if (shared) by_name_.emplace(name, handle);
    return {fn, handle, {}};
  }

  // The object of this key-derived name if it is already linked here (one more reference).
  std::optional<linked> reuse(const std::string& name) {
    std::lock_guard lock(mutex_);
    auto it = by_name_.find(name);
    if (it == by_name_.end()) return std::nullopt;
    loaded& l = trackers_.at(it->second);
    ++l.refs;
    return linked{l.fn, it->second, l.ir};
  }

  void release(std::uint64_t handle) noexcept {
    try {
      std::lock_guard lock(mutex_);
      auto it = trackers_.find(handle);
      if (it == trackers_.end()) return;
      if (--it->second.refs > 0) return;
      llvm::consumeError(it->second.tracker->remove());
      if (!it->second.name.empty()) by_name_.erase(it->second.name);
      trackers_.erase(it);
    } catch (...) {  // freeing is best effort: never throw from a destructor
    }
  }

 private:
  std::unique_ptr<llvm::orc::JITTargetMachineBuilder> jtmb_;
  std::unique_ptr<llvm::orc::LLJIT> jit_;
  std::unique_ptr<llvm::TargetLibraryInfoImpl> tlii_vec_, tlii_novec_;
  llvm::Triple triple_;
  std::string cpu_, features_;
  bool have_libmvec_ = false;
  std::mutex mutex_;
  std::atomic<std::uint64_t> counter_{0};
  std::uint64_t handles_ = 0;
  struct loaded {
    llvm::orc::ResourceTrackerSP tracker;
    kernel_function fn;
    std::uint64_t refs;
    std::string name;  // key-derived names only
    std::string ir;
  };
  std::unordered_map<std::uint64_t, loaded> trackers_;
  std::unordered_map<std::string, std::uint64_t> by_name_;
};

session& the_session() {
  static session* const s = new session();  // leaked on purpose, see the class comment
  return *s;
}

// ---- lowering ---------------------------------------------------------------------------------

const char* kind_name(scalar_kind k) { return expr::name_of(k).data(); }

class lowering {
 public:
  lowering(llvm::Module& m, llvm::IRBuilder<>& b, const expr::graph& g, const signature& sig,
           const options& opts)
      : m_(m), b_(b), ctx_(m.getContext()), g_(g), sig_(sig), opts_(opts) {}

  // Type used for values of `k` in registers (bool is i1).
  llvm::Type* value_type(scalar_kind k) const {
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
    return k == scalar_kind::boolean ? b_.getInt8Ty() : value_type(k);
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
  // pointer that `element(i)` indexes.
  void load_arguments(llvm::Value* args) {
    const std::size_t count = sig_.args.size();
    base_.assign(count, nullptr);
    scalar_.assign(count, nullptr);
    for (std::size_t i = 0; i < count; ++i) {
      llvm::Value* slot = b_.CreateConstInBoundsGEP1_64(b_.getPtrTy(), args, i);
      llvm::Value* p = b_.CreateLoad(b_.getPtrTy(), slot);
      if (sig_.args[i].scalar) {
        scalar_[i] = load_element(p, sig_.args[i].type);
      } else {
        base_[i] = p;
      }
    }
  }

  // Emits the graph's value at index `i`, in the graph's result type.
  llvm::Value* evaluate(llvm::Value* i) {
    std::vector<llvm::Value*> v(g_.nodes.size(), nullptr);
    const auto n_nodes = static_cast<std::int32_t>(g_.nodes.size());
    if (g_.root < 0 || g_.root >= n_nodes) fail("the expression graph has no valid root");
    for (std::int32_t k = 0; k < n_nodes; ++k) {
      const expr::node& n = g_.nodes[static_cast<std::size_t>(k)];
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

 private:
  void expect(bool ok, std::int32_t k, const expr::node& n, const char* what) {
    if (!ok) {
      fail("graph node " + std::to_string(k) + " (" + kind_name(n.type) + "): " + what);
    }
  }

  llvm::Value* call_math(llvm::Intrinsic::ID id, llvm::Value* x) {
    return b_.CreateUnaryIntrinsic(id, x);
  }

  // A call to the C library's function, as C++ makes it. `exact`: marked nobuiltin, so LLVM
  // neither constant-folds it (its folder computes float functions in double, which can differ
  // from glibc's float function in the last bit) nor rewrites it (pow(x, -1) -> 1 / x).
  llvm::Value* call_libm(const char* f64_name, const char* f32_name,
                         std::initializer_list<llvm::Value*> xs, bool exact) {
    llvm::Type* t = (*xs.begin())->getType();
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
        llvm::Value* p = b_.CreateInBoundsGEP(memory_type(ty), base_[idx], i);
        return load_element(p, ty);
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
          return n.code == op::div ? b_.CreateAnd(a[0], a[1]) : b_.getFalse();
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
    }
    fail("graph node " + std::to_string(k) + " has an unknown operation");
  }

  llvm::Module& m_;
  llvm::IRBuilder<>& b_;
  llvm::LLVMContext& ctx_;
  const expr::graph& g_;
  const signature& sig_;
  const options& opts_;
  std::vector<llvm::Value*> base_, scalar_;
};

// ---- the kernel function ----------------------------------------------------------------------

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

// Counted loop `for (iv = from; iv < to; ++iv) body(iv)` at the builder's position; the builder
// ends after the loop. `carried` are loop-carried values updated by `body`.
template <class Body>
std::vector<llvm::Value*> emit_loop(llvm::IRBuilder<>& b, llvm::Function* f, llvm::Value* from,
                                    llvm::Value* to, std::vector<llvm::Value*> carried,
                                    Body body, const char* name) {
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
  auto& ses = the_session();
  f->addFnAttr("target-cpu", ses.cpu());
  f->addFnAttr("target-features", ses.features());
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
  lowering low(m, b, g, sig, opts);
  low.load_arguments(args);
  const scalar_kind res = sig.result;
  const scalar_kind gty = g.type();

  if (sig.kind == kernel_kind::elementwise) {
    emit_loop(
        b, f, begin, end, {},
        [&](llvm::Value* i, const std::vector<llvm::Value*>&) {
          llvm::Value* v = low.cast(low.evaluate(i), gty, res);
          low.store_element(v, b.CreateInBoundsGEP(low.memory_type(res), out, i), res);
          return std::vector<llvm::Value*>{};
        },
        "i");
    b.CreateRetVoid();
    return;
  }

  if (res == scalar_kind::boolean) fail("a reduction cannot accumulate in bool");
  llvm::Type* at = low.value_type(res);
  const int lanes = reduction_lanes(res);
  auto* vt = llvm::FixedVectorType::get(at, static_cast<unsigned>(lanes));
  llvm::Value* tmp = b.CreateAlloca(llvm::ArrayType::get(at, reduction_block));
  llvm::Constant* id = identity(at, sig.kind, res);
  llvm::Value* acc_v0 = llvm::ConstantVector::getSplat(llvm::ElementCount::getFixed(lanes), id);
  llvm::Value* block = b.getInt64(reduction_block);

  // while (i < end) { cnt = min(block, end - i); ... ; i += cnt }, written as a loop over blocks.
  llvm::Value* n_blocks = b.CreateSDiv(
      b.CreateAdd(b.CreateSub(end, begin), b.getInt64(reduction_block - 1)), block);
  auto acc = emit_loop(
      b, f, b.getInt64(0), n_blocks, {acc_v0, id},
      [&](llvm::Value* blk, const std::vector<llvm::Value*>& in) {
        llvm::Value* start = b.CreateAdd(begin, b.CreateMul(blk, block));
        llvm::Value* cnt = b.CreateBinaryIntrinsic(llvm::Intrinsic::smin, block,
                                                   b.CreateSub(end, start));
        emit_loop(
            b, f, b.getInt64(0), cnt, {},
            [&](llvm::Value* j, const std::vector<llvm::Value*>&) {
              llvm::Value* v = low.cast(low.evaluate(b.CreateAdd(start, j)), gty, res);
              b.CreateStore(v, b.CreateInBoundsGEP(at, tmp, j));
              return std::vector<llvm::Value*>{};
            },
            "j");
        llvm::Value* full = b.CreateSDiv(cnt, b.getInt64(lanes));
        auto v = emit_loop(
            b, f, b.getInt64(0), full, {in[0]},
            [&](llvm::Value* k, const std::vector<llvm::Value*>& c) {
              llvm::Value* p = b.CreateInBoundsGEP(at, tmp, b.CreateMul(k, b.getInt64(lanes)));
              llvm::Value* x = b.CreateAlignedLoad(vt, p, llvm::Align(expr::size_of(res)));
              return std::vector<llvm::Value*>{combine(b, sig.kind, res, c[0], x)};
            },
            "k");
        auto s = emit_loop(
            b, f, b.CreateMul(full, b.getInt64(lanes)), cnt, {in[1]},
            [&](llvm::Value* r, const std::vector<llvm::Value*>& c) {
              llvm::Value* x = b.CreateLoad(at, b.CreateInBoundsGEP(at, tmp, r));
              return std::vector<llvm::Value*>{combine(b, sig.kind, res, c[0], x)};
            },
            "r");
        return std::vector<llvm::Value*>{v[0], s[0]};
      },
      "block");
  // Pairwise lane combination: halves, in a fixed order.
  llvm::Value* v = acc[0];
  for (int w = lanes / 2; w >= 1; w /= 2) {
    llvm::SmallVector<int, 64> lo, hi;
    for (int j = 0; j < w; ++j) {
      lo.push_back(j);
      hi.push_back(j + w);
    }
    v = combine(b, sig.kind, res, b.CreateShuffleVector(v, lo), b.CreateShuffleVector(v, hi));
  }
  llvm::Value* total = combine(b, sig.kind, res, b.CreateExtractElement(v, std::uint64_t{0}), acc[1]);
  b.CreateStore(total, out);
  b.CreateRetVoid();
}

void optimise(llvm::Module& m, llvm::TargetMachine& tm, const llvm::TargetLibraryInfoImpl& tlii) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PipelineTuningOptions pto;
  pto.LoopVectorization = true;
  pto.SLPVectorization = true;
  pto.LoopInterleaving = true;
  pto.LoopUnrolling = true;
  llvm::PassBuilder pb(&tm, pto);
  fam.registerPass([&] { return llvm::TargetLibraryAnalysis(tlii); });
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager mpm = pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3);
  mpm.run(m, mam);
}

std::string emit(llvm::Module& m, llvm::TargetMachine& tm, const llvm::TargetLibraryInfoImpl& tlii,
                 llvm::CodeGenFileType type) {
  llvm::SmallVector<char, 0> buffer;
  llvm::raw_svector_ostream os(buffer);
  llvm::legacy::PassManager pm;
  pm.add(new llvm::TargetLibraryInfoWrapperPass(tlii));
  if (tm.addPassesToEmitFile(pm, os, nullptr, type)) {
    fail("the host TargetMachine cannot emit this file type");
  }
  pm.run(m);
  return std::string(buffer.data(), buffer.size());
}

std::string describe(const signature& sig) {
  std::string s;
  static const char* kinds[] = {"elementwise", "sum", "prod", "min", "max"};
  s += kinds[static_cast<int>(sig.kind)];
  s += " (";
  for (std::size_t i = 0; i < sig.args.size(); ++i) {
    if (i) s += ", ";
    s += expr::name_of(sig.args[i].type);
    s += sig.args[i].scalar ? " scalar" : "[]";
  }
  s += ") -> ";
  s += expr::name_of(sig.result);
  return s;
}

// Bump when the generated code changes for the same graph, signature and options (lowering,
// optimisation pipeline, entry-point ABI): it is part of every on-disk cache key.
inline constexpr int lowering_version = 1;

// Everything that decides the machine code, hashed: never a file name or a time.
cache_key make_cache_key(const expr::graph& g, const signature& sig, const options& opts,
                         session& ses) {
  std::string text = "parjit kernel cache key\n";
  text += "lowering " + std::to_string(lowering_version) + "\n";
  text += "llvm " LLVM_VERSION_STRING "\n";
  text += "triple " + ses.triple().str() + "\ncpu " + ses.cpu() + "\nfeatures " +
          ses.features() + "\n";
  text += "opt O3 codegen aggressive\n";
  text += std::string("libmvec ") + (ses.have_libmvec() ? "1" : "0") + "\n";
  text += std::string("fastmath ") + (opts.fastmath ? "1" : "0") + "\nvector_math " +
          (opts.vector_math ? "1" : "0") + "\n";
  text += "signature " + describe(sig) + "\n";
  text += "expression " + expr::to_string(g) + "\n";
  return llvm::SHA256::hash(llvm::ArrayRef<std::uint8_t>(
      reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

void compile_impl(const compile_request& req, compile_result& res) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  auto elapsed = [&] { return std::chrono::duration<double, std::milli>(clock::now() - t0).count(); };
  if (req.graph == nullptr || req.sig == nullptr) fail("compile() got no graph or signature");
  const expr::graph& g = *req.graph;
  const signature& sig = *req.sig;
  if (g.nodes.empty()) fail("the expression graph is empty");
  try {
    expr::validate(g);
  } catch (const std::invalid_argument& e) {
    fail(std::string("invalid expression graph: ") + e.what());
  }
  session& ses = the_session();

  const bool cached = cache_enabled(req.opts);
  cache_key key{};
  std::string name, dir, path;
  if (cached) {
    key = make_cache_key(g, sig, req.opts, ses);
    const std::string h = hex(key);
    name = "parjit_kernel_" + h;
    // An identical kernel already linked in this process: share its code.
    if (auto l = ses.reuse(name)) {
      res.fn = l->fn;
      res.handle = l->handle;
      res.ir = std::move(l->ir);
      res.origin = code_origin::cache_hit;
      cache_hits.fetch_add(1, std::memory_order_relaxed);
      res.compile_ms = elapsed();
      return;
    }
    dir = cache_directory(req.opts.cache_dir);
    path = dir + "/" + h + cache_suffix;
    if (auto entry = read_entry(path, key)) {
      try {
        auto l = ses.add_object(llvm::MemoryBuffer::getMemBufferCopy(entry->object, name), name,
                                true, entry->ir.str());
        res.fn = l.fn;
        res.handle = l.handle;
        res.ir = l.ir.empty() ? entry->ir.str() : std::move(l.ir);
        res.origin = code_origin::cache_hit;
        cache_hits.fetch_add(1, std::memory_order_relaxed);
        touch(path);
        res.compile_ms = elapsed();
        return;
      } catch (const compile_error&) {
        ::unlink(path.c_str());  // an object LLVM will not link: compile and replace it
      }
    }
  } else {
    name = ses.next_name();
  }

  auto ctx = std::make_unique<llvm::LLVMContext>();
  auto m = std::make_unique<llvm::Module>(name, *ctx);
  llvm::TargetMachine& tm = ses.target_machine();
  m->setDataLayout(tm.createDataLayout());
  m->setTargetTriple(ses.triple().str());
  build_kernel(*m, name, g, sig, req.opts);

  std::string problems;
  llvm::raw_string_ostream ps(problems);
  if (llvm::verifyModule(*m, &ps)) fail("LLVM rejected the generated IR: " + ps.str());

  const auto& tlii = ses.tlii(req.opts.vector_math);
  optimise(*m, tm, tlii);
  {
    llvm::raw_string_ostream os(res.ir);
    os << "; parjit specialisation: " << describe(sig) << "\n";
    m->print(os, nullptr);
  }
  std::string object = emit(*m, tm, tlii, llvm::CodeGenFileType::ObjectFile);
  auto l = ses.add_object(llvm::MemoryBuffer::getMemBufferCopy(object, name), name, cached,
                          res.ir);
  res.fn = l.fn;
  res.handle = l.handle;
  res.origin = code_origin::compiled;
  if (cached) {
    const std::string why = write_entry(dir, path, key, object, res.ir);
    if (why.empty()) {
      res.origin = code_origin::cache_miss;
      cache_misses.fetch_add(1, std::memory_order_relaxed);
      evict(dir, cache_max_bytes());
    } else {
      warn_unusable(dir, why);
    }
  }
  res.compile_ms = elapsed();
}

void compile_entry(const compile_request& req, compile_result& res) {
  try {
    compile_impl(req, res);
  } catch (const compile_error&) {
    throw;
  } catch (const std::exception& e) {
    throw compile_error(std::string("parjit::jit: ") + e.what());
  }
}

void release_entry(std::uint64_t handle) noexcept { the_session().release(handle); }

std::string assembly_entry(const std::string& ir) {
  session& ses = the_session();
  llvm::LLVMContext ctx;
  llvm::SMDiagnostic diag;
  auto m = llvm::parseIR(llvm::MemoryBufferRef(ir, "kernel"), diag, ctx);
  if (!m) fail("cannot re-read the kernel's IR: " + diag.getMessage().str());
  return emit(*m, ses.target_machine(), ses.tlii(true), llvm::CodeGenFileType::AssemblyFile);
}

}  // namespace
}  // namespace parjit::jit::detail

// Weak: several targets of one program may each compile the backend (CMake's INTERFACE source);
// the linker keeps one definition, so one session serves the whole process.
extern "C" __attribute__((weak)) const parjit::jit::detail::backend_api*
parjit_jit_backend_missing__link_parjit_jit_or_define_PARJIT_JIT_IMPLEMENTATION_in_one_cpp_file() {
  static const parjit::jit::detail::backend_api api{
      parjit::jit::detail::backend_abi_version,
      &parjit::jit::detail::compile_entry,
      &parjit::jit::detail::release_entry,
      &parjit::jit::detail::assembly_entry,
      &parjit::jit::detail::cache_info_entry,
      &parjit::jit::detail::cache_clear_entry,
  };
  return &api;
}
