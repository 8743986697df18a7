// image_pipeline: the case study end to end: decode -> resize -> normalise -> blur/sharpen ->
// .npy / PNG, sequentially, with parallel_map, and with parallel_map + JIT kernels; prints the
// before/after table. Run with no argument it generates a synthetic image set and runs all modes.
#include <parjit/jit.hpp>
#include <parjit/parjit.hpp>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "image_stages.hpp"

namespace {

using namespace image_demo;
using clock_type = std::chrono::steady_clock;

constexpr int exit_usage = 64;  // EX_USAGE; failure counts are capped below it

const char* const help_text = R"(usage: image_pipeline [options] [INPUT...]

Decode -> resize -> normalise (or grey) -> optional blur/sharpen -> write, for every JPEG/PNG
in the INPUT directories/files, in one or more modes, then print a summary table.
With no INPUT, a deterministic synthetic set (--count images, sizes 640x480 ... 1920x1080,
7/8 JPEG, 1/8 PNG) is generated once into a cache folder and used, with --mode all.

options:
  --mode M        seq | map | map+jit | all (default: all)
                    seq      a plain loop, plain C++ pixel loops
                    map      parjit::parallel_map over images, plain C++ pixel loops
                    map+jit  parjit::parallel_map over images, JIT kernels for the area
                             resize (jit::fori over jit::table taps), normalise/grey
                             (jit::vectorize) and the filter (jit::stencil)
  --workers N     parallel workers for map modes (default: all cores)
  --size S        output side in pixels (default: 224); area resampling, aspect not kept
  --grey          one grey plane instead of three normalised RGB planes
  --mean a,b,c    per-channel mean of values in [0, 1] (default ImageNet 0.485,0.456,0.406)
  --std a,b,c     per-channel std (default ImageNet 0.229,0.224,0.225); grey uses the first
  --filter F      none | blur (3x3 binomial) | sharpen (default: blur); border: clamp
  --out DIR       write <name>.npy per image: float32 (C, S, S), NumPy format 1.0
  --preview       also write <name>.png previews into --out DIR
  --count N       images in the synthetic set (default: 200)
  --cache DIR     where the synthetic set lives (default: $XDG_CACHE_HOME or ~/.cache,
                  then /tmp; subfolder parjit-images-v1-N)
  -h, --help      this text

Bad inputs (missing, unreadable, empty, non-image, corrupt or truncated files) are reported on
stderr by name and skipped. Exit status: 0 if all inputs worked, else the number of failed
inputs (at most 63); 64 for a usage error. A progress bar is drawn only when stderr is a TTY.
)";

struct config {
  std::string mode = "all";
  std::size_t workers = 0;
  std::size_t size = 224;
  colour_options colour;
  filter filt = filter::blur;
  std::string out_dir;
  bool preview = false;
  std::size_t count = 200;
  std::string cache_dir;
  std::vector<std::string> inputs;
};

struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::array<float, 3> parse_triple(const std::string& flag, const std::string& s) {
  std::array<float, 3> v{};
  std::size_t pos = 0;
  for (int i = 0; i < 3; ++i) {
    std::size_t used = 0;
    try {
      v[i] = std::stof(s.substr(pos), &used);
    } catch (const std::exception&) {
      throw usage_error(flag + " needs three numbers a,b,c (got '" + s + "')");
    }
    pos += used;
    if (i < 2) {
      if (pos >= s.size() || s[pos] != ',') {
        if (i == 0 && pos == s.size()) return {v[0], v[0], v[0]};  // one value for all
        throw usage_error(flag + " needs three numbers a,b,c (got '" + s + "')");
      }
      ++pos;
    }
  }
  if (pos != s.size()) throw usage_error(flag + ": trailing text in '" + s + "'");
  return v;
}

std::size_t parse_count(const std::string& flag, const std::string& s, std::size_t lo) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || errno != 0 || v < lo || v > 1'000'000'000ull || s[0] == '-')
    throw usage_error(flag + " needs an integer >= " + std::to_string(lo) + " (got '" + s + "')");
  return static_cast<std::size_t>(v);
}

config parse(int argc, char** argv) {
  config c;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw usage_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      std::cout << help_text;
      std::exit(0);
    } else if (a == "--mode") {
      c.mode = value();
      if (c.mode != "seq" && c.mode != "map" && c.mode != "map+jit" && c.mode != "all")
        throw usage_error("--mode must be seq, map, map+jit or all (got '" + c.mode + "')");
    } else if (a == "--workers") {
      c.workers = parse_count(a, value(), 1);
    } else if (a == "--size") {
      c.size = parse_count(a, value(), 1);
      if (c.size > 8192) throw usage_error("--size at most 8192");
    } else if (a == "--grey" || a == "--gray") {
      c.colour.grey = true;
    } else if (a == "--mean") {
      c.colour.mean = parse_triple(a, value());
    } else if (a == "--std") {
      c.colour.std = parse_triple(a, value());
      for (float s : c.colour.std)
        if (!(s != 0.0f)) throw usage_error("--std values must be non-zero");
    } else if (a == "--filter") {
      const std::string f = value();
      if (f == "none") c.filt = filter::none;
      else if (f == "blur") c.filt = filter::blur;
      else if (f == "sharpen") c.filt = filter::sharpen;
      else throw usage_error("--filter must be none, blur or sharpen (got '" + f + "')");
    } else if (a == "--out") {
      c.out_dir = value();
    } else if (a == "--preview") {
      c.preview = true;
    } else if (a == "--count") {
      c.count = parse_count(a, value(), 1);
    } else if (a == "--cache") {
      c.cache_dir = value();
    } else if (a.size() > 1 && a[0] == '-') {
      throw usage_error("unknown option " + a);
    } else {
      c.inputs.push_back(a);
    }
  }
  if (c.preview && c.out_dir.empty()) throw usage_error("--preview needs --out DIR");
  return c;
}

fs::path default_cache(const config& c) {
  const std::string sub = "parjit-images-v1-" + std::to_string(c.count);
  if (!c.cache_dir.empty()) return fs::path(c.cache_dir) / sub;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return fs::path(x) / sub;
  if (const char* h = std::getenv("HOME"); h && *h) return fs::path(h) / ".cache" / sub;
  return fs::temp_directory_path() / sub;
}

// Generates the synthetic set once (a "complete" marker says it is whole); returns its folder.
fs::path ensure_synthetic(const config& c, parjit::arena_executor& pool) {
  const fs::path dir = default_cache(c);
  if (fs::exists(dir / "complete")) return dir;
  fs::create_directories(dir);
  std::cerr << "image_pipeline: generating " << c.count << " synthetic images into " << dir
            << " (once) ...\n";
  const auto t0 = clock_type::now();
  std::vector<std::size_t> idx(c.count);
  for (std::size_t i = 0; i < c.count; ++i) idx[i] = i;
  parjit::parallel_for_each(pool, idx, [&](std::size_t i) {
    const auto [w, h] = synthetic_sizes[i % synthetic_sizes.size()];
    if (!write_image(dir / synthetic_name(i), synthetic_image(i, w, h)))
      throw std::runtime_error("cannot write " + (dir / synthetic_name(i)).string());
  });
  std::ofstream(dir / "complete") << c.count << "\n";
  std::cerr << "image_pipeline: generated in "
            << std::chrono::duration<double>(clock_type::now() - t0).count() << " s\n";
  return dir;
}

struct input_list {
  std::vector<fs::path> files;
  std::vector<std::pair<std::string, std::string>> failures;  // name, reason
};

bool is_image_name(const fs::path& p) {
  std::string e = p.extension().string();
  for (auto& ch : e) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return e == ".jpg" || e == ".jpeg" || e == ".png";
}

input_list collect(const std::vector<std::string>& inputs) {
  input_list r;
  for (const auto& in : inputs) {
    std::error_code ec;
    const fs::path p(in);
    if (fs::is_directory(p, ec)) {
      std::vector<fs::path> found;
      for (fs::directory_iterator it(p, ec), end; !ec && it != end; it.increment(ec))
        if (is_image_name(it->path()) && !it->is_directory(ec)) found.push_back(it->path());
      if (ec) r.failures.emplace_back(in, "cannot list directory: " + ec.message());
      std::sort(found.begin(), found.end());
      r.files.insert(r.files.end(), found.begin(), found.end());
    } else if (fs::exists(p, ec)) {
      r.files.push_back(p);  // named explicitly: try it whatever its extension
    } else {
      r.failures.emplace_back(in, "no such file or directory");
    }
  }
  return r;
}

// Seconds per stage, summed over images (worker-seconds in parallel modes).
enum stage { s_decode, s_resize, s_colour, s_filter, s_write, n_stages };
const char* const stage_names[n_stages] = {"decode", "resize", "colour", "filter", "write"};

struct image_result {
  bool ok = false;
  std::string error;
  double megapixels = 0;
  std::array<double, n_stages> seconds{};
};

image_result process(const fs::path& file, const config& c, bool use_jit) {
  image_result r;
  auto t = clock_type::now();
  auto lap = [&](stage s) {
    const auto now = clock_type::now();
    r.seconds[s] = std::chrono::duration<double>(now - t).count();
    t = now;
  };
  try {
    std::optional<rgb_image> img = decode_file(file, r.error);
    lap(s_decode);
    if (!img) return r;
    r.megapixels = static_cast<double>(img->width * img->height) / 1e6;
    tensor small = use_jit ? resize_area_jit(*img, c.size) : resize_area(*img, c.size);
    img.reset();
    lap(s_resize);
    tensor col = use_jit ? colour_jit(small, c.colour) : colour_plain(small, c.colour);
    lap(s_colour);
    tensor out = use_jit ? filter_jit(std::move(col), c.filt) : filter_plain(std::move(col), c.filt);
    lap(s_filter);
    if (!c.out_dir.empty()) {
      const fs::path stem = fs::path(c.out_dir) / file.stem();
      if (!write_npy(fs::path(stem).concat(".npy"), out) ||
          (c.preview && !write_png_preview(fs::path(stem).concat(".png"), out))) {
        r.error = "cannot write output " + stem.string() + ".npy";
        return r;
      }
    }
    lap(s_write);
    r.ok = true;
  } catch (const std::exception& e) {  // e.g. std::bad_alloc on a huge image
    r.error = e.what();
  }
  return r;
}

// A one-line progress bar on stderr (only when it is a terminal).
class progress_bar {
 public:
  progress_bar(std::string label, std::size_t total)
      : label_(std::move(label)), total_(total), enabled_(isatty(2) == 1),
        start_(clock_type::now()) {}
  void update(std::size_t done) {
    if (!enabled_) return;
    const auto now = clock_type::now();
    if (done < total_ && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    const double s = std::chrono::duration<double>(now - start_).count();
    const double rate = s > 0 ? static_cast<double>(done) / s : 0.0;
    const double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : 0.0;
    const int width = 30;
    const int fill = total_ ? static_cast<int>(width * done / total_) : width;
    std::fprintf(stderr, "\r%-8s [%.*s%*s] %zu/%zu  %.1f img/s  ETA %.1fs   ", label_.c_str(),
                 fill, "##############################", width - fill, "", done, total_, rate,
                 eta);
    if (done >= total_) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  }

 private:
  std::string label_;
  std::size_t total_;
  bool enabled_;
  clock_type::time_point start_, last_{};
};

struct mode_result {
  std::string mode;
  double wall = 0;
  std::size_t ok = 0;
  double megapixels = 0;
  std::array<double, n_stages> seconds{};
  double jit_compile_ms = 0;
};

mode_result run_mode(const std::string& mode, const std::vector<fs::path>& files,
                     const config& c, parjit::arena_executor& pool,
                     std::set<std::string>& failed) {
  const bool use_jit = mode == "map+jit";
  progress_bar bar(mode, files.size());
  const auto t0 = clock_type::now();
  std::vector<image_result> results;
  if (mode == "seq") {
    results.reserve(files.size());
    for (const auto& f : files) {
      results.push_back(process(f, c, false));
      bar.update(results.size());
    }
  } else {
    results = parjit::parallel_map(
        pool, files, [&](const fs::path& f) { return process(f, c, use_jit); },
        {.grain = 1, .progress = [&](std::size_t done, std::size_t) { bar.update(done); }});
  }
  mode_result r{mode};
  r.wall = std::chrono::duration<double>(clock_type::now() - t0).count();
  for (std::size_t i = 0; i < files.size(); ++i) {
    const auto& ir = results[i];
    if (ir.ok) {
      ++r.ok;
      r.megapixels += ir.megapixels;
    } else if (failed.insert(files[i].string()).second) {
      std::cerr << "image_pipeline: skipped " << files[i].string() << ": " << ir.error << "\n";
    }
    for (int s = 0; s < n_stages; ++s) r.seconds[s] += ir.seconds[s];
  }
  if (use_jit) {
    r.jit_compile_ms = colour_kernels::normalise().stats().compile_ms +
                       colour_kernels::grey().stats().compile_ms +
                       resize_kernels::horizontal().stats().compile_ms +
                       resize_kernels::vertical().stats().compile_ms;
  }
  return r;
}

void print_summary(const std::vector<mode_result>& runs, const config& c, std::size_t inputs,
                   std::size_t failed, std::size_t workers) {
  std::printf("\nimage_pipeline: %zu inputs, %zu ok, %zu failed; %.1f megapixels decoded per mode; "
              "-> %zux%zu %s, filter %s; %zu workers\n",
              inputs, runs.empty() ? 0 : runs.front().ok, failed,
              runs.empty() ? 0.0 : runs.front().megapixels, c.size, c.size,
              c.colour.grey ? "grey" : "RGB normalised",
              c.filt == filter::none ? "none" : c.filt == filter::blur ? "blur" : "sharpen",
              workers);
  std::printf("\n| mode | decode s | resize s | colour s | filter s | write s | wall s | images/s "
              "| MP/s | speed-up vs seq |\n|---|---|---|---|---|---|---|---|---|---|\n");
  double seq_wall = 0;
  for (const auto& r : runs)
    if (r.mode == "seq") seq_wall = r.wall;
  for (const auto& r : runs) {
    std::printf("| %s |", r.mode.c_str());
    for (int s = 0; s < n_stages; ++s) std::printf(" %.3f |", r.seconds[s]);
    const double ips = r.wall > 0 ? static_cast<double>(r.ok) / r.wall : 0;
    std::printf(" %.2f | %.1f | %.1f |", r.wall, ips, r.wall > 0 ? r.megapixels / r.wall : 0.0);
    if (seq_wall > 0) std::printf(" %.2fx |\n", seq_wall / r.wall);
    else std::printf(" — |\n");
  }
  std::printf("\nStage seconds are summed over images (worker-seconds in the parallel modes); "
              "wall s is the mode's elapsed time.\n");
  for (const auto& r : runs)
    if (r.mode == "map+jit")
      std::printf("map+jit: JIT compile time (first calls, included above): %.1f ms (0 when the kernels "
                  "came from parjit's on-disk kernel cache)\n",
                  r.jit_compile_ms);
}

}  // namespace

int main(int argc, char** argv) {
  config c;
  try {
    c = parse(argc, argv);
  } catch (const usage_error& e) {
    std::cerr << "image_pipeline: " << e.what() << "\n(see image_pipeline --help)\n";
    return exit_usage;
  }
  try {
    const std::size_t workers = c.workers ? c.workers
                                          : std::max(1u, std::thread::hardware_concurrency());
    parjit::arena_executor pool{static_cast<int>(workers)};
    if (c.inputs.empty()) c.inputs.push_back(ensure_synthetic(c, pool).string());
    if (!c.out_dir.empty()) fs::create_directories(c.out_dir);
    input_list in = collect(c.inputs);
    std::set<std::string> failed;
    for (const auto& [name, why] : in.failures) {
      std::cerr << "image_pipeline: skipped " << name << ": " << why << "\n";
      failed.insert(name);
    }
    std::vector<std::string> modes = c.mode == "all"
                                         ? std::vector<std::string>{"seq", "map", "map+jit"}
                                         : std::vector<std::string>{c.mode};
    std::vector<mode_result> runs;
    for (const auto& m : modes) runs.push_back(run_mode(m, in.files, c, pool, failed));
    print_summary(runs, c, in.files.size() + in.failures.size(), failed.size(), workers);
    return static_cast<int>(std::min<std::size_t>(failed.size(), exit_usage - 1));
  } catch (const std::exception& e) {
    std::cerr << "image_pipeline: error: " << e.what() << "\n";
    return exit_usage - 1;
  }
}
