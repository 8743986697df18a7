#!/usr/bin/env bash
# The README's two Quick-start commands: `bash cmake/quickstart.sh demo` builds and runs the main
# demo (the image pipeline: seq vs parallel_map vs parallel_map + JIT on 200 generated images);
# `bash cmake/quickstart.sh test` builds and runs the whole test suite (release, then ASan+UBSan)
# and builds the API reference. Installs the Debian 12 packages it needs when they are missing
# (run as root).
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-demo}

packages=(cmake ninja-build g++ lld libtbb-dev llvm-19-dev catch2 libbenchmark-dev
          libopenmpi-dev openmpi-bin libstb-dev libturbojpeg0-dev python3-mpi4py python3-pil
          python3-numpy python3-numexpr python3-numba python3-matplotlib doxygen)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "quickstart: installing ${missing[*]}" >&2
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

jobs=$(nproc)
case "$what" in
  demo)
    cmake --preset release
    cmake --build --preset release --target image_pipeline -j "$jobs"
    ./build/release/examples/image_pipeline
    ;;
  test)
    cmake --preset release
    cmake --build --preset release -j "$jobs"
    ctest --preset release -j "$jobs"
    cmake --build --preset release --target docs   # API reference; any doxygen warning fails
    cmake --preset asan
    cmake --build --preset asan -j "$jobs"
    ctest --preset asan -j "$jobs"
    ;;
  *)
    echo "usage: bash cmake/quickstart.sh demo|test" >&2
    exit 2
    ;;
esac
