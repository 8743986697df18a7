#!/usr/bin/env bash
# Runs examples/image_pipeline (parjit: seq, map, map+jit) and bench/compare/image_pipeline.py (Pillow + numpy: seq, ProcessPoolExecutor.map, + numba @njit) on the same image set and prints images/s side by side.
#
# Usage: bench/compare/image_side_by_side.sh [--build-dir DIR] [--dir IMAGES] [--count N] [--workers N] [--size S]
#   --build-dir  where image_pipeline was built (default build/release); built if missing
#   --dir        a directory of JPEG/PNG files (default: image_pipeline's synthetic set of --count)
#   --count      synthetic set size when --dir is not given (default 200)
#   --workers    workers on both sides (default: nproc)
#   --size       output side (default 224)
# Both sides: area (box) resize to SxS, ImageNet mean/std normalise, 3x3 binomial blur with a
# clamped border, no output files. Python runs with Debian's /usr/bin/python3.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build_dir=build/release
dir=""
count=200
workers=$(nproc)
size=224
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) build_dir=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --count) count=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done
cd "$repo"
[[ "$build_dir" = /* ]] || build_dir="$repo/$build_dir"
bin="$build_dir/examples/image_pipeline"
if [[ ! -x "$bin" ]]; then
  echo "# $bin missing: cmake --build $build_dir --target image_pipeline -j2" >&2
  cmake --build "$build_dir" --target image_pipeline -j2
fi
cache=${XDG_CACHE_HOME:-$HOME/.cache}
if [[ -z "$dir" ]]; then
  "$bin" --count "$count" --mode seq --size 8 --filter none >/dev/null  # generates the set once
  dir="$cache/parjit-images-v1-$count"
fi
n=$(find "$dir" -maxdepth 1 -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' \) | wc -l)
echo "# image set: $dir ($n files), -> ${size}x${size}, $workers workers, $(nproc) cores"

cpp_out=$("$bin" "$dir" --mode all --workers "$workers" --size "$size" --filter blur)
py_out=$(/usr/bin/python3 "$repo/bench/compare/image_pipeline.py" "$dir" --workers "$workers" --size "$size")

echo
echo "| system | mode | wall s | images/s | speed-up vs Python seq |"
echo "|---|---|---|---|---|"
py_seq=$(awk '$1 == "RESULT" && $2 == "python-seq" {print $3}' <<<"$py_out")
# parjit rows: | mode | decode | resize | colour | filter | write | wall | images/s | MP/s | x |
awk -F'|' -v base="$py_seq" '$2 ~ /^ (seq|map|map\+jit) $/ {
  gsub(/ /, "", $2); printf "| parjit (C++) | %s | %.2f | %.1f | %.2fx |\n", $2, $8, $9, $9 / base }' <<<"$cpp_out"
awk -F'|' -v base="$py_seq" '$2 ~ /^ python / {
  m = $2; sub(/^ python /, "", m); sub(/ $/, "", m);
  printf "| Python | %s | %.2f | %.1f | %.2fx |\n", m, $3, $4, $4 / base }' <<<"$py_out"
