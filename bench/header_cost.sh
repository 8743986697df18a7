#!/usr/bin/env bash
# What `#include <parjit/parjit.hpp>` costs to compile, beside oneTBB's own task_arena.h +
# parallel_for.h: user CPU seconds of `g++ -std=c++20 -O2 -c`, medians of N runs, interleaved.
#
#     bash bench/header_cost.sh              # 7 runs each
#     N=11 CXX=clang++-19 bash bench/header_cost.sh
#     bash bench/header_cost.sh --tree       # + the include tree's heaviest headers (one run each)
#     bash bench/header_cost.sh --instructions  # + instructions executed, counted by valgrind
#
# --instructions: each TU compiled once under `valgrind --tool=callgrind --trace-children=yes`
# (the driver and the compiler proper), their instruction counts summed. The count does not move
# with the machine's load or clock, which the timings do (on the 2-core VMs a TU's user time
# ranges 1.4-2.2 s within one run); it takes minutes (clang: ~8 min for parjit.hpp).
# User CPU time (not wall time) and interleaving keep the ratio meaningful on a loaded machine.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
CXX=${CXX:-g++}
N=${N:-7}
FLAGS=${FLAGS:--std=c++20 -O2}
tbb_inc=${TBB_INCLUDE:-}
read -r -a flags <<<"$FLAGS"
[[ -n $tbb_inc ]] && flags+=(-I "$tbb_inc")
flags+=(-I "$root/include")

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '#include <parjit/parjit.hpp>\nint main() {}\n' >"$tmp/parjit.cpp"
printf '#include <tbb/task_arena.h>\n#include <tbb/parallel_for.h>\nint main() {}\n' >"$tmp/tbb.cpp"
printf 'int main() {}\n' >"$tmp/empty.cpp"

# User CPU seconds of one compile (the compiler driver's children included).
user_s() {
  /usr/bin/time -f %U -o "$tmp/t" "$CXX" "${flags[@]}" -c "$1" -o "$tmp/o.o"
  cat "$tmp/t"
}
median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

: >"$tmp/parjit.s"
: >"$tmp/tbb.s"
: >"$tmp/empty.s"
for ((i = 0; i < N; ++i)); do
  user_s "$tmp/parjit.cpp" >>"$tmp/parjit.s"
  user_s "$tmp/tbb.cpp" >>"$tmp/tbb.s"
  user_s "$tmp/empty.cpp" >>"$tmp/empty.s"
done
p=$(median <"$tmp/parjit.s")
t=$(median <"$tmp/tbb.s")
e=$(median <"$tmp/empty.s")
echo "compiler: $($CXX --version | head -n 1); flags: ${FLAGS}; $N runs each, interleaved"
echo "load average: $(cut -d ' ' -f 1-3 /proc/loadavg)"
printf 'parjit/parjit.hpp                      median %.2f s user  (runs: %s)\n' "$p" "$(tr '\n' ' ' <"$tmp/parjit.s")"
printf 'tbb/task_arena.h + tbb/parallel_for.h  median %.2f s user  (runs: %s)\n' "$t" "$(tr '\n' ' ' <"$tmp/tbb.s")"
printf 'empty main (compiler start-up)         median %.2f s user\n' "$e"
awk -v p="$p" -v t="$t" 'BEGIN {printf "ratio parjit / tbb: %.2f (target <= 1.25)\n", p / t}'

# GCC's own count of the memory its front end allocated: the same on every run, however loaded
# the machine, so it shows a change that the timings' noise would hide.
if "$CXX" --version | grep -q -i -E 'g\+\+|gcc'; then
  gc_mem() { "$CXX" "${flags[@]}" -ftime-report -c "$1" -o "$tmp/o.o" 2>&1 | awk '/^ TOTAL/ {print $NF}'; }
  echo "gcc -ftime-report allocation: parjit.hpp $(gc_mem "$tmp/parjit.cpp"), tbb $(gc_mem "$tmp/tbb.cpp")"
  # The same kind of count to the kilobyte (the sum of -fmem-report's table of garbage-collected
  # allocations by size), fine enough to see a change of one instantiation.
  gc_kb() {
    "$CXX" "${flags[@]}" -fmem-report -c "$1" -o "$tmp/o.o" 2>&1 | awk '
      /^Size +Allocated/ {t = 1; next}
      t && /^Total/ {t = 0}
      t && NF >= 3 {v = $2; m = 1 / 1024; if (v ~ /k$/) m = 1; if (v ~ /M$/) m = 1024; sub(/[kM]$/, "", v); s += v * m}
      END {printf "%.0f", s}'
  }
  pk=$(gc_kb "$tmp/parjit.cpp")
  tk=$(gc_kb "$tmp/tbb.cpp")
  awk -v p="$pk" -v t="$tk" 'BEGIN {printf "gcc -fmem-report GC allocation: parjit.hpp %d kB, tbb %d kB, ratio %.3f\n", p, t, p / t}'
fi

if [[ ${1:-} == --instructions ]]; then
  command -v valgrind >/dev/null || { echo "--instructions needs valgrind (apt-get install valgrind)" >&2; exit 2; }
  ir() {
    valgrind --tool=callgrind --trace-children=yes --callgrind-out-file=/dev/null \
        "$CXX" "${flags[@]}" -c "$1" -o "$tmp/o.o" 2>&1 | awk '/Collected :/ {s += $NF} END {printf "%.0f", s}'
  }
  pi=$(ir "$tmp/parjit.cpp")
  ti=$(ir "$tmp/tbb.cpp")
  ei=$(ir "$tmp/empty.cpp")
  awk -v p="$pi" -v t="$ti" -v e="$ei" 'BEGIN {
    printf "instructions (callgrind): parjit.hpp %.4g, tbb %.4g, empty main %.4g\n", p, t, e
    printf "ratio parjit / tbb by instructions: %.3f (target <= 1.25)\n", p / t}'
fi

if [[ ${1:-} == --tree ]]; then
  # Each header's cost is the time spent parsing it and what it includes; -ftime-report's
  # "phase parsing" and the -H tree's first-level entries show where it goes.
  echo
  echo "== -ftime-report (parjit.hpp), top phases"
  "$CXX" "${flags[@]}" -ftime-report -c "$tmp/parjit.cpp" -o "$tmp/o.o" 2>&1 |
    grep -E '^ (phase|TOTAL)' || true
  echo
  echo "== what each parjit header includes directly (-H: depth, header)"
  "$CXX" "${flags[@]}" -H -fsyntax-only "$tmp/parjit.cpp" 2>&1 | grep -E '^\.+ ' |
    awk '{d = index($0, " ") - 1; own[d] = ($2 ~ /\/parjit\//); if (own[d] || own[d - 1]) print d, $2}'
fi
