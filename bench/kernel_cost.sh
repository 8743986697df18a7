#!/usr/bin/env bash
# What each JIT kernel in a translation unit adds to its compile time: user CPU seconds of
# `g++ -std=c++20 -O2 -c` for a TU with one `jit::vectorize` kernel and for one with K (default
# 20) distinct kernels, each called serially and with `jit::par`; medians of N runs, interleaved.
# (K - 1) kernels' extra time / (K - 1) is the cost of one more kernel.
#
#     bash bench/kernel_cost.sh                         # this tree's headers, N=3, K=20
#     BASE=/path/to/other/include bash bench/kernel_cost.sh   # and another tree's, interleaved
#
# Compare two versions of the headers by exporting one (`git archive REV include | tar -x -C DIR`)
# and passing DIR/include as BASE.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
CXX=${CXX:-g++}
N=${N:-3}
K=${K:-20}
BASE=${BASE:-}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tu() {  # tu COUNT FILE: a TU with COUNT kernels
  {
    printf '#include <parjit/jit.hpp>\n#include <vector>\nnamespace jit = parjit::jit;\n'
    printf 'void run(std::vector<float>& o, const std::vector<float>& a, const std::vector<float>& b) {\n'
    for ((i = 1; i <= $1; ++i)); do
      printf '  { auto k = jit::vectorize([](auto x, auto y) { return x * %d.0f + y; });' "$i"
      printf ' k(o, a, b); k(jit::par, o, a, b); }\n'
    done
    printf '}\n'
  } >"$2"
}
tu 1 "$tmp/one.cpp"
tu "$K" "$tmp/many.cpp"

user_s() {  # user_s INCLUDE_DIR FILE
  /usr/bin/time -f %U -o "$tmp/t" "$CXX" -std=c++20 -O2 -DNDEBUG -I "$1" -c "$2" -o "$tmp/o.o"
  cat "$tmp/t"
}
median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

trees=("$root/include")
[[ -n $BASE ]] && trees+=("$BASE")
for ((r = 0; r < N; ++r)); do
  for t in "${!trees[@]}"; do
    user_s "${trees[$t]}" "$tmp/one.cpp" >>"$tmp/one.$t"
    user_s "${trees[$t]}" "$tmp/many.cpp" >>"$tmp/many.$t"
  done
done
for t in "${!trees[@]}"; do
  one=$(median <"$tmp/one.$t")
  many=$(median <"$tmp/many.$t")
  awk -v tree="${trees[$t]}" -v one="$one" -v many="$many" -v k="$K" -v n="$N" 'BEGIN {
    printf "%s: 1 kernel %.2f s, %d kernels %.2f s, each further kernel %.3f s (%s -O2, medians of %d)\n",
           tree, one, k, many, (many - one) / (k - 1), "'"$CXX"'", n }'
done
