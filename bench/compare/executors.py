"""Python twins of bench/parallel_map.cpp and bench/parallel_submit.cpp: concurrent.futures and numba prange.

Same work per item as the C++ benchmarks: the logistic map x = 3.9*x*(1-x) iterated 28 (cheap),
1440 (medium) or 144000 (expensive) times on seeded random input in [0.1, 0.9) (numpy
default_rng(42); C++ uses std::mt19937_64(42): same distribution, not the same values). In C++
those iteration counts cost ~20 ns / 2 us / 200 us per item; in CPython each step is an
interpreted bytecode loop, so the same *work* costs far more; `time_per_item_s` says how much.

Systems (T = the cores this process may use, pools created and warmed outside the timed region):
  py_sequential      [score(x) for x in items]
  py_thread_map      list(ThreadPoolExecutor(T).map(score, items))
  py_process_map     list(ProcessPoolExecutor(T).map(score, items, chunksize=max(1, n // (4*T))))
  py_thread_submit   [pool.submit(score, x) for x in items], then .result() of each, thread pool
  py_process_submit  the same with the process pool (only up to n = 10000: ~0.1 ms of IPC a task)
  numba_prange       @njit(parallel=True) prange loop over the items (compiled before timing)
Latency: submit_get/<pool>: pool.submit(tiny, x).result() per call; submit_throughput/<pool>/<n>:
n tiny tasks submitted, then every result got.

Usage: executors.py [--quick] [--threads T] [--out FILE.json]
"""

import argparse
import concurrent.futures as cf
import functools
import json
import math
import os
import statistics
import sys
import time

ITERS = {"map_cheap": 28, "map_medium": 1_440, "map_expensive": 144_000}
SIZES = {"map_cheap": [1_000, 10_000, 100_000], "map_medium": [1_000, 10_000],
         "map_expensive": [100]}
QUICK_SIZES = {"map_cheap": [1_000], "map_medium": [1_000], "map_expensive": [100]}
SUBMIT_MAX_N = {"py_thread_submit": 10_000, "py_process_submit": 10_000}


def score(x, iters):
    """One item: `iters` steps of the logistic map (the C++ `score<Iters>`)."""
    for _ in range(iters):
        x = 3.9 * x * (1.0 - x)
    return x


def tiny(x):
    return x + 1


def noop_sleep(s):
    time.sleep(s)
    return s


def make_input(n, seed=42):
    import numpy as np

    return np.random.default_rng(seed).uniform(0.1, 0.9, n)


def run_timed(fn, reps, min_time, warm=None):
    """Warm-up (`warm` or fn), then `reps` repetitions of a batch lasting >= min_time; s per call."""
    (warm or fn)()
    t0 = time.perf_counter()
    fn()
    dt = time.perf_counter() - t0
    inner = max(1, math.ceil(min_time / max(dt, 1e-9)))
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        times.append((time.perf_counter() - t0) / inner)
    return times, inner


def record(out, case, system, n, times, inner, per_item_n=None, **extra):
    med = statistics.median(times)
    rec = {"case": case, "system": system, "n": n, "times_s": times, "median_s": med,
           "min_s": min(times), "max_s": max(times), "calls_per_rep": inner, **extra}
    if per_item_n:
        rec["time_per_item_s"] = med / per_item_n
    out.append(rec)
    print(f"{case}/{system}/{n}: {med * 1e3:.3f} ms"
          + (f" ({rec['time_per_item_s'] * 1e6:.2f} us/item)" if per_item_n else ""),
          file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    ap.add_argument("--reps", type=int, default=None)
    ap.add_argument("--min-time", type=float, default=None)
    ap.add_argument("--out", type=str, default=None)
    args = ap.parse_args()
    T = args.threads
    reps = args.reps or (1 if args.quick else 5)
    min_time = args.min_time or (0.01 if args.quick else 0.1)
    sizes = QUICK_SIZES if args.quick else SIZES
    results = []

    # Pools first, fully started, before numba (and its OpenMP threads) exist in this process:
    # the process pool forks its workers.
    tpool = cf.ThreadPoolExecutor(T)
    ppool = cf.ProcessPoolExecutor(T)
    for pool in (tpool, ppool):
        list(pool.map(noop_sleep, [0.05] * (2 * T)))

    for case, iters in ITERS.items():
        fn = functools.partial(score, iters=iters)
        for n in sizes[case]:
            items = make_input(n).tolist()
            head = items[: min(n, 100)]
            chunk = max(1, n // (4 * T))
            systems = {
                "py_sequential": (lambda it: [fn(x) for x in it], {}),
                "py_thread_map": (lambda it: list(tpool.map(fn, it)), {}),
                "py_process_map": (lambda it: list(ppool.map(fn, it, chunksize=chunk)),
                                   {"chunksize": chunk}),
                "py_thread_submit": (lambda it: [f.result() for f in [tpool.submit(fn, x) for x in it]], {}),
                "py_process_submit": (lambda it: [f.result() for f in [ppool.submit(fn, x) for x in it]], {}),
            }
            for system, (run, extra) in systems.items():
                if n > SUBMIT_MAX_N.get(system, n):
                    continue
                times, inner = run_timed(lambda: run(items), reps, min_time, warm=lambda: run(head))
                record(results, case, system, n, times, inner, per_item_n=n,
                       threads=1 if system == "py_sequential" else T, iters=iters, **extra)

    # Round-trip latency and tiny-task throughput.
    lat_reps_time = 0.02 if args.quick else 0.2
    for system, pool in (("py_thread_pool", tpool), ("py_process_pool", ppool)):
        box = [0]

        def one(pool=pool):
            box[0] = pool.submit(tiny, box[0]).result()

        # Batch of 100 round trips per timed call, so timer overhead is negligible.
        def hundred():
            for _ in range(100):
                one()

        times, inner = run_timed(hundred, reps, lat_reps_time)
        record(results, "submit_get", system, None, [t / 100 for t in times], inner * 100,
               workers=T)

    for system, pool, n in (("py_thread_pool", tpool, 10_000 if args.quick else 100_000),
                            ("py_process_pool", ppool, 1_000 if args.quick else 10_000)):
        def burst(pool=pool, n=n):
            futs = [pool.submit(tiny, i) for i in range(n)]
            return sum(f.result() for f in futs)

        times, inner = run_timed(burst, reps, 0.0, warm=lambda: None)
        record(results, "submit_throughput", system, n, times, inner, per_item_n=n, workers=T)

    tpool.shutdown()
    ppool.shutdown()

    # numba prange: the JIT answer a Python user would reach for (compiled outside the timing).
    try:
        import numba
        import numpy as np

        numba.set_num_threads(T)
        kernels = {}
        for case, iters in ITERS.items():
            def make(iters=iters):
                @numba.njit(parallel=True)
                def f(xs):
                    out = np.empty_like(xs)
                    for i in numba.prange(xs.shape[0]):
                        x = xs[i]
                        for _ in range(iters):
                            x = 3.9 * x * (1.0 - x)
                        out[i] = x
                    return out
                return f
            kernels[case] = make()
        for case, iters in ITERS.items():
            for n in sizes[case]:
                xs = make_input(n)
                f = kernels[case]
                times, inner = run_timed(lambda: f(xs), reps, min_time)
                record(results, case, "numba_prange", n, times, inner, per_item_n=n, threads=T,
                       iters=iters)
        layer = numba.threading_layer()
    except Exception as e:  # reported as missing, never fatal
        print(f"numba_prange: ERROR {e!r}", file=sys.stderr)
        results.append({"case": "map_cheap", "system": "numba_prange", "n": None, "error": repr(e)})
        layer = None

    doc = {"meta": {"python": sys.version.split()[0], "threads": T, "reps": reps,
                    "min_time_s": min_time, "quick": args.quick, "numba_threading_layer": layer,
                    "iters": ITERS, "start_method": "fork" if os.name == "posix" else "spawn"},
           "results": results}
    text = json.dumps(doc, indent=1)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    else:
        print(text)


if __name__ == "__main__":
    main()
