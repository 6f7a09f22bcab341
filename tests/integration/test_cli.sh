#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What the command line promises over a real veth pair: an interrupted
# download says so (exit 130 / 143), tells the board, keeps what the board
# has for resume, and never reports success; --block and --max-block are
# checked against the MTU; readback -o checks its output before any frame
# is sent, writes standard output only after the CRC check, and names the
# direction board -> file.
#
#   tests/integration/test_cli.sh BUILD_DIR
#
# Exit 0 if everything passed, 1 if anything failed, 77 (skip) when not root
# or without `ip netns`. IT_KEEP=1 keeps the work directory.

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

it_init "${1:-}"
it_net_up

W=$IT_WORK
S=$W/state
IF=$IT_IF_H
B=$IT_MAC_B

# run_h NAME ARGS...: ethdl in the host namespace, in the work directory
# (where a stray file would land); RC, OUT, ERR.
run_h() {
	local name=$1

	shift
	IT_LAST_ERR=$W/$name.err
	(cd "$W" && ethdl_h "$@") >"$W/$name.out" 2>"$W/$name.err"
	RC=$?
	OUT=$(tr -d '\0' <"$W/$name.out")
	ERR=$(cat "$W/$name.err")
}

# sessions: how many sessions the board has seen so far.
sessions() {
	grep -c ' from [0-9a-f:]*, ' "$IT_BOARD_LOG"
}

# bg_download NAME SIGNAL AFTER ARGS...: start a download, send SIGNAL
# after AFTER seconds; RC, ERR, OUT, and MS (from the signal to the exit).
bg_download() {
	local name=$1 sig=$2 after=$3 pid t

	shift 3
	IT_LAST_ERR=$W/$name.err
	# `ip netns exec` execs ethdl: $! is ethdl itself.
	ip netns exec "$IT_NS_H" "$ETHDL" download "$@" >"$W/$name.out" 2>"$W/$name.err" &
	pid=$!
	sleep "$after"
	t=$(now_ms)
	kill "-$sig" "$pid"
	wait "$pid"
	RC=$?
	MS=$(($(now_ms) - t))
	OUT=$(cat "$W/$name.out")
	ERR=$(cat "$W/$name.err")
}

MTU=$(ip -n "$IT_NS_H" -o link show "$IF" | sed -n 's/.* mtu \([0-9]*\).*/\1/p')
MOST=$((MTU - 21))
OLD=$W/old
gen_file "$OLD" 100000 1
BIG=$W/big
gen_file "$BIG" $((64 << 20)) 64

board_start "$S" || exit 1
run_h old download -i "$IF" -b "$B" "$OLD"
assert_rc "a first file on the board" 0 "$RC"

echo "== --block against the MTU =="
n=$(sessions)
run_h block-big download -i "$IF" -b "$B" --block 9000 "$OLD"
assert_rc "--block 9000 at MTU $MTU" 2 "$RC"
assert_match "--block 9000: names the MTU and the most that fits" \
	"--block 9000 does not fit MTU $MTU of $IF \(at most $MOST\)" "$ERR"
assert_eq "--block 9000: no session with the board" "$n" "$(sessions)"
run_h block-most download -i "$IF" -b "$B" --json --block "$MOST" "$OLD"
assert_rc "--block $MOST at MTU $MTU" 0 "$RC"
assert_eq "--block $MOST: frames" $(((100000 + MOST - 1) / MOST)) "$(json_get frames <"$W/block-most.out")"
run_h rb-block-big readback -i "$IF" -b "$B" --block $((MOST + 1)) -o "$W/x"
assert_rc "readback --block $((MOST + 1))" 2 "$RC"
mkdir -p "$W/other"
# (A board that took it would serve forever: the timeout ends it.)
timeout 5 ip netns exec "$IT_NS_B" "$ETHDL_BOARD" -i "$IT_IF_B" -d "$W/other" --max-block 9000 \
	>"$W/maxblock.out" 2>"$W/maxblock.err"
assert_rc "ethdl-board --max-block 9000 at MTU $MTU" 2 "$?"
assert_match "--max-block 9000: names the MTU and the most that fits" \
	"--max-block 9000 does not fit MTU $MTU of $IT_IF_B \(at most $MOST\)" "$(cat "$W/maxblock.err")"

echo "== interrupted downloads =="
# 64 MiB paced to 100 Mbit/s takes about 5.4 s: 0.5 s in is mid-download.
n=$(sessions)
bg_download int INT 0.5 -i "$IF" -b "$B" --rate 100M "$BIG"
assert_rc "SIGINT during a download" 130 "$RC"
assert_match "SIGINT: stderr says interrupted" "^ethdl: $BIG: interrupted: by SIGINT" "$ERR"
assert_match "SIGINT: says what the board keeps, and to run it again" \
	'the board keeps [1-9][0-9]* of [0-9]+ frames; run the same download again to resume' "$ERR"
if printf '%s' "$OUT$ERR" | grep -q 'identical'; then
	fail "SIGINT: reports success: $OUT"
else
	pass "SIGINT: no success line"
fi
assert_between "SIGINT: exits at once (ms)" 0 1500 "$MS"
sleep 0.2
assert_match "SIGINT: the board was told (DISCONNECT), not left to time out" \
	'ended: disconnect' "$(tail -3 "$IT_BOARD_LOG")"
assert_match "SIGINT: the board keeps the part for resume" 'keeping [0-9]+ of [0-9]+ frames' \
	"$(tail -3 "$IT_BOARD_LOG")"
assert_eq "SIGINT: one session" $((n + 1)) "$(sessions)"
assert_same_file "SIGINT: the board's file is the previous one" "$OLD" "$S/config.bin"

# SIGTERM, with --retries: still one attempt, and the JSON says interrupted.
bg_download term TERM 0.5 -i "$IF" -b "$B" --rate 100M --retries 3 --json "$BIG"
assert_rc "SIGTERM during a download" 143 "$RC"
if json_ok <"$W/term.out"; then
	pass "SIGTERM: --json output parses"
else
	fail "SIGTERM: --json output does not parse: $OUT"
fi
assert_eq "SIGTERM: JSON result" interrupted "$(json_get result <"$W/term.out")"
assert_eq "SIGTERM: JSON exit" 143 "$(json_get exit <"$W/term.out")"
assert_eq "SIGTERM: JSON signal" SIGTERM "$(json_get signal <"$W/term.out")"
assert_eq "SIGTERM: one attempt, no retry" 1 "$(json_get attempts <"$W/term.out")"
kept=$(json_get kept_frames <"$W/term.out")
assert_between "SIGTERM: JSON kept_frames" 1 $(((64 << 20) / MOST)) "${kept:-0}"
assert_match "SIGTERM: JSON detail" 'the board keeps [0-9]+ of [0-9]+ frames' \
	"$(json_get detail <"$W/term.out")"
sleep 0.2
assert_same_file "SIGTERM: the board's file is the previous one" "$OLD" "$S/config.bin"

run_h resume download -i "$IF" -b "$B" --json "$BIG"
assert_rc "the same download again" 0 "$RC"
resumed=$(json_get resumed_frames <"$W/resume.out")
assert_between "the same download again resumes" 1 $(((64 << 20) / MOST)) "${resumed:-0}"
rbytes=$((resumed * MOST > (64 << 20) ? (64 << 20) : resumed * MOST))
assert_eq "the same download again: JSON resumed_bytes" "$rbytes" \
	"$(json_get resumed_bytes <"$W/resume.out")"
assert_eq "the same download again: result" ok "$(json_get result <"$W/resume.out")"
assert_same_file "after the resume the board holds the new file" "$BIG" "$S/config.bin"

run_h old2 download -i "$IF" -b "$B" "$OLD"
assert_rc "the previous file back on the board" 0 "$RC"

echo "== readback -o =="
run_h rb-ok readback -i "$IF" -b "$B" -o "$W/rb.bin"
assert_rc "readback -o FILE" 0 "$RC"
assert_same_file "readback -o FILE: the board's bytes" "$OLD" "$W/rb.bin"
assert_match "readback: the success line names board -> file" \
	"^ethdl: $B config -> $W/rb.bin: 100000 bytes in [0-9.]+ s \([0-9.]+ MB/s\), read back, CRC checked$" \
	"$OUT"
[ ! -e "$W/rb.bin.part" ] && pass "readback -o FILE: no temporary left" ||
	fail "readback -o FILE left $W/rb.bin.part"

mkdir -p "$W/outdir"
n=$(sessions)
run_h rb-dir readback -i "$IF" -b "$B" -o "$W/outdir"
assert_rc "readback -o DIR" 2 "$RC"
assert_match "readback -o DIR: says it is a directory" "$W/outdir' is a directory" "$ERR"
assert_eq "readback -o DIR: nothing in the directory" "" "$(ls -A "$W/outdir")"
if printf '%s' "$OUT" | grep -q 'CRC checked'; then
	fail "readback -o DIR prints success: $OUT"
else
	pass "readback -o DIR: no success line"
fi
run_h rb-noparent readback -i "$IF" -b "$B" -o "$W/no/such/dir/x.bin"
assert_rc "readback -o into a missing directory" 1 "$RC"
assert_match "readback -o into a missing directory: says so" \
	"cannot write \`$W/no/such/dir/x.bin': No such file or directory" "$ERR"
mkdir -p "$W/ro"
if mount -t tmpfs -o ro,size=64k ethdl-test "$W/ro"; then
	run_h rb-ro readback -i "$IF" -b "$B" -o "$W/ro/x.bin"
	umount "$W/ro"
	assert_rc "readback -o on a read-only file system" 1 "$RC"
	assert_match "readback -o read-only: says so" "cannot write \`$W/ro/x.bin': Read-only file system" "$ERR"
else
	it_log "note: cannot mount a tmpfs; read-only case not run"
fi
assert_eq "bad -o: no frame was sent (no session at the board)" "$n" "$(sessions)"

run_h rb-stdout readback -i "$IF" -b "$B" -o -
assert_rc "readback -o -" 0 "$RC"
assert_same_file "readback -o -: standard output is the board's file" "$OLD" "$W/rb-stdout.out"
[ ! -e "$W/-" ] && pass "readback -o -: no file named -" ||
	fail "readback -o - made a file named -"
assert_match "readback -o -: the success line on stderr" \
	"^ethdl: $B config -> standard output: 100000 bytes .*read back, CRC checked$" "$ERR"
run_h rb-stdout-json readback -i "$IF" -b "$B" -o - --json
assert_rc "readback -o - --json" 0 "$RC"
assert_same_file "readback -o - --json: standard output is only the file" "$OLD" "$W/rb-stdout-json.out"
if json_ok <"$W/rb-stdout-json.err"; then
	pass "readback -o - --json: the JSON line is on stderr"
else
	fail "readback -o - --json: stderr is not JSON: $ERR"
fi
assert_eq "readback -o - --json: file" "-" "$(json_get file <"$W/rb-stdout-json.err")"
assert_eq "readback -o - --json: result" ok "$(json_get result <"$W/rb-stdout-json.err")"
run_h rb-stdout-empty readback -i "$IF" -b "$B" -t parameter -o -
assert_rc "readback -o - of an empty slot" 1 "$RC"
assert_eq "readback -o - of an empty slot: nothing on standard output" 0 \
	"$(stat -c %s "$W/rb-stdout-empty.out")"
board_stop

# A read-back the board corrupts fails its CRC check: nothing reaches stdout.
board_start "$S" --corrupt-readback || exit 1
run_h rb-stdout-bad readback -i "$IF" -b "$B" -o -
assert_rc "readback -o - from a board that corrupts it: file CRC" 13 "$RC"
assert_eq "a read-back that fails its CRC: nothing on standard output" 0 \
	"$(stat -c %s "$W/rb-stdout-bad.out")"
board_stop

# An output that is a device gets the bytes; it is not replaced by a file.
board_start "$S" || exit 1
mknod "$W/null" c 1 3
run_h rb-dev readback -i "$IF" -b "$B" -o "$W/null"
assert_rc "readback -o DEVICE" 0 "$RC"
[ -c "$W/null" ] && pass "readback -o DEVICE: still a device" || fail "readback -o DEVICE replaced it"
board_stop

it_summary
