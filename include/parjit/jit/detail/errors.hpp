// The backend's error helpers: fail() throws jit::compile_error; unwrap()/check() turn LLVM's
// Expected<>/Error into it, so that no llvm::Error escapes the backend.
#pragma once

#include <string>
#include <utility>

#include "../options.hpp"
#include "llvm.hpp"

namespace parjit::jit::detail {
namespace {  // internal linkage: every copy of the backend is self-contained; one is linked in

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

}  // namespace
}  // namespace parjit::jit::detail
