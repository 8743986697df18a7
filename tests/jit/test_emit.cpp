// Code generation keeps one pass pipeline per thread and runs it module after module
// (detail::emitter). These tests pin that a kept pipeline's object file is byte for byte
// the one a fresh pipeline makes, whatever was compiled before it.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"  // this TU uses a few of the backend's parts
#include <parjit/jit/detail/compile_entry.hpp>
#pragma GCC diagnostic pop

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

namespace expr = parjit::expr;
namespace jit = parjit::jit;
namespace detail = parjit::jit::detail;
using expr::scalar_kind;

namespace {

struct kernel {
  expr::graph g;
  jit::signature sig;
  jit::options opts;
};

// The optimised module of one kernel, as compile() makes it before code generation.
std::unique_ptr<llvm::Module> optimised(llvm::LLVMContext& ctx, const kernel& k, int n) {
  auto& ses = detail::the_session();
  auto m = std::make_unique<llvm::Module>("kernel" + std::to_string(n), ctx);
  llvm::TargetMachine& tm = ses.target_machine();
  m->setDataLayout(tm.createDataLayout());
  m->setTargetTriple(ses.triple().str());
  detail::build_kernel(*m, "parjit_test_kernel_" + std::to_string(n), k.g, k.sig, k.opts);
  REQUIRE_FALSE(llvm::verifyModule(*m, &llvm::errs()));
  detail::optimise(*m, tm, ses.tlii(k.opts.vector_math));
  return m;
}

jit::argument_type array(scalar_kind t) { return {.type = t}; }
jit::argument_type scalar(scalar_kind t) { return {.type = t, .scalar = true}; }

std::vector<kernel> kernels() {
  const expr::arg<0, float> a;
  const expr::arg<1, float> b;
  const expr::arg<0, double> x;
  const expr::arg<0, std::uint8_t> r;
  const expr::arg<1, std::uint8_t> gr;
  const expr::arg<2, std::uint8_t> bl;
  const auto f32 = scalar_kind::f32;
  const auto f64 = scalar_kind::f64;
  const auto u8 = scalar_kind::u8;
  // Values live across vector math calls: spills and a stack frame.
  const expr::arg<2, float> c;
  const expr::arg<3, float> d;
  const auto e0 = expr::exp(a);
  const auto e1 = expr::exp(b + e0);
  const auto e2 = expr::sin(c * e1 + e0);
  const auto e3 = expr::log(d + e2 * e1);
  const auto spills = e0 * e1 + e2 * e3 + (e0 - e2) * (e1 - e3) + expr::sqrt(e0 * e1 * e2 * e3);
  std::vector<kernel> ks;
  ks.push_back({expr::to_graph(expr::sqrt(a * a + b * b)), {.args = {array(f32), array(f32)}, .result = f32}, {}});
  ks.push_back({expr::to_graph(spills),
                {.args = {array(f32), array(f32), array(f32), array(f32)}, .result = f32}, {}});
  ks.push_back({expr::to_graph(((x * 3.0 + 2.0) * x - 1.0) * x), {.args = {array(f64)}, .result = f64}, {}});
  ks.push_back({expr::to_graph(expr::exp(a) * expr::sin(b)), {.args = {array(f32), array(f32)}, .result = f32},
                {}});
  ks.push_back({expr::to_graph(expr::exp(a) * expr::sin(b)), {.args = {array(f32), array(f32)}, .result = f32},
                {.vector_math = false}});
  ks.push_back({expr::to_graph(a * b),
                {.args = {array(f32), array(f32)}, .result = f32, .kind = jit::kernel_kind::sum}, {}});
  ks.push_back({expr::to_graph(expr::select(a > b, a - b, b * 0.5f)),
                {.args = {array(f32), scalar(f32)}, .result = f32}, {.fastmath = true}});
  ks.push_back({expr::to_graph((0.299f * r + 0.587f * gr + 0.114f * bl) / 255.0f),
                {.args = {array(u8), array(u8), array(u8)}, .result = f32}, {}});
  return ks;
}

}  // namespace

TEST_CASE("codegen: a kept pipeline emits what a fresh one does, whatever came before",
          "[jit][codegen]") {
  auto& ses = detail::the_session();
  const std::vector<kernel> ks = kernels();
  llvm::LLVMContext ctx;
  int n = 0;
  // Three rounds, the second in reverse order: every kernel follows several different ones.
  for (int round = 0; round < 3; ++round) {
    for (std::size_t j = 0; j < ks.size(); ++j) {
      const kernel& k = ks[round == 1 ? ks.size() - 1 - j : j];
      auto kept_input = optimised(ctx, k, n);
      auto fresh_input = optimised(ctx, k, n);
      ++n;
      const std::string kept = ses.object_emitter(k.opts.vector_math).run(*kept_input);
      const std::string fresh = detail::emit(*fresh_input, ses.target_machine(),
                                             ses.tlii(k.opts.vector_math),
                                             llvm::CodeGenFileType::ObjectFile);
      INFO("round " << round << ", kernel " << j);
      REQUIRE(kept.size() > 64);
      CHECK(kept == fresh);
    }
  }
}
