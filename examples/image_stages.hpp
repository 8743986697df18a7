// The image pipeline's stages (decode, area resize, normalise/grey, blur/sharpen, .npy/PNG
// output, synthetic image set) as plain C++ and as parjit JIT kernels; used by image_pipeline
// and by tests/image. stb (Debian libstb-dev, compiled in) decodes PNG and encodes; JPEG decodes
// with libjpeg-turbo when PARJIT_IMAGE_TURBOJPEG is 1 (Debian libturbojpeg0-dev), else with stb.
#pragma once

#include <parjit/jit.hpp>
#include <parjit/parallel/huge_page.hpp>

#include "image_resize.hpp"      // rgb_image, tensor, resize_area
#include "image_resize_jit.hpp"  // resize_area_jit

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

// With libjpeg-turbo, stb decodes PNG only: this stb's JPEG decoder writes out of bounds on some
// corrupt Huffman tables (found by UBSan in tests/image), libjpeg-turbo is fuzzed and faster.
#if !PARJIT_IMAGE_TURBOJPEG
#define STBI_ONLY_JPEG
#endif
#define STBI_ONLY_PNG
#define STBI_NO_STDIO
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include <stb_image.h>
#include <stb_image_write.h>
#pragma GCC diagnostic pop
#if PARJIT_IMAGE_TURBOJPEG
#include <turbojpeg.h>
#endif

namespace image_demo {

namespace fs = std::filesystem;
namespace jit = parjit::jit;

/// Largest image accepted (pixels); bigger files are rejected before decoding.
inline constexpr std::size_t max_pixels = 100'000'000;

namespace detail {
// Whether every chunk of a PNG fits in the bytes given. stb allocates an IDAT chunk's declared
// length before reading it: without this check a 200-byte file makes it allocate 2 GiB (found
// by tests/fuzz/fuzz_image_decode, corpus/fuzz_image_decode/oom_idat_length_*.png).
inline bool png_chunks_fit(const unsigned char* data, std::size_t size) {
  std::size_t pos = 8;  // after the signature
  while (size - pos >= 8) {
    const std::uint32_t length = (std::uint32_t{data[pos]} << 24) | (std::uint32_t{data[pos + 1]} << 16) |
                                 (std::uint32_t{data[pos + 2]} << 8) | std::uint32_t{data[pos + 3]};
    if (length > size - pos - 8 || size - pos - 8 - length < 4) return false;  // data + CRC
    if (std::memcmp(data + pos + 4, "IEND", 4) == 0) return true;
    pos += 12 + std::size_t{length};
  }
  return true;  // no room for another chunk header: stb reports the missing IEND itself
}
}  // namespace detail

/// Decodes a JPEG or PNG held in memory to RGB (the file's format is told by its bytes, not its
/// name). On failure returns nullopt and sets `error` (empty, not an image, corrupt or truncated,
/// too large). Never throws on bad data; fuzzed by tests/fuzz/fuzz_image_decode.cpp.
inline std::optional<rgb_image> decode_bytes(const unsigned char* data, std::size_t size,
                                             std::string& error) {
  if (size == 0) {
    error = "empty file";
    return std::nullopt;
  }
  if (size > static_cast<std::size_t>(INT32_MAX)) {
    error = "file too large";
    return std::nullopt;
  }
  int w = 0, h = 0, comp = 0;
  const int n = static_cast<int>(size);
#if PARJIT_IMAGE_TURBOJPEG
  // JPEG through libjpeg-turbo (SIMD; 2-4x faster than stb's decoder). Any warning (a
  // truncated or damaged stream) counts as a failure: the image would be partly grey.
  if (size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) {
    struct handle {
      tjhandle h = tjInitDecompress();
      ~handle() {
        if (h) tjDestroy(h);
      }
    };
    thread_local handle tj;
    // A handle is not reliably reusable after a failed decompression: start a fresh one.
    auto reset = [&] {
      if (tj.h) tjDestroy(tj.h);
      tj.h = tjInitDecompress();
    };
    if (!tj.h) {
      error = "cannot start libjpeg-turbo";
      return std::nullopt;
    }
    int tw = 0, th = 0, sub = 0, space = 0;
    if (tjDecompressHeader3(tj.h, data, static_cast<unsigned long>(size), &tw,
                            &th, &sub, &space) != 0) {
      error = std::string("corrupt JPEG header (") + tjGetErrorStr2(tj.h) + ")";
      reset();
      return std::nullopt;
    }
    w = tw;
    h = th;
    if (w <= 0 || h <= 0 ||
        static_cast<std::size_t>(w) * static_cast<std::size_t>(h) > max_pixels) {
      error = "image too large: " + std::to_string(w) + "x" + std::to_string(h);
      return std::nullopt;
    }
    rgb_image img{static_cast<std::size_t>(w), static_cast<std::size_t>(h), {}};
    img.pixels.resize(img.width * img.height * 3);
    if (tjDecompress2(tj.h, data, static_cast<unsigned long>(size),
                      img.pixels.data(), w, 0, h, TJPF_RGB, TJFLAG_STOPONWARNING) != 0) {
      error = std::string("corrupt or truncated JPEG (") + tjGetErrorStr2(tj.h) + ")";
      reset();
      return std::nullopt;
    }
    return img;
  }
#endif
  static constexpr unsigned char png_signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (size >= 8 && std::memcmp(data, png_signature, 8) == 0 && !detail::png_chunks_fit(data, size)) {
    error = "corrupt or truncated PNG (a chunk runs past the end of the file)";
    return std::nullopt;
  }
  if (!stbi_info_from_memory(data, n, &w, &h, &comp)) {
    error = std::string("not a JPEG/PNG image or corrupt header (") + stbi_failure_reason() + ")";
    return std::nullopt;
  }
  if (w <= 0 || h <= 0 || static_cast<std::size_t>(w) * static_cast<std::size_t>(h) > max_pixels) {
    error = "image too large: " + std::to_string(w) + "x" + std::to_string(h);
    return std::nullopt;
  }
  unsigned char* px = stbi_load_from_memory(data, n, &w, &h, &comp, 3);
  if (px == nullptr) {
    error = std::string("corrupt or truncated image (") + stbi_failure_reason() + ")";
    return std::nullopt;
  }
  rgb_image img{static_cast<std::size_t>(w), static_cast<std::size_t>(h), {}};
  img.pixels.assign(px, px + img.width * img.height * 3);
  stbi_image_free(px);
  return img;
}

/// Reads and decodes a JPEG or PNG file to RGB. On failure returns nullopt and sets `error`
/// (unreadable, empty, not an image, corrupt or truncated, too large). Never throws on bad data.
inline std::optional<rgb_image> decode_file(const fs::path& path, std::string& error) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    error = "is a directory";
    return std::nullopt;
  }
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    error = std::string("cannot open: ") + std::strerror(errno);
    return std::nullopt;
  }
  std::vector<unsigned char> bytes;
  try {
    bytes.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  } catch (const std::exception& e) {  // libstdc++ throws on read errors (EIO, EISDIR)
    error = std::string("read error: ") + e.what();
    return std::nullopt;
  }
  if (f.bad()) {
    error = "read error";
    return std::nullopt;
  }
  return decode_bytes(bytes.data(), bytes.size(), error);
}

/// Colour options: per-channel mean/std (applied to values scaled to [0, 1]), or grey.
struct colour_options {
  bool grey = false;
  std::array<float, 3> mean{0.485f, 0.456f, 0.406f};
  std::array<float, 3> std{0.229f, 0.224f, 0.225f};
};

/// Plain C++: per-channel `(x / 255 - mean) / std`, or grey `(0.299 r + 0.587 g + 0.114 b) /
/// 255` normalised with mean[0]/std[0] (one plane).
inline tensor colour_plain(const tensor& in, const colour_options& o) {
  const std::size_t n = in.size * in.size;
  if (o.grey) {
    tensor out{1, in.size, parjit::huge_page_vector<float>(n)};
    const float *r = in.plane(0), *g = in.plane(1), *b = in.plane(2);
    for (std::size_t i = 0; i < n; ++i)
      out.data[i] = ((0.299f * r[i] + 0.587f * g[i] + 0.114f * b[i]) / 255.0f - o.mean[0]) / o.std[0];
    return out;
  }
  tensor out{3, in.size, parjit::huge_page_vector<float>(3 * n)};
  for (std::size_t c = 0; c < 3; ++c) {
    const float* s = in.plane(c);
    float* d = out.plane(c);
    for (std::size_t i = 0; i < n; ++i) d[i] = (s[i] / 255.0f - o.mean[c]) / o.std[c];
  }
  return out;
}

/// The same as JIT kernels (compiled at first use, shared by all threads).
struct colour_kernels {
  static auto& normalise() {
    static const auto k =
        jit::vectorize([](auto x, auto m, auto s) { return (x / 255.0f - m) / s; });
    return k;
  }
  static auto& grey() {
    static const auto k = jit::vectorize([](auto r, auto g, auto b, auto m, auto s) {
      return ((0.299f * r + 0.587f * g + 0.114f * b) / 255.0f - m) / s;
    });
    return k;
  }
};

inline tensor colour_jit(const tensor& in, const colour_options& o) {
  const std::size_t n = in.size * in.size;
  if (o.grey) {
    tensor out{1, in.size, parjit::huge_page_vector<float>(n)};
    colour_kernels::grey()(out.data.data(), n, in.plane(0), n, in.plane(1), n, in.plane(2), n,
                           o.mean[0], o.std[0]);
    return out;
  }
  tensor out{3, in.size, parjit::huge_page_vector<float>(3 * n)};
  for (std::size_t c = 0; c < 3; ++c)
    colour_kernels::normalise()(out.plane(c), n, in.plane(c), n, o.mean[c], o.std[c]);
  return out;
}

/// The optional filter after normalisation.
enum class filter { none, blur, sharpen };

// The stencil bodies, shared by the plain loop and the JIT (one definition, same arithmetic).
inline constexpr auto blur_body = [](auto p) {
  return (p(-1, -1) + 2.0f * p(0, -1) + p(1, -1) + 2.0f * p(-1, 0) + 4.0f * p(0, 0) +
          2.0f * p(1, 0) + p(-1, 1) + 2.0f * p(0, 1) + p(1, 1)) / 16.0f;
};
inline constexpr auto sharpen_body = [](auto p) {
  return 5.0f * p(0, 0) - p(-1, 0) - p(1, 0) - p(0, -1) - p(0, 1);
};

/// Plain C++ 3x3 stencil with a clamped border, every plane.
template <class Body>
void stencil_plain(const tensor& in, tensor& out, Body body) {
  const auto n = static_cast<std::ptrdiff_t>(in.size);
  for (std::size_t c = 0; c < in.channels; ++c) {
    const float* s = in.plane(c);
    float* d = out.plane(c);
    for (std::ptrdiff_t y = 0; y < n; ++y)
      for (std::ptrdiff_t x = 0; x < n; ++x) {
        auto p = [&](int dx, int dy) {
          const auto xx = std::clamp<std::ptrdiff_t>(x + dx, 0, n - 1);
          const auto yy = std::clamp<std::ptrdiff_t>(y + dy, 0, n - 1);
          return s[yy * n + xx];
        };
        d[y * n + x] = body(p);
      }
  }
}

inline tensor filter_plain(tensor in, filter f) {
  if (f == filter::none) return in;
  tensor out{in.channels, in.size, parjit::huge_page_vector<float>(in.data.size())};
  if (f == filter::blur) stencil_plain(in, out, blur_body);
  else stencil_plain(in, out, sharpen_body);
  return out;
}

inline tensor filter_jit(tensor in, filter f) {
  if (f == filter::none) return in;
  static const auto blur = jit::stencil(blur_body, jit::border::clamp);
  static const auto sharpen = jit::stencil(sharpen_body, jit::border::clamp);
  tensor out{in.channels, in.size, parjit::huge_page_vector<float>(in.data.size())};
  for (std::size_t c = 0; c < in.channels; ++c) {
    jit::view2d<float> o{out.plane(c), in.size, in.size, in.size};
    jit::view2d<const float> i{in.plane(c), in.size, in.size, in.size};
    if (f == filter::blur) blur(o, i);
    else sharpen(o, i);
  }
  return out;
}

/// Writes `t` as a NumPy .npy file (format 1.0: magic "\x93NUMPY", version 1.0, a little-endian
/// uint16 header length, an ASCII dict {'descr': '<f4', 'fortran_order': False, 'shape': (C, H,
/// W)} padded with spaces and '\n' to a multiple of 64 bytes, then C*H*W float32 values).
inline bool write_npy(const fs::path& path, const tensor& t) {
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" +
                     std::to_string(t.channels) + ", " + std::to_string(t.size) + ", " +
                     std::to_string(t.size) + "), }";
  const std::size_t unpadded = 10 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict.push_back('\n');
  std::ofstream f(path, std::ios::binary);
  const char magic[8] = {'\x93', 'N', 'U', 'M', 'P', 'Y', 1, 0};
  const auto len = static_cast<std::uint16_t>(dict.size());
  const char len_le[2] = {static_cast<char>(len & 0xff), static_cast<char>(len >> 8)};
  f.write(magic, 8).write(len_le, 2).write(dict.data(), static_cast<std::streamsize>(dict.size()));
  f.write(reinterpret_cast<const char*>(t.data.data()),
          static_cast<std::streamsize>(t.data.size() * sizeof(float)));
  return static_cast<bool>(f);
}

inline void write_bytes(void* ctx, void* data, int size) {
  auto* v = static_cast<std::vector<unsigned char>*>(ctx);
  v->insert(v->end(), static_cast<unsigned char*>(data), static_cast<unsigned char*>(data) + size);
}

/// A PNG preview of `t` (each value mapped linearly from the tensor's [min, max] to [0, 255]).
inline bool write_png_preview(const fs::path& path, const tensor& t) {
  const auto [lo, hi] = std::minmax_element(t.data.begin(), t.data.end());
  const float a = *lo, range = std::max(*hi - *lo, 1e-12f);
  const std::size_t n = t.size * t.size;
  std::vector<unsigned char> px(n * t.channels);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t c = 0; c < t.channels; ++c)
      px[i * t.channels + c] =
          static_cast<unsigned char>(std::lround((t.plane(c)[i] - a) / range * 255.0f));
  std::vector<unsigned char> bytes;
  const int s = static_cast<int>(t.size), ch = static_cast<int>(t.channels);
  if (!stbi_write_png_to_func(write_bytes, &bytes, s, s, ch, px.data(), s * ch)) return false;
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(f);
}

/// A deterministic photo-like RGB image (smooth gradients, soft blobs, stripes, noise).
inline rgb_image synthetic_image(std::size_t index, std::size_t w, std::size_t h) {
  rgb_image img{w, h, parjit::huge_page_vector<std::uint8_t>(w * h * 3)};
  std::uint64_t state = 0x9E3779B97F4A7C15ull * (index + 1);
  auto rnd = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<float>((state >> 40) & 0xffffff) / 16777216.0f;
  };
  struct blob {
    float x, y, r, c[3];
  };
  std::array<blob, 6> blobs;
  for (auto& b : blobs) b = {rnd(), rnd(), 0.05f + 0.25f * rnd(), {rnd(), rnd(), rnd()}};
  const float base[3] = {rnd(), rnd(), rnd()}, freq = 4.0f + 40.0f * rnd();
  for (std::size_t y = 0; y < h; ++y) {
    const float v = static_cast<float>(y) / static_cast<float>(h);
    for (std::size_t x = 0; x < w; ++x) {
      const float u = static_cast<float>(x) / static_cast<float>(w);
      float col[3] = {base[0] * (1 - v) + 0.3f * u, base[1] * v + 0.2f, base[2] * (1 - u)};
      for (const auto& b : blobs) {
        const float d2 = ((u - b.x) * (u - b.x) + (v - b.y) * (v - b.y)) / (b.r * b.r);
        if (d2 < 4.0f) {
          const float k = std::exp(-d2);
          for (int c = 0; c < 3; ++c) col[c] = col[c] * (1 - k) + b.c[c] * k;
        }
      }
      const float stripe = 0.04f * std::sin(freq * (u + 0.5f * v) * 6.2831853f);
      std::uint8_t* p = img.pixels.data() + (y * w + x) * 3;
      for (int c = 0; c < 3; ++c) {
        const float val = (col[c] + stripe + 0.03f * (rnd() - 0.5f)) * 255.0f;
        p[c] = static_cast<std::uint8_t>(std::clamp(val, 0.0f, 255.0f));
      }
    }
  }
  return img;
}

/// Encodes `img` as JPEG (quality 90) or PNG by the extension of `path`.
inline bool write_image(const fs::path& path, const rgb_image& img) {
  std::vector<unsigned char> bytes;
  const int w = static_cast<int>(img.width), h = static_cast<int>(img.height);
  const bool ok = path.extension() == ".png"
                      ? stbi_write_png_to_func(write_bytes, &bytes, w, h, 3, img.pixels.data(), w * 3)
                      : stbi_write_jpg_to_func(write_bytes, &bytes, w, h, 3, img.pixels.data(), 90);
  if (!ok) return false;
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(f);
}

/// The sizes of the synthetic set, cycled by index.
inline constexpr std::array<std::array<std::size_t, 2>, 6> synthetic_sizes{
    {{640, 480}, {800, 600}, {1024, 768}, {1280, 720}, {1600, 900}, {1920, 1080}}};

/// File name of synthetic image `i`: every 8th is a PNG, the rest JPEG.
inline std::string synthetic_name(std::size_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "img_%05zu.%s", i, i % 8 == 7 ? "png" : "jpg");
  return buf;
}

}  // namespace image_demo
