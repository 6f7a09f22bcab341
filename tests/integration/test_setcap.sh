#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Running without root: copies of ethdl and ethdl-board given CAP_NET_RAW
# with setcap work for an unprivileged user (uid 65534) over a veth pair
# between two namespaces: a download is read back and verified, a board run
# by that user takes a download and stops cleanly on SIGTERM, and so does
# one run as the systemd unit runs it (an ambient capability); the same
# programs without the capability exit 1 with a permission error. Root sets
# it up; SKIPPED where setcap, setpriv or file capabilities are missing.
#
#   tests/integration/test_setcap.sh BUILD_DIR

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

it_init "${1:-}"
for tool in setcap getcap setpriv; do
	if ! command -v "$tool" >/dev/null; then
		it_log "SKIPPED: no $tool (libcap2-bin, util-linux)"
		exit $IT_SKIP
	fi
done

W=$IT_WORK
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)

# The unprivileged user must reach the programs and the file to send.
chmod 755 "$W"
mkdir -p "$W/bin" "$W/pub"
cp "$ETHDL" "$W/bin/ethdl"
cp "$ETHDL_BOARD" "$W/bin/ethdl-board"
cp "$ETHDL" "$W/bin/ethdl-nocap"
cp "$ETHDL_BOARD" "$W/bin/ethdl-board-nocap"
chmod 755 "$W/bin" "$W/bin"/*
if ! setcap cap_net_raw+ep "$W/bin/ethdl" 2>"$W/setcap.err" ||
	! setcap cap_net_raw+ep "$W/bin/ethdl-board" 2>>"$W/setcap.err"; then
	it_log "SKIPPED: setcap fails on $W: $(cat "$W/setcap.err")"
	exit $IT_SKIP
fi
case $(getcap "$W/bin/ethdl") in
*cap_net_raw*ep*) pass "setcap cap_net_raw+ep on a copy of ethdl" ;;
*)
	it_log "SKIPPED: the file system of $W keeps no file capability"
	exit $IT_SKIP
	;;
esac
assert_eq "the user runs as uid 65534" 65534 "$("${NOBODY[@]}" id -u)"

it_net_up
gen_file "$W/pub/file.bin" 300000 7
chmod 644 "$W/pub/file.bin"
S=$W/state

# run NAME CMD...: in the host namespace as the unprivileged user.
run() {
	local name=$1

	shift
	# shellcheck disable=SC2034 # lib.sh's it_diag shows it
	IT_LAST_ERR=$W/$name.err
	ip netns exec "$IT_NS_H" "${NOBODY[@]}" "$@" >"$W/$name.out" 2>"$W/$name.err"
	RC=$?
	OUT=$(cat "$W/$name.out")
	ERR=$(cat "$W/$name.err")
}

echo "== ethdl with CAP_NET_RAW, as an unprivileged user =="
board_start "$S" || exit 1
run dl "$W/bin/ethdl" download -i "$IT_IF_H" -b "$IT_MAC_B" --json "$W/pub/file.bin"
assert_rc "unprivileged download with the capability" 0 "$RC"
assert_match "the read-back was verified" '"result": ?"ok"' "$OUT"
assert_match "the JSON says it was read back" '"readback": ?true' "$OUT"
assert_same_file "the board holds the file" "$W/pub/file.bin" "$S/config.bin"
ip netns exec "$IT_NS_H" "${NOBODY[@]}" "$W/bin/ethdl" readback -i "$IT_IF_H" -b "$IT_MAC_B" -o - \
	>"$W/rb.bin" 2>"$W/rb.err"
assert_rc "unprivileged read-back to standard output" 0 $?
assert_same_file "what the user read back is the file" "$W/pub/file.bin" "$W/rb.bin"

echo "== ethdl without the capability =="
run nocap "$W/bin/ethdl-nocap" download -i "$IT_IF_H" -b "$IT_MAC_B" "$W/pub/file.bin"
assert_rc "unprivileged download without the capability" 1 "$RC"
assert_match "it says permission denied and what it needs" 'permission denied.*CAP_NET_RAW' "$ERR"
board_stop && pass "the root board stops on SIGTERM"

echo "== ethdl-board with CAP_NET_RAW, as an unprivileged user =="
S2=$W/state-nobody
mkdir -p "$S2" && chown 65534:65534 "$S2"
cat >"$W/board-nobody" <<EOF
#!/bin/sh
exec ${NOBODY[*]} "$W/bin/ethdl-board" "\$@"
EOF
chmod 755 "$W/board-nobody"
ROOT_BOARD=$ETHDL_BOARD
ETHDL_BOARD=$W/board-nobody
board_start "$S2" || exit 1
assert_eq "the board runs as uid 65534" 65534 "$(ps -o uid= -p "$IT_BOARD_PID" | tr -d ' ')"
gen_file "$W/pub/file2.bin" 200000 8
chmod 644 "$W/pub/file2.bin"
run dl2 "$W/bin/ethdl" download -i "$IT_IF_H" -b "$IT_MAC_B" -t parameter --json "$W/pub/file2.bin"
assert_rc "download into the unprivileged board" 0 "$RC"
assert_match "verified" '"result": ?"ok"' "$OUT"
assert_same_file "the unprivileged board holds the file" "$W/pub/file2.bin" "$S2/parameter.bin"
assert_eq "its files belong to the user" 65534 "$(stat -c %u "$S2/parameter.bin")"
board_stop && pass "the unprivileged board stops on SIGTERM with exit 0"
ETHDL_BOARD=$ROOT_BOARD

echo "== ethdl-board as its systemd unit runs it =="
# An unprivileged user given CAP_NET_RAW as an ambient capability, nothing
# else in its bounding set, no new privileges (AmbientCapabilities=,
# CapabilityBoundingSet=, NoNewPrivileges=): the program without file
# capabilities.
S3=$W/state-unit
mkdir -p "$S3" && chown 65534:65534 "$S3"
cat >"$W/board-unit" <<EOF
#!/bin/sh
exec ${NOBODY[*]} --inh-caps=-all,+net_raw --ambient-caps=-all,+net_raw \\
	--bounding-set=-all,+net_raw --no-new-privs "$W/bin/ethdl-board-nocap" "\$@"
EOF
chmod 755 "$W/board-unit"
ETHDL_BOARD=$W/board-unit
if board_start "$S3"; then
	run dl3 "$W/bin/ethdl" download -i "$IT_IF_H" -b "$IT_MAC_B" --json "$W/pub/file.bin"
	assert_rc "download into the board run as the unit runs it" 0 "$RC"
	assert_same_file "that board holds the file" "$W/pub/file.bin" "$S3/config.bin"
	board_stop && pass "it stops on SIGTERM with exit 0"
fi
ETHDL_BOARD=$ROOT_BOARD

echo "== ethdl-board without the capability =="
ip netns exec "$IT_NS_B" "${NOBODY[@]}" "$W/bin/ethdl-board-nocap" -i "$IT_IF_B" -d "$S2" \
	>"$W/bnocap.out" 2>"$W/bnocap.err"
assert_rc "unprivileged ethdl-board without the capability" 1 $?
assert_match "it says permission denied" 'permission denied.*CAP_NET_RAW' "$(cat "$W/bnocap.err")"

it_summary
