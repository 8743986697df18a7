#!/usr/bin/env bash
# Runs bench/mpi_executor (parjit) and bench/compare/mpi_futures.py (mpi4py.futures) with the same mpirun options, np = 2 and 3, and prints them side by side.
#
# Usage: bench/compare/mpi_side_by_side.sh [--build-dir DIR] [--np "2 3"] [--reps N] [--out DIR] [--quick]
#   --build-dir  where bench/mpi_executor was built (default build/release); built with
#                `cmake --build DIR --target mpi_executor -j1` only if it is missing
#   --np         rank counts to run (default "2 3")
#   --reps       repetitions per benchmark on both sides, median reported (default 5)
#   --out        directory for the raw JSON/logs (default: a fresh mktemp -d)
#   --mpirun-opts extra mpirun options, word-split, for both sides (e.g. "--mca mpi_yield_when_idle 1")
#   --quick      smoke run (few iterations; numbers meaningless)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build_dir=build/release
nps="2 3"
reps=5
out=""
quick=0
extra_opts=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) build_dir=$2; shift 2 ;;
    --np) nps=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --mpirun-opts) extra_opts=$2; shift 2 ;;
    --quick) quick=1; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done
cd "$repo"
[[ "$build_dir" = /* ]] || build_dir="$repo/$build_dir"
bin="$build_dir/bench/mpi_executor"
py=/usr/bin/python3  # Debian's interpreter, which has python3-mpi4py (not the pyenv one on PATH)
if [[ ! -x "$bin" ]]; then
  echo "# $bin missing: cmake --build $build_dir --target mpi_executor -j1" >&2
  cmake --build "$build_dir" --target mpi_executor -j1
fi
"$py" -c 'import mpi4py.futures' || { echo "$py lacks mpi4py (apt-get install python3-mpi4py)" >&2; exit 1; }
[[ -n "$out" ]] || out=$(mktemp -d /tmp/mpi_side_by_side.XXXXXX)
mkdir -p "$out"

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpirun_opts=(--oversubscribe --bind-to none --mca pml ob1)
# shellcheck disable=SC2206  # word splitting of the extra options is intended
[[ -z "$extra_opts" ]] || mpirun_opts+=($extra_opts)
gb_opts=(--benchmark_repetitions="$reps" --benchmark_report_aggregates_only=true)
py_opts=(--reps "$reps")
if (( quick )); then gb_opts+=(--benchmark_min_time=0.01); py_opts+=(--quick); fi

echo "# $(date -Is)  host $(hostname)  nproc $(nproc)  mpirun ${mpirun_opts[*]}  reps $reps"
for np in $nps; do
  echo "# np=$np  load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  mpirun "${mpirun_opts[@]}" -np "$np" "$bin" "${gb_opts[@]}" \
    --benchmark_out="$out/parjit_np$np.json" --benchmark_out_format=json \
    >"$out/parjit_np$np.log" 2>&1 || { cat "$out/parjit_np$np.log" >&2; exit 1; }
  grep -E '^(raw MPI|executor:)' "$out/parjit_np$np.log" | sed 's/^/#   parjit: /'
  echo "# np=$np  load average between: $(cut -d' ' -f1-3 /proc/loadavg)"
  mpirun "${mpirun_opts[@]}" -np "$np" "$py" bench/compare/mpi_futures.py "${py_opts[@]}" \
    --json "$out/mpi4py_np$np.json" >"$out/mpi4py_np$np.log" 2>&1 \
    || { cat "$out/mpi4py_np$np.log" >&2; exit 1; }
  grep -E '^(raw mpi4py|mpi4py\.futures)' "$out/mpi4py_np$np.log" | sed 's/^/#   mpi4py: /'
  echo "# np=$np  load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
done

"$py" - "$out" $nps <<'EOF'
import json, sys
out, nps = sys.argv[1], sys.argv[2:]
names = ["submit_get_tiny", "submit_get_1mb", "map_tiny/1", "map_tiny/16", "map_tiny/256", "map_1mb"]
what = {"submit_get_tiny": "one submit+get, x*x", "submit_get_1mb": "one submit+get, 1 MiB both ways",
        "map_tiny/1": "map 10^4 x*x, chunk 1", "map_tiny/16": "map 10^4 x*x, chunk 16",
        "map_tiny/256": "map 10^4 x*x, chunk 256", "map_1mb": "map 16 x 1 MiB, chunk 1"}
scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
def fmt(sec):
    return f"{sec * 1e6:.1f} us" if sec < 1e-3 else f"{sec * 1e3:.2f} ms" if sec < 1 else f"{sec:.2f} s"
summary = {}
print()
print("| np | benchmark | what | parjit (median) | mpi4py.futures (median) | mpi4py / parjit |")
print("|---:|---|---|---:|---:|---:|")
for np in nps:
    gb = json.load(open(f"{out}/parjit_np{np}.json"))
    pj = {}
    for b in gb["benchmarks"]:
        if b.get("aggregate_name") == "median" or (b.get("run_type") == "iteration" and b["run_name"] not in pj):
            key = b["run_name"].replace("BM_", "").replace("/real_time", "")
            pj[key] = b["real_time"] * scale[b.get("time_unit", "ns")]
    py = {b["name"]: b["seconds_per_op"] for b in json.load(open(f"{out}/mpi4py_np{np}.json"))["benchmarks"]}
    for n in names:
        a, b = pj.get(n), py.get(n)
        ratio = f"{b / a:.1f}x" if a and b else "-"
        print(f"| {np} | {n} | {what[n]} | {fmt(a) if a else '-'} | {fmt(b) if b else '-'} | {ratio} |")
        summary[f"np{np}/{n}"] = {"parjit_s": a, "mpi4py_s": b}
json.dump(summary, open(f"{out}/side_by_side.json", "w"), indent=2)
print(f"\n# raw results: {out}")
EOF
