// The on-disk cache key: everything that decides a kernel's machine code, hashed (SHA-256), and
// describe(), the signature's text used in the key and in the IR's header line.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

// PARJIT_JIT_SOURCE_HASH: a hash of the code generator's sources, so that changing them
// invalidates every cached kernel. parjit's CMake build generates (and installs) this header;
// a build without it falls back to the time the backend was compiled, which changes whenever the
// backend is recompiled (a fresh cache per build, never a stale one).
#if __has_include(<parjit/jit/detail/source_hash.hpp>)
#include <parjit/jit/detail/source_hash.hpp>
#endif
#ifndef PARJIT_JIT_SOURCE_HASH
#define PARJIT_JIT_SOURCE_HASH "compiled " __DATE__ " " __TIME__
#endif

#include "../../expr/evaluate.hpp"
#include "../compile.hpp"
#include "disk_cache.hpp"
#include "llvm.hpp"
#include "session.hpp"

namespace parjit::jit::detail {
namespace {  // internal linkage: every copy of the backend is self-contained; one is linked in

const char* describe_form(access form) {
  switch (form) {
    case access::contiguous: return "[]";
    case access::strided: return "[::stride]";
    case access::streamed: return "[] streamed";
    default: return "[table]";
  }
}

// Every field of the signature: two signatures that differ never share cached code.
std::string describe(const signature& sig) {
  std::string s;
  static const char* kinds[] = {"elementwise", "sum", "prod", "min", "max"};
  s += kinds[static_cast<int>(sig.kind)];
  s += " (";
  for (std::size_t i = 0; i < sig.args.size(); ++i) {
    const argument_type& a = sig.args[i];
    if (i) s += ", ";
    s += expr::name_of(a.type);
    s += a.scalar ? " scalar" : describe_form(a.form);
    if (!a.scalar && a.form == access::table) {
      s += " policy " + std::to_string(static_cast<int>(a.policy)) + " dims " +
           std::to_string(static_cast<int>(a.dims));
    }
  }
  s += ") -> ";
  if (sig.outs.empty()) {
    s += expr::name_of(sig.result);
    if (sig.kind == kernel_kind::elementwise && sig.out_form != access::contiguous) {
      s += describe_form(sig.out_form);
    }
  } else {
    s += "tuple(";
    for (std::size_t k = 0; k < sig.outs.size(); ++k) {
      if (k) s += ", ";
      s += expr::name_of(sig.outs[k].type);
      if (sig.kind == kernel_kind::elementwise) s += describe_form(sig.outs[k].form);
    }
    s += ")";
  }
  return s;
}

// Everything that decides the machine code, as text: never a file name or a time. `source_hash`
// stands for the code generator itself (lowering, loops, optimisation pipeline, entry-point ABI).
std::string cache_key_text(const expr::graph& g, const signature& sig, const options& opts,
                           const session& ses, std::string_view source_hash) {
  std::string text = "parjit kernel cache key\n";
  text += "backend ";
  text += source_hash;
  text += "\n";
  text += "llvm " LLVM_VERSION_STRING "\n";
  text += "triple " + ses.triple().str() + "\ncpu " + ses.cpu() + "\nfeatures " +
          ses.features() + "\n";
  text += "opt O3 codegen aggressive\n";
  text += std::string("libmvec ") + (ses.have_libmvec() ? "1" : "0") + "\n";
  text += std::string("fastmath ") + (opts.fastmath ? "1" : "0") + "\nvector_math " +
          (opts.vector_math ? "1" : "0") + "\n";
  text += "signature " + describe(sig) + "\n";
  text += "expression " + expr::to_string(g) + "\n";
  return text;
}

cache_key hash_key_text(const std::string& text) {
  return llvm::SHA256::hash(llvm::ArrayRef<std::uint8_t>(
      reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

cache_key make_cache_key(const expr::graph& g, const signature& sig, const options& opts,
                         const session& ses) {
  return hash_key_text(cache_key_text(g, sig, opts, ses, PARJIT_JIT_SOURCE_HASH));
}

}  // namespace
}  // namespace parjit::jit::detail
