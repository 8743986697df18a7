// Where a kernel's arrays live, beyond element 0 and a unit step: strided arrays (a descriptor
// with the data pointer and the stride), and the kernel's outputs (one out, contiguous or
// strided, or one per result of a jit::tuple kernel, or the reductions' accumulators).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "../../expr/graph.hpp"
#include "../compile.hpp"
#include "errors.hpp"
#include "llvm.hpp"

namespace parjit::jit::detail {
namespace {  // internal linkage: every copy of the backend is self-contained; one is linked in

// A strided_descriptor's data pointer and stride (in elements), read where the builder is.
std::pair<llvm::Value*, llvm::Value*> load_strided(llvm::IRBuilder<>& b, llvm::Value* descriptor) {
  llvm::Value* data = b.CreateLoad(b.getPtrTy(), descriptor);
  llvm::Value* at = b.CreateConstInBoundsGEP1_64(b.getInt8Ty(), descriptor,
                                                 offsetof(strided_descriptor, stride));
  return {data, b.CreateLoad(b.getInt64Ty(), at)};
}

// The address of element `i` (an i64, or a vector of them: a vector of addresses) of an array
// of `t` at `base` whose elements are `stride` apart (nullptr: contiguous).
llvm::Value* element_address(llvm::IRBuilder<>& b, llvm::Type* t, llvm::Value* base,
                             llvm::Value* stride, llvm::Value* i) {
  if (stride != nullptr) {
    if (auto* vt = llvm::dyn_cast<llvm::FixedVectorType>(i->getType())) {
      stride = b.CreateVectorSplat(vt->getNumElements(), stride);
    }
    i = b.CreateMul(i, stride, "", false, true);  // no signed wrap: the caller's array has it
  }
  return b.CreateInBoundsGEP(t, base, i);
}

// The values of the graph's results (expr::result_nodes) among the computed node values.
std::vector<llvm::Value*> pick_results(const std::vector<std::int32_t>& results,
                                       const std::vector<llvm::Value*>& v) {
  std::vector<llvm::Value*> r;
  for (const std::int32_t i : results) {
    if (v.at(static_cast<std::size_t>(i)) == nullptr) fail("a result of the graph has no value");
    r.push_back(v[static_cast<std::size_t>(i)]);
  }
  return r;
}

// One output of a kernel: element 0 of an out array (and its stride when strided), or a
// reduction's accumulator; `type` is the out's element type or the accumulator type.
struct out_slot {
  llvm::Value* base = nullptr;
  llvm::Value* stride = nullptr;
  expr::scalar_kind type = expr::scalar_kind::f64;
};

// The outputs of a kernel whose graph has `results` results, from its `out` argument (see
// `signature`): one slot per result.
std::vector<out_slot> load_outs(llvm::IRBuilder<>& b, llvm::Value* out, const signature& sig,
                                std::size_t results) {
  const bool elementwise = sig.kind == kernel_kind::elementwise;
  auto slot = [&](llvm::Value* p, const argument_type& a) {
    out_slot s{p, nullptr, a.type};
    if (a.scalar || a.form == access::table || (!elementwise && a.form != access::contiguous)) {
      fail("an out is a scalar, a table, or a strided or streamed reduction result");
    }
    if (a.form == access::streamed && !sig.outs.empty()) {
      fail("only the one out of a kernel with one result can be access::streamed");
    }
    if (a.form == access::strided) std::tie(s.base, s.stride) = load_strided(b, p);
    return s;
  };
  if (sig.outs.empty()) {
    if (results != 1) {
      fail("the graph has " + std::to_string(results) + " results but the signature one out");
    }
    argument_type a;
    a.type = sig.result;
    a.form = sig.out_form;
    return {slot(out, a)};
  }
  if (sig.outs.size() != results) {
    fail("the graph has " + std::to_string(results) + " results but the signature " +
         std::to_string(sig.outs.size()) + " outs");
  }
  std::vector<out_slot> r;
  for (std::size_t k = 0; k < results; ++k) {
    llvm::Value* p = b.CreateLoad(b.getPtrTy(), b.CreateConstInBoundsGEP1_64(b.getPtrTy(), out, k));
    r.push_back(slot(p, sig.outs[k]));
  }
  return r;
}

}  // namespace
}  // namespace parjit::jit::detail
