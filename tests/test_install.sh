#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `cmake --install`, without root: into a prefix of its own and, with
# DESTDIR, as /usr. Every file lands where GNUInstallDirs says, the installed
# programs run and print the project's version, the unit's ExecStart is the
# installed ethdl-board, `systemd-analyze verify` takes the unit without a
# word and `systemd-analyze security` rates its sandbox OK (those parts
# SKIPPED without systemd-analyze).
#
#   tests/test_install.sh BUILD_DIR

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/integration/lib.sh"

BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd) || exit 1
SRC=$(cd "$HERE/.." && pwd)
VERSION=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$BUILD/CMakeCache.txt")
W=$(mktemp -d "${TMPDIR:-/tmp}/ethdl-install.XXXXXX") || exit 1
trap 'rm -rf -- "$W"' EXIT

# The unit directory the build chose (relative: under the prefix).
UNITDIR=$(sed -n 's/^ETHDL_SYSTEMD_UNITDIR:[A-Z]*=//p' "$BUILD/CMakeCache.txt")
assert_match "the build names a systemd unit directory" . "$UNITDIR"

# expect_files ROOT PREFIX: every file of the installation under ROOT.
expect_files() {
	local root=$1 p=$2 unitdir=$UNITDIR f md

	[[ $unitdir == /* ]] || unitdir=$p/$unitdir
	EXPECT=(
		"$p/bin/ethdl"
		"$p/sbin/ethdl-board"
		"$p/share/man/man1/ethdl.1"
		"$p/share/man/man8/ethdl-board.8"
		"$p/share/bash-completion/completions/ethdl"
		"$p/share/bash-completion/completions/ethdl-board"
		"$unitdir/ethdl-board@.service"
		"$p/share/doc/ethdl/README.md"
		"$p/share/doc/ethdl/examples/ethdl-board.default"
	)
	for md in "$SRC"/docs/*.md; do
		EXPECT+=("$p/share/doc/ethdl/${md##*/}")
	done
	[ -f "$SRC/contrib/wireshark/ethdl.lua" ] &&
		EXPECT+=("$p/share/ethdl/wireshark/ethdl.lua")
	for f in "${EXPECT[@]}"; do
		if [ -f "$root$f" ]; then
			pass "installed $f"
		else
			fail "not installed: $f"
		fi
	done
	UNIT=$root$unitdir/ethdl-board@.service
}

echo "== cmake --install --prefix DIR =="
P=$W/root
cmake --install "$BUILD" --prefix "$P" >"$W/install.log" 2>&1
assert_rc "cmake --install --prefix" 0 $? || cat "$W/install.log"
expect_files "" "$P"
assert_eq "installed ethdl --version" "ethdl $VERSION" "$("$P/bin/ethdl" --version 2>&1)"
assert_eq "installed ethdl-board --version" "ethdl-board $VERSION" \
	"$("$P/sbin/ethdl-board" --version 2>&1)"
"$P/sbin/ethdl-board" --help >"$W/help" 2>&1
assert_rc "installed ethdl-board --help" 0 $?
for f in "$P/bin/ethdl" "$P/sbin/ethdl-board"; do
	[ -x "$f" ] && pass "$f is executable" || fail "$f is not executable"
done
# nothing but what was asked for: no test program, no library, no header
extra=$(cd "$P" && find . -type f | sed 's#^\.##' | while read -r f; do
	printf '%s\n' "${EXPECT[@]}" | sed "s#^$P##" | grep -qxF -- "$f" || echo "$f"
done)
assert_eq "no other file installed" "" "$extra"

echo "== the systemd unit =="
exec_start=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$UNIT")
assert_eq "ExecStart is the installed ethdl-board" "$P/sbin/ethdl-board" "$exec_start"
assert_match "the state directory is ethdl-board/IF" '^StateDirectory=ethdl-board/%i$' "$(cat "$UNIT")"
assert_match "the board serves the instance's interface in its state directory" \
	'^ExecStart=[^ ]+ -i %i -d %S/ethdl-board/%i \$ETHDL_BOARD_OPTS$' "$(cat "$UNIT")"
assert_match "options from /etc/default" '^EnvironmentFile=-/etc/default/ethdl-board-%i$' "$(cat "$UNIT")"
assert_match "CAP_NET_RAW and no other capability" \
	'^CapabilityBoundingSet=CAP_NET_RAW$' "$(cat "$UNIT")"
assert_match "restarts on failure" '^Restart=on-failure$' "$(cat "$UNIT")"
if ! command -v systemd-analyze >/dev/null; then
	echo "SKIPPED: systemd-analyze verify (no systemd-analyze)"
else
	# verify works offline; --man=no: the man pages are not installed on
	# this machine's MANPATH. Unknown keys are only warned about: no output
	# at all is the test.
	out=$(systemd-analyze verify --man=no "$UNIT" 2>&1)
	rc=$?
	assert_rc "systemd-analyze verify the unit" 0 $rc
	assert_eq "systemd-analyze verify says nothing" "" "$out"
	# and it would see a wrong ExecStart
	sed 's#^ExecStart=[^ ]*#ExecStart=/nonexistent/ethdl-board#' "$UNIT" >"$W/ethdl-board@.service"
	systemd-analyze verify --man=no "$W/ethdl-board@.service" >/dev/null 2>&1
	[ $? -ne 0 ] && pass "systemd-analyze verify refuses a missing ExecStart" ||
		fail "systemd-analyze verify took a unit whose program does not exist"
fi

# systemd's own rating of the unit's sandbox (0 safe .. 10 exposed): at
# most 3.0 ("OK"); the unit now rates 2.2.
if command -v systemd-analyze >/dev/null &&
	systemd-analyze security --help 2>/dev/null | grep -q -- --offline; then
	systemd-analyze security --offline=yes --threshold=30 --no-pager "$UNIT" >"$W/security" 2>&1
	rc=$?
	assert_rc "systemd-analyze security: exposure at most 3.0 ($(grep -oE 'exposure level[^:]*: [0-9.]+' "$W/security"))" 0 $rc
else
	echo "SKIPPED: systemd-analyze security --offline"
fi

echo "== DESTDIR=... cmake --install --prefix /usr =="
D=$W/dest
DESTDIR=$D cmake --install "$BUILD" --prefix /usr >"$W/install2.log" 2>&1
assert_rc "DESTDIR install" 0 $? || cat "$W/install2.log"
expect_files "$D" /usr
exec_start=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$UNIT")
assert_eq "ExecStart is /usr/sbin/ethdl-board" /usr/sbin/ethdl-board "$exec_start"
assert_eq "DESTDIR ethdl runs" "ethdl $VERSION" "$("$D/usr/bin/ethdl" --version 2>&1)"

it_summary
