# Python twin of bench/mpi_executor.cpp: the same tasks on mpi4py.futures.MPICommExecutor (SPMD).
"""mpi4py.futures twin of bench/mpi_executor.cpp.

Executor: mpi4py.futures.MPICommExecutor(MPI.COMM_WORLD, root=0), the SPMD one, like
parjit::mpi::executor: every rank runs this program, non-root ranks serve tasks inside the
`with` block, rank 0 submits. Run with a plain interpreter (not `-m mpi4py.futures`):

    mpirun -np 2|3 /usr/bin/python3 bench/compare/mpi_futures.py [--json PATH] [--reps 5] [--quick]

Tasks, mirroring bench/mpi_executor.cpp:
  submit_get_tiny   executor.submit(square, i).result()        square(x) = x * x
  submit_get_1mb    executor.submit(flip, payload).result()    1 MiB bytes (value 3) -> ~each byte
  map_tiny/C        sum(executor.map(square, range(10000), chunksize=C)), C = 1, 16, 256
  map_1mb           executor.map(flip, 16 x 1 MiB (value 5)), chunksize 1 (the C++ default)
plus raw mpi4py ping-pong (buffer Send/Recv, rank 0 <-> 1, 8 B and 1 MiB), the C++ file's floor.

Each benchmark: one warm-up repetition, then --reps timed repetitions; reported is the median
time per operation (one submit+get, or one whole map) and items/s from it. Differences from
C++ that are inherent: workers run tasks one at a time on one Python thread (parjit workers run a
chunk on an arena of all cores); mpi4py's map submits every chunk up front (parjit keeps a bounded
window); arguments and results are pickled.
"""

import argparse
import json
import os
import statistics
import sys
import time

from mpi4py import MPI
from mpi4py.futures import MPICommExecutor

_FLIP = bytes(255 - i for i in range(256))  # ~c for an unsigned byte


def _mpi_library():
    return MPI.Get_library_version().rstrip("\x00").splitlines()[0].split(",")[0]


def square(x):
    return x * x


def flip(v):
    return v.translate(_FLIP)


def ping_pong_us(comm, rank, nbytes, reps):
    """Median round trip rank 0 -> 1 -> 0 of nbytes, in microseconds (as ping_pong_us in C++)."""
    buf = bytearray(b"\x01" * nbytes)
    t = []
    for _ in range(reps):
        comm.Barrier()
        t0 = time.perf_counter()
        if rank == 0:
            comm.Send([buf, MPI.BYTE], dest=1, tag=0)
            comm.Recv([buf, MPI.BYTE], source=1, tag=0)
        elif rank == 1:
            comm.Recv([buf, MPI.BYTE], source=0, tag=0)
            comm.Send([buf, MPI.BYTE], dest=0, tag=0)
        t.append((time.perf_counter() - t0) * 1e6)
    return statistics.median(t)


def measure(fn, reps, ops_per_rep):
    """Warm-up once, then reps timed runs of fn(); median seconds per op (fn does ops_per_rep)."""
    fn()
    t = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        t.append((time.perf_counter() - t0) / ops_per_rep)
    return statistics.median(t), t


def run_benchmarks(ex, reps, quick):
    results = []

    def record(name, fn, ops_per_rep, items_per_op, bytes_per_op=0):
        med, samples = measure(fn, reps, ops_per_rep)
        row = {
            "name": name,
            "seconds_per_op": med,
            "items_per_second": items_per_op / med,
            "reps": reps,
            "ops_per_rep": ops_per_rep,
            "samples_seconds_per_op": samples,
        }
        if bytes_per_op:
            row["bytes_per_second"] = bytes_per_op / med
        results.append(row)
        print(f"  {name:<22} {med * 1e6:12.1f} us/op  {items_per_op / med:14.0f} items/s",
              flush=True)

    n_tiny = 50 if quick else 2000
    counter = [0]

    def submit_get_tiny():
        for _ in range(n_tiny):
            counter[0] += 1
            ex.submit(square, counter[0]).result()

    record("submit_get_tiny", submit_get_tiny, n_tiny, 1)

    payload = b"\x03" * (1 << 20)
    n_big = 5 if quick else 50

    def submit_get_1mb():
        for _ in range(n_big):
            assert len(ex.submit(flip, payload).result()) == 1 << 20

    record("submit_get_1mb", submit_get_1mb, n_big, 1, 2 * (1 << 20))

    for chunk in (1, 16, 256):
        def map_tiny(chunk=chunk):
            s = sum(ex.map(square, range(10000), chunksize=chunk))
            assert s == sum(x * x for x in range(10000))

        record(f"map_tiny/{chunk}", map_tiny, 1, 10000)

    items = [b"\x05" * (1 << 20) for _ in range(16)]

    def map_1mb():
        n = sum(len(r) for r in ex.map(flip, items))
        assert n == 16 << 20

    record("map_1mb", map_1mb, 1, 16, 16 * 2 * (1 << 20))
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", metavar="PATH", help="write the results as JSON here")
    ap.add_argument("--reps", type=int, default=5, help="timed repetitions (>= 5; default 5)")
    ap.add_argument("--quick", action="store_true", help="few ops per repetition (smoke run)")
    ap.add_argument("--backoff", type=float, default=None, metavar="SECONDS",
                    help="mpi4py.futures polling backoff cap (default: mpi4py's own, 1 ms)")
    args = ap.parse_args()
    if args.reps < 1:
        ap.error("--reps must be >= 1")

    comm = MPI.COMM_WORLD
    rank, size = comm.Get_rank(), comm.Get_size()
    ping = None
    if size >= 2:
        reps = 5 if args.quick else 2000
        ping = {
            "8B_us": ping_pong_us(comm, rank, 8, reps),
            "1MiB_us": ping_pong_us(comm, rank, 1 << 20, 5 if args.quick else 200),
        }
        if rank == 0:
            print("raw mpi4py ping-pong rank 0 <-> 1 (median round trip): "
                  f"8 B {ping['8B_us']:.2f} us, 1 MiB {ping['1MiB_us']:.1f} us", flush=True)

    options = {} if args.backoff is None else {"backoff": args.backoff}
    with MPICommExecutor(comm, root=0, **options) as ex:
        if ex is None:  # a worker: served inside the with block until the root left it
            return 0
        print(f"mpi4py.futures.MPICommExecutor: {size} rank(s), {max(size - 1, 1)} worker(s); "
              f"mpi4py {__import__('mpi4py').__version__}, Python {sys.version.split()[0]}, "
              f"{_mpi_library()}", flush=True)
        results = run_benchmarks(ex, args.reps, args.quick)

    out = {
        "system": "mpi4py.futures.MPICommExecutor",
        "ranks": size,
        "python": sys.version.split()[0],
        "mpi4py": __import__("mpi4py").__version__,
        "mpi_library": _mpi_library(),
        "backoff_s": args.backoff,  # None: mpi4py's default (1 ms)
        "loadavg": list(os.getloadavg()),
        "ping_pong": ping,
        "benchmarks": results,
    }
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
