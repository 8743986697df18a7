"""Turns one comparison run's raw JSON (Google Benchmark + Python twins) into summary.md and PNG plots.

Reads from --dir: machine.json, gb_<binary>.json (Google Benchmark --benchmark_format=json),
py_kernels.json (kernels.py), py_executors.json (executors.py). Writes into the same directory:
summary.md (medians, spread, ratio parjit / best peer per kernel and size) and kernels.png,
first_call.png, scaling.png, executors.png. Anything missing (a binary not built yet, a benchmark
not written yet, a peer that failed) is marked "missing", never fatal. --check exits 1 when a
Python system produced no number or nothing at all was measured (the CI smoke test).
"""

import argparse
import json
import math
import os
import re
import statistics
import sys
from collections import defaultdict

BINARIES = ["jit_kernels", "jit_compile", "parallel_map", "parallel_submit"]
KERNELS = ["K1_hypot", "K2_poly", "K3_expsin", "K4_dot", "K5_select", "K6_grey"]
KERNEL_SYSTEMS = ["parjit", "parjit_par", "loop", "loop_fastmath", "naive_et",
                  "numpy", "numexpr", "numba_njit", "numba_parallel", "numba_vectorize"]
PY_KERNEL_SYSTEMS = ["numpy", "numexpr", "numba_njit", "numba_parallel", "numba_vectorize"]
MAP_CASES = ["map_cheap", "map_medium", "map_expensive"]
MAP_SYSTEMS = ["parjit_parallel_map", "tbb_parallel_for", "std_par", "openmp", "sequential",
               "py_sequential", "py_thread_map", "py_process_map", "py_thread_submit",
               "py_process_submit", "numba_prange"]
PY_MAP_SYSTEMS = MAP_SYSTEMS[5:]
SUBMIT_SYSTEMS = ["parjit_arena", "parjit_thread", "std_async", "py_thread_pool", "py_process_pool"]
PY_PREFIXES = ("numpy", "numexpr", "numba", "py_")
UNIT = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
SUFFIX = re.compile(r"^(real_time|manual_time|process_time|iterations:\d+|repeats:\d+|threads:\d+"
                    r"|min_time:.*|min_warmup_time:.*)$")


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


class Store:
    """All measurements: (case, system, n) -> dict(times, median, lo, hi, source, extra)."""

    def __init__(self):
        self.data = {}
        self.errors = []
        self.first_call = {}     # (kernel, system) -> record
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

    def sizes(self, case):
        return sorted({k[2] for k in self.data if k[0] == case and k[2] is not None})

    def systems(self, case):
        return {k[1] for k in self.data if k[0] == case}


def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        print(f"report: cannot read {path}: {e}", file=sys.stderr)
        return None


def load(d):
    st = Store()
    for b in BINARIES:
        doc = load_json(os.path.join(d, f"gb_{b}.json")) if os.path.exists(
            os.path.join(d, f"gb_{b}.json")) else None
        if doc is None:
            st.binaries[b] = "missing"
            continue
        st.context[b] = doc.get("context", {})
        runs = defaultdict(list)
        for bm in doc.get("benchmarks", []):
            if bm.get("run_type") == "aggregate":
                continue
            name = bm.get("run_name") or bm.get("name")
            if bm.get("error_occurred"):
                st.errors.append(f"{b}: {name}: {bm.get('error_message')}")
                continue
            runs[name].append(bm["real_time"] * UNIT.get(bm.get("time_unit", "ns"), 1e-9))
        st.binaries[b] = "ok" if runs else "no results"
        for name, times in runs.items():
            case, system, n = parse_name(name)
            st.add(case, system, n, times, b)
    for fname in ("py_kernels.json", "py_executors.json"):
        path = os.path.join(d, fname)
        doc = load_json(path) if os.path.exists(path) else None
        if doc is None:
            st.binaries[fname] = "missing"
            continue
        st.binaries[fname] = "ok"
        st.context[fname] = doc.get("meta", {})
        for r in doc.get("results", []):
            if "error" in r:
                st.errors.append(f"{fname}: {r['case']}/{r['system']}/{r.get('n')}: {r['error']}")
                continue
            st.add(r["case"], r["system"], r.get("n"), r["times_s"], fname,
                   **{k: r[k] for k in ("time_per_item_s", "chunksize") if k in r})
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


def fmt_cell(rec):
    if rec is None:
        return "missing"
    txt = fmt_t(rec["median"])
    if len(rec["times"]) > 1 and rec["median"] > 0:
        # median absolute deviation: robust to the odd repetition a shared core stalls
        mad = statistics.median(abs(t - rec["median"]) for t in rec["times"])
        txt += f" ±{mad / rec['median'] * 100:.0f}%"
        if rec["hi"] > 3 * rec["median"]:
            txt += " †"
    return txt


class Val(float):
    """A median that remembers its fastest repetition (to tell a loss from noise)."""

    def __new__(cls, median, lo):
        v = super().__new__(cls, median)
        v.lo = lo
        return v


def loss_kind(num, den):
    """'' (not slower), 'loses' (even parjit's fastest repetition is slower than the peer's
    median), or 'noise' (median > 5 % slower, but within the repetitions' spread)."""
    if num is None or den is None or num <= den * 1.05:
        return ""
    return "loses" if getattr(num, "lo", num) > den else "noise"


def fmt_ratio(num, den, who):
    if num is None or den is None:
        return "—"
    mark = {"loses": " **loses**", "noise": " (loses, within noise)"}.get(loss_kind(num, den), "")
    return f"{num / den:.2f}× ({who}){mark}"


def best(st, case, n, systems):
    cands = [(Val(st.get(case, s, n)["median"], st.get(case, s, n)["lo"]), s) for s in systems
             if st.get(case, s, n)]
    return min(cands) if cands else (None, None)


def loss_line(what, pj, pj_name, peer, peer_name):
    kind = loss_kind(pj, peer)
    tag = "" if kind == "loses" else " — within noise"
    return (f"{what}: {pj_name} {fmt_t(pj)} vs {peer_name} {fmt_t(peer)} "
            f"({pj / peer:.2f}×){tag}")


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


def kernel_section(st):
    sys_cols = [s for s in KERNEL_SYSTEMS if any(s in st.systems(k) for k in KERNELS)
                or s in ("parjit", "parjit_par", "loop") or s in PY_KERNEL_SYSTEMS]
    header = ["kernel", "n"] + [f"`{s}`" for s in sys_cols] + [
        "parjit ÷ best peer", "parjit ÷ best Python"]
    rows, losses = [], []
    for k in KERNELS:
        sizes = st.sizes(k) or [None]
        for n in sizes:
            row = [k, fmt_n(n)]
            for s in sys_cols:
                rec = st.get(k, s, n)
                row.append("n/a" if rec is None and s == "loop_fastmath" and k != "K3_expsin"
                           else fmt_cell(rec))
            present = st.systems(k)
            pj, pj_name = best(st, k, n, [s for s in present if is_parjit(s)])
            peer, peer_name = best(st, k, n, [s for s in present if not is_parjit(s)])
            py, py_name = best(st, k, n, [s for s in present if is_python(s)])
            row.append(fmt_ratio(pj, peer, peer_name))
            row.append(fmt_ratio(pj, py, py_name))
            if loss_kind(pj, py):
                losses.append(loss_line(f"{k} n={fmt_n(n)}", pj, pj_name, py, py_name))
            elif loss_kind(pj, peer):
                losses.append(loss_line(f"{k} n={fmt_n(n)}", pj, pj_name, peer,
                                        f"C++ baseline {peer_name}"))
            rows.append(row)
    text = ["## JIT kernels, steady state (median per call ± median absolute deviation; † a repetition > 3× the median)", "",
            "parjit = the faster of `parjit` (one thread) and `parjit_par` (all cores); peers: "
            "the C++ baselines in the same binary and the Python twins (`bench/compare/kernels.py`). "
            "A ratio < 1 means parjit is faster.", "", table(header, rows)]
    return "\n".join(text), losses


def first_call_section(st):
    numba_sys = ["numba_njit", "numba_parallel", "numba_vectorize"]
    header = (["kernel", "`parjit` first call"] + [f"`{s}` first call" for s in numba_sys]
              + ["numpy / numexpr first call", "parjit ÷ fastest numba"])
    rows = []
    for k in KERNELS:
        pj = st.get(f"first_call/{k}", "parjit", None)
        fc = {s: st.first_call.get((k, s)) for s in PY_KERNEL_SYSTEMS}
        if pj is None and not any(fc.values()):
            continue
        row = [k, fmt_cell(pj)]
        absent = "not run (--quick)" if st.context.get("py_kernels.json", {}).get("quick") else "missing"
        for s in numba_sys:
            row.append(fmt_t(fc[s]["first_call_s"]) if fc[s] else absent)
        row.append(" / ".join(fmt_t(fc[s]["first_call_s"]) if fc[s] else absent
                              for s in ("numpy", "numexpr")))
        nb = [fc[s]["first_call_s"] for s in numba_sys if fc[s]]
        row.append(f"{pj['median'] / min(nb):.3f}×" if pj and nb else "—")
        rows.append(row)
    imports = defaultdict(list)
    for (k, s), r in st.first_call.items():
        mod = "numba" if s.startswith("numba") else s
        imports[mod].append(r["import_s"])
    imp = ", ".join(f"{m} {fmt_t(statistics.median(v))}" for m, v in sorted(imports.items()))
    text = ["## First call (compile) latency", "",
            "parjit: `jit_compile` `first_call/<kernel>/parjit` (trace + O3 + codegen + one call, "
            "n = 1000, fresh kernel each iteration, in a warm process). Python: one fresh process "
            "per system and kernel, define + first call at n = 1000 (numba's type inference + "
            "LLVM compile; `@vectorize` with a signature compiles at definition). "
            f"Import time, paid once per process on top: {imp or 'missing'}.", "",
            table(header, rows) if rows else "_missing: no first-call data_"]
    co = []
    for k in KERNELS:
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
    return "\n".join(text)


def map_section(st):
    header = ["case", "n"] + [f"`{s}`" for s in MAP_SYSTEMS] + [
        "parjit ÷ best peer", "parjit ÷ best Python"]
    rows, losses = [], []
    for c in MAP_CASES:
        for n in st.sizes(c) or [None]:
            row = [c, fmt_n(n)] + [fmt_cell(st.get(c, s, n)) if st.get(c, s, n) else (
                "—" if st.sizes(c) and any(st.get(c, s, m) for m in st.sizes(c)) else "missing")
                for s in MAP_SYSTEMS]
            present = st.systems(c)
            pj, _ = best(st, c, n, ["parjit_parallel_map"])
            peer, peer_name = best(st, c, n, [s for s in present if not is_parjit(s)])
            py, py_name = best(st, c, n, [s for s in present if is_python(s)])
            row += [fmt_ratio(pj, peer, peer_name), fmt_ratio(pj, py, py_name)]
            if loss_kind(pj, peer):
                losses.append(loss_line(f"{c} n={fmt_n(n)}", pj, "parjit_parallel_map", peer,
                                        peer_name))
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
    text = ["## Parallel map (median per whole map ± median absolute deviation)", "",
            "Same work per item in every system (the logistic map iterated 28 / 1440 / 144000 "
            "times). `—`: that system is not run at that n (Python runs smaller n where a "
            "repetition would take seconds). ProcessPool `map` uses chunksize = n / (4 T).", "",
            table(header, rows), ""] + per_item
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
        return "## Scaling\n\n_missing: no `scaling/*` benchmarks_", sd
    threads = sorted({p for v in sd.values() for p, _ in v["times"]})
    header = ["threads"] + [f"`{s}` time / speed-up" for s in sd] + ["Amdahl (parjit's f)"]
    f_pj = sd.get("parjit_parallel_map", next(iter(sd.values())))["f"]
    rows = []
    for p in threads:
        row = [p]
        for s, v in sd.items():
            t = dict(v["times"]).get(p)
            sp = dict(v["speedup"]).get(p)
            row.append(f"{fmt_t(t)} / {sp:.2f}×" if t else "missing")
        row.append(f"{1 / (f_pj + (1 - f_pj) / p):.2f}×" if f_pj is not None else "—")
        rows.append(row)
    fs = ", ".join(f"`{s}` f = {v['f']:.3f}" for s, v in sd.items() if v["f"] is not None)
    text = ["## Scaling (map_medium, n = 1e4, threads 1..N)", "",
            f"Serial fraction fitted to Amdahl's law 1/S = f + (1 − f)/p: {fs or '—'}.", "",
            table(header, rows)]
    return "\n".join(text), sd


def submit_section(st):
    rows = []
    lat = {s: st.get("submit_get", s, None) for s in SUBMIT_SYSTEMS}
    pj, _ = best(st, "submit_get", None, ["parjit_arena", "parjit_thread"])
    peer, peer_name = best(st, "submit_get", None, [s for s in SUBMIT_SYSTEMS if not is_parjit(s)])
    rows.append(["submit + get round trip"] + [fmt_cell(lat[s]) for s in SUBMIT_SYSTEMS]
                + [fmt_ratio(pj, peer, peer_name)])
    thr = []
    for s in SUBMIT_SYSTEMS:
        ns = [n for n in st.sizes("submit_throughput") if st.get("submit_throughput", s, n)]
        if ns:
            rec = st.get("submit_throughput", s, ns[0])
            thr.append((rec["median"] / ns[0], s, ns[0]))
    cells = []
    for s in SUBMIT_SYSTEMS:
        m = [f"{fmt_t(t)} (n={fmt_n(n)})" for t, ss, n in thr if ss == s]
        cells.append(m[0] if m else "missing")
    tp = [t for t, s, _ in thr if is_parjit(s)]
    tq = [(t, s) for t, s, _ in thr if not is_parjit(s)]
    rows.append(["throughput: time per tiny task"] + cells + [
        fmt_ratio(min(tp), min(tq)[0], min(tq)[1]) if tp and tq else "—"])
    text = ["## Futures: submit + get", "",
            table(["what"] + [f"`{s}`" for s in SUBMIT_SYSTEMS] + ["parjit ÷ best peer"], rows)]
    losses = []
    if loss_kind(pj, peer):
        losses.append(loss_line("submit_get", pj, "parjit", peer, peer_name))
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
    sizes = sorted({n for k in KERNELS for n in st.sizes(k)})
    if sizes:
        fig, axes = plt.subplots(len(sizes), 1, figsize=(12, 3.4 * len(sizes)), squeeze=False)
        systems = [s for s in KERNEL_SYSTEMS if any(s in st.systems(k) for k in KERNELS)]
        w = 0.8 / max(1, len(systems))
        for ax, n in zip(axes[:, 0], sizes):
            for j, s in enumerate(systems):
                xs, ys = [], []
                for i, k in enumerate(KERNELS):
                    rec = st.get(k, s, n)
                    if rec:
                        xs.append(i + (j - len(systems) / 2 + 0.5) * w)
                        ys.append(rec["median"] / n * 1e9)
                ax.bar(xs, ys, w, label=s, color=colors[j % len(colors)],
                       hatch="//" if is_parjit(s) else None, edgecolor="black", linewidth=0.3)
            ax.set_yscale("log")
            ax.set_xticks(range(len(KERNELS)), KERNELS)
            ax.set_ylabel("ns per element")
            ax.set_title(f"JIT kernels, n = {fmt_n(n)} (lower is better)")
            ax.grid(axis="y", which="both", alpha=0.3)
        axes[0, 0].legend(ncol=5, fontsize=8, loc="upper left")
        fig.tight_layout()
        fig.savefig(os.path.join(d, "kernels.png"), dpi=80)
        plt.close(fig)
        made.append("kernels.png")

    # 2. first-call latency, log axis
    fc_sys = ["numba_njit", "numba_parallel", "numba_vectorize", "numexpr", "numpy"]
    have = [k for k in KERNELS if st.get(f"first_call/{k}", "parjit", None)
            or any((k, s) in st.first_call for s in fc_sys)]
    if have:
        fig, ax = plt.subplots(figsize=(11, 0.9 * len(have) + 1.8))
        series = ["parjit"] + fc_sys
        h = 0.8 / len(series)
        for j, s in enumerate(series):
            ys, vs = [], []
            for i, k in enumerate(have):
                if s == "parjit":
                    rec = st.get(f"first_call/{k}", "parjit", None)
                    v = rec["median"] if rec else None
                else:
                    r = st.first_call.get((k, s))
                    v = r["first_call_s"] if r else None
                if v:
                    ys.append(i + (j - len(series) / 2 + 0.5) * h)
                    vs.append(v * 1e3)
            ax.barh(ys, vs, h, label=s, color=colors[j], hatch="//" if s == "parjit" else None,
                    edgecolor="black", linewidth=0.3)
        imps = [r["import_s"] for (k, s), r in st.first_call.items() if s.startswith("numba")]
        if imps:
            ax.axvline(statistics.median(imps) * 1e3, color="gray", ls="--",
                       label="import numba (once)")
        ax.set_xscale("log")
        ax.set_yticks(range(len(have)), have)
        ax.invert_yaxis()
        ax.set_xlabel("first call, ms (log)")
        ax.set_title("First-call latency: JIT compile + one call at n = 1000")
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

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", required=True)
    ap.add_argument("--check", action="store_true",
                    help="exit 1 if a Python system produced no number or nothing was measured")
    args = ap.parse_args()
    d = args.dir
    st = load(d)

    msec, machine = machine_section(d)
    ksec, klosses = kernel_section(st)
    fsec = first_call_section(st)
    msec2, mlosses = map_section(st)
    ssec, sd = scaling_section(st)
    usec, ulosses = submit_section(st)
    made = plots(st, d, sd)

    missing = [f"- `{b}`: {s}" for b, s in st.binaries.items() if s != "ok"]
    expected = []
    for k in KERNELS:
        for s in ("parjit", "parjit_par", "loop", "naive_et") + tuple(PY_KERNEL_SYSTEMS):
            if not any(st.get(k, s, n) for n in st.sizes(k) or [None]):
                expected.append(f"{k}/{s}")
    for c in MAP_CASES:
        for s in MAP_SYSTEMS:
            if not any(st.get(c, s, n) for n in st.sizes(c) or [None]):
                expected.append(f"{c}/{s}")
    for s in SUBMIT_SYSTEMS:
        if not st.get("submit_get", s, None):
            expected.append(f"submit_get/{s}")
    losses = klosses + mlosses + ulosses

    title = f"# parjit comparison run: {machine.get('date', '?')} on {machine.get('host', '?')}"
    parts = [title, "", msec, "", ksec, "", fsec, "", msec2, "", ssec, "", usec, "",
             "## Where parjit loses (median > 5 % slower than the best peer)", "",
             "**loses**: even parjit's fastest repetition is slower than the peer's median; "
             "*within noise*: the medians differ but the repetitions overlap.", ""]
    parts += [f"- {l}" for l in losses] or ["- nowhere in this run"]
    parts += ["", "## Plots", ""] + [f"![{p}]({p})" for p in made]
    parts += ["", "## Missing", ""]
    parts += missing + ([f"- not measured: {', '.join(expected)}"] if expected else [])
    if not missing and not expected:
        parts.append("- nothing")
    if st.errors:
        parts += ["", "## Errors", ""] + [f"- {e}" for e in st.errors]
    with open(os.path.join(d, "summary.md"), "w") as f:
        f.write("\n".join(parts) + "\n")
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


if __name__ == "__main__":
    main()
