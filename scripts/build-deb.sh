#!/usr/bin/env bash
# build-deb.sh [BUILD_DIR]: build the Debian package (CPack) from BUILD_DIR
# (default build/, configured and built here if need be), print its path.
# Needs dpkg-dev (dpkg-shlibdeps works out the dependencies).
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
cmake --build "$dir" -j"$(nproc)" --target ethdl ethdl-board >/dev/null
dir=$(cd "$dir" && pwd)
# CPack stages its own install under _CPack_Packages in the build dir.
(cd "$dir" && cpack -G DEB -B "$dir/deb" >/dev/null)
ls -t "$dir"/deb/ethdl_*.deb | head -1
