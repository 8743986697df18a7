"""Turns one comparison run's raw JSON (Google Benchmark + Python twins) into summary.md and PNG plots.

Reads from --dir: machine.json, gb_<binary>.json (Google Benchmark --benchmark_format=json),
proc_jit_first_call.json (bench/jit_first_call: parjit's first call in fresh processes),
py_kernels.json (kernels.py), py_executors.json (executors.py), py_loops.json (kernels.py's
loop kernels K7, K8) and py_gathers.json (its gather kernels K9, K10), when present. Writes into
the same directory:
summary.md and kernels.png, first_call.png, scaling.png, executors.png.

Like for like: the kernel table has two columns of ratios, one thread (`parjit` vs the one-thread
peers) and all cores (`parjit_par` vs the parallel peers); every row lists every peer parjit loses
to, in every section, by one rule (`compare`, defined in the summary as NOISE_RULE). Anything
missing (a binary not built yet, a peer that failed) is marked "missing", never fatal. --check
exits 1 when a Python system produced no number or nothing at all was measured (the CI smoke
test). --selftest builds a small synthetic run and checks the report's logic on it (exit 1 on a
failed check).
"""

import argparse
import json
import math
import os
import re
import statistics
import sys
import tempfile
from collections import defaultdict

BINARIES = ["jit_kernels", "jit_compile", "parallel_map", "parallel_submit"]
KERNELS = ["K1_hypot", "K2_poly", "K3_expsin", "K4_dot", "K5_select", "K6_grey"]
# The kernel table's two columns: who parjit is compared with on one thread and on all cores.
ONE_THREAD_PEERS = ["loop", "loop_fastmath", "naive_et", "numpy", "numba_njit", "numba_vectorize"]
ALL_CORES_PEERS = ["tbb_loop", "tbb_loop_fastmath", "numexpr", "numba_parallel"]
# Peers whose thread count depends on the kernel sit in both columns: numexpr's reductions run on
# one thread whatever set_num_threads says; numpy's dot is BLAS sdot, threaded or not by the BLAS.
BOTH_COLUMNS = {"K4_dot": ["numpy", "numexpr"]}
KERNEL_SYSTEMS = ["parjit"] + ONE_THREAD_PEERS + ["parjit_par"] + ALL_CORES_PEERS
PY_KERNEL_SYSTEMS = ["numpy", "numexpr", "numba_njit", "numba_parallel", "numba_vectorize"]
FASTMATH_KERNELS = ["K3_expsin", "K4_dot"]
# The bandwidth table: memory-bound kernels at n = 1e7 against the in-binary STREAM limit.
BANDWIDTH_KERNELS = ["K1_hypot", "K2_poly", "K5_select", "K6_grey"]
BANDWIDTH_N = 10_000_000
# The same kernels' in-cache size: their time per element there is what they cost with memory
# taken out (K2's 800 kB fit in the L2 of the machines measured so far).
IN_CACHE_N = 100_000
STREAM_CASES = ["stream_copy", "stream_triad"]
MAP_CASES = ["map_cheap", "map_medium", "map_expensive"]
MAP_SYSTEMS = ["parjit_parallel_map", "tbb_parallel_for", "std_par", "openmp", "sequential",
               "py_sequential", "py_thread_map", "py_process_map", "py_thread_submit",
               "py_process_submit", "numba_prange"]
MAP_CXX_PARALLEL = ["tbb_parallel_for", "std_par", "openmp"]
PY_MAP_SYSTEMS = MAP_SYSTEMS[5:]
SUBMIT_SYSTEMS = ["parjit_arena", "parjit_thread", "std_async", "py_thread_pool", "py_process_pool"]
PY_PREFIXES = ("numpy", "numexpr", "numba", "py_")
UNIT = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
SUFFIX = re.compile(r"^(real_time|manual_time|process_time|iterations:\d+|repeats:\d+|threads:\d+"
                    r"|min_time:.*|min_warmup_time:.*)$")

# The noise rule (`compare`); NOISE_RULE states it in the summary.
TOLERANCE = 0.05
MIN_REPS = 3
NOISE_RULE = (
    "parjit is compared with each peer by both medians and both spreads (spread = the median "
    "absolute deviation, MAD, of the repetitions; band = median ± MAD). A median at most "
    f"{TOLERANCE:.0%} above the peer's is **not a loss**. Above that, parjit **loses** when the "
    "two bands do not overlap (parjit's median − its MAD > the peer's median + its MAD), "
    "*loses within noise* when they overlap, and *slower, spread unknown* when either side has "
    f"fewer than {MIN_REPS} repetitions (a `--quick` run, or a one-process first call). The same "
    "rule applies in every section, one thread and all cores alike.")


def is_parjit(system):
    return system.startswith("parjit")


def is_python(system):
    return system.startswith(PY_PREFIXES)


def parse_name(run_name):
    """`<case>/<system>[/<n>][/real_time]` -> (case, system, n)."""
    tok = [t for t in run_name.split("/") if not SUFFIX.match(t)]
    n = None
    if len(tok) >= 2 and re.fullmatch(r"\d+", tok[-1]):
        n = int(tok.pop())
    system = tok[-1]
    case = "/".join(tok[:-1]) or tok[-1]
    return case, system, n


class Dist:
    """One system's repetitions at one point: median, MAD (median absolute deviation), count."""

    def __init__(self, name, times):
        self.name = name
        self.times = list(times)
        self.median = statistics.median(self.times)
        self.mad = statistics.median(abs(t - self.median) for t in self.times)
        self.reps = len(self.times)
        self.hi = max(self.times)

    def scaled(self, f):
        return Dist(self.name, [t * f for t in self.times])


def compare(pj, peer):
    """How parjit's `pj` fares against `peer` (NOISE_RULE): '' (not a loss), 'loses', 'noise'
    (slower, bands overlap) or 'unresolved' (slower, fewer than MIN_REPS repetitions)."""
    if pj is None or peer is None or pj.median <= peer.median * (1 + TOLERANCE):
        return ""
    if pj.reps < MIN_REPS or peer.reps < MIN_REPS:
        return "unresolved"
    return "loses" if pj.median - pj.mad > peer.median + peer.mad else "noise"


KIND_TEXT = {"loses": "**loses**", "noise": "*loses within noise*",
             "unresolved": "*slower, spread unknown*"}


class Store:
    """All measurements: (case, system, n) -> dict(times, median, lo, hi, source, extra)."""

    def __init__(self):
        self.data = {}
        self.errors = []
        self.first_call = {}     # (kernel, system) -> record (Python: one fresh process each)
        self.fresh = {}          # kernel -> Dist of parjit's start -> result in fresh processes
        self.fresh_main = {}     # kernel -> Dist of parjit's main() -> result in those processes
        self.binaries = {}       # binary -> "ok" | "missing" | "no results"
        self.context = {}

    def add(self, case, system, n, times, source, **extra):
        times = [t for t in times if t is not None and t > 0]
        if not times:
            return
        self.data[(case, system, n)] = {
            "times": times, "median": statistics.median(times), "lo": min(times),
            "hi": max(times), "source": source, **extra}

    def get(self, case, system, n):
        return self.data.get((case, system, n))

    def dist(self, case, system, n):
        rec = self.get(case, system, n)
        return Dist(system, rec["times"]) if rec else None

    def sizes(self, case):
        return sorted({k[2] for k in self.data if k[0] == case and k[2] is not None})

    def systems(self, case):
        return {k[1] for k in self.data if k[0] == case}

    def kernels(self):
        """K1-K6, then any other `K<digits>_...` case a newer jit_kernels measured."""
        extra = sorted({k[0] for k in self.data if re.fullmatch(r"K\d+_\w+", k[0])} - set(KERNELS),
                       key=lambda c: (int(re.match(r"K(\d+)", c).group(1)), c))
        return KERNELS + extra


def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        print(f"report: cannot read {path}: {e}", file=sys.stderr)
        return None


def add_gb(st, doc, b):
    """A Google Benchmark JSON document of binary `b` into `st`."""
    st.context[b] = doc.get("context", {})
    runs, moved = defaultdict(list), {}
    for bm in doc.get("benchmarks", []):
        if bm.get("run_type") == "aggregate":
            continue
        name = bm.get("run_name") or bm.get("name")
        if bm.get("error_occurred"):
            st.errors.append(f"{b}: {name}: {bm.get('error_message')}")
            continue
        runs[name].append(bm["real_time"] * UNIT.get(bm.get("time_unit", "ns"), 1e-9))
        if "bytes" in bm:  # counter: bytes one call must move (jit_kernels)
            moved[name] = bm["bytes"]
    st.binaries[b] = "ok" if runs else "no results"
    for name, times in runs.items():
        case, system, n = parse_name(name)
        st.add(case, system, n, times, b, **({"bytes": moved[name]} if name in moved else {}))


def add_py_results(st, doc, fname):
    """The steady-state results of a Python twin's JSON document into `st`."""
    for r in doc.get("results", []):
        if "error" in r:
            st.errors.append(f"{fname}: {r['case']}/{r['system']}/{r.get('n')}: {r['error']}")
            continue
        st.add(r["case"], r["system"], r.get("n"), r["times_s"], fname,
               **{k: r[k] for k in ("time_per_item_s", "chunksize") if k in r})


def load(d):
    st = Store()
    for b in BINARIES:
        doc = load_json(os.path.join(d, f"gb_{b}.json")) if os.path.exists(
            os.path.join(d, f"gb_{b}.json")) else None
        if doc is None:
            st.binaries[b] = "missing"
            continue
        add_gb(st, doc, b)
    path = os.path.join(d, "proc_jit_first_call.json")
    doc = load_json(path) if os.path.exists(path) else None
    st.binaries["jit_first_call"] = "ok" if doc else "missing"
    for r in (doc or {}).get("first_call", []):
        if "error" in r:
            st.errors.append(f"jit_first_call: {r['case']}: {r['error']}")
        elif r.get("start_to_result_s"):
            st.fresh[r["case"]] = Dist("parjit", r["start_to_result_s"])
            st.fresh_main[r["case"]] = Dist("parjit", r["main_to_result_s"])
    for fname in ("py_kernels.json", "py_executors.json", "py_loops.json", "py_gathers.json"):
        path = os.path.join(d, fname)
        doc = load_json(path) if os.path.exists(path) else None
        if doc is None and fname in ("py_loops.json", "py_gathers.json"):
            continue  # the numba twins of K7, K8 and K9, K10: optional, older runs have none
        if doc is None:
            st.binaries[fname] = "missing"
            continue
        st.binaries[fname] = "ok"
        st.context[fname] = doc.get("meta", {})
        add_py_results(st, doc, fname)
        for r in doc.get("first_call", []):
            if "error" in r:
                st.errors.append(f"{fname}: first_call/{r['case']}/{r['system']}: {r['error']}")
                continue
            st.first_call[(r["case"], r["system"])] = r
    return st


# ---------------------------------------------------------------------------------------- format

def fmt_t(s):
    if s is None:
        return "missing"
    for unit, f in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if s >= f or unit == "ns":
            v = s / f
            return f"{v:.3g} {unit}" if v < 100 else f"{v:.0f} {unit}"
    return f"{s:g} s"


def fmt_dist(dist):
    """`median ±MAD%`, † when a repetition exceeds 3× the median, `(1 rep)` when alone."""
    if dist is None:
        return "missing"
    txt = fmt_t(dist.median)
    if dist.reps > 1 and dist.median > 0:
        txt += f" ±{dist.mad / dist.median * 100:.0f}%"
        if dist.hi > 3 * dist.median:
            txt += " †"
    elif dist.reps == 1:
        txt += " (1 rep)"
    return txt


def fmt_cell(rec):
    return fmt_dist(Dist("", rec["times"])) if rec else "missing"


class Loss:
    """One peer parjit is slower than, at one point of one section."""

    def __init__(self, where, pj, peer, kind):
        self.where, self.pj, self.peer, self.kind = where, pj, peer, kind

    def cell(self, with_pj=False):
        who = f"`{self.pj.name}` to " if with_pj else ""
        return (f"{who}`{self.peer.name}` {self.pj.median / self.peer.median:.2f}× "
                f"{KIND_TEXT[self.kind]}")

    def line(self):
        return (f"{self.where}: `{self.pj.name}` {fmt_dist(self.pj)} vs `{self.peer.name}` "
                f"{fmt_dist(self.peer)} ({self.pj.median / self.peer.median:.2f}×) — "
                f"{KIND_TEXT[self.kind]}")


def losses_to(where, pj, peers):
    """Every peer in `peers` (Dists; None skipped) that `pj` is slower than, by NOISE_RULE."""
    out = []
    for peer in sorted((p for p in peers if p is not None), key=lambda p: p.median):
        kind = compare(pj, peer)
        if kind:
            out.append(Loss(where, pj, peer, kind))
    return out


def fmt_losses(losses, with_pj=False):
    return "; ".join(l.cell(with_pj) for l in losses) if losses else "none"


def fmt_ratio(pj, peer):
    if pj is None or peer is None:
        return "—"
    return f"{pj.median / peer.median:.2f}× (`{peer.name}`)"


def fastest(dists):
    dists = [x for x in dists if x is not None]
    return min(dists, key=lambda x: x.median) if dists else None


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def fmt_n(n):
    if n is None:
        return "—"
    e = int(round(math.log10(n))) if n > 0 else 0
    return f"1e{e}" if n == 10 ** e and n >= 1000 else f"{n:,}"


# ---------------------------------------------------------------------------------------- sections

def machine_section(d):
    m = load_json(os.path.join(d, "machine.json")) or {}
    lines = ["## Machine and settings", ""]
    for k in ("date", "host", "cpu_model", "cores", "isa", "kernel", "compiler", "mode",
              "gb_args", "threads", "env", "python", "load_avg_at_start"):
        if k in m:
            v = m[k]
            if isinstance(v, dict):
                v = ", ".join(f"`{a}={b}`" for a, b in v.items()) or "none set"
            lines.append(f"- **{k}**: {v}")
    try:
        lines.append(f"- **load_avg_at_report**: {open('/proc/loadavg').read().split()[:3]} "
                     "(1/5/15 min; above the core count means other work shared the cores)")
    except OSError:
        pass
    return "\n".join(lines), m


def blas_text(machine, py_meta):
    """What numpy's K4 peer (np.dot -> BLAS sdot) ran on, and what the run's OPENBLAS_* did."""
    env = machine.get("env", {}) or {}
    core = env.get("OPENBLAS_CORETYPE")
    l2 = env.get("OPENBLAS_L2_SIZE")
    libs = py_meta.get("blas_libraries")
    corename = py_meta.get("openblas_corename")
    setting = (f"This run's environment: `OPENBLAS_CORETYPE={core or 'unset'}`, "
               f"`OPENBLAS_L2_SIZE={l2 or 'unset'}`. `OPENBLAS_CORETYPE` makes OpenBLAS use the "
               "named kernel set instead of the one it detects (`Haswell`: AVX2 kernels, no "
               "AVX-512, even on an AVX-512 processor); `OPENBLAS_L2_SIZE` overrides the L2 size "
               "(KB) its blocking assumes (GEMM-like routines; `sdot` does not block). Both are "
               "set on some machines to work around old OpenBLAS releases that misdetect or crash "
               "on some processors; on a current OpenBLAS, `Haswell` only gives up AVX-512.")
    if libs is None:
        found = "numpy's BLAS library was not recorded (a run before kernels.py recorded it)."
    elif corename:
        found = (f"numpy loaded OpenBLAS ({', '.join(f'`{x}`' for x in libs)}), running its "
                 f"`{corename}` kernels on {py_meta.get('openblas_threads', '?')} thread(s)"
                 + (" — the core type the environment forced." if core else
                    " — the core type it detected."))
    else:
        reference = any("/blas/libblas" in x for x in libs)
        what = ("the reference BLAS (Debian's `libblas3`: `sdot` is a plain scalar loop on one "
                "thread), so numpy's K4 is not an optimised-BLAS figure" if reference else
                "no OpenBLAS (it exports no `openblas_get_corename`)")
        found = (f"numpy loaded {', '.join(f'`{x}`' for x in libs) or 'no BLAS library'}: "
                 f"{what}; the OPENBLAS_* settings had no effect on it.")
    return ("numpy's K4 is `np.dot`, i.e. BLAS `sdot`; it sits in both columns (an OpenBLAS "
            f"`sdot` may use several threads). {found} {setting}")


def kernel_peers(kernel, column):
    base = ONE_THREAD_PEERS if column == "one" else ALL_CORES_PEERS
    return base + [s for s in BOTH_COLUMNS.get(kernel, []) if s not in base]


def kernel_section(st, blas):
    kernels = st.kernels()
    sys_cols = [s for s in KERNEL_SYSTEMS if any(s in st.systems(k) for k in kernels)
                or s in ("parjit", "parjit_par", "loop") or s in PY_KERNEL_SYSTEMS]
    header = ["kernel", "n"] + [f"`{s}`" for s in sys_cols] + [
        "1 thread: `parjit` ÷ fastest 1-thread peer", "1 thread: loses to",
        "all cores: `parjit_par` ÷ fastest parallel peer", "all cores: loses to"]
    rows, losses = [], []
    for k in kernels:
        for n in st.sizes(k) or [None]:
            row = [k, fmt_n(n)]
            for s in sys_cols:
                rec = st.get(k, s, n)
                fm_only = s in ("loop_fastmath", "tbb_loop_fastmath")
                row.append("n/a" if rec is None and fm_only and k not in FASTMATH_KERNELS
                           else fmt_cell(rec))
            for column, pj_name in (("one", "parjit"), ("all", "parjit_par")):
                pj = st.dist(k, pj_name, n)
                peers = [st.dist(k, s, n) for s in kernel_peers(k, column)]
                label = "1 thread" if column == "one" else "all cores"
                lost = losses_to(f"{k} n={fmt_n(n)}, {label}", pj, peers)
                row += [fmt_ratio(pj, fastest(peers)), fmt_losses(lost)]
                losses += lost
            rows.append(row)
    one = ", ".join(f"`{s}`" for s in ONE_THREAD_PEERS)
    allc = ", ".join(f"`{s}`" for s in ALL_CORES_PEERS)
    both = "; ".join(f"{k}: {', '.join(f'`{s}`' for s in v)}" for k, v in BOTH_COLUMNS.items())
    text = ["## JIT kernels, steady state (median per call ± MAD; † a repetition > 3× the median)", "",
            "Two columns, each like for like. **1 thread**: `parjit` (serial call) against the "
            f"one-thread peers {one}. **All cores**: `parjit_par` (`jit::par`) against the "
            f"parallel peers {allc} (`tbb_loop*`: the same hand-written loops on raw oneTBB "
            "chunks; numexpr and numba with all threads). In both columns: "
            f"{both} (see below). `loop_fastmath` / `tbb_loop_fastmath` "
            "(`-ffast-math`) exist for K3 (libmvec) and K4 (a reassociated, vectorised sum — "
            "parjit's reduction is vectorised too, so the strict `loop` would measure the "
            "summation order, not the JIT). A ratio < 1 means parjit is faster; \"loses to\" lists "
            "every peer parjit is slower than (rule below).", "", table(header, rows), "",
            "### numpy's BLAS (K4 peer)", "", blas]
    return "\n".join(text), losses


def gbps(rec):
    """Bytes a call must move (the `bytes` counter) ÷ the median time, in GB/s (1e9 B/s)."""
    return rec["bytes"] / rec["median"] / 1e9 if rec and rec.get("bytes") else None


def stream_limit(st, col, n):
    """(GB/s, case) of the faster STREAM case of column `col` (`serial` or `par`), or None."""
    got = [(gbps(st.get(c, col, n)), c) for c in STREAM_CASES]
    got = [g for g in got if g[0]]
    return max(got) if got else None


def compute_ceiling(st, k, n, bytes_per_element, lim, threads):
    """The share of the STREAM limit `lim` (GB/s, case) kernel `k` could reach at n if its memory
    traffic cost nothing beyond its arithmetic: the time the limit needs for its bytes ÷ its own
    time per element at IN_CACHE_N (one thread, data in cache) × n ÷ `threads`. Below 100 %, the
    kernel is compute-bound there and no memory path reaches the limit; None if not measured."""
    cached = st.get(k, "parjit", IN_CACHE_N)
    if not (cached and lim and bytes_per_element and threads):
        return None
    floor_s = cached["median"] / IN_CACHE_N * n / threads
    return bytes_per_element * n / (lim[0] * 1e9) / floor_s


def bandwidth_section(st, threads=None):
    """K1, K2, K5, K6 at 1e7: achieved GB/s ÷ the faster of STREAM copy and triad in the same
    binary (`serial` for `parjit`, `par` for `parjit_par`), beside the share their arithmetic
    alone allows (compute_ceiling; `threads` cores for `par`); K1 on std::vector as well."""
    n = BANDWIDTH_N
    limits = {col: stream_limit(st, col, n) for col in ("serial", "par")}

    def cells(rec, col):
        g, lim = gbps(rec), limits[col]
        return [f"{g:.1f} GB/s" if g else "missing", f"{g / lim[0]:.0%}" if g and lim else "—"]

    def ceiling_cell(k, per, col):
        c = compute_ceiling(st, k, n, per, limits[col], 1 if col == "serial" else threads)
        return f"{c:.0%}" if c is not None else "—"

    def limit_cells(col):
        lim = limits[col]
        return [f"{lim[0]:.1f} GB/s (`{lim[1]}`)", "100%", "—"] if lim else ["missing", "—", "—"]

    rows = [["limit: the faster STREAM case", "—"] + limit_cells("serial") + limit_cells("par")]
    for label, k, suffix in [(k, k, "") for k in BANDWIDTH_KERNELS] + [
            ("K1_hypot on `std::vector`", "K1_hypot", "_std_vector")]:
        one, par = st.get(k, "parjit" + suffix, n), st.get(k, "parjit_par" + suffix, n)
        per = next((r["bytes"] / n for r in (one, par) if r and r.get("bytes")), None)
        rows.append([label, f"{per:g}" if per else "—"]
                    + cells(one, "serial") + [ceiling_cell(k, per, "serial")]
                    + cells(par, "par") + [ceiling_cell(k, per, "par")])
    ctx = st.context.get("jit_kernels", {})
    llc = max((c for c in ctx.get("caches", []) if c.get("type") != "Instruction"),
              key=lambda c: c.get("level", 0), default=None)
    triad_mb = 3 * 4 * n / 1e6
    llc_text = ""
    if llc:
        llc_mb = llc["size"] / 1e6
        llc_text = (f" The last-level cache here is {llc_mb:.0f} MB (level {llc['level']}); the "
                    f"triad's {triad_mb:.0f} MB "
                    + ("exceed it, so the limit is memory's." if triad_mb > llc_mb else
                       "fit in it, so the limit is partly the cache's, not only memory's."))
    thp = ctx.get("transparent_hugepage")
    text = [f"## Bandwidth at n = {fmt_n(n)}: achieved ÷ the in-binary STREAM limit", "",
            "Achieved = the bytes a call must move (inputs + output per element: K1, K5 "
            "4 + 4 + 4; K2 4 + 4; K6 1 + 1 + 1 + 4) ÷ its median time, in GB/s (10⁹ bytes per "
            "second). The limit is the faster "
            "of STREAM copy and triad run by `jit_kernels` itself on the same n of floats in "
            "huge-page arrays with non-temporal stores (nothing read for ownership): `serial` "
            "for `parjit`, `par` (the executor `jit::par` uses) for `parjit_par`. 100% means "
            "the kernel moves its bytes as fast as the machine can; a kernel with ordinary "
            "stores also reads each output line before writing it, so it tops out near "
            "(inputs + output) ÷ (inputs + 2 × output) of the limit (75% for K1)."
            + llc_text + (f" Transparent huge pages: `{thp}`." if thp else ""), "",
            "*Compute ceiling*: the share of the limit the kernel's arithmetic alone allows — the "
            "time the limit needs for the kernel's bytes ÷ the kernel's own time per element at "
            f"n = {fmt_n(IN_CACHE_N)} (one thread, data in cache) × n (÷ "
            f"{threads if threads else 'the'} cores for `par`, perfect scaling assumed). Below "
            "100% the kernel is compute-bound there: no memory path reaches the limit, and the "
            "achieved share can only approach the ceiling.", "",
            table(["kernel", "bytes/element", "`parjit`", "÷ 1-thread limit",
                   "1-thread compute ceiling", "`parjit_par`", "÷ all-cores limit",
                   "all-cores compute ceiling"], rows)]
    return "\n".join(text)


def load_rounds(d):
    """The interleaved rounds of run_compare.sh (rounds/gb_r<i>.json from jit_kernels and
    rounds/py_r<i>.json from kernels.py, i = 1, 2, ...): one Store per round; [] if none ran."""
    stores = []
    while True:
        r = len(stores) + 1
        gb, py = (os.path.join(d, "rounds", f"{k}_r{r}.json") for k in ("gb", "py"))
        if not (os.path.exists(gb) or os.path.exists(py)):
            return stores
        st = Store()
        doc = load_json(gb) if os.path.exists(gb) else None
        if doc:
            add_gb(st, doc, "jit_kernels")
        doc = load_json(py) if os.path.exists(py) else None
        if doc:
            add_py_results(st, doc, f"rounds/py_r{r}.json")
        stores.append(st)


# The n = 1e7 targets the rounds check: (label, value of one round, target, how a value prints).
def at_most(limit):
    return lambda v: v <= limit


def at_least(limit):
    return lambda v: v >= limit


def as_ratio(v):
    return f"{v:.2f}"


def as_percent(v):
    return f"{v:.0%}"


ROUND_COLUMNS = [
    ("1 thread ÷ numba `@njit`", lambda st, k, n: ratio_in(st, k, "parjit", "numba_njit", n),
     ("≤ 1", at_most(1.0)), as_ratio),
    ("`par` ÷ numba `parallel=True`",
     lambda st, k, n: ratio_in(st, k, "parjit_par", "numba_parallel", n),
     ("≤ 0.95", at_most(0.95)), as_ratio),
    ("bandwidth, 1 thread", lambda st, k, n: share_of_limit(st, k, "parjit", "serial", n),
     ("≥ 85 %", at_least(0.85)), as_percent),
    ("bandwidth, `par`", lambda st, k, n: share_of_limit(st, k, "parjit_par", "par", n),
     ("≥ 85 %", at_least(0.85)), as_percent),
]


def ratio_in(st, case, system, peer, n):
    a, b = st.get(case, system, n), st.get(case, peer, n)
    return a["median"] / b["median"] if a and b else None


def share_of_limit(st, case, system, col, n):
    g, lim = gbps(st.get(case, system, n)), stream_limit(st, col, n)
    return g / lim[0] if g and lim else None


def rounds_section(stores):
    """Issue 14's n = 1e7 ratios from the interleaved rounds: per round, parjit against numba and
    against the STREAM limit measured in that round; the median over rounds and the range."""
    n = BANDWIDTH_N
    head = (f"## n = {fmt_n(n)} in interleaved rounds: parjit ÷ numba, and ÷ the STREAM limit")
    if not stores:
        return head + "\n\nNot run (`ROUNDS=0`, or a `--quick` run)."
    rows = []
    for k in BANDWIDTH_KERNELS:
        row = [k]
        for _, value, (_, met), f in ROUND_COLUMNS:
            vals = [v for v in (value(st, k, n) for st in stores) if v is not None]
            if not vals:
                row.append("missing")
                continue
            med = statistics.median(vals)
            mark = "" if met(med) else " ✗"
            row.append(f"**{f(med)}**{mark} ({f(min(vals))}–{f(max(vals))})")
        rows.append(row)
    header = ["kernel"] + [f"{label} ({target})" for label, _, (target, _), _ in ROUND_COLUMNS]
    text = [head, "",
            f"The same cases as above, re-run in {len(stores)} "
            f"{'round' if len(stores) == 1 else 'alternating rounds'} at the end of "
            "the run: each round runs `jit_kernels` (K1, K2, K5, K6 `parjit` and `parjit_par`, "
            "STREAM copy and triad) and `kernels.py` (numba `@njit` and `parallel=True`), in "
            "turn first; each ratio is taken within one round, so a change in the machine's "
            "memory speed between the main run's parts (minutes apart) does not enter it. Cells: "
            "the **median over rounds** (✗ where it misses the target in the header), then the "
            "lowest–highest round.", "", table(header, rows)]
    return "\n".join(text)


def first_call_section(st):
    numba_sys = ["numba_njit", "numba_parallel", "numba_vectorize"]
    header = (["kernel", "`parjit`, warm process", "`parjit`, fresh process: start → result "
               "(main → result)"]
              + [f"`{s}`: first call / start → result" for s in numba_sys]
              + ["numpy / numexpr first call", "fresh process: `parjit` ÷ fastest numba",
                 "fresh process: loses to"])
    rows, losses = [], []
    absent = "not run (--quick)" if st.context.get("py_kernels.json", {}).get("quick") else "missing"
    for k in st.kernels():
        warm = st.dist(f"first_call/{k}", "parjit", None)
        fresh = st.fresh.get(k)
        fc = {s: st.first_call.get((k, s)) for s in PY_KERNEL_SYSTEMS}
        if warm is None and fresh is None and not any(fc.values()):
            continue
        nb_fresh = [Dist(s, fc[s].get("start_to_result_s_reps") or [fc[s]["start_to_result_s"]])
                    for s in numba_sys if fc[s] and fc[s].get("start_to_result_s")]
        row = [k, fmt_dist(warm),
               f"{fmt_dist(fresh)} ({fmt_dist(st.fresh_main.get(k))})" if fresh else "missing"]
        for s in numba_sys:
            if not fc[s]:
                row.append(absent)
                continue
            s2r = fc[s].get("start_to_result_s")
            row.append(f"{fmt_t(fc[s]['first_call_s'])} / {fmt_t(s2r) if s2r else 'not recorded'}")
        row.append(" / ".join(fmt_t(fc[s]["first_call_s"]) if fc[s] else absent
                              for s in ("numpy", "numexpr")))
        lost = losses_to(f"first call {k}, fresh process", fresh, nb_fresh)
        row += [fmt_ratio(fresh, fastest(nb_fresh)), fmt_losses(lost)]
        losses += lost
        rows.append(row)
    imports = defaultdict(list)
    for (k, s), r in st.first_call.items():
        mod = "numba" if s.startswith("numba") else s
        imports[mod].append(r["import_s"])
    imp = ", ".join(f"{m} {fmt_t(statistics.median(v))}" for m, v in sorted(imports.items()))
    reps = {d.reps for d in st.fresh.values()}
    nb_reps = {len(r.get("start_to_result_s_reps", [0])) for (k, s), r in st.first_call.items()
               if s.startswith("numba")}
    text = ["## First call (compile) latency", "",
            "Compared on equal terms only in a **fresh process**: from the moment the parent "
            "starts the process to the moment the first result is back in it (CLOCK_MONOTONIC on "
            "both sides), everything included — process start, loading the libraries, parjit's "
            "JIT session start-up (LLVM, libmvec) or Python's start-up and imports, tracing, "
            "optimising, code generation, one call at n = 1000. parjit: `bench/jit_first_call`, "
            "the on-disk kernel cache off (`PARJIT_CACHE=0`; a child that reports a cache hit "
            "fails the run), one untimed process first (page cache warm), then "
            f"{'/'.join(str(r) for r in sorted(reps)) or 'N (none in this run)'} timed processes "
            "per kernel; "
            "\"main → result\" is the part after `main()` is entered. numba: fresh `python3` "
            "processes per system and kernel (`kernels.py`, medians of "
            f"{'/'.join(str(r) for r in sorted(nb_reps)) or 'N'}); its *first call* is define + "
            "first call after "
            "the imports (type inference + LLVM compile; `@vectorize` with a signature compiles "
            f"at definition); imports, paid on top: {imp or 'missing'}.", "",
            "`parjit`, warm process: `jit_compile` `first_call/<kernel>/parjit`, a fresh kernel in "
            "a process whose JIT session is already up — the cost of each further kernel, not "
            "comparable with numba's first call (which pays numba's own start-up).", "",
            table(header, rows) if rows else "_missing: no first-call data_"]
    co = []
    for k in st.kernels():
        pj = st.get(f"call_overhead/{k}", "parjit", 1000)
        lp = st.get(f"call_overhead/{k}", "loop", 1000)
        if pj is None and lp is None:
            continue
        diff = fmt_t(max(0.0, pj["median"] - lp["median"])) if pj and lp else "—"
        co.append([k, fmt_cell(pj), fmt_cell(lp), diff,
                   fmt_cell(st.get(k, "numba_njit", 1000)),
                   fmt_cell(st.get(k, "numba_vectorize", 1000))])
    text += ["", "### Cached call at n = 1000 (dispatch overhead)", "",
             table(["kernel", "`parjit`", "`loop`", "parjit − loop", "`numba_njit`",
                    "`numba_vectorize`"], co) if co else "_missing: no call_overhead data_"]
    return "\n".join(text), losses


def map_section(st):
    pj_name = "parjit_parallel_map"
    header = (["case", "n"] + [f"`{s}`" for s in MAP_SYSTEMS]
              + [f"parjit ÷ `{s}`" for s in MAP_CXX_PARALLEL]
              + ["parjit ÷ fastest Python", "loses to"])
    rows, losses = [], []
    for c in MAP_CASES:
        for n in st.sizes(c) or [None]:
            row = [c, fmt_n(n)] + [fmt_cell(st.get(c, s, n)) if st.get(c, s, n) else (
                "—" if st.sizes(c) and any(st.get(c, s, m) for m in st.sizes(c)) else "missing")
                for s in MAP_SYSTEMS]
            pj = st.dist(c, pj_name, n)
            peers = [st.dist(c, s, n) for s in sorted(st.systems(c)) if not is_parjit(s)]
            for s in MAP_CXX_PARALLEL:
                peer = st.dist(c, s, n)
                row.append(f"{pj.median / peer.median:.2f}×" if pj and peer else "—")
            py = fastest([p for p in peers if p is not None and is_python(p.name)])
            lost = losses_to(f"{c} n={fmt_n(n)}", pj, peers)
            row += [fmt_ratio(pj, py), fmt_losses(lost)]
            losses += lost
            rows.append(row)
    per_item = []
    for c in MAP_CASES:
        vals = []
        for s in ("parjit_parallel_map", "sequential", "py_sequential", "py_process_map",
                  "numba_prange"):
            ns = [n for n in st.sizes(c) if st.get(c, s, n)]
            if ns:
                n = max(ns)
                vals.append(f"{s} {fmt_t(st.get(c, s, n)['median'] / n)}")
        if vals:
            per_item.append(f"- `{c}` per item (largest n): " + ", ".join(vals))
    text = ["## Parallel map (median per whole map ± MAD)", "",
            "All cores: `parjit_parallel_map` against every other system, with its ratio to each "
            "C++ parallel peer (raw oneTBB, `std::execution::par`, OpenMP) shown apart; "
            "\"loses to\" lists every peer it is slower than, sequential ones included. Same work "
            "per item in every system (the logistic map iterated 28 / 1440 / 144000 times; "
            "`numba_prange` compiles the item into its loop, the C++ systems call a noinline "
            "function per item). `—`: that system is not run at that n (Python runs smaller n "
            "where a repetition would take seconds). ProcessPool `map` uses chunksize = n / (4 T).",
            "", table(header, rows), ""] + per_item
    return "\n".join(text), losses


def amdahl_fit(points):
    """Least-squares serial fraction f from speed-ups S(p): 1/S = f (1 - 1/p) + 1/p."""
    num = sum((1 / s - 1 / p) * (1 - 1 / p) for p, s in points if p > 1)
    den = sum((1 - 1 / p) ** 2 for p, s in points if p > 1)
    return max(0.0, min(1.0, num / den)) if den > 0 else None


def scaling_data(st):
    out = {}
    for s in sorted(st.systems("scaling")):
        pts = sorted((n, st.get("scaling", s, n)["median"]) for n in st.sizes("scaling")
                     if st.get("scaling", s, n))
        if pts and pts[0][0] == 1:
            t1 = pts[0][1]
            sp = [(p, t1 / t) for p, t in pts]
            out[s] = {"times": pts, "speedup": sp, "f": amdahl_fit(sp)}
    return out


def scaling_section(st):
    sd = scaling_data(st)
    if not sd:
        return "## Scaling\n\n_missing: no `scaling/*` benchmarks_", sd, []
    threads = sorted({p for v in sd.values() for p, _ in v["times"]})
    pj_name = "parjit_parallel_map"
    peers = [s for s in sd if not is_parjit(s)]
    header = (["threads"] + [f"`{s}` time / speed-up" for s in sd] + ["Amdahl (parjit's f)"]
              + [f"parjit ÷ `{s}`" for s in peers] + ["loses to"])
    f_pj = sd.get(pj_name, next(iter(sd.values())))["f"]
    rows, losses = [], []
    for p in threads:
        row = [p]
        for s, v in sd.items():
            t = dict(v["times"]).get(p)
            sp = dict(v["speedup"]).get(p)
            row.append(f"{fmt_t(t)} / {sp:.2f}×" if t else "missing")
        row.append(f"{1 / (f_pj + (1 - f_pj) / p):.2f}×" if f_pj is not None else "—")
        pj = st.dist("scaling", pj_name, p)
        pdists = [st.dist("scaling", s, p) for s in peers]
        row += [f"{pj.median / q.median:.2f}×" if pj and q else "—" for q in pdists]
        lost = losses_to(f"scaling, {p} thread{'s' if p > 1 else ''}", pj, pdists)
        row.append(fmt_losses(lost))
        losses += lost
        rows.append(row)
    fs = ", ".join(f"`{s}` f = {v['f']:.3f}" for s, v in sd.items() if v["f"] is not None)
    text = ["## Scaling (map_medium, n = 1e4, threads 1..N)", "",
            f"Serial fraction fitted to Amdahl's law 1/S = f + (1 − f)/p: {fs or '—'}. "
            "At each thread count parjit is compared with raw oneTBB by the same rule as "
            "everywhere else.", "", table(header, rows)]
    return "\n".join(text), sd, losses


def submit_section(st):
    pj_systems = [s for s in SUBMIT_SYSTEMS if is_parjit(s)]
    peer_systems = [s for s in SUBMIT_SYSTEMS if not is_parjit(s)]
    rows, losses = [], []

    def add_row(what, dists, cells):
        row = [what] + cells
        lost_all = []
        for pj_name in pj_systems:
            pj = dists.get(pj_name)
            peers = [dists.get(s) for s in peer_systems]
            row.append(fmt_ratio(pj, fastest(peers)))
            lost_all += losses_to(what, pj, peers)
        row.append(fmt_losses(lost_all, with_pj=True))
        losses.extend(lost_all)
        rows.append(row)

    lat = {s: st.dist("submit_get", s, None) for s in SUBMIT_SYSTEMS}
    add_row("submit + get round trip", lat, [fmt_dist(lat[s]) for s in SUBMIT_SYSTEMS])
    per_task, cells = {}, []
    for s in SUBMIT_SYSTEMS:
        ns = [n for n in st.sizes("submit_throughput") if st.get("submit_throughput", s, n)]
        if ns:
            per_task[s] = st.dist("submit_throughput", s, ns[0]).scaled(1 / ns[0])
            cells.append(f"{fmt_dist(per_task[s])} (n={fmt_n(ns[0])})")
        else:
            cells.append("missing")
    add_row("throughput: time per tiny task", per_task, cells)
    text = ["## Futures: submit + get", "",
            "Each parjit executor against every peer (same rule); throughput is compared per task "
            "(each system at its own n).", "",
            table(["what"] + [f"`{s}`" for s in SUBMIT_SYSTEMS]
                  + [f"`{s}` ÷ fastest peer" for s in pj_systems] + ["loses to"], rows)]
    return "\n".join(text), losses
# ---------------------------------------------------------------------------------------- plots

def plots(st, d, sd):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return ["_plots missing: matplotlib not installed_"]
    made = []
    colors = plt.get_cmap("tab10").colors + plt.get_cmap("Dark2").colors

    # 1. grouped bars per kernel, one panel per size: time per element
    sizes = sorted({n for k in st.kernels() for n in st.sizes(k)})
    if sizes:
        fig, axes = plt.subplots(len(sizes), 1, figsize=(12, 3.4 * len(sizes)), squeeze=False)
        systems = [s for s in KERNEL_SYSTEMS if any(s in st.systems(k) for k in st.kernels())]
        w = 0.8 / max(1, len(systems))
        for ax, n in zip(axes[:, 0], sizes):
            for j, s in enumerate(systems):
                xs, ys = [], []
                for i, k in enumerate(st.kernels()):
                    rec = st.get(k, s, n)
                    if rec:
                        xs.append(i + (j - len(systems) / 2 + 0.5) * w)
                        ys.append(rec["median"] / n * 1e9)
                ax.bar(xs, ys, w, label=s, color=colors[j % len(colors)],
                       hatch="//" if is_parjit(s) else None, edgecolor="black", linewidth=0.3)
            ax.set_yscale("log")
            ax.set_xticks(range(len(st.kernels())), st.kernels())
            ax.set_ylabel("ns per element")
            ax.set_title(f"JIT kernels, n = {fmt_n(n)} (lower is better)")
            ax.grid(axis="y", which="both", alpha=0.3)
        axes[0, 0].legend(ncol=5, fontsize=8, loc="upper left")
        fig.tight_layout()
        fig.savefig(os.path.join(d, "kernels.png"), dpi=80)
        plt.close(fig)
        made.append("kernels.png")

    # 2. first-call latency, log axis: fresh processes (start -> first result) side by side
    numba_sys = ["numba_njit", "numba_parallel", "numba_vectorize"]
    have = [k for k in st.kernels() if k in st.fresh or st.get(f"first_call/{k}", "parjit", None)
            or any((k, s) in st.first_call for s in numba_sys)]
    if have:
        fig, ax = plt.subplots(figsize=(11, 0.9 * len(have) + 1.8))
        series = ["parjit, fresh process", "parjit, warm process"] + numba_sys
        h = 0.8 / len(series)
        for j, s in enumerate(series):
            ys, vs = [], []
            for i, k in enumerate(have):
                if s == "parjit, fresh process":
                    v = st.fresh[k].median if k in st.fresh else None
                elif s == "parjit, warm process":
                    rec = st.get(f"first_call/{k}", "parjit", None)
                    v = rec["median"] if rec else None
                else:
                    r = st.first_call.get((k, s))
                    v = r.get("start_to_result_s") if r else None
                if v:
                    ys.append(i + (j - len(series) / 2 + 0.5) * h)
                    vs.append(v * 1e3)
            ax.barh(ys, vs, h, label=s, color=colors[j], hatch="//" if is_parjit(s) else None,
                    edgecolor="black", linewidth=0.3)
        ax.set_xscale("log")
        ax.set_yticks(range(len(have)), have)
        ax.invert_yaxis()
        ax.set_xlabel("ms (log): process start -> first result (warm process: compile + call)")
        ax.set_title("First call at n = 1000, fresh processes (cache off)")
        ax.grid(axis="x", which="both", alpha=0.3)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
        fig.tight_layout()
        fig.savefig(os.path.join(d, "first_call.png"), dpi=80)
        plt.close(fig)
        made.append("first_call.png")

    # 3. scaling vs Amdahl
    if sd:
        fig, ax = plt.subplots(figsize=(6, 4.5))
        pmax = max(p for v in sd.values() for p, _ in v["speedup"])
        ps = [1 + i * (pmax - 1) / 50 for i in range(51)]
        ax.plot(ps, ps, color="gray", ls=":", label="ideal")
        for j, (s, v) in enumerate(sd.items()):
            ax.plot(*zip(*v["speedup"]), "o-", color=colors[j], label=f"{s} (measured)")
            if v["f"] is not None:
                f = v["f"]
                ax.plot(ps, [1 / (f + (1 - f) / p) for p in ps], "--", color=colors[j],
                        label=f"Amdahl, f = {f:.3f}")
        ax.set_xlabel("threads")
        ax.set_ylabel("speed-up vs 1 thread")
        ax.set_title("Scaling, map_medium n = 1e4")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(os.path.join(d, "scaling.png"), dpi=80)
        plt.close(fig)
        made.append("scaling.png")

    # 4. executors: time per item per case at the largest n every C++ system has
    cases = [c for c in MAP_CASES if st.sizes(c)]
    if cases:
        fig, ax = plt.subplots(figsize=(11, 4.2))
        systems = [s for s in MAP_SYSTEMS if any(s in st.systems(c) for c in cases)]
        w = 0.8 / max(1, len(systems))
        for j, s in enumerate(systems):
            xs, ys = [], []
            for i, c in enumerate(cases):
                ns = [n for n in st.sizes(c) if st.get(c, s, n)]
                if ns:
                    n = max(ns)
                    xs.append(i + (j - len(systems) / 2 + 0.5) * w)
                    ys.append(st.get(c, s, n)["median"] / n * 1e6)
            ax.bar(xs, ys, w, label=s, color=colors[j % len(colors)],
                   hatch="//" if is_parjit(s) else None, edgecolor="black", linewidth=0.3)
        ax.set_yscale("log")
        ax.set_xticks(range(len(cases)), cases)
        ax.set_ylabel("µs per item (largest n run)")
        ax.set_title("Parallel map: same work per item (lower is better)")
        ax.grid(axis="y", which="both", alpha=0.3)
        ax.legend(ncol=4, fontsize=7)
        fig.tight_layout()
        fig.savefig(os.path.join(d, "executors.png"), dpi=80)
        plt.close(fig)
        made.append("executors.png")
    return made


# ---------------------------------------------------------------------------------------- main

def build_report(d, make_plots=True):
    """Reads the run in `d`; returns (summary.md text, store, expected-but-missing, losses)."""
    st = load(d)
    msec, machine = machine_section(d)
    blas = blas_text(machine, st.context.get("py_kernels.json", {}))
    ksec, klosses = kernel_section(st, blas)
    bsec = bandwidth_section(st, machine.get("cores") if machine else None)
    rsec = rounds_section(load_rounds(d))
    fsec, flosses = first_call_section(st)
    msec2, mlosses = map_section(st)
    ssec, sd, slosses = scaling_section(st)
    usec, ulosses = submit_section(st)
    made = plots(st, d, sd) if make_plots else []

    missing = [f"- `{b}`: {s}" for b, s in st.binaries.items() if s != "ok"]
    expected = []
    for k in KERNELS:
        wanted = ("parjit", "parjit_par", "loop", "naive_et", "tbb_loop") + tuple(PY_KERNEL_SYSTEMS)
        if k in FASTMATH_KERNELS:
            wanted += ("loop_fastmath", "tbb_loop_fastmath")
        for s in wanted:
            if not any(st.get(k, s, n) for n in st.sizes(k) or [None]):
                expected.append(f"{k}/{s}")
    for c in MAP_CASES:
        for s in MAP_SYSTEMS:
            if not any(st.get(c, s, n) for n in st.sizes(c) or [None]):
                expected.append(f"{c}/{s}")
    for s in SUBMIT_SYSTEMS:
        if not st.get("submit_get", s, None):
            expected.append(f"submit_get/{s}")
    losses = klosses + flosses + mlosses + slosses + ulosses

    title = f"# parjit comparison run: {machine.get('date', '?')} on {machine.get('host', '?')}"
    parts = [title, "", msec, "",
             "## Reading the ratios", "",
             "- **Like for like.** Steady-state kernels have two columns: *1 thread* (`parjit`, a "
             "serial call, against one-thread peers) and *all cores* (`parjit_par`, `jit::par`, "
             "against parallel peers), each with its own ratio. The parallel map, scaling and "
             "futures sections are all-cores comparisons; first calls are compared in fresh "
             "processes.",
             "- **Every peer, every loss.** Each row lists every peer parjit is slower than, not "
             "only the fastest one; all of them are collected under *Where parjit loses*.",
             f"- **Within noise, defined.** {NOISE_RULE}", "",
             ksec, "", bsec, "", rsec, "", fsec, "", msec2, "", ssec, "", usec, "",
             f"## Where parjit loses (median > {TOLERANCE:.0%} slower than a peer)", ""]
    order = {"loses": 0, "noise": 1, "unresolved": 2}
    parts += [f"- {l.line()}" for l in sorted(losses, key=lambda l: order[l.kind])] or [
        "- nowhere in this run"]
    parts += ["", "## Plots", ""] + [p if p.startswith("_") else f"![{p}]({p})" for p in made]
    parts += ["", "## Missing", ""]
    parts += missing + ([f"- not measured: {', '.join(expected)}"] if expected else [])
    if not missing and not expected:
        parts.append("- nothing")
    if st.errors:
        parts += ["", "## Errors", ""] + [f"- {e}" for e in st.errors]
    return "\n".join(parts) + "\n", st, expected, losses, made


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir")
    ap.add_argument("--check", action="store_true",
                    help="exit 1 if a Python system produced no number or nothing was measured")
    ap.add_argument("--selftest", action="store_true",
                    help="check the report's logic on a small synthetic run; exit 1 on failure")
    args = ap.parse_args()
    if args.selftest:
        sys.exit(selftest())
    if not args.dir:
        ap.error("--dir is required (or --selftest)")
    d = args.dir
    text, st, expected, _, made = build_report(d)
    with open(os.path.join(d, "summary.md"), "w") as f:
        f.write(text)
    print(f"report: wrote {os.path.join(d, 'summary.md')} and {', '.join(made) or 'no plots'}")

    if args.check:
        bad = [e for e in expected if e.split("/")[-1] in PY_KERNEL_SYSTEMS + PY_MAP_SYSTEMS]
        bad += [f"submit_get/{s}" for s in ("py_thread_pool", "py_process_pool")
                if not st.get("submit_get", s, None)]
        bad += [f"first_call/K1_hypot/{s}" for s in PY_KERNEL_SYSTEMS
                if (("K1_hypot", s) not in st.first_call)]
        bad += [f"{b}: produced no results" for b, s in st.binaries.items() if s == "no results"]
        if not st.data:
            bad.append("nothing measured")
        if bad:
            print("report --check: no number for " + ", ".join(bad), file=sys.stderr)
            sys.exit(1)


# ---------------------------------------------------------------------------------------- selftest

def write_fixture(d):
    """A tiny synthetic run (times in seconds, 5 repetitions unless a case needs fewer)."""
    def reps(t, spread=()):
        return list(spread) if spread else [t * f for f in (1.0, 0.999, 1.001, 1.0, 1.0)]

    gb = defaultdict(list)   # binary -> benchmarks

    def gbadd(binary, name, times, moved=None):
        for t in times:
            gb[binary].append({"name": name + "/real_time", "run_name": name + "/real_time",
                               "run_type": "iteration", "real_time": t * 1e9, "time_unit": "ns",
                               **({"bytes": moved} if moved else {})})
    py_k, py_e = [], []

    def pyadd(out, case, system, n, times):
        out.append({"case": case, "system": system, "n": n, "times_s": times})

    ms, us, ns = 1e-3, 1e-6, 1e-9
    # K3 at 1e7, the case: one thread loses to -ffast-math; all cores loses to raw TBB
    # (bands apart) and, within noise, to numba parallel (bands overlap).
    k3 = {"parjit": 5.47 * ms, "parjit_par": 3.17 * ms, "loop": 62.4 * ms,
          "loop_fastmath": 5.01 * ms, "naive_et": 56.5 * ms, "tbb_loop": 33 * ms,
          "tbb_loop_fastmath": 2.9 * ms}
    for s, t in k3.items():
        gbadd("jit_kernels", f"K3_expsin/{s}/10000000", reps(t))
    for s, t in {"numpy": 30.1, "numexpr": 36.3, "numba_njit": 63.3, "numba_vectorize": 63.1}.items():
        pyadd(py_k, "K3_expsin", s, 10_000_000, reps(t * ms))
    pyadd(py_k, "K3_expsin", "numba_parallel", 10_000_000,
          [2.95 * ms, 3.3 * ms, 2.7 * ms, 3.25 * ms, 2.75 * ms])
    # K1 at 1e3: parjit's fastest repetition beats the loop, its median (and band) does not.
    gbadd("jit_kernels", "K1_hypot/parjit/1000", [110 * ns] * 4 + [90 * ns])
    gbadd("jit_kernels", "K1_hypot/loop/1000", [100 * ns] * 5)
    gbadd("jit_kernels", "K1_hypot/parjit_par/1000", [110 * ns] * 5)
    # K4 at 1e3: numpy (BLAS) is a peer in both columns; loop_fastmath within the tolerance.
    for s, t in {"parjit": 62, "parjit_par": 62, "loop": 453, "loop_fastmath": 60}.items():
        gbadd("jit_kernels", f"K4_dot/{s}/1000", reps(t * ns))
    pyadd(py_k, "K4_dot", "numpy", 1000, reps(50 * ns))
    # K2 at 1e3 from a one-repetition run: slower, spread unknown.
    gbadd("jit_kernels", "K2_poly/parjit/1000", [115 * ns])
    gbadd("jit_kernels", "K2_poly/loop/1000", [100 * ns])
    # Bandwidth at 1e7 (bytes per call: STREAM copy 8 n, triad and K1 12 n): serial limit the
    # triad's 10 GB/s, all-cores limit the copy's 16 GB/s; K2 from a run without the counter.
    for case, col, t in (("stream_copy", "serial", 10), ("stream_copy", "par", 5),
                         ("stream_triad", "serial", 12), ("stream_triad", "par", 8)):
        gbadd("jit_kernels", f"{case}/{col}/10000000", reps(t * ms),
              (8 if case == "stream_copy" else 12) * 10_000_000)
    for s, t in {"parjit": 15, "parjit_par": 10, "parjit_std_vector": 20,
                 "parjit_par_std_vector": 12}.items():
        gbadd("jit_kernels", f"K1_hypot/{s}/10000000", reps(t * ms), 12 * 10_000_000)
    gbadd("jit_kernels", "K2_poly/parjit/10000000", reps(9 * ms))
    # K1 in cache (1e5): 1.5 ns per element, so 15 ms of arithmetic at 1e7 on one thread (80 % of
    # the serial limit's 12 ms for K1's bytes), 7.5 ms on the fixture's 2 cores (100 % of 7.5 ms).
    gbadd("jit_kernels", "K1_hypot/parjit/100000", reps(0.15 * ms))
    gbadd("jit_compile", "first_call/K1_hypot/parjit", reps(7.25 * ms))
    gbadd("jit_compile", "first_call/K4_dot/parjit", reps(14 * ms))
    fresh = [{"case": "K1_hypot", "system": "parjit", "n": 1000,
              "start_to_result_s": [0.060, 0.061, 0.059], "main_to_result_s": [0.03] * 3,
              "process_s": [0.07] * 3, "compile_ms": [7.0] * 3},
             {"case": "K4_dot", "system": "parjit", "n": 1000,
              "start_to_result_s": [0.5] * 3, "main_to_result_s": [0.4] * 3,
              "process_s": [0.6] * 3, "compile_ms": [14.0] * 3}]
    fc = []
    for k, s2r in (("K1_hypot", 0.35), ("K4_dot", 0.40)):
        for s in PY_KERNEL_SYSTEMS:
            fc.append({"case": k, "system": s, "n": 1000, "import_s": 0.14,
                       "first_call_s": 0.12 if s.startswith("numba") else 2e-5,
                       "second_call_s": 1e-6, "process_s": s2r + 0.05,
                       "start_to_result_s": s2r + (0.1 if s == "numba_parallel" else 0)})
    next(r for r in fc if r["case"] == "K4_dot" and r["system"] == "numba_njit")[
        "start_to_result_s_reps"] = [0.40, 0.41, 0.39]   # three processes
    # Map: parjit 1.18x OpenMP at map_cheap 1e3 (and far behind numba's prange).
    for s, t in {"parjit_parallel_map": 11.3, "tbb_parallel_for": 11.3, "std_par": 10.8,
                 "openmp": 9.56, "sequential": 18.4}.items():
        gbadd("parallel_map", f"map_cheap/{s}/1000", reps(t * us))
    pyadd(py_e, "map_cheap", "numba_prange", 1000, reps(2.75 * us))
    pyadd(py_e, "map_cheap", "py_process_map", 1000, reps(1.01 * ms))
    # Scaling: equal on 1 thread, parjit 1.12x raw TBB on 2.
    for p, (a, b) in {1: (10.0, 10.0), 2: (5.6, 5.0)}.items():
        gbadd("parallel_map", f"scaling/parjit_parallel_map/{p}", reps(a * ms))
        gbadd("parallel_map", f"scaling/tbb_parallel_for/{p}", reps(b * ms))
    # Futures: parjit wins the round trip, loses tiny-task throughput to std::async.
    for s, t in {"parjit_arena": 2, "parjit_thread": 3, "std_async": 20}.items():
        gbadd("parallel_submit", f"submit_get/{s}", reps(t * us))
    for s, t in {"parjit_arena": 30, "parjit_thread": 20, "std_async": 15}.items():
        gbadd("parallel_submit", f"submit_throughput/{s}/100000", reps(t * ms))
    pyadd(py_e, "submit_get", "py_thread_pool", None, reps(50 * us))

    for b, bms in gb.items():
        with open(os.path.join(d, f"gb_{b}.json"), "w") as f:
            json.dump({"context": {}, "benchmarks": bms}, f)
    with open(os.path.join(d, "py_kernels.json"), "w") as f:
        json.dump({"meta": {"quick": False, "blas_libraries": [
            "/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0"]},
            "results": py_k, "first_call": fc}, f)
    with open(os.path.join(d, "py_executors.json"), "w") as f:
        json.dump({"meta": {}, "results": py_e}, f)
    with open(os.path.join(d, "proc_jit_first_call.json"), "w") as f:
        json.dump({"meta": {"reps": 3}, "first_call": fresh}, f)
    # Two interleaved rounds at 1e7 (K1 only): round 1 the limits 10 / 20 GB/s (copy, 8 n bytes),
    # round 2 half as fast; K1 (12 n bytes) runs at 80 % / 90 % of them in round 1 and 100 % /
    # 90 % in round 2; numba @njit 1.25 and 0.8 of parjit's time, numba parallel 2 and 1.
    os.makedirs(os.path.join(d, "rounds"))
    for r, (f, k1_share, njit, npar) in enumerate(((1, 0.8, 1.25, 2.0), (2, 1.0, 0.8, 1.0)), 1):
        gb.clear()
        t1 = 12e7 / (10e9 / f * k1_share)
        tp = 12e7 / (20e9 / f * 0.9)
        gbadd("rounds", "stream_copy/serial/10000000", reps(8e7 / (10e9 / f)), 8 * 10_000_000)
        gbadd("rounds", "stream_copy/par/10000000", reps(8e7 / (20e9 / f)), 8 * 10_000_000)
        gbadd("rounds", "K1_hypot/parjit/10000000", reps(t1), 12 * 10_000_000)
        gbadd("rounds", "K1_hypot/parjit_par/10000000", reps(tp), 12 * 10_000_000)
        with open(os.path.join(d, "rounds", f"gb_r{r}.json"), "w") as fo:
            json.dump({"context": {}, "benchmarks": gb["rounds"]}, fo)
        py_r = []
        pyadd(py_r, "K1_hypot", "numba_njit", 10_000_000, reps(t1 * njit))
        pyadd(py_r, "K1_hypot", "numba_parallel", 10_000_000, reps(tp * npar))
        with open(os.path.join(d, "rounds", f"py_r{r}.json"), "w") as fo:
            json.dump({"meta": {}, "results": py_r}, fo)
    with open(os.path.join(d, "machine.json"), "w") as f:
        json.dump({"date": "selftest", "host": "fixture", "cores": 2,
                   "env": {"OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_L2_SIZE": "512"}}, f)


def table_row(text, header_start, row_start):
    """The cells of the row beginning `row_start` in the table whose header begins
    `header_start`, as {header: cell}."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(header_start):
            header = [c.strip() for c in line.strip("|").split(" | ")]
            for row in lines[i + 2:]:
                if not row.startswith("|"):
                    break
                if row.startswith(row_start):
                    return dict(zip(header, (c.strip() for c in row.strip("|").split(" | "))))
    raise AssertionError(f"no row {row_start!r} under {header_start!r}")


def selftest():
    failures, count = [], 0

    def check(what, ok):
        nonlocal count
        count += 1
        print(f"  {'ok  ' if ok else 'FAIL'} {what}")
        if not ok:
            failures.append(what)

    D = Dist
    print("report selftest: the noise rule")
    check("5 % slower, both tight: not a loss", compare(D("p", [1.05] * 5), D("q", [1.0] * 5)) == "")
    check("10 % slower, bands apart: loses", compare(D("p", [1.1] * 5), D("q", [1.0] * 5)) == "loses")
    check("10 % slower, fastest repetition faster but band apart: loses (the old rule said noise)",
          compare(D("p", [1.1] * 4 + [0.9]), D("q", [1.0] * 5)) == "loses")
    check("10 % slower, the peer's spread reaches parjit: within noise",
          compare(D("p", [1.1] * 5), D("q", [1.0, 1.0, 1.1, 0.9, 1.12])) == "noise")
    check("10 % slower, parjit's own spread reaches the peer: within noise (same footing)",
          compare(D("p", [1.1, 1.1, 0.95, 1.25, 1.0]), D("q", [1.0] * 5)) == "noise")
    check("one repetition: spread unknown", compare(D("p", [1.2]), D("q", [1.0] * 5)) == "unresolved")
    check("faster: not a loss", compare(D("p", [0.5] * 5), D("q", [1.0] * 5)) == "")

    with tempfile.TemporaryDirectory(prefix="parjit-report-selftest-") as d:
        write_fixture(d)
        text, st, _, losses, _ = build_report(d, make_plots=False)
    kh = "| kernel | n |"
    print("report selftest: kernel table, two columns")
    k3 = table_row(text, kh, "| K3_expsin | 1e7 |")
    one, one_lost = k3["1 thread: `parjit` ÷ fastest 1-thread peer"], k3["1 thread: loses to"]
    allc, all_lost = k3["all cores: `parjit_par` ÷ fastest parallel peer"], k3["all cores: loses to"]
    check(f"K3 1e7, 1 thread is `parjit` vs loop_fastmath, 1.09×: {one!r}",
          one == "1.09× (`loop_fastmath`)")
    check(f"K3 1e7, 1 thread lists the loss: {one_lost!r}",
          one_lost == "`loop_fastmath` 1.09× **loses**")
    check(f"K3 1e7, all cores is `parjit_par` vs tbb_loop_fastmath: {allc!r}",
          allc == "1.09× (`tbb_loop_fastmath`)")
    check(f"K3 1e7, all cores lists every peer it loses to: {all_lost!r}",
          all_lost == "`tbb_loop_fastmath` 1.09× **loses**; `numba_parallel` 1.07× *loses within noise*")
    k1 = table_row(text, kh, "| K1_hypot | 1e3 |")
    check(f"K1 1e3: a median 10 % slower with a tight band loses: {k1['1 thread: loses to']!r}",
          k1["1 thread: loses to"] == "`loop` 1.10× **loses**")
    k4 = table_row(text, kh, "| K4_dot | 1e3 |")
    check(f"K4 1e3: numpy's BLAS is a peer on one thread: {k4['1 thread: loses to']!r}",
          k4["1 thread: loses to"] == "`numpy` 1.24× **loses**")
    check(f"K4 1e3: ... and on all cores: {k4['all cores: loses to']!r}",
          k4["all cores: loses to"] == "`numpy` 1.24× **loses**")
    check(f"K4 1e3: the -ffast-math loop is shown: {k4['`loop_fastmath`']!r}",
          k4["`loop_fastmath`"].startswith("60 ns"))
    k2 = table_row(text, kh, "| K2_poly | 1e3 |")
    check(f"K2 1e3, one repetition: {k2['1 thread: loses to']!r}",
          k2["1 thread: loses to"] == "`loop` 1.15× *slower, spread unknown*")
    check("no loss where parjit is faster (K3 1e7 against numpy never listed)",
          "`numpy`" not in one_lost + all_lost)

    print("report selftest: the interleaved rounds")
    rh = "| kernel | 1 thread ÷ numba"
    r1 = table_row(text, rh, "| K1_hypot |")
    cells = list(r1.values())[1:]
    check(f"K1 rounds: 1 thread ÷ njit, the median of 0.80 and 1.25 misses ≤ 1: {cells[0]!r}",
          cells[0] == "**1.02** ✗ (0.80–1.25)")
    check(f"K1 rounds: par ÷ numba parallel, the median of 0.50 and 1.00 meets ≤ 0.95: {cells[1]!r}",
          cells[1] == "**0.75** (0.50–1.00)")
    check(f"K1 rounds: bandwidth per round's own limit, median 90 %: {cells[2]!r}",
          cells[2] == "**90%** (80%–100%)")
    check(f"K1 rounds: par bandwidth 90 % in both rounds: {cells[3]!r}",
          cells[3] == "**90%** (90%–90%)")
    r2 = table_row(text, rh, "| K2_poly |")
    check(f"K2 rounds: not measured, said so: {list(r2.values())[1]!r}",
          list(r2.values())[1] == "missing")

    print("report selftest: bandwidth against the STREAM limit")
    bh = "| kernel | bytes/element |"
    lim = table_row(text, bh, "| limit")
    check(f"the limits are the faster STREAM case per column: {lim!r}",
          lim["`parjit`"] == "10.0 GB/s (`stream_triad`)"
          and lim["`parjit_par`"] == "16.0 GB/s (`stream_copy`)")
    bk1 = table_row(text, bh, "| K1_hypot |")
    check(f"K1 1e7: 12 bytes/element, 8 GB/s = 80% serial, 12 GB/s = 75% all cores: {bk1!r}",
          bk1["bytes/element"] == "12" and bk1["`parjit`"] == "8.0 GB/s"
          and bk1["÷ 1-thread limit"] == "80%" and bk1["÷ all-cores limit"] == "75%")
    bsv = table_row(text, bh, "| K1_hypot on `std::vector`")
    check(f"K1 on std::vector beside it: {bsv!r}",
          bsv["÷ 1-thread limit"] == "60%" and bsv["`parjit_par`"] == "10.0 GB/s")
    bk2 = table_row(text, bh, "| K2_poly |")
    check(f"no `bytes` counter: missing, no ratio: {bk2!r}",
          bk2["`parjit`"] == "missing" and bk2["÷ 1-thread limit"] == "—")
    check(f"K1 compute ceiling from its 1e5 time: 80 % on 1 thread, 100 % on 2 cores: {bk1!r}",
          bk1["1-thread compute ceiling"] == "80%" and bk1["all-cores compute ceiling"] == "100%")
    check(f"no in-cache time, no ceiling: {bk2!r}", bk2["1-thread compute ceiling"] == "—")

    print("report selftest: map, scaling, futures, first call")
    mc = table_row(text, "| case | n |", "| map_cheap | 1e3 |")
    check(f"map_cheap 1e3 vs OpenMP: {mc['parjit ÷ `openmp`']!r}",
          mc["parjit ÷ `openmp`"] == "1.18×")
    check(f"map_cheap 1e3 vs raw TBB: {mc['parjit ÷ `tbb_parallel_for`']!r}",
          mc["parjit ÷ `tbb_parallel_for`"] == "1.00×")
    check(f"map_cheap 1e3 lists numba and OpenMP: {mc['loses to']!r}",
          mc["loses to"] == "`numba_prange` 4.11× **loses**; `openmp` 1.18× **loses**")
    sc = table_row(text, "| threads |", "| 2 |")
    check(f"scaling flags 2 threads: {sc['loses to']!r}",
          sc["loses to"] == "`tbb_parallel_for` 1.12× **loses**")
    sc1 = table_row(text, "| threads |", "| 1 |")
    check(f"scaling, equal on 1 thread: {sc1['loses to']!r}", sc1["loses to"] == "none")
    th = table_row(text, "| what |", "| throughput")
    check(f"tiny-task throughput flags both executors: {th['loses to']!r}",
          th["loses to"] == "`parjit_arena` to `std_async` 2.00× **loses**; "
                            "`parjit_thread` to `std_async` 1.33× **loses**")
    rt = table_row(text, "| what |", "| submit + get")
    check(f"round trip: no loss: {rt['loses to']!r}", rt["loses to"] == "none")
    fk1 = table_row(text, "| kernel | `parjit`, warm", "| K1_hypot |")
    fresh = fk1["`parjit`, fresh process: start → result (main → result)"]
    check(f"first call, fresh process shown beside the warm one: {fresh!r}",
          fresh.startswith("60 ms") and "(30 ms" in fresh
          and fk1["`parjit`, warm process"].startswith("7.25 ms"))
    check(f"first call ratio on equal terms (fresh vs fresh): "
          f"{fk1['fresh process: `parjit` ÷ fastest numba']!r}",
          fk1["fresh process: `parjit` ÷ fastest numba"] == "0.17× (`numba_njit`)")
    fk4 = table_row(text, "| kernel | `parjit`, warm", "| K4_dot |")
    fk4_lost = fk4["fresh process: loses to"]
    check(f"first call, fresh processes: a loss to numba (3 processes), 'spread unknown' against "
          f"one process: {fk4_lost!r}",
          fk4_lost == "`numba_njit` 1.25× **loses**; `numba_vectorize` 1.25× *slower, spread unknown*")

    print("report selftest: the summary's text")
    check("the noise rule is defined in the summary", NOISE_RULE in text)
    check("the BLAS settings and their effect are stated",
          "`OPENBLAS_CORETYPE=Haswell`" in text and "`OPENBLAS_L2_SIZE=512`" in text
          and "had no effect" in text)
    where = text.split("## Where parjit loses", 1)[-1].split("## Plots")[0]
    check("every loss reaches 'Where parjit loses'",
          all(l.line() in where for l in losses) and len(losses) >= 12)
    check("'loses' come before 'within noise' there",
          "*loses within noise*" in where
          and where.index("**loses**") < where.index("*loses within noise*"))
    print(f"report selftest: {count - len(failures)} of {count} checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    main()
