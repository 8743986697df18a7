#!/usr/bin/env bash
# One command for the comparison suite: parjit's Google Benchmark binaries and the Python twins
# (numpy, numexpr, numba, concurrent.futures) in one run, then bench/compare/report.py writes
# summary.md and PNG plots next to the raw JSON.
#
# usage: bash bench/run_compare.sh [--quick] [--no-build] [--build-dir DIR] [--out DIR] [--jobs N]
#   --quick       1 repetition, small min time, sizes 1e3/1e5 only (< 2 min on 2 cores); exits 1 if
#                 a Python peer produced no number (the CI smoke test). Default --out for --quick:
#                 DIR/compare-quick under the build dir, never the source tree.
#   --no-build    use the binaries already in --build-dir (default build/release)
#   --out DIR     where raw JSON, summary.md and the PNGs go
#                 (default bench/results/<date>-<host>/)
# Environment: PYTHON (default /usr/bin/python3, where Debian's python3-numba lives), REPS
# (Google Benchmark repetitions, default 5), MIN_TIME (seconds per repetition, default 0.1),
# ROUNDS (interleaved n = 1e7 rounds of jit_kernels and numba at the end, default 5; 0: none).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
quick=0 build=1 build_dir="" out="" jobs=2
while (($#)); do
  case "$1" in
    --quick) quick=1 ;;
    --no-build) build=0 ;;
    --build-dir) build_dir=$2; shift ;;
    --out) out=$2; shift ;;
    --jobs) jobs=$2; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "run_compare: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
build_dir=$(realpath -m "${build_dir:-$src/build/release}")
host=$(hostname -s 2>/dev/null || hostname)
if [[ -z $out ]]; then
  if ((quick)); then out=$build_dir/compare-quick; else out=$src/bench/results/$(date +%F)-$host; fi
fi
mkdir -p "$out"
out=$(realpath "$out")
if [[ -z ${PYTHON:-} ]]; then
  if [[ -x /usr/bin/python3 ]]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi
log() { echo "run_compare: $*" >&2; }
t_start=$SECONDS

# --- Debian packages for the Python peers, installed only when missing ----------------------------
packages=(python3-numba python3-numexpr python3-numpy python3-matplotlib)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    log "installing ${missing[*]}"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  else
    log "missing ${missing[*]} (not root: install them with apt-get); those peers will be missing"
  fi
fi

# --- build ---------------------------------------------------------------------------------------
bench_bins=(jit_kernels jit_compile parallel_map parallel_submit)
if ((build)); then
  if [[ $build_dir != "$src/build/release" ]]; then
    cmake -S "$src" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release
    bcmd=(cmake --build "$build_dir")
  else
    (cd "$src" && cmake --preset release >/dev/null)
    bcmd=(cmake --build --preset release)
  fi
  for b in "${bench_bins[@]}" jit_first_call; do
    # A target another engineer has not added yet is reported missing, not fatal.
    (cd "$src" && "${bcmd[@]}" -j "$jobs" --target "$b") || log "could not build $b: it will be missing"
  done
fi

# --- machine, ISA, thread counts (pinned for every system) --------------------------------------
threads=$(nproc)
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-$threads}
export NUMBA_NUM_THREADS=${NUMBA_NUM_THREADS:-$threads}
export NUMEXPR_NUM_THREADS=${NUMEXPR_NUM_THREADS:-$threads}
export NUMEXPR_MAX_THREADS=${NUMEXPR_MAX_THREADS:-$threads}
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
flags=$(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2-)
isa=$(for f in sse4_2 avx avx2 fma avx512f avx512bw avx512vl avx512_vnni avx512_bf16; do
        [[ " $flags " == *" $f "* ]] && printf '%s ' "$f"; done)
blas_env=$(env | grep -E '^(OPENBLAS|MKL|GOTO|BLIS)_' | sort || true)
if ((quick)); then reps=1 min_time=0.01; else reps=${REPS:-5} min_time=${MIN_TIME:-0.1}; fi
gb_common=(--benchmark_format=json --benchmark_repetitions="$reps" --benchmark_min_time="$min_time")
((reps > 1)) && gb_common+=(--benchmark_display_aggregates_only=true)

cat >&2 <<EOF
run_compare: ---------------------------------------------------------------------------------
  CPU        $cpu
  ISA        $isa
  cores      $threads (nproc: the cores this process may use)
  threads    TBB arenas: tbb::info::default_concurrency() = $threads (parjit, raw TBB, std::par)
             OMP_NUM_THREADS=$OMP_NUM_THREADS NUMBA_NUM_THREADS=$NUMBA_NUM_THREADS
             NUMEXPR_NUM_THREADS=$NUMEXPR_NUM_THREADS (numexpr.set_num_threads($threads))
             concurrent.futures pools: $threads workers
  BLAS env   ${blas_env//$'\n'/ } (noted, not changed)
  python     $PYTHON
  mode       $( ((quick)) && echo quick || echo full ): repetitions $reps, min time $min_time s
  out        $out
EOF

BLAS_ENV="$blas_env" CPU="$cpu" ISA="$isa" THREADS="$threads" QUICK="$quick" REPS="$reps" \
MIN_TIME="$min_time" HOST="$host" BUILD_DIR="$build_dir" SRC="$src" "$PYTHON" - "$out/machine.json" <<'EOF'
import datetime, json, os, platform, subprocess, sys
e = os.environ
def cmd(*c):
    try: return subprocess.run(c, capture_output=True, text=True).stdout.strip().splitlines()[0]
    except Exception: return "unknown"
env = dict(l.split("=", 1) for l in e["BLAS_ENV"].splitlines() if "=" in l)
for k in ("OMP_NUM_THREADS", "NUMBA_NUM_THREADS", "NUMEXPR_NUM_THREADS"): env[k] = e[k]
json.dump({"date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), "host": e["HOST"],
           "cpu_model": e["CPU"], "cores": int(e["THREADS"]), "isa": e["ISA"].strip(),
           "kernel": platform.release(), "compiler": cmd("c++", "--version"),
           "mode": "quick" if e["QUICK"] == "1" else "full",
           "gb_args": f"repetitions {e['REPS']}, min_time {e['MIN_TIME']} s",
           "threads": f"all systems use {e['THREADS']} (TBB arenas = tbb::info::default_concurrency())",
           "env": env, "python": sys.version.split()[0], "build_dir": e["BUILD_DIR"],
           "commit": cmd("git", "-C", e["SRC"], "describe", "--always", "--dirty", "--abbrev=12"),
           "load_avg_at_start": open("/proc/loadavg").read().split()[:3]},
          open(sys.argv[1], "w"), indent=1)
EOF

# --- Google Benchmark binaries ------------------------------------------------------------------
filter_for() {  # quick mode: the small sizes only
  ((quick)) || { echo "."; return; }
  case "$1" in
    jit_kernels) echo "-/10000000" ;;
    parallel_map) echo "(map_cheap|map_medium)/[a-z_]+/1000/|map_expensive/[a-z_]+/100/|scaling/" ;;
    *) echo "." ;;
  esac
}
for b in "${bench_bins[@]}"; do
  exe=$build_dir/bench/$b
  rm -f "$out/gb_$b.json"
  if [[ ! -x $exe ]]; then
    log "$exe not built: $b will be reported missing"
    continue
  fi
  log "running $b"
  t0=$SECONDS
  if ! "$exe" "${gb_common[@]}" --benchmark_filter="$(filter_for "$b")" \
      --benchmark_out="$out/gb_$b.json" --benchmark_out_format=json >"$out/gb_$b.log" 2>&1; then
    log "$b failed (see $out/gb_$b.log); its results are partial or missing"
  fi
  log "$b took $((SECONDS - t0)) s"
done

# --- parjit's first call in fresh processes (cache off), beside numba's ----------------------------
exe=$build_dir/bench/jit_first_call
rm -f "$out/proc_jit_first_call.json"
if [[ -x $exe ]]; then
  log "running jit_first_call"
  t0=$SECONDS
  fc_args=(--reps 10)
  ((quick)) && fc_args=(--reps 3 --kernels K1_hypot)
  "$exe" "${fc_args[@]}" --out "$out/proc_jit_first_call.json" 2>"$out/proc_jit_first_call.log" ||
    log "jit_first_call failed (see $out/proc_jit_first_call.log)"
  log "jit_first_call took $((SECONDS - t0)) s"
else
  log "$exe not built: parjit's fresh-process first call will be reported missing"
fi

# --- Python twins --------------------------------------------------------------------------------
py_args=(--threads "$threads")
((quick)) && py_args+=(--quick)
for t in kernels executors; do
  log "running bench/compare/$t.py"
  t0=$SECONDS
  "$PYTHON" "$src/bench/compare/$t.py" "${py_args[@]}" --out "$out/py_$t.json" 2>"$out/py_$t.log" ||
    log "$t.py failed (see $out/py_$t.log)"
  log "$t.py took $((SECONDS - t0)) s"
done

# The loop kernels K7, K8 (jit::loop_while, jit::fori) against numba's @njit and prange loops.
log "running bench/compare/kernels.py (loop kernels)"
t0=$SECONDS
loop_sizes=100000,1000000
((quick)) && loop_sizes=100000
"$PYTHON" "$src/bench/compare/kernels.py" "${py_args[@]}" --kernels K7_mandelbrot,K8_logistic \
    --systems numba_njit,numba_parallel --sizes "$loop_sizes" --out "$out/py_loops.json" \
    2>"$out/py_loops.log" || log "kernels.py (loop kernels) failed (see $out/py_loops.log)"
log "kernels.py (loop kernels) took $((SECONDS - t0)) s"

# The gather kernels K9 (gamma lookup table), K10 (the image pipeline's area resize; one size of
# its own) against numba's @njit and prange loops, at jit_kernels' sizes.
log "running bench/compare/kernels.py (gather kernels)"
t0=$SECONDS
gather_sizes=100000,1000000,10000000
((quick)) && gather_sizes=100000
"$PYTHON" "$src/bench/compare/kernels.py" "${py_args[@]}" --kernels K9_gamma,K10_resize \
    --systems numba_njit,numba_parallel --sizes "$gather_sizes" --out "$out/py_gathers.json" \
    2>"$out/py_gathers.log" || log "kernels.py (gather kernels) failed (see $out/py_gathers.log)"
log "kernels.py (gather kernels) took $((SECONDS - t0)) s"

# --- n = 1e7 in interleaved rounds ----------------------------------------------------------------
# Issue 14's 1e7 ratios (parjit ÷ numba, ÷ the STREAM limit) taken within one round: on a VM the
# memory's speed drifts over minutes, and the main run measures jit_kernels and numba minutes apart.
# Each round runs both, in turn first; the report takes each ratio per round, then the median.
rounds=${ROUNDS:-5}
((quick)) && rounds=0
rm -rf "$out/rounds"
if ((rounds > 0)) && [[ -x $build_dir/bench/jit_kernels ]]; then
  mkdir -p "$out/rounds"
  log "running $rounds interleaved rounds at n = 1e7"
  t0=$SECONDS
  round_gb() {
    "$build_dir/bench/jit_kernels" --benchmark_format=json --benchmark_repetitions=3 \
        --benchmark_min_time="$min_time" --benchmark_display_aggregates_only=true \
        --benchmark_filter='^((K1_hypot|K2_poly|K5_select|K6_grey)/parjit(_par)?|stream_(copy|triad)/(serial|par))/10000000/' \
        --benchmark_out="$out/rounds/gb_r$1.json" --benchmark_out_format=json \
        >>"$out/rounds/gb.log" 2>&1 || log "round $1: jit_kernels failed (see $out/rounds/gb.log)"
  }
  round_py() {
    "$PYTHON" "$src/bench/compare/kernels.py" "${py_args[@]}" --reps 3 --first-call-reps 0 \
        --kernels K1_hypot,K2_poly,K5_select,K6_grey --systems numba_njit,numba_parallel \
        --sizes 10000000 --out "$out/rounds/py_r$1.json" 2>>"$out/rounds/py.log" ||
      log "round $1: kernels.py failed (see $out/rounds/py.log)"
  }
  for ((r = 1; r <= rounds; ++r)); do
    if ((r % 2)); then round_gb "$r"; round_py "$r"; else round_py "$r"; round_gb "$r"; fi
  done
  log "rounds took $((SECONDS - t0)) s"
fi

# --- report --------------------------------------------------------------------------------------
check=()
((quick)) && check=(--check)
rc=0
"$PYTHON" "$src/bench/compare/report.py" --dir "$out" "${check[@]}" || rc=$?
log "done in $((SECONDS - t_start)) s: $out/summary.md"
exit $rc
