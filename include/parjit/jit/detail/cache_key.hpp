// The on-disk cache key: everything that decides a kernel's machine code, hashed (SHA-256), and
// describe(), the signature's text used in the key and in the IR's header line.
#pragma once

#include <cstdint>
#include <string>

#include "../../expr/evaluate.hpp"
#include "../compile.hpp"
#include "disk_cache.hpp"
#include "llvm.hpp"
#include "lowering.hpp"
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
    s += expr::name_of(sig.args[i].type);
    s += sig.args[i].scalar ? " scalar" : "[]";
  }
  s += ") -> ";
  s += expr::name_of(sig.result);
  return s;
}

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

}  // namespace
}  // namespace parjit::jit::detail
