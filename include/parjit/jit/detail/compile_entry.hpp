// The backend's entry points: compile (validate, cache lookup, lower, optimise, link, cache store),
// release, ir and assembly, published through the one extern "C" backend_api symbol. The backend is
// compiled once per program: by include/parjit/jit/backend.cpp, or where PARJIT_JIT_IMPLEMENTATION
// is set.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <unistd.h>

#include "../compile.hpp"
#include "cache_key.hpp"
#include "disk_cache.hpp"
#include "errors.hpp"
#include "kernel_loop.hpp"
#include "llvm.hpp"
#include "optimise.hpp"
#include "session.hpp"
#include "streaming.hpp"

namespace parjit::jit::detail {
namespace {  // internal linkage: every copy of the backend is self-contained; one is linked in

// The kernel's module for this host, lowered and verified (not yet optimised).
std::unique_ptr<llvm::Module> lower_module(llvm::LLVMContext& ctx, session& ses,
                                           const std::string& name, const expr::graph& g,
                                           const signature& sig, const options& opts) {
  auto m = std::make_unique<llvm::Module>(name, ctx);
  m->setDataLayout(ses.target_machine().createDataLayout());
  m->setTargetTriple(ses.triple().str());
  build_kernel(*m, name, g, sig, opts);
  std::string problems;
  llvm::raw_string_ostream ps(problems);
  if (llvm::verifyModule(*m, &ps)) fail("LLVM rejected the generated IR: " + ps.str());
  return m;
}

// The lowered module optimised: exact products fused with their adds, parjit's pass pipeline,
// then the streaming stores (streaming.hpp) and, on AMD Zen 4/5, loads kept out of masked
// instructions (optimise.hpp).
void optimise_kernel(llvm::Module& m, session& ses, const std::string& name, const signature& sig,
                     const options& opts) {
  for (llvm::Function& fn : m) {
    if (!fn.isDeclaration()) contract_exact_products(fn);
  }
  optimise(m, ses.target_machine(), ses.tlii(opts.vector_math));
  llvm::Function* f = m.getFunction(name);
  if (f == nullptr) return;
  add_streaming_stores(*f, sig, ses.target_machine());
  if (ses.cpu() == "znver4" || ses.cpu() == "znver5") unfold_masked_loads(*f);
}

void compile_impl(const compile_request& req, compile_result& res) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  auto elapsed = [&] { return std::chrono::duration<double, std::milli>(clock::now() - t0).count(); };
  // lap(): milliseconds since the previous lap, for res.phases.
  auto last = t0;
  auto lap = [&] {
    const auto now = clock::now();
    const double ms = std::chrono::duration<double, std::milli>(now - last).count();
    last = now;
    return ms;
  };
  compile_phases& ph = res.phases;
  if (req.graph == nullptr || req.sig == nullptr) fail("compile() got no graph or signature");
  const expr::graph& g = *req.graph;
  const signature& sig = *req.sig;
  if (g.nodes.empty()) fail("the expression graph is empty");
  try {
    expr::validate(g);
  } catch (const std::invalid_argument& e) {
    fail(std::string("invalid expression graph: ") + e.what());
  }
  lap();
  session& ses = the_session();  // the process's first compile starts it
  ph.session_ms = lap();

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
      res.name = name;
      res.origin = code_origin::cache_hit;
      cache_hits.fetch_add(1, std::memory_order_relaxed);
      ph.cache_ms = lap();
      res.compile_ms = elapsed();
      return;
    }
    dir = cache_directory(req.opts.cache_dir);
    path = dir + "/" + h + cache_suffix;
    if (auto entry = read_entry(path, key)) {
      try {
        ph.cache_ms += lap();
        auto l = ses.add_object(llvm::MemoryBuffer::getMemBufferCopy(entry->object, name), name,
                                true);
        res.fn = l.fn;
        res.handle = l.handle;
        res.name = name;
        res.origin = code_origin::cache_hit;
        cache_hits.fetch_add(1, std::memory_order_relaxed);
        ph.link_ms = lap();
        touch(path);
        ph.cache_ms += lap();
        res.compile_ms = elapsed();
        return;
      } catch (const compile_error&) {
        ::unlink(path.c_str());  // an object LLVM will not link: compile and replace it
      }
    }
    ph.cache_ms += lap();
  } else {
    name = ses.next_name();
  }

  res.name = name;
  llvm::LLVMContext ctx;
  auto m = lower_module(ctx, ses, name, g, sig, req.opts);
  ph.lowering_ms = lap();
  optimise_kernel(*m, ses, name, sig, req.opts);
  ph.optimise_ms = lap();
  // The IR's text is not printed here: ir() makes it again on request (ir_entry).
  std::string object = ses.object_emitter(req.opts.vector_math).run(*m);
  ph.codegen_ms = lap();
  auto l = ses.add_object(llvm::MemoryBuffer::getMemBufferCopy(object, name), name, cached);
  ph.link_ms = lap();
  res.fn = l.fn;
  res.handle = l.handle;
  res.origin = code_origin::compiled;
  if (cached) {
    const std::string why = write_entry(dir, path, key, object);
    if (why.empty()) {
      res.origin = code_origin::cache_miss;
      cache_misses.fetch_add(1, std::memory_order_relaxed);
      evict(dir, cache_max_bytes());
    } else {
      warn_unusable(dir, why);
    }
    ph.cache_ms += lap();
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

// The optimised IR of a compiled kernel, made again exactly as compile_impl made it (the same
// lowering, pipeline and function name: both are deterministic).
std::string ir_entry(const ir_request& r) {
  try {
    if (r.kernel == nullptr || r.kernel->graph == nullptr || r.kernel->sig == nullptr ||
        r.name == nullptr) {
      fail("ir() got no kernel");
    }
    session& ses = the_session();
    const compile_request& req = *r.kernel;
    llvm::LLVMContext ctx;
    auto m = lower_module(ctx, ses, *r.name, *req.graph, *req.sig, req.opts);
    optimise_kernel(*m, ses, *r.name, *req.sig, req.opts);
    std::string text;
    llvm::raw_string_ostream os(text);
    os << "; parjit specialisation: " << describe(*req.sig) << "\n";
    m->print(os, nullptr);
    return text;
  } catch (const compile_error&) {
    throw;
  } catch (const std::exception& e) {
    throw compile_error(std::string("parjit::jit: ") + e.what());
  }
}

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

// The whole backend (its session included) is reached through this one symbol, so one definition
// in a process means one JIT session. CMake builds link the backend library once per program;
// where copies do meet (a shared library and the executable that both carry one, or a file with
// PARJIT_JIT_IMPLEMENTATION beside parjit::jit), weak and default visibility let the linker and
// the dynamic loader pick one definition for the whole process, even in code built with
// -fvisibility=hidden.
extern "C" __attribute__((weak, visibility("default"))) const parjit::jit::detail::backend_api*
parjit_jit_backend_missing__link_parjit_jit_or_define_PARJIT_JIT_IMPLEMENTATION_in_one_cpp_file() {
  static const parjit::jit::detail::backend_api api{
      parjit::jit::detail::backend_abi_version,
      &parjit::jit::detail::compile_entry,
      &parjit::jit::detail::release_entry,
      &parjit::jit::detail::ir_entry,
      &parjit::jit::detail::assembly_entry,
      &parjit::jit::detail::cache_info_entry,
      &parjit::jit::detail::cache_clear_entry,
      &parjit::jit::detail::stream_fence_entry,
      &parjit::jit::detail::stream_threshold_entry,
  };
  return &api;
}
