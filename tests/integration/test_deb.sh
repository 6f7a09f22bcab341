#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Debian package (scripts/build-deb.sh, CPack): it holds the programs,
# man pages, completion and systemd unit where Debian wants them, declares
# the shared libraries it needs (dpkg-shlibdeps) and a unit that runs
# /usr/sbin/ethdl-board. Then, only if no package named ethdl is installed
# and nothing else owns its paths: dpkg -i installs it (which fails if a
# dependency is not declared right), both programs run, no instance is
# enabled or started, and dpkg -P leaves nothing behind. Needs root for
# dpkg -i; SKIPPED without dpkg-deb, dpkg-shlibdeps or cpack.
#
#   tests/integration/test_deb.sh BUILD_DIR

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
SRC=$(cd "$HERE/../.." && pwd)

it_init "${1:-}"
BUILD=$(cd "$1" && pwd)
for tool in dpkg-deb dpkg-shlibdeps cpack; do
	if ! command -v "$tool" >/dev/null; then
		it_log "SKIPPED: no $tool (dpkg-dev, cmake)"
		exit $IT_SKIP
	fi
done
W=$IT_WORK
VERSION=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$BUILD/CMakeCache.txt")

echo "== build the package =="
# the test runs after the build: package what is built
DEB=$(bash "$SRC/scripts/build-deb.sh" --no-build "$BUILD" "$W/deb" 2>"$W/build-deb.err")
assert_rc "scripts/build-deb.sh" 0 $? || cat "$W/build-deb.err"
[ -f "$DEB" ] || { fail "no package made"; it_summary; exit 1; }
assert_eq "the package's file name" "ethdl_${VERSION}_$(dpkg --print-architecture).deb" "${DEB##*/}"

echo "== dpkg-deb -c: what it holds =="
dpkg-deb -c "$DEB" | awk '{ print $6 }' | sed 's#^\./#/#' >"$W/contents"
FILES=(
	/usr/bin/ethdl
	/usr/sbin/ethdl-board
	/usr/share/man/man1/ethdl.1
	/usr/share/man/man8/ethdl-board.8
	/usr/share/bash-completion/completions/ethdl
	/usr/share/bash-completion/completions/ethdl-board
	/usr/lib/systemd/system/ethdl-board@.service
	/usr/share/doc/ethdl/README.md
	/usr/share/doc/ethdl/PROTOCOL.md
	/usr/share/doc/ethdl/examples/ethdl-board.default
)
[ -f "$SRC/contrib/wireshark/ethdl.lua" ] && FILES+=(/usr/share/ethdl/wireshark/ethdl.lua)
missing=()
for f in "${FILES[@]}"; do
	grep -qxF -- "$f" "$W/contents" || missing+=("$f")
done
assert_eq "the package holds every file" "" "${missing[*]}"
assert_eq "nothing outside /usr" "" "$(grep -v '^/usr/' "$W/contents" | grep -v '^/$')"
assert_match "the programs are executable" '^-rwxr-xr-x root/root .* \./usr/sbin/ethdl-board$' \
	"$(dpkg-deb -c "$DEB")"
dpkg-deb --fsys-tarfile "$DEB" | tar -xO ./usr/bin/ethdl >"$W/ethdl.packaged"
if command -v file >/dev/null; then
	assert_match "the programs are stripped" ', stripped' "$(file "$W/ethdl.packaged")"
else
	echo "SKIPPED: stripped? (no file)"
fi

echo "== dpkg-deb -I: what it declares =="
dpkg-deb -f "$DEB" >"$W/control"
assert_eq "Package" ethdl "$(dpkg-deb -f "$DEB" Package)"
assert_eq "Version" "$VERSION" "$(dpkg-deb -f "$DEB" Version)"
assert_eq "Section" net "$(dpkg-deb -f "$DEB" Section)"
assert_match "Maintainer" '.+<.+>' "$(dpkg-deb -f "$DEB" Maintainer)"
assert_match "Description" 'raw Ethernet' "$(dpkg-deb -f "$DEB" Description)"
DEPENDS=$(dpkg-deb -f "$DEB" Depends)
for lib in libc6 libpcap0.8 libnet1 libjansson4 libisal2 libssl3; do
	assert_match "Depends names $lib" "(^|, )$lib( |,|\$)" "$DEPENDS"
done
dpkg-deb --fsys-tarfile "$DEB" | tar -xO ./usr/lib/systemd/system/ethdl-board@.service >"$W/unit"
assert_eq "the unit runs /usr/sbin/ethdl-board" /usr/sbin/ethdl-board \
	"$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$W/unit")"
dpkg-deb -e "$DEB" "$W/control.d"
if grep -qE 'systemctl.*(enable|start)|deb-systemd-invoke|setcap' "$W/control.d"/* 2>/dev/null; then
	fail "a maintainer script enables, starts or sets a capability: $(grep -lE 'enable|start|setcap' "$W/control.d"/*)"
else
	pass "no maintainer script enables, starts or sets a capability"
fi

echo "== dpkg -i, run, dpkg -P =="
status=$(dpkg-query -W -f='${Status}' ethdl 2>/dev/null)
owned=()
for f in "${FILES[@]}"; do
	[ -e "$f" ] && owned+=("$f")
done
if [ -n "$status" ] && [ "$status" != "unknown ok not-installed" ]; then
	echo "SKIPPED: dpkg -i: a package ethdl is on this machine already ($status)"
elif [ ${#owned[@]} -gt 0 ]; then
	echo "SKIPPED: dpkg -i: would overwrite ${owned[*]}"
else
	purge() {
		local rc=$?
		dpkg -P ethdl >/dev/null 2>&1
		(exit $rc)
		it_cleanup
	}
	trap purge EXIT
	# another dpkg or apt at work holds the lock: wait a little for it
	for _ in $(seq 20); do
		dpkg -i "$DEB" >"$W/dpkg-i.out" 2>&1
		rc=$?
		[ $rc -ne 0 ] && grep -q 'lock' "$W/dpkg-i.out" || break
		sleep 1
	done
	if [ $rc -ne 0 ] && grep -q 'lock' "$W/dpkg-i.out"; then
		echo "SKIPPED: dpkg -i: dpkg stayed busy for 20 s: $(grep -m1 lock "$W/dpkg-i.out")"
	else
		assert_rc "dpkg -i (every dependency is declared and present)" 0 $rc ||
			tail -5 "$W/dpkg-i.out"
		assert_eq "/usr/bin/ethdl --version" "ethdl $VERSION" "$(/usr/bin/ethdl --version 2>&1)"
		/usr/sbin/ethdl-board --help >"$W/board-help" 2>&1
		assert_rc "/usr/sbin/ethdl-board --help" 0 $?
		assert_match "ethdl-board --help prints its usage" '^Usage: ethdl-board' "$(cat "$W/board-help")"
		assert_eq "no instance of the unit is enabled" "" \
			"$(find /etc/systemd/system -name 'ethdl-board@*' 2>/dev/null)"
		if [ -d /run/systemd/system ]; then
			assert_eq "no instance of the unit runs" "" \
				"$(systemctl list-units --no-legend 'ethdl-board@*' 2>/dev/null)"
		fi
		dpkg -P ethdl >"$W/dpkg-P.out" 2>&1
		assert_rc "dpkg -P ethdl" 0 $?
		trap it_cleanup EXIT
		left=()
		while read -r f; do
			[ -z "$f" ] || [ "$f" = / ] && continue
			# directories the system had before (/usr/bin...) stay
			[ -d "$f" ] && continue
			[ -e "$f" ] || [ -L "$f" ] && left+=("$f")
		done <"$W/contents"
		for d in /usr/share/doc/ethdl /usr/share/ethdl; do
			[ -e "$d" ] && left+=("$d")
		done
		assert_eq "dpkg -P leaves nothing behind" "" "${left[*]}"
		assert_eq "dpkg no longer knows the package" "" \
			"$(dpkg-query -W -f='${Status}' ethdl 2>/dev/null | grep -v not-installed)"
	fi
fi

it_summary
