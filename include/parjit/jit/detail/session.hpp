// The process-wide ORC LLJIT session: host target detection, the JIT dylib (process symbols and
// libmvec), per-thread TargetMachines, and linking/sharing/releasing kernel objects.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "../compile.hpp"
#include "errors.hpp"
#include "llvm.hpp"
#include "optimise.hpp"
#include "vector_functions.hpp"

namespace parjit::jit::detail {
namespace {  // internal linkage: every copy of the backend is self-contained; one is linked in

// One ORC session per process, created on first use and never destroyed (kernels may be released
// during static destruction, in any order).
class session {
 public:
  session() {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    llvm::InitializeNativeTargetAsmParser();
    disable_loop_strength_reduction();

    jtmb_ = std::make_unique<llvm::orc::JITTargetMachineBuilder>(
        unwrap(llvm::orc::JITTargetMachineBuilder::detectHost(), "detecting the host CPU"));
    jtmb_->setCodeGenOptLevel(llvm::CodeGenOptLevel::Default);
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
  // Whether the host has the target feature `name` (as LLVM spells it: "avx512vbmi"), exactly.
  bool has_feature(std::string_view name) const {
    const std::string entry = "+" + std::string(name);
    for (std::size_t at = features_.find(entry); at != std::string::npos;
         at = features_.find(entry, at + 1)) {
      const std::size_t after = at + entry.size();
      if ((at == 0 || features_[at - 1] == ',') && (after == features_.size() || features_[after] == ',')) {
        return true;
      }
    }
    return false;
  }
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

  // This thread's object-file pipeline for its TargetMachine and the given library description.
  emitter& object_emitter(bool vector_math) {
    // The TargetMachine first: thread-locals are destroyed in reverse order of construction, so
    // the pipelines that use it go before it at thread exit.
    llvm::TargetMachine& tm = target_machine();
    thread_local std::unique_ptr<emitter> emitters[2];
    auto& e = emitters[vector_math ? 1 : 0];
    if (!e) e = std::make_unique<emitter>(tm, tlii(vector_math));
    return *e;
  }

  std::string next_name() { return "parjit_kernel_" + std::to_string(++counter_); }

  // Links an object file into the session; returns its entry point and a release handle.
  // `shared`: `name` is derived from the cache key, so an object of that name already linked
  // here is the same code: it is reused (reference counted) instead of linked twice.
  struct linked {
    kernel_function fn;
    std::uint64_t handle;
  };
  linked add_object(std::unique_ptr<llvm::MemoryBuffer> obj, const std::string& name,
                    bool shared) {
    std::lock_guard lock(mutex_);  // LLJIT's default setup is not safe for concurrent adds
    if (shared) {
      if (auto it = by_name_.find(name); it != by_name_.end()) {
        loaded& l = trackers_.at(it->second);
        ++l.refs;
        return {l.fn, it->second};
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
    trackers_.emplace(handle, loaded{std::move(rt), fn, 1, shared ? name : std::string()});
    if (shared) by_name_.emplace(name, handle);
    return {fn, handle};
  }

  // The object of this key-derived name if it is already linked here (one more reference).
  std::optional<linked> reuse(const std::string& name) {
    std::lock_guard lock(mutex_);
    auto it = by_name_.find(name);
    if (it == by_name_.end()) return std::nullopt;
    loaded& l = trackers_.at(it->second);
    ++l.refs;
    return linked{l.fn, it->second};
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
  // Code generation's loop strength reduction costs a third of its time on parjit's loops and
  // saves one address add per vector step (32 elements of float): off, unless the program set
  // LLVM's -disable-lsr itself. (LLVM has no per-TargetMachine switch for it.)
  static void disable_loop_strength_reduction() {
    auto& registered = llvm::cl::getRegisteredOptions();
    auto it = registered.find("disable-lsr");
    if (it != registered.end() && it->second->getNumOccurrences() == 0) {
      it->second->addOccurrence(0, "disable-lsr", "true");
    }
  }

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
  };
  std::unordered_map<std::uint64_t, loaded> trackers_;
  std::unordered_map<std::string, std::uint64_t> by_name_;
};

session& the_session() {
  static session* const s = new session();  // leaked on purpose, see the class comment
  return *s;
}

}  // namespace
}  // namespace parjit::jit::detail
