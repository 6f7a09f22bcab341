#!/usr/bin/env bash
# build-deb.sh [BUILD_DIR [OUT_DIR]]: build the Debian package (CPack) of
# BUILD_DIR (default build/, configured and built here if need be) into
# OUT_DIR (default BUILD_DIR/deb) and print its path. Needs dpkg-dev
# (dpkg-shlibdeps works out the package's dependencies).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$top/build}
if ! command -v dpkg-shlibdeps >/dev/null; then
	echo "build-deb.sh: dpkg-shlibdeps is missing (apt-get install dpkg-dev)" >&2
	exit 1
fi
if [ ! -f "$dir/CMakeCache.txt" ]; then
	cmake -S "$top" -B "$dir" -DETHDL_WERROR=ON >/dev/null
fi
dir=$(cd "$dir" && pwd)
out=${2:-$dir/deb}
mkdir -p "$out"
out=$(cd "$out" && pwd)
# cpack builds what is out of date, installs into a staging directory under
# OUT_DIR and packs it.
if ! (cd "$dir" && cpack -G DEB -B "$out" >"$out/cpack.log" 2>&1); then
	cat "$out/cpack.log" >&2
	exit 1
fi
ls -t "$out"/ethdl_*.deb | head -1
