// fuzz-flags: -max_len=65536
// Fuzz target: the image pipeline's decoders (examples/image_stages.hpp: libjpeg-turbo for JPEG,
// stb for PNG, picked by the bytes) and the area resize of what they return. Any input must give
// an image of consistent size or an error message: never a crash, hang or sanitizer report.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "image_stages.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string error;
  const auto img = image_demo::decode_bytes(data, size, error);
  if (!img) {
    if (error.empty()) std::abort();  // a failure must say why
    return 0;
  }
  if (img->width == 0 || img->height == 0 || img->pixels.size() != img->width * img->height * 3) {
    std::abort();
  }
  // The pipeline's next stage on small images: every output value is a weighted mean of pixels.
  if (img->width * img->height <= (1u << 16)) {
    const std::size_t out = 1 + (size > 0 ? data[size - 1] % 9 : 0);
    const image_demo::tensor t = image_demo::resize_area(*img, out);
    for (const float v : t.data) {
      if (!(v >= -1e-3f && v <= 255.001f)) std::abort();
    }
  }
  return 0;
}
