#!/usr/bin/env bash
# build-deb.sh [--no-build] [BUILD_DIR [OUT_DIR]]: build the Debian package
# (CPack) of BUILD_DIR (default build/, configured and built here if need
# be; --no-build: take the programs as they are built) into OUT_DIR (default
# BUILD_DIR/deb) and print its path. Needs dpkg-dev (dpkg-shlibdeps works
# out the package's dependencies).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=1
if [ "${1:-}" = --no-build ]; then
	build=0
	shift
fi
dir=${1:-$top/build}
if ! command -v dpkg-shlibdeps >/dev/null; then
	echo "build-deb.sh: dpkg-shlibdeps is missing (apt-get install dpkg-dev)" >&2
	exit 1
fi
if [ ! -f "$dir/CMakeCache.txt" ]; then
	[ $build = 1 ] || { echo "build-deb.sh: $dir is not a build directory" >&2; exit 1; }
	cmake -S "$top" -B "$dir" -DETHDL_WERROR=ON >/dev/null
fi
dir=$(cd "$dir" && pwd)
out=${2:-$dir/deb}
mkdir -p "$out"
out=$(cd "$out" && pwd)
if [ $build = 1 ]; then
	cmake --build "$dir" -j"$(nproc)" --target ethdl ethdl-board >/dev/null
elif [ ! -x "$dir/cmd/ethdl" ] || [ ! -x "$dir/cmd/ethdl-board" ]; then
	echo "build-deb.sh: --no-build, but $dir/cmd has no ethdl and ethdl-board" >&2
	exit 1
fi
# cpack installs into a staging directory under OUT_DIR and packs it.
if ! (cd "$dir" && cpack -G DEB -B "$out" >"$out/cpack.log" 2>&1); then
	cat "$out/cpack.log" >&2
	exit 1
fi
ls -t "$out"/ethdl_*.deb | head -1
