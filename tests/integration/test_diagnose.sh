#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The diagnosis of a board that does not answer: each cause is made here and
# must be named, with its hint and exit code, in prose and in --json:
# own_mac, group_address, no_interface, interface_down, no_carrier,
# no_permission (as nobody), silent_link, no_board, other_ethertype,
# other_version, invalid_frames, busy; and -v / -vv on a board that answers.
#
#   tests/integration/test_diagnose.sh BUILD_DIR
#
# DIAG_EXAMPLES=FILE writes the error and hint lines of each cause to FILE.
# Exit 0 if everything passed, 1 if anything failed, 77 (skip) when not root
# or without `ip netns` or python3.

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

it_init "${1:-}"
if [ -z "$IT_PYTHON" ]; then
	it_log "SKIPPED: needs python3 (JSON and raw frames)"
	exit $IT_SKIP
fi
it_net_up

W=$IT_WORK
IF=$IT_IF_H
B=$IT_MAC_B
T=(--timeout 0.8)
EX=${DIAG_EXAMPLES:-}
[ -n "$EX" ] && : >"$EX"
t0=$(now_ms)

# run_h NAME ARGS...: ethdl in the host namespace; RC, OUT, ERR.
run_h() {
	local name=$1

	shift
	IT_LAST_ERR=$W/$name.err
	ethdl_h "$@" >"$W/$name.out" 2>"$W/$name.err"
	RC=$?
	OUT=$(cat "$W/$name.out")
	ERR=$(cat "$W/$name.err")
}

# The output of each --json run is kept in $W/json/CAUSE with what is
# expected of it; json_check reads them all in one python3 run at the end
# (python3 is slow to start on a loaded machine).
mkdir -p "$W/json"
: >"$W/json.expect"

# expect_json CAUSE EXIT_REGEX HINT_REGEX: OUT is CAUSE's --json output.
expect_json() {
	printf '%s' "$OUT" >"$W/json/$1"
	printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$W/json.expect"
}

json_check() {
	local line

	while IFS= read -r line; do
		case $line in
		PASS*) pass "${line#PASS }" ;;
		*) fail "${line#FAIL }" ;;
		esac
	done < <("$IT_PYTHON" - "$W/json" "$W/json.expect" <<'PY'
import json, re, sys
d, expect = sys.argv[1], sys.argv[2]
for row in open(expect):
    cause, exit_re, hint_re = row.rstrip("\n").split("\t")
    text = open(f"{d}/{cause}").read()
    lines = [l for l in text.splitlines() if l.strip()]
    try:
        assert len(lines) == 1
        j = json.loads(lines[0])
        assert isinstance(j, dict)
    except Exception:
        print(f"FAIL {cause}: --json is not exactly one JSON object: {text[:200]!r}")
        continue
    print(("PASS" if j.get("diagnosis") == cause else "FAIL") +
          f" {cause}: --json diagnosis ({j.get('diagnosis')})")
    print(("PASS" if re.search(hint_re, j.get("hint", "")) else "FAIL") +
          f" {cause}: --json hint /{hint_re}/")
    print(("PASS" if re.fullmatch(exit_re, str(j.get("exit"))) else "FAIL") +
          f" {cause}: --json exit {j.get('exit')} ~ {exit_re}")
PY
)
}

# check CAUSE RC_REGEX HINT_REGEX ARGS...: the prose run, then the --json run.
check() {
	local cause=$1 rc=$2 hint=$3

	shift 3
	run_h "$cause" "$@"
	assert_match "$cause: exit code $RC" "^($rc)\$" "$RC"
	assert_match "$cause: names the cause and hints" "hint: .*$hint" "$ERR"
	[ -n "$EX" ] && { echo "# $cause"; grep -v '^Try ' "$W/$cause.err"; echo; } >>"$EX"
	run_h "$cause-json" "$@" --json
	expect_json "$cause" "$rc" "$hint"
}

# One raw sender in the board's namespace for the whole test: raw_board SRC
# ETHERTYPE HEX makes it send that frame to the host every 20 ms until it is
# called again; raw_board with no argument stops it.
mkfifo "$W/raw.fifo"
ip netns exec "$IT_NS_B" "$IT_PYTHON" -c '
import os, select, socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
fd = os.open(sys.argv[2], os.O_RDWR)
open(sys.argv[3], "w").close()
frame, buf = None, b""
while True:
    if select.select([fd], [], [], 0.02)[0]:
        buf += os.read(fd, 4096)
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            if line == b"quit":
                sys.exit(0)
            f = bytes.fromhex(line.decode())
            frame = f + bytes(max(0, 60 - len(f))) if f else None
    if frame:
        s.send(frame)' "$IT_IF_B" "$W/raw.fifo" "$W/raw.ready" &
RAW_PID=$!
exec 7<>"$W/raw.fifo"
raw_board() {
	if [ $# -eq 0 ]; then
		echo >&7
	else
		echo "${IT_MAC_H//:/}${1//:/}$2$3" >&7
	fi
	sleep 0.1
}

# Refused before anything is sent: exit 2.
check own_mac 2 "discover" info -i "$IF" -b "$IT_MAC_H"
check group_address 2 "ethdl group" download -i "$IF" -b 01:00:5e:00:00:01 /dev/null

# The interface: exit 1.
check no_interface 1 "ethdl list" info -i ethdl-nosuch0 -b "$B"
host ip link add ethdlx0 type veth peer name ethdlx1
host sysctl -qw net.ipv6.conf.ethdlx0.disable_ipv6=1 2>/dev/null
check interface_down 1 "ip link set ethdlx0 up" info -i ethdlx0 -b "$B"
host ip link set ethdlx0 up
check no_carrier 1 "cable" info -i ethdlx0 -b "$B"
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)
if ip netns exec "$IT_NS_H" "${NOBODY[@]}" "$ETHDL" --version >/dev/null 2>&1; then
	OUT=$(ip netns exec "$IT_NS_H" "${NOBODY[@]}" "$ETHDL" info -i "$IF" -b "$B" \
		2>"$W/perm.err")
	RC=$?
	ERR=$(cat "$W/perm.err")
	assert_rc "no_permission: exit code" 1 "$RC"
	assert_match "no_permission: the hint names setcap and this binary" \
		"hint: .*setcap cap_net_raw,cap_net_admin\+ep $ETHDL\$" "$ERR"
	[ -n "$EX" ] && { echo "# no_permission"; cat "$W/perm.err"; echo; } >>"$EX"
	OUT=$(ip netns exec "$IT_NS_H" "${NOBODY[@]}" "$ETHDL" info -i "$IF" -b "$B" --json \
		2>/dev/null)
	expect_json no_permission 1 "setcap cap_net_raw,cap_net_admin\\+ep"
else
	echo "SKIPPED: no_permission (user nobody cannot run $ETHDL here)"
fi

# What arrives while connecting, with no board running: exit 11 (12 when
# the session itself counted the damaged frames).
for _ in $(seq 200); do
	[ -e "$W/raw.ready" ] && break
	sleep 0.05
done
check silent_link 11 "cable" info -i "$IF" -b "$B" "${T[@]}"
raw_board "$IT_MAC_NOBODY" 0800 "$(printf '45%.0s' $(seq 46))"
check no_board 11 "discover" info -i "$IF" -b "$B" "${T[@]}"
raw_board "$B" 88b6 "eb9001"
check other_ethertype 11 "--ethertype 88b6" info -i "$IF" -b "$B" "${T[@]}"
raw_board "$B" 88b5 "eb9002"
check other_version "11|12" "--ethertype" info -i "$IF" -b "$B" "${T[@]}"
# version 1, flags, session, sequence, code, length 0, a wrong CRC
raw_board "$B" 88b5 "eb900100000000010000000081000000000000"
check invalid_frames "11|12" "damaged" info -i "$IF" -b "$B" "${T[@]}"
raw_board
echo quit >&7

# Busy: a second host (a macvlan with its own MAC) while the first one
# holds the board with a paced download.
board_start "$W/state"
host ip link add link "$IF" name ethdlm0 address 02:e7:d1:00:00:03 type macvlan mode bridge
host sysctl -qw net.ipv6.conf.ethdlm0.disable_ipv6=1 2>/dev/null
host ip link set ethdlm0 up
head -c 2000000 /dev/urandom >"$W/big"
ethdl_h download -i "$IF" -b "$B" --rate 8M -q "$W/big" >"$W/holder.out" 2>&1 &
HOLD=$!
sleep 0.5
check busy 11 "wait" info -i ethdlm0 -b "$B" "${T[@]}"
wait "$HOLD"
assert_rc "busy: the first host's download went on" 0 $?

# With the board free again: -vv logs every frame, -v only the events.
run_h vv info -vv -i "$IF" -b "$B"
assert_rc "info -vv" 0 "$RC"
assert_match "-vv: the CONNECT sent" "ethdl: tx CONNECT seq 0 len [0-9]+" "$ERR"
assert_match "-vv: the CONNECT_ACK received" "ethdl: rx CONNECT_ACK seq 0 len [0-9]+" "$ERR"
run_h v info -v -i "$IF" -b "$B"
assert_match "-v: the connect" "ethdl: connected: " "$ERR"
assert_eq "-v: no frame lines" 0 "$(grep -c 'ethdl: [tr]x ' "$W/v.err")"
board_stop

json_check
wait "$RAW_PID" 2>/dev/null
it_log "took $(( $(now_ms) - t0 )) ms"
it_summary
