#!/usr/bin/env bash
# build.sh BUILD_DIR [cmake options...]: configure and build with -Werror.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$top/build}
shift || true
cmake -S "$top" -B "$dir" -DETHDL_WERROR=ON "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)"
