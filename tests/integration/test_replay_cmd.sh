#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ethdl replay over a real veth pair: every committed host-side capture,
# replayed against ethdl-board run with the flags it was recorded with
# (captures/README.md), answers as recorded (exit 0); a board that
# misbehaves diverges at the right frame (exit 20); a pcapng recorded here by
# dumpcap during a live download replays too. Usage: test_replay_cmd.sh BUILD_DIR
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
CAPS=$here/../../captures

it_init "$1"
it_net_up
W=$IT_WORK
IF=$IT_IF_H
B=$IT_MAC_B

# replay NAME WANT_RC [BOARD_FLAGS...] -- [REPLAY_FLAGS...]: a fresh board
# (empty state directory, as at recording time), one replay of CAPTURE.
# Leaves the JSON line in $W/NAME.out.
n=0
replay() {
	local cap=$1 want=$2 rc name
	shift 2
	split_flags "$@"
	n=$((n + 1))
	name=$(basename "$cap" .pcap).$n
	rm -rf "$W/state"
	board_start "$W/state" -q "${IT_BFLAGS[@]}" || return 1
	IT_LAST_ERR=$W/$name.err
	timeout -k 5 60 ip netns exec "$IT_NS_H" "$ETHDL" replay -i "$IF" -b "$B" --json \
		"${IT_HFLAGS[@]}" "$cap" >"$W/$name.out" 2>"$W/$name.err"
	rc=$?
	board_stop
	LAST_OUT=$W/$name.out
	assert_rc "replay $(basename "$cap") against board ${IT_BFLAGS[*]}" "$want" "$rc"
	[ "$rc" = "$want" ] || cat "$W/$name.out" >&2
}

# --- every committed host-side capture, with its recording's board flags
declare -A flags=(
	[happy_windowed]=""
	[happy_strict]=""
	[connect_failed]="--silent"
	[frame_crc]="--corrupt 0.2 --impair-on tx --seed 4"
	[file_crc]="--flip-received"
	[timeout]="--silent-after 4"
	[readback_mismatch]="--corrupt-readback"
	[wrong_command]="--wrong-reply"
)
for cap in "$CAPS"/*.pcap; do
	base=$(basename "$cap" .pcap)
	case $base in *_board) continue ;; esac
	# Several sessions (device), several boards (group) or an
	# authenticated session, whose sealed frames no other session can
	# take, or a read-back as it comes, whose chunks follow the board's own
	# timing: looked at (tests/test_wireshark.sh), not replayed.
	case $base in device | group | secure | overlap)
		echo "SKIPPED: $base.pcap is not replayed (captures/README.md)"
		continue ;;
	esac
	if [ -z "${flags[$base]+x}" ]; then
		fail "$base.pcap: no board flags known for it (add them here)"
		continue
	fi
	# shellcheck disable=SC2086
	replay "$cap" 0 ${flags[$base]} --
	assert_eq "$base: result" match "$(json_get result <"$LAST_OUT")"
done

# --- divergences, at the frame that differs
# happy_windowed against a board that corrupts the read-back: the READBACK_DATA
# holding the damaged byte, offset 2500 (as in readback_mismatch.json): seq 2,
# frame 25 of captures/happy_windowed.pcap.
replay "$CAPS/happy_windowed.pcap" 20 --corrupt-readback --
assert_eq "corrupt-readback: diverged" diverged "$(json_get result <"$LAST_OUT")"
assert_eq "corrupt-readback: at frame 25" 25 "$(json_get frame <"$LAST_OUT")"
assert_eq "corrupt-readback: byte 1021 of the frame" "data byte 1021" "$(json_get field <"$LAST_OUT")"
assert_match "corrupt-readback: expected READBACK_DATA" '^READBACK_DATA seq 2' \
	"$(json_get expected <"$LAST_OUT")"
# against a board answering DOWNLOAD with READBACK_ACK: the DOWNLOAD_ACK, frame 4.
replay "$CAPS/happy_windowed.pcap" 20 --wrong-reply --
assert_eq "wrong-reply: at frame 4" 4 "$(json_get frame <"$LAST_OUT")"
assert_eq "wrong-reply: the code" code "$(json_get field <"$LAST_OUT")"
assert_match "wrong-reply: got READBACK_ACK" '^READBACK_ACK' "$(json_get got <"$LAST_OUT")"
# the other way round: the wrong_command capture against a sound board.
replay "$CAPS/wrong_command.pcap" 20 --
assert_eq "wrong_command vs sound board: at frame 4" 4 "$(json_get frame <"$LAST_OUT")"
# a board that never answers: 11, in about the 3-second timer (--timeout 1 here).
replay "$CAPS/happy_strict.pcap" 11 --silent -- --timeout 1
assert_eq "silent board: no answer" "no answer" "$(json_get result <"$LAST_OUT")"
# --speed recorded keeps the recorded gaps: timeout.pcap's host waited 3 s.
t=$(now_ms)
replay "$CAPS/timeout.pcap" 0 --silent-after 4 -- --speed recorded
assert_between "timeout.pcap at recorded speed takes its 3 s" 2900 8000 $(($(now_ms) - t))
# text output names the frame, both decoded frames and the field
rm -rf "$W/state"
board_start "$W/state" -q --wrong-reply && {
	ethdl_h replay -i "$IF" -b "$B" "$CAPS/happy_strict.pcap" >"$W/text.out" 2>&1
	assert_rc "text: exit 20" 20 $?
	board_stop
	assert_match "text: frame and both frames" \
		"frame 4 of .*happy_strict.pcap: code differs" "$(cat "$W/text.out")"
	assert_match "text: expected decoded" "expected DOWNLOAD_ACK seq 0 type=1" "$(cat "$W/text.out")"
}

# --- board side: ethdl download against the board's recording played by
# ethdl replay --board-side; the same file (captures/README.md: 5000
# splitmix64 bytes from seed 1, named config-5000.bin) and host flags.
"$IT_PYTHON" - "$W/config-5000.bin" <<'PY'
import sys
M = (1 << 64) - 1
x, out = 1, bytearray()
while len(out) < 5000:
    x = (x + 0x9E3779B97F4A7C15) & M
    z = x
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    z ^= z >> 31
    out += z.to_bytes(8, "little")
open(sys.argv[1], "wb").write(out[:5000])
PY
board_side() { # board_side NAME [download flags]
	local name=$1 rpid i rc
	shift
	ip netns exec "$IT_NS_B" "$ETHDL" replay -i "$IT_IF_B" --board-side --json \
		"$CAPS/$name.pcap" >"$W/bs.$name.out" 2>"$W/bs.$name.err" &
	rpid=$!
	for i in $(seq 100); do grep -q waiting "$W/bs.$name.err" 2>/dev/null && break; sleep 0.05; done
	(cd "$W" && timeout -k 5 30 ip netns exec "$IT_NS_H" "$ETHDL" download -i "$IF" -b "$B" "$@" \
		config-5000.bin >"$W/bs.$name.dl" 2>&1)
	assert_rc "board side $name: download against it" 0 $?
	( sleep 15; kill -TERM "$rpid" 2>/dev/null ) & local guard=$!
	wait "$rpid"
	rc=$?
	kill "$guard" 2>/dev/null
	IT_LAST_ERR=$W/bs.$name.err assert_rc "board side $name: replay --board-side" 0 "$rc"
	assert_eq "board side $name: match" match "$(json_get result <"$W/bs.$name.out")"
	[ "$rc" = 0 ] || cat "$W/bs.$name.out" "$W/bs.$name.dl" >&2
}
board_side happy_strict_board --strict
board_side happy_windowed_board

# --- a pcapng recorded by dumpcap during a live download, replayed
DUMPCAP=$(command -v dumpcap || true)
if [ -z "$DUMPCAP" ]; then
	echo "SKIPPED: pcapng recorded by dumpcap (dumpcap is not installed)"
else
	gen_file "$W/f.bin" 20000 7
	rm -rf "$W/state"
	board_start "$W/state" -q
	# (a background job ignores SIGINT: stopped with SIGTERM, and by -a in any case)
	host "$DUMPCAP" -q -a duration:30 -i "$IF" -f "ether proto 0x88b5" -w "$W/live.pcapng" 2>"$W/dumpcap.err" &
	dpid=$!
	for _ in $(seq 100); do [ -s "$W/live.pcapng" ] && break; sleep 0.05; done
	sleep 0.3
	ethdl_h download -i "$IF" -b "$B" "$W/f.bin" >/dev/null 2>"$W/dl.err"
	assert_rc "download while dumpcap records" 0 $?
	sleep 0.3
	kill -TERM "$dpid" 2>/dev/null
	wait "$dpid"
	board_stop
	assert_eq "dumpcap wrote pcapng" 0a0d0d0a "$(od -An -N4 -tx1 "$W/live.pcapng" | tr -d ' \n')"
	replay "$W/live.pcapng" 0 --
	assert_eq "pcapng: result" match "$(json_get result <"$LAST_OUT")"
fi

it_summary
