// The talk's story in one program: a sequential loop, then pool.map, as_completed and parallel_map,
// with wall times, the speed-up over sequential and Amdahl's law for the measured serial fraction.
//
// A pipeline of N "records": load (parse text lines, serial), score each record (CPU-bound, the
// part worth parallelising), summarise (serial). Only the scoring step changes between modes;
// every mode must produce bit-identical scores, or the program exits with status 1.
#include <algorithm>
#include <bit>
#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <parjit/parjit.hpp>

namespace {

using clock_type = std::chrono::steady_clock;

double ms_since(clock_type::time_point t0) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
}

constexpr std::size_t n_records = 2'000;
constexpr std::size_t values_per_record = 32;

struct record {
  std::uint32_t id = 0;
  std::vector<double> values;
};

// The "input file": one CSV line per record, from seeded random uniform values.
std::string make_input() {
  std::mt19937_64 rng(42);
  // [0, 1): a + (b - a) * u could be fused into an FMA on some targets; [0, 1) is exact.
  std::uniform_real_distribution<double> dist(0.0, 1.0);
  std::string text;
  for (std::size_t r = 0; r < n_records; ++r) {
    text += std::to_string(r);
    for (std::size_t v = 0; v < values_per_record; ++v) {
      char buf[32];
      auto res = std::to_chars(buf, buf + sizeof buf, dist(rng));
      text += ',';
      text.append(buf, res.ptr);
    }
    text += '\n';
  }
  return text;
}

// Serial step 1: parse the lines into records.
std::vector<record> load(const std::string& text) {
  std::vector<record> out;
  out.reserve(n_records);
  const char* p = text.data();
  const char* end = p + text.size();
  while (p < end) {
    record r;
    p = std::from_chars(p, end, r.id).ptr;
    r.values.reserve(values_per_record);
    while (p < end && *p == ',') {
      double v = 0;
      p = std::from_chars(p + 1, end, v).ptr;
      r.values.push_back(v);
    }
    ++p;  // '\n'
    out.push_back(std::move(r));
  }
  return out;
}

// The CPU-bound scoring function (≈ 0.1 ms a record on the 2-core dev box): stir each value's
// bits with an integer mixing recurrence and average the results. Integer arithmetic is exact on
// every CPU and for every compiler flag, so the printed checksum is the same everywhere and every
// mode must agree bit for bit.
double score(const record& r) {
  double acc = 0;
  for (double x : r.values) {
    auto h = std::bit_cast<std::uint64_t>(x);
    for (int i = 0; i < 2'000; ++i) {
      h ^= h >> 31;
      h *= 0x9E3779B97F4A7C15ull;
    }
    acc += static_cast<double>(h >> 11) * 0x1.0p-53;  // uniform in [0, 1)
  }
  return acc / static_cast<double>(r.values.size());
}

// Serial step 2: summarise (top records by score, and a checksum of every score in order).
struct summary {
  std::vector<std::uint32_t> top;
  double checksum = 0;
};
summary summarise(const std::vector<record>& records, const std::vector<double>& scores) {
  std::vector<std::size_t> order(records.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) {
              return scores[a] > scores[b] || (scores[a] == scores[b] && a < b);
            });
  summary s;
  for (std::size_t i = 0; i < 3 && i < order.size(); ++i) s.top.push_back(records[order[i]].id);
  for (double v : scores) s.checksum += v;
  return s;
}

}  // namespace

int main() {
  parjit::arena_executor pool;  // one slot per core this process may use
  const auto cores = static_cast<unsigned>(pool.workers());
  std::printf("futures_quickstart: %zu records, %u cores\n\n", n_records, cores);

  // --- the serial parts, timed once: they bound the speed-up (Amdahl) -------------------------
  const std::string text = make_input();
  auto t0 = clock_type::now();
  const std::vector<record> records = load(text);
  const double load_ms = ms_since(t0);

  // --- 1. sequential (best of two runs, so a cold first pass does not flatter the speed-ups) ----
  std::vector<double> sequential(records.size());
  double seq_score_ms = 1e300;
  for (int run = 0; run < 2; ++run) {
    t0 = clock_type::now();
    for (std::size_t i = 0; i < records.size(); ++i) sequential[i] = score(records[i]);
    seq_score_ms = std::min(seq_score_ms, ms_since(t0));
  }

  t0 = clock_type::now();
  const summary expected = summarise(records, sequential);
  const double summary_ms = ms_since(t0);
  const double serial_ms = load_ms + summary_ms;

  bool all_agree = true;
  struct mode_time {
    const char* name;
    double score_ms;
  };
  std::vector<mode_time> times{{"sequential loop", seq_score_ms}};
  auto check = [&](const char* name, const std::vector<double>& scores, double ms) {
    times.push_back({name, ms});
    if (scores != sequential) {
      std::printf("MISMATCH: %s disagrees with the sequential scores\n", name);
      all_agree = false;
    }
  };

  // --- 2. pool.map: ordered, lazy, a bounded window of records in flight ------------------------
  t0 = clock_type::now();
  std::vector<double> mapped;
  mapped.reserve(records.size());
  for (double s : pool.map(score, records)) mapped.push_back(s);
  check("pool.map", mapped, ms_since(t0));

  // --- 3. submit + as_completed: consume each score as soon as it is ready ---------------------
  t0 = clock_type::now();
  std::vector<parjit::future<std::pair<std::size_t, double>>> futures;
  futures.reserve(records.size());
  for (std::size_t i = 0; i < records.size(); ++i)
    futures.push_back(
        pool.submit([&records](std::size_t k) { return std::pair{k, score(records[k])}; }, i));
  std::vector<double> completed(records.size());
  double first_ms = -1;
  for (auto& f : parjit::as_completed(futures)) {
    if (first_ms < 0) first_ms = ms_since(t0);
    const auto& [k, s] = f.get();
    completed[k] = s;
  }
  check("as_completed", completed, ms_since(t0));

  // --- 4. parallel_map: eager, ordered, chunked over the arena ----------------------------------
  t0 = clock_type::now();
  const std::vector<double> par = parjit::parallel_map(pool, records, score);
  check("parallel_map", par, ms_since(t0));

  // --- the story in numbers ---------------------------------------------------------------------
  // Amdahl: with a serial fraction f of the sequential run, P cores give at most 1 / (f + (1-f)/P).
  const double total_seq_ms = serial_ms + seq_score_ms;
  const double f = serial_ms / total_seq_ms;
  const double amdahl = 1.0 / (f + (1.0 - f) / cores);
  std::printf("serial part (parse + summarise): %.1f ms; scoring, sequential: %.1f ms\n",
              serial_ms, seq_score_ms);
  std::printf("serial fraction f = %.3f  ->  Amdahl's law on %u cores: at most %.2fx end to end"
              "\n\n", f, cores, amdahl);
  std::printf("%-16s %12s %16s %22s\n", "mode", "scoring ms", "scoring speed-up",
              "end-to-end speed-up");
  for (const auto& t : times)
    std::printf("%-16s %12.1f %15.2fx %21.2fx\n", t.name, t.score_ms, seq_score_ms / t.score_ms,
                total_seq_ms / (serial_ms + t.score_ms));
  std::printf("\nas_completed: first score after %.2f ms (of %.1f ms for all)\n", first_ms,
              times[2].score_ms);

  const summary got = summarise(records, par);
  std::printf("top records: %u %u %u; checksum of scores: %.12f\n", expected.top[0],
              expected.top[1], expected.top[2], expected.checksum);
  if (!all_agree || got.top != expected.top || got.checksum != expected.checksum) {
    std::printf("FAIL: the modes disagree\n");
    return 1;
  }
  std::printf("all modes agree bit for bit\n");
  return 0;
}
