// Mandelbrot escape counts with jit::loop_while, rendered to a PNG: the numba story in four
// lines (a per-element while loop, compiled at the first call, vectorised across pixels, par).
//
//   mandelbrot [out.png] [width] [height]      (defaults: mandelbrot.png 1600 1200)
//
// Prints the time of a plain C++ loop, parjit serial (first call with its compile, then steady)
// and parjit with jit::par, checks that all three give the same counts, and writes the image.
#include <parjit/jit.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb_image_write.h>

namespace jit = parjit::jit;

namespace {

// The plain loop a C++ programmer would write (the reference for the counts).
void plain_loop(std::vector<std::int32_t>& counts, const std::vector<float>& cr,
                const std::vector<float>& ci, std::int32_t max_iter) {
  for (std::size_t i = 0; i < counts.size(); ++i) {
    float zr = 0.0f, zi = 0.0f;
    std::int32_t n = 0;
    while (zr * zr + zi * zi <= 4.0f && n < max_iter) {
      const float r = zr * zr - zi * zi + cr[i];
      zi = 2.0f * zr * zi + ci[i];
      zr = r;
      ++n;
    }
    counts[i] = n;
  }
}

template <class F>
double millis(F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "mandelbrot.png";
  const int w = argc > 2 ? std::atoi(argv[2]) : 1600;
  const int h = argc > 3 ? std::atoi(argv[3]) : 1200;
  if (w <= 0 || h <= 0) {
    std::fprintf(stderr, "usage: mandelbrot [out.png] [width > 0] [height > 0]\n");
    return 2;
  }
  const auto n = static_cast<std::size_t>(w) * static_cast<std::size_t>(h);
  constexpr std::int32_t max_iter = 255;
  std::vector<float> cr(n), ci(n);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      cr[static_cast<std::size_t>(y) * w + x] = -2.2f + 3.2f * static_cast<float>(x) / w;
      ci[static_cast<std::size_t>(y) * w + x] = -1.2f + 2.4f * static_cast<float>(y) / h;
    }
  }

  // The kernel: one while loop per pixel with a carried (zr, zi, n); compiled at the first call.
  auto mandel = jit::vectorize([](auto cr, auto ci, auto max_iter) {
    auto [zr, zi, n] = jit::loop_while(
        jit::tuple(0.0f * cr, 0.0f * ci, jit::cast<std::int32_t>(0)),
        [&](auto zr, auto zi, auto n) { return zr * zr + zi * zi <= 4.0f && n < max_iter; },
        [&](auto zr, auto zi, auto n) {
          return jit::tuple(zr * zr - zi * zi + cr, 2.0f * zr * zi + ci, n + 1); });
    return n;
  });

  std::vector<std::int32_t> plain(n), serial(n), par(n);
  std::printf("Mandelbrot %dx%d, at most %d iterations per pixel\n", w, h, max_iter);
  std::printf("  [1/4] plain C++ loop ...\r");
  std::fflush(stdout);
  const double t_plain = millis([&] { plain_loop(plain, cr, ci, max_iter); });
  std::printf("  [2/4] parjit first call ...\r");
  std::fflush(stdout);
  const double t_first = millis([&] { mandel(serial, cr, ci, max_iter); });
  std::printf("  [3/4] parjit serial ...    \r");
  std::fflush(stdout);
  const double t_serial = millis([&] { mandel(serial, cr, ci, max_iter); });
  std::printf("  [4/4] parjit jit::par ...  \r");
  std::fflush(stdout);
  mandel(jit::par, par, cr, ci, max_iter);  // warm the pool
  const double t_par = millis([&] { mandel(jit::par, par, cr, ci, max_iter); });
  std::printf("                             \r");

  std::printf("  plain C++ loop      %8.1f ms\n", t_plain);
  std::printf("  parjit first call   %8.1f ms (compile %.1f ms)\n", t_first,
              mandel.stats().compile_ms);
  std::printf("  parjit serial       %8.1f ms  (%.1fx the plain loop)\n", t_serial,
              t_plain / t_serial);
  std::printf("  parjit jit::par     %8.1f ms  (%.1fx the plain loop)\n", t_par, t_plain / t_par);
  const bool same = plain == serial && serial == par;
  std::printf("  counts: %s\n", same ? "plain == serial == par" : "DIFFER");

  std::vector<unsigned char> rgb(n * 3);
  for (std::size_t i = 0; i < n; ++i) {
    const std::int32_t k = serial[i];
    const double t = k >= max_iter ? 0.0 : std::sqrt(static_cast<double>(k) / max_iter);
    rgb[3 * i + 0] = static_cast<unsigned char>(255.0 * std::min(1.0, 3.0 * t));
    rgb[3 * i + 1] = static_cast<unsigned char>(255.0 * t);
    rgb[3 * i + 2] = static_cast<unsigned char>(255.0 * std::min(1.0, 0.5 + t));
    if (k >= max_iter) rgb[3 * i + 2] = 0;
  }
  if (!stbi_write_png(path.c_str(), w, h, 3, rgb.data(), w * 3)) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    return 1;
  }
  std::printf("  wrote %s\n", path.c_str());
  return same ? 0 : 1;
}
