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

std::string describe(const signature& sig) {
  std::string s;
  static const char* kinds[] = {"elementwise", "sum", "prod", "min", "max"};
  s += kinds[static_cast<int>(sig.kind)];
  s += " (";
  for (std::size_t i = 0; i < sig.args.size(); ++i) {
    if (i) s += ", ";
    const argument_type& a = sig.args[i];
    s += expr::name_of(a.type);
    if (a.scalar) {
      s += " scalar";
    } else if (a.form == access::table) {
      static const char* policies[] = {"checked", "clamp", "constant"};
      const auto p = static_cast<std::size_t>(a.policy);
      s += " table" + std::to_string(a.dims) + "d " + (p < 3 ? policies[p] : "?");
    } else if (a.form == access::strided) {
      s += " strided";
    } else {
      s += "[]";
    }
  }
  s += ") -> ";
  s += expr::name_of(sig.result);
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
