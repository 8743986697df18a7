"""Python twins of the JIT kernels K1-K6 (numpy, numexpr, numba njit/parallel/vectorize): steady state and first call.

Mirrors bench/jit_kernels.cpp and bench/jit_compile.cpp (names in bench/README.md):

  K1_hypot  sqrt(a*a + b*b)                 float32 -> float32
  K2_poly   ((a*0.5 + 1.5)*a - 2)*a + 3     float32 -> float32 (the C++ kernel computes in double)
  K3_expsin exp(-a*a) * sin(b)              float32 -> float32
  K4_dot    sum(a*b)                        float32 -> float32 scalar
  K5_select a > 0 ? a*b : -a                float32 -> float32
  K6_grey   (0.299f*r + 0.587f*g + 0.114f*b) / 255f   three uint8 planes -> float32
  K11_logpolar log1p(hypot(a, b)) * atan2(b, a) float32 -> float32
  K7_mandelbrot escape count of z <- z*z + c, at most 255 iterations   float32 -> int32
                (numba njit / parallel only; c on a sqrt(n) x sqrt(n) grid of [-2.2,1]x[-1.2,1.2])
  K8_logistic   x <- 3.7*x*(1-x) 28 times, x in [0, 1)   float32 -> float32 (numba njit / parallel)
  K9_gamma      out[i] = lut[x[i]], lut[i] = floor(255*(i/255)**(1/2.2) + 0.5)   uint8 -> uint8
                (numba njit / parallel)
  K10_resize    area resize of one 1920x1080 RGB uint8 frame to 3 float32 planes of 224x224,
                separable (horizontal pass, then vertical), as examples/image_resize.hpp
                (numba njit / parallel; always n = 1920*1080, whatever --sizes says)

Data: numpy default_rng(42); a, b uniform in [-1, 1) float32; r, g, b uniform integers in
[0, 255] uint8 (same distributions as the C++ std::mt19937_64(42) data, not the same values).
Outputs are preallocated outside the timed region; each system is written the way its users
write it (numpy: whole-array expressions with temporaries; numexpr: evaluate(..., out=);
numba: an explicit loop, default options, no fastmath).

Steady state: one warm-up call (compiles), then `--reps` repetitions, each the mean of a batch of
calls long enough to last `--min-time` seconds; the median, min and max over repetitions are
reported. First call: one fresh `python3` process per system and kernel imports the modules
(timed: import_s), defines the kernel and calls it once at n = 1000 (timed: first_call_s, which
includes numba's type inference + LLVM compile, or vectorize's eager compile), then calls it again
(second_call_s); start_to_result_s is the whole fresh process up to the first result (the parent's
CLOCK_MONOTONIC before it starts the child -> the child's after its first call: interpreter start,
imports, data, compile, call), the figure bench/jit_first_call measures for parjit. Three such
processes per system and kernel (`--first-call-reps`; --quick: one): medians, and each sample in
`<figure>_reps`.

Usage: kernels.py [--quick] [--threads T] [--out FILE.json]
"""

import argparse
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time

KERNELS = ["K1_hypot", "K2_poly", "K3_expsin", "K4_dot", "K5_select", "K6_grey", "K11_logpolar"]
# Kernels with a loop or a gather per element (jit::fori / jit::loop_while / jit::table): numba
# njit and parallel only, run with --kernels K7_mandelbrot,K8_logistic (or K9_gamma,K10_resize)
# --systems numba_njit,numba_parallel.
LOOP_KERNELS = ["K7_mandelbrot", "K8_logistic", "K9_gamma", "K10_resize"]
# Kernels whose size is their own (K10: one 1920x1080 frame; n counts its pixels).
FIXED_SIZES = {"K10_resize": [1920 * 1080]}
SYSTEMS = ["numpy", "numexpr", "numba_njit", "numba_parallel", "numba_vectorize"]
SIZES = [1_000, 100_000, 10_000_000]
QUICK_SIZES = [1_000, 100_000]


def import_system(system):
    """Imports what `system` needs (the part a fresh process pays before its first call)."""
    import numpy  # noqa: F401

    if system == "numexpr":
        import numexpr  # noqa: F401
    elif system.startswith("numba"):
        import numba  # noqa: F401


def make_data(n, seed=42):
    import numpy as np

    rng = np.random.default_rng(seed)
    a = rng.uniform(-1.0, 1.0, n).astype(np.float32)
    b = rng.uniform(-1.0, 1.0, n).astype(np.float32)
    r = rng.integers(0, 256, n, dtype=np.uint8)
    g = rng.integers(0, 256, n, dtype=np.uint8)
    bl = rng.integers(0, 256, n, dtype=np.uint8)
    side = max(1, int(round(math.sqrt(n))))
    j = np.arange(n)
    cr = (-2.2 + 3.2 * (j % side) / side).astype(np.float32)
    ci = (-1.2 + 2.4 * (j // side) / side).astype(np.float32)
    lut = np.floor(255.0 * (np.arange(256) / 255.0) ** (1 / 2.2) + 0.5).astype(np.uint8)
    return {"a": a, "b": b, "r": r, "g": g, "bl": bl, "out": np.empty(n, np.float32),
            "x": ((a + np.float32(1)) * np.float32(0.5)).astype(np.float32), "cr": cr, "ci": ci,
            "counts": np.empty(n, np.int32), "lut": lut, "out8": np.empty(n, np.uint8)}


def area_weights(src, dst):
    """examples/image_resize.hpp's area_weights, flattened: first, count, offset (int32 per
    output) and the float32 weights (each computed in double, then rounded, as in C++)."""
    import numpy as np

    first, count, offset, w = [], [], [], []
    scale = src / dst
    for i in range(dst):
        a, b = i * scale, (i + 1) * scale
        f, last = math.floor(a), min(src, math.ceil(b))
        first.append(f)
        count.append(last - f)
        offset.append(len(w))
        w += [(min(b, s + 1) - max(a, s)) / scale for s in range(f, last)]
    i32 = np.int32
    return (np.array(first, i32), np.array(count, i32), np.array(offset, i32),
            np.array(w, np.float64).astype(np.float32))


def build(system, kernel, d, threads):
    """Returns a zero-argument callable that runs `kernel` on data `d` with `system`."""
    import numpy as np

    a, b, r, g, bl, out = d["a"], d["b"], d["r"], d["g"], d["bl"], d["out"]
    k, ko = np.float32(0.299), np.float32(0.587)
    kb, k255 = np.float32(0.114), np.float32(255.0)

    if system == "numpy":
        if kernel == "K1_hypot":
            return lambda: np.sqrt(a * a + b * b, out=out)
        if kernel == "K2_poly":
            return lambda: np.copyto(out, ((a * 0.5 + 1.5) * a - 2) * a + 3)
        if kernel == "K3_expsin":
            return lambda: np.multiply(np.exp(-a * a), np.sin(b), out=out)
        if kernel == "K4_dot":
            return lambda: np.dot(a, b)  # BLAS sdot (OpenBLAS: see OPENBLAS_* in the report)
        if kernel == "K5_select":
            return lambda: np.copyto(out, np.where(a > 0, a * b, -a))
        if kernel == "K6_grey":
            return lambda: np.divide(k * r + ko * g + kb * bl, k255, out=out)
        if kernel == "K11_logpolar":
            return lambda: np.multiply(np.log1p(np.hypot(a, b)), np.arctan2(b, a), out=out)

    if system == "numexpr":
        import numexpr as ne

        ne.set_num_threads(threads)
        names = {"a": a, "b": b, "r": r, "g": g, "bl": bl}

        def ev(expr, **kw):
            return ne.evaluate(expr, local_dict=names, **kw)
        if kernel == "K1_hypot":
            return lambda: ev("sqrt(a*a + b*b)", out=out)
        if kernel == "K2_poly":
            return lambda: ev("((a*0.5 + 1.5)*a - 2)*a + 3", out=out, casting="same_kind")
        if kernel == "K3_expsin":
            return lambda: ev("exp(-a*a) * sin(b)", out=out)
        if kernel == "K4_dot":
            return lambda: ev("sum(a*b)")  # numexpr reductions run on one thread
        if kernel == "K5_select":
            return lambda: ev("where(a > 0, a*b, -a)", out=out)
        if kernel == "K6_grey":
            return lambda: ev("(0.299*r + 0.587*g + 0.114*bl) / 255", out=out, casting="same_kind")
        if kernel == "K11_logpolar":  # numexpr has no hypot: sqrt(a*a + b*b)
            return lambda: ev("log1p(sqrt(a*a + b*b)) * arctan2(b, a)", out=out)

    if system in ("numba_njit", "numba_parallel"):
        import numba

        numba.set_num_threads(threads) if system == "numba_parallel" else None
        par = system == "numba_parallel"
        jit = numba.njit(parallel=par)
        rng_ = numba.prange if par else range

        if kernel == "K1_hypot":
            @jit
            def f(out, a, b):
                for i in rng_(a.shape[0]):
                    out[i] = np.sqrt(a[i] * a[i] + b[i] * b[i])
            return lambda: f(out, a, b)
        if kernel == "K2_poly":
            @jit
            def f(out, a):
                for i in rng_(a.shape[0]):
                    x = a[i]
                    out[i] = ((x * 0.5 + 1.5) * x - 2) * x + 3
            return lambda: f(out, a)
        if kernel == "K3_expsin":
            @jit
            def f(out, a, b):
                for i in rng_(a.shape[0]):
                    out[i] = np.exp(-a[i] * a[i]) * np.sin(b[i])
            return lambda: f(out, a, b)
        if kernel == "K4_dot":
            zero = np.float32(0)

            @jit
            def f(a, b):
                s = zero
                for i in rng_(a.shape[0]):
                    s += a[i] * b[i]
                return s
            return lambda: f(a, b)
        if kernel == "K5_select":
            @jit
            def f(out, a, b):
                for i in rng_(a.shape[0]):
                    out[i] = a[i] * b[i] if a[i] > 0 else -a[i]
            return lambda: f(out, a, b)
        if kernel == "K6_grey":
            @jit
            def f(out, r, g, bl):
                for i in rng_(r.shape[0]):
                    out[i] = (k * r[i] + ko * g[i] + kb * bl[i]) / k255
            return lambda: f(out, r, g, bl)
        if kernel == "K11_logpolar":
            @jit
            def f(out, a, b):
                for i in rng_(a.shape[0]):
                    out[i] = np.log1p(np.hypot(a[i], b[i])) * np.arctan2(b[i], a[i])
            return lambda: f(out, a, b)
        if kernel == "K7_mandelbrot":
            cr, ci, counts = d["cr"], d["ci"], d["counts"]
            four, two = np.float32(4.0), np.float32(2.0)

            @jit
            def f(counts, cr, ci, max_iter):
                for i in rng_(cr.shape[0]):
                    zr = np.float32(0.0)
                    zi = np.float32(0.0)
                    n = 0
                    while zr * zr + zi * zi <= four and n < max_iter:
                        zr, zi = zr * zr - zi * zi + cr[i], two * zr * zi + ci[i]
                        n += 1
                    counts[i] = n
            return lambda: f(counts, cr, ci, 255)
        if kernel == "K8_logistic":
            x = d["x"]
            rr, one = np.float32(3.7), np.float32(1.0)

            @jit
            def f(out, x):
                for i in rng_(x.shape[0]):
                    v = x[i]
                    for _ in range(28):
                        v = rr * v * (one - v)
                    out[i] = v
            return lambda: f(out, x)
        if kernel == "K9_gamma":
            lut, out8 = d["lut"], d["out8"]

            @jit
            def f(out, x, lut):
                for i in rng_(x.shape[0]):
                    out[i] = lut[x[i]]
            return lambda: f(out8, r, lut)
        if kernel == "K10_resize":
            # One frame of uniform random bytes, whatever n (the resize's time does not depend
            # on the values); the same separable passes and summation order as resize_area.
            rng = np.random.default_rng(42)
            img = rng.integers(0, 256, (1080, 1920, 3), dtype=np.uint8)
            size = 224
            hf, hc, ho, hw = area_weights(1920, size)
            vf, vc, vo, vw = area_weights(1080, size)
            zero = np.float32(0)

            @jit
            def f(img, hf, hc, ho, hw, vf, vc, vo, vw):
                height, size = img.shape[0], hf.shape[0]
                tmp = np.empty((height, size * 3), np.float32)
                for y in rng_(height):
                    for x in range(size):
                        r = g = b = zero
                        for k in range(hc[x]):
                            w = hw[ho[x] + k]
                            s = hf[x] + k
                            r += w * img[y, s, 0]
                            g += w * img[y, s, 1]
                            b += w * img[y, s, 2]
                        tmp[y, 3 * x] = r
                        tmp[y, 3 * x + 1] = g
                        tmp[y, 3 * x + 2] = b
                out = np.empty((3, size, size), np.float32)
                for y in rng_(size):
                    row = np.zeros(size * 3, np.float32)
                    for k in range(vc[y]):
                        w = vw[vo[y] + k]
                        s = vf[y] + k
                        for i in range(size * 3):
                            row[i] += w * tmp[s, i]
                    for x in range(size):
                        for c in range(3):
                            out[c, y, x] = row[3 * x + c]
                return out
            return lambda: f(img, hf, hc, ho, hw, vf, vc, vo, vw)

    if system == "numba_vectorize":
        import numba

        f32 = numba.float32
        vec = numba.vectorize
        if kernel == "K1_hypot":
            f = vec([f32(f32, f32)])(lambda a, b: np.sqrt(a * a + b * b))
            return lambda: f(a, b, out=out)
        if kernel == "K2_poly":
            f = vec([f32(f32)])(lambda x: ((x * 0.5 + 1.5) * x - 2) * x + 3)
            return lambda: f(a, out=out)
        if kernel == "K3_expsin":
            f = vec([f32(f32, f32)])(lambda a, b: np.exp(-a * a) * np.sin(b))
            return lambda: f(a, b, out=out)
        if kernel == "K4_dot":
            # a ufunc cannot reduce a*b in one pass: multiply into a buffer, then numpy's sum
            tmp = np.empty_like(a)
            f = vec([f32(f32, f32)])(lambda a, b: a * b)
            return lambda: (f(a, b, out=tmp), tmp.sum())[1]
        if kernel == "K5_select":
            f = vec([f32(f32, f32)])(lambda a, b: a * b if a > 0 else -a)
            return lambda: f(a, b, out=out)
        if kernel == "K6_grey":
            u8 = numba.uint8
            f = vec([f32(u8, u8, u8)])(lambda r, g, bl: (k * r + ko * g + kb * bl) / k255)
            return lambda: f(r, g, bl, out=out)
        if kernel == "K11_logpolar":
            f = vec([f32(f32, f32)])(lambda a, b: np.log1p(np.hypot(a, b)) * np.arctan2(b, a))
            return lambda: f(a, b, out=out)

    raise ValueError(f"unknown system/kernel {system}/{kernel}")


def measure(fn, reps, min_time):
    """Warm-up, then `reps` repetitions of a batch of calls lasting >= min_time; seconds per call."""
    fn()
    inner, dt = 1, 0.0
    while True:
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        dt = time.perf_counter() - t0
        if dt >= min_time / 4 or inner >= 1 << 22:
            break
        inner *= 4
    inner = max(1, math.ceil(inner * min_time / max(dt, 1e-9)))
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        times.append((time.perf_counter() - t0) / inner)
    return times, inner


def first_call_child(system, kernel, n, threads):
    """Runs in a fresh process: import, define + first call, second call. Prints one JSON line."""
    t0 = time.perf_counter()
    import_system(system)
    t1 = time.perf_counter()
    d = make_data(n)
    t2 = time.perf_counter()
    fn = build(system, kernel, d, threads)
    fn()
    t3 = time.perf_counter()
    t_result_ns = time.monotonic_ns()
    fn()
    t4 = time.perf_counter()
    print(json.dumps({"import_s": t1 - t0, "first_call_s": t3 - t2, "second_call_s": t4 - t3,
                      "t_result_ns": t_result_ns}))


def first_call(system, kernel, threads, n=1000):
    cmd = [sys.executable, os.path.abspath(__file__), "--first-call", system, kernel,
           "--threads", str(threads), "--n", str(n)]
    t0 = time.perf_counter()
    t_spawn_ns = time.monotonic_ns()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        return {"case": kernel, "system": system, "n": n, "error": p.stderr.strip()[-500:]}
    rec = json.loads(p.stdout.strip().splitlines()[-1])
    rec.update({"case": kernel, "system": system, "n": n, "process_s": wall,
                "start_to_result_s": (rec.pop("t_result_ns") - t_spawn_ns) * 1e-9})
    return rec


def runtime_info(threads):
    info = {"python": sys.version.split()[0], "executable": sys.executable, "threads": threads}
    try:
        import numpy as np
        info["numpy"] = np.__version__
        import numexpr as ne
        info["numexpr"] = ne.__version__
        info["numexpr_threads"] = ne.nthreads
        info["numexpr_vml"] = bool(ne.use_vml)
        import numba
        info["numba"] = numba.__version__
        info["numba_num_threads"] = numba.get_num_threads()
        try:
            info["numba_threading_layer"] = numba.threading_layer()
        except ValueError:
            info["numba_threading_layer"] = "not initialised"
        from numba.misc import numba_sysinfo
        info["numba_svml"] = bool(numba_sysinfo.get_sysinfo().get("SVML Operational"))
    except ImportError as e:
        info["import_error"] = str(e)
    info.update(blas_info())
    return info


def blas_info():
    """The BLAS numpy actually loaded (K4's np.dot is its sdot) and, for OpenBLAS, the core type
    and thread count it runs with (OPENBLAS_CORETYPE overrides the detected core type)."""
    import ctypes

    try:
        import numpy  # noqa: F401
        with open("/proc/self/maps") as f:
            paths = {ln.split()[-1] for ln in f if "/" in ln}
    except (ImportError, OSError):
        return {}
    # BLAS libraries, not the Python modules that wrap them (scipy's _fblas, loaded by numba)
    blas = re.compile(r"^lib(open|flexi)?blas|openblas|^libmkl_rt|^libblis")
    libs = sorted(p for p in paths if blas.search(os.path.basename(p)) and ".cpython-" not in p)
    info = {"blas_libraries": libs}
    for path in libs:
        for suffix in ("", "64_"):  # numpy's own wheels build OpenBLAS with 64_ names
            try:
                lib = ctypes.CDLL(path)
                corename = getattr(lib, "openblas_get_corename" + suffix)
                corename.restype = ctypes.c_char_p
                info["openblas_corename"] = corename().decode()
                info["openblas_threads"] = getattr(lib, "openblas_get_num_threads" + suffix)()
            except (OSError, AttributeError):
                continue
    return info


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="sizes 1e3, 1e5; 1 repetition; K1 first call only")
    ap.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    ap.add_argument("--reps", type=int, default=None)
    ap.add_argument("--min-time", type=float, default=None, help="seconds per repetition")
    ap.add_argument("--sizes", type=str, default=None, help="comma-separated, overrides the default")
    ap.add_argument("--systems", type=str, default=",".join(SYSTEMS))
    ap.add_argument("--kernels", type=str, default=",".join(KERNELS))
    ap.add_argument("--out", type=str, default=None)
    ap.add_argument("--first-call-reps", type=int, default=None,
                    help="fresh processes per system and kernel (default 3; --quick: 1; 0: none)")
    ap.add_argument("--first-call", nargs=2, metavar=("SYSTEM", "KERNEL"), help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, default=1000, help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.first_call:
        first_call_child(*args.first_call, args.n, args.threads)
        return

    reps = args.reps or (1 if args.quick else 5)
    min_time = args.min_time or (0.01 if args.quick else 0.1)
    sizes = [int(float(s)) for s in args.sizes.split(",")] if args.sizes else (
        QUICK_SIZES if args.quick else SIZES)
    systems = args.systems.split(",")
    kernels = args.kernels.split(",")

    results, first = [], []
    for kernel in kernels:
        for n in FIXED_SIZES.get(kernel, sizes):
            d = make_data(n)
            for system in systems:
                try:
                    fn = build(system, kernel, d, args.threads)
                    times, inner = measure(fn, reps, min_time)
                except Exception as e:  # a peer that fails is reported, not fatal
                    results.append({"case": kernel, "system": system, "n": n, "error": repr(e)})
                    print(f"{kernel}/{system}/{n}: ERROR {e!r}", file=sys.stderr)
                    continue
                med = statistics.median(times)
                results.append({"case": kernel, "system": system, "n": n, "times_s": times,
                                "median_s": med, "min_s": min(times), "max_s": max(times),
                                "calls_per_rep": inner})
                print(f"{kernel}/{system}/{n}: {med * 1e6:.2f} us (reps {len(times)} x {inner})",
                      file=sys.stderr)
            del d

    fc_reps = args.first_call_reps if args.first_call_reps is not None else (
        1 if args.quick else 3)
    fc_kernels = [] if fc_reps <= 0 else ["K1_hypot"] if args.quick else kernels
    for kernel in fc_kernels:
        for system in systems:
            # fresh processes, one after another; the record holds their medians and each sample
            runs = [first_call(system, kernel, args.threads) for _ in range(fc_reps)]
            rec = next((r for r in runs if "error" in r), runs[0])
            if "error" not in rec:
                for key in ("import_s", "first_call_s", "second_call_s", "process_s",
                            "start_to_result_s"):
                    rec[key + "_reps"] = [r[key] for r in runs]
                    rec[key] = statistics.median(rec[key + "_reps"])
            first.append(rec)
            msg = rec.get("error") or (f"import {rec['import_s'] * 1e3:.0f} ms, first call "
                                       f"{rec['first_call_s'] * 1e3:.1f} ms")
            print(f"first_call/{kernel}/{system}: {msg}", file=sys.stderr)

    doc = {"meta": {**runtime_info(args.threads), "reps": reps, "min_time_s": min_time,
                    "sizes": sizes, "quick": args.quick},
           "results": results, "first_call": first}
    text = json.dumps(doc, indent=1)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    else:
        print(text)


if __name__ == "__main__":
    main()
