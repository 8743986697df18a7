// The image pipeline's stages, parjit JIT beside hand-written loops in one binary, serial and
// parallel, at 224x224 and 1920x1080 (names `<stage>/<system>/<size>`), and the whole pipeline's
// images/s per mode (`pipeline/<mode>`) on a small synthetic JPEG/PNG set.
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <parjit/jit.hpp>
#include <parjit/parjit.hpp>

#include "image_stages.hpp"

namespace jit = parjit::jit;
using namespace image_demo;

namespace {

struct frame {
  std::size_t w, h;
};
constexpr frame small{224, 224}, full{1920, 1080};

// 3 float planes in [0, 255] (what resize produces), from a synthetic image.
struct planes {
  std::size_t w, h;
  parjit::huge_page_vector<float> in, out;
  explicit planes(frame f) : w(f.w), h(f.h), in(3 * f.w * f.h), out(3 * f.w * f.h) {
    const rgb_image img = synthetic_image(7, f.w, f.h);
    for (std::size_t i = 0; i < f.w * f.h; ++i)
      for (std::size_t c = 0; c < 3; ++c) in[c * f.w * f.h + i] = img.pixels[3 * i + c];
  }
  std::size_t n() const { return w * h; }
};

planes& planes_for(frame f) {
  static planes s{small}, l{full};
  return f.w == small.w ? s : l;
}

const std::array<float, 3> mean{0.485f, 0.456f, 0.406f}, stdev{0.229f, 0.224f, 0.225f};

// Hand-written: per-channel normalise of contiguous planes (rows [y0, y1) of every plane).
void normalise_loop(const planes& p, float* out, std::size_t y0, std::size_t y1) {
  for (std::size_t c = 0; c < 3; ++c) {
    const float* s = p.in.data() + c * p.n();
    float* d = out + c * p.n();
    const float m = mean[c], sd = stdev[c];
    for (std::size_t i = y0 * p.w; i < y1 * p.w; ++i) d[i] = (s[i] / 255.0f - m) / sd;
  }
}

// Hand-written 3x3 binomial blur, clamped border: interior without clamps, frame with.
void blur_loop(const float* s, float* d, std::size_t w, std::size_t h, std::size_t y0,
               std::size_t y1) {
  const auto W = static_cast<std::ptrdiff_t>(w), H = static_cast<std::ptrdiff_t>(h);
  for (std::ptrdiff_t y = static_cast<std::ptrdiff_t>(y0); y < static_cast<std::ptrdiff_t>(y1); ++y) {
    auto at = [&](std::ptrdiff_t x, std::ptrdiff_t yy) {
      return s[std::clamp<std::ptrdiff_t>(yy, 0, H - 1) * W + std::clamp<std::ptrdiff_t>(x, 0, W - 1)];
    };
    auto edge = [&](std::ptrdiff_t x) {
      d[y * W + x] = blur_body([&](int dx, int dy) { return at(x + dx, y + dy); });
    };
    if (y == 0 || y == H - 1 || W < 3) {
      for (std::ptrdiff_t x = 0; x < W; ++x) edge(x);
      continue;
    }
    const float *a = s + (y - 1) * W, *b = s + y * W, *c = s + (y + 1) * W;
    edge(0);
    for (std::ptrdiff_t x = 1; x < W - 1; ++x)
      d[y * W + x] = (a[x - 1] + 2.0f * a[x] + a[x + 1] + 2.0f * b[x - 1] + 4.0f * b[x] +
                      2.0f * b[x + 1] + c[x - 1] + 2.0f * c[x] + c[x + 1]) / 16.0f;
    edge(W - 1);
  }
}

// Rows in chunks on the default executor (the same cut for every parallel baseline).
template <class F>
void rows_par(std::size_t h, F f) {
  std::vector<std::size_t> starts;
  const std::size_t rows = std::max<std::size_t>(1, h / 16);
  for (std::size_t y = 0; y < h; y += rows) starts.push_back(y);
  parjit::parallel_for_each(starts, [&](std::size_t y) { f(y, std::min(h, y + rows)); });
}

const auto jit_normalise = jit::vectorize([](auto x, auto m, auto s) { return (x / 255.0f - m) / s; });
const auto jit_grey = jit::vectorize([](auto r, auto g, auto b) {
  return (0.299f * r + 0.587f * g + 0.114f * b) / 255.0f;
});
const auto jit_blur = jit::stencil(blur_body, jit::border::clamp);

void set_counters(benchmark::State& st, const planes& p) {
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
  st.counters["MP/s"] = benchmark::Counter(static_cast<double>(st.iterations() * p.n()) / 1e6,
                                           benchmark::Counter::kIsRate);
}

template <bool Par>
void normalise_parjit(benchmark::State& st, frame f) {
  auto& p = planes_for(f);
  for (auto _ : st) {
    for (std::size_t c = 0; c < 3; ++c) {
      std::span<float> o(p.out.data() + c * p.n(), p.n());
      std::span<const float> i(p.in.data() + c * p.n(), p.n());
      if constexpr (Par) jit_normalise(jit::par, o, i, mean[c], stdev[c]);
      else jit_normalise(o, i, mean[c], stdev[c]);
    }
    benchmark::DoNotOptimize(p.out.data());
  }
  set_counters(st, p);
}
template <bool Par>
void normalise_loop_bench(benchmark::State& st, frame f) {
  auto& p = planes_for(f);
  for (auto _ : st) {
    if constexpr (Par) rows_par(p.h, [&](std::size_t a, std::size_t b) { normalise_loop(p, p.out.data(), a, b); });
    else normalise_loop(p, p.out.data(), 0, p.h);
    benchmark::DoNotOptimize(p.out.data());
  }
  set_counters(st, p);
}

template <bool Par>
void grey_parjit(benchmark::State& st, frame f) {
  auto& p = planes_for(f);
  const std::size_t n = p.n();
  for (auto _ : st) {
    if constexpr (Par) jit_grey(jit::par, p.out.data(), n, p.in.data(), n, p.in.data() + n, n, p.in.data() + 2 * n, n);
    else jit_grey(p.out.data(), n, p.in.data(), n, p.in.data() + n, n, p.in.data() + 2 * n, n);
    benchmark::DoNotOptimize(p.out.data());
  }
  set_counters(st, p);
}
template <bool Par>
void grey_loop(benchmark::State& st, frame f) {
  auto& p = planes_for(f);
  const std::size_t n = p.n();
  auto body = [&](std::size_t y0, std::size_t y1) {
    const float *r = p.in.data(), *g = r + n, *b = g + n;
    float* o = p.out.data();
    for (std::size_t i = y0 * p.w; i < y1 * p.w; ++i)
      o[i] = (0.299f * r[i] + 0.587f * g[i] + 0.114f * b[i]) / 255.0f;
  };
  for (auto _ : st) {
    if constexpr (Par) rows_par(p.h, body);
    else body(0, p.h);
    benchmark::DoNotOptimize(p.out.data());
  }
  set_counters(st, p);
}

template <bool Par>
void stencil_parjit(benchmark::State& st, frame f) {
  auto& p = planes_for(f);
  jit::view2d<float> o{p.out.data(), p.w, p.h, p.w};
  jit::view2d<const float> i{p.in.data(), p.w, p.h, p.w};
  for (auto _ : st) {
    if constexpr (Par) jit_blur(jit::par, o, i);
    else jit_blur(o, i);
    benchmark::DoNotOptimize(p.out.data());
  }
  set_counters(st, p);
}
template <bool Par>
void stencil_loop(benchmark::State& st, frame f) {
  auto& p = planes_for(f);
  for (auto _ : st) {
    if constexpr (Par) rows_par(p.h, [&](std::size_t a, std::size_t b) { blur_loop(p.in.data(), p.out.data(), p.w, p.h, a, b); });
    else blur_loop(p.in.data(), p.out.data(), p.w, p.h, 0, p.h);
    benchmark::DoNotOptimize(p.out.data());
  }
  set_counters(st, p);
}

// Resize 1920x1080 -> 224: the plain loops (resize_area) and the JIT kernels (resize_area_jit,
// serial and jit::par); bench/jit_kernels' K10 is the same case beside numba.
const rgb_image& resize_source() {
  static const rgb_image src = synthetic_image(3, 1920, 1080);
  return src;
}
void resize_loop(benchmark::State& st, frame f) {
  const rgb_image& src = resize_source();  // made outside the timed loop
  for (auto _ : st) benchmark::DoNotOptimize(resize_area(src, f.w).data.data());
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
}
template <bool Par>
void resize_parjit(benchmark::State& st, frame f) {
  auto run = [&] {
    if constexpr (Par) return resize_area_jit(jit::par, resize_source(), f.w);
    else return resize_area_jit(resize_source(), f.w);
  };
  run();  // compiles outside the timed loop
  for (auto _ : st) benchmark::DoNotOptimize(run().data.data());
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
}

// The whole pipeline on a synthetic set of 24 files (1/8 PNG), images/s per mode.
bool pipeline_files_made = false;

const std::vector<fs::path>& pipeline_files() {
  static const std::vector<fs::path> files = [] {
    pipeline_files_made = true;
    const fs::path dir = fs::temp_directory_path() / ("parjit_bench_images_" + std::to_string(getpid()));
    fs::create_directories(dir);
    std::vector<fs::path> v;
    for (std::size_t i = 0; i < 24; ++i) {
      const auto [w, h] = synthetic_sizes[i % synthetic_sizes.size()];
      v.push_back(dir / synthetic_name(i));
      write_image(v.back(), synthetic_image(i, w, h));
    }
    return v;
  }();
  return files;
}

tensor pipeline_one(const fs::path& f, bool use_jit) {
  std::string err;
  auto img = decode_file(f, err);
  tensor t = use_jit ? resize_area_jit(*img, 224) : resize_area(*img, 224);
  colour_options o;
  tensor c = use_jit ? colour_jit(t, o) : colour_plain(t, o);
  return use_jit ? filter_jit(std::move(c), filter::blur) : filter_plain(std::move(c), filter::blur);
}

void pipeline(benchmark::State& st, int mode) {
  const auto& files = pipeline_files();
  for (auto _ : st) {
    if (mode == 0) {
      for (const auto& f : files) benchmark::DoNotOptimize(pipeline_one(f, false).data.data());
    } else {
      auto r = parjit::parallel_map(files, [&](const fs::path& f) { return pipeline_one(f, mode == 2); });
      benchmark::DoNotOptimize(r.data());
    }
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * files.size()));
}

void register_all() {
  for (auto [f, name] : {std::pair{small, "224x224"}, std::pair{full, "1920x1080"}}) {
    const std::string sz = name;
    benchmark::RegisterBenchmark(("normalise/parjit/" + sz).c_str(), normalise_parjit<false>, f);
    benchmark::RegisterBenchmark(("normalise/parjit_par/" + sz).c_str(), normalise_parjit<true>, f);
    benchmark::RegisterBenchmark(("normalise/loop/" + sz).c_str(), normalise_loop_bench<false>, f);
    benchmark::RegisterBenchmark(("normalise/loop_par/" + sz).c_str(), normalise_loop_bench<true>, f);
    benchmark::RegisterBenchmark(("grey/parjit/" + sz).c_str(), grey_parjit<false>, f);
    benchmark::RegisterBenchmark(("grey/parjit_par/" + sz).c_str(), grey_parjit<true>, f);
    benchmark::RegisterBenchmark(("grey/loop/" + sz).c_str(), grey_loop<false>, f);
    benchmark::RegisterBenchmark(("grey/loop_par/" + sz).c_str(), grey_loop<true>, f);
    benchmark::RegisterBenchmark(("stencil_blur3x3/parjit/" + sz).c_str(), stencil_parjit<false>, f);
    benchmark::RegisterBenchmark(("stencil_blur3x3/parjit_par/" + sz).c_str(), stencil_parjit<true>, f);
    benchmark::RegisterBenchmark(("stencil_blur3x3/loop/" + sz).c_str(), stencil_loop<false>, f);
    benchmark::RegisterBenchmark(("stencil_blur3x3/loop_par/" + sz).c_str(), stencil_loop<true>, f);
  }
  benchmark::RegisterBenchmark("resize_area/loop/1920x1080_to_224", resize_loop, small);
  benchmark::RegisterBenchmark("resize_area/parjit/1920x1080_to_224", resize_parjit<false>, small);
  benchmark::RegisterBenchmark("resize_area/parjit_par/1920x1080_to_224", resize_parjit<true>, small)
      ->UseRealTime();
  benchmark::RegisterBenchmark("pipeline/seq/224", pipeline, 0)->Unit(benchmark::kMillisecond)->UseRealTime();
  benchmark::RegisterBenchmark("pipeline/map/224", pipeline, 1)->Unit(benchmark::kMillisecond)->UseRealTime();
  benchmark::RegisterBenchmark("pipeline/map+jit/224", pipeline, 2)->Unit(benchmark::kMillisecond)->UseRealTime();
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (pipeline_files_made) fs::remove_all(pipeline_files().front().parent_path());
  return 0;
}
