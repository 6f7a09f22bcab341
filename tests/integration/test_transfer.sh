#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Line-rate transfer features over a real veth pair: selective repair under
# loss, resume after the host is killed, jumbo frames, pacing, and a board
# whose disk is full. Usage: test_transfer.sh BUILD_DIR
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

it_init "$1"
it_net_up
W=$IT_WORK
IF=$IT_IF_H
B=$IT_MAC_B

frames_needed() { echo $(( ($1 + $2 - 1) / $2 )); }

# --- 5% drop at the board, both ways: completes, identical, few resends.
gen_file "$W/f16" $((16 << 20)) 16
board_start "$W/b1" -q --drop 0.05 --seed 11 || exit 1
ethdl_h download -i "$IF" -b "$B" --json "$W/f16" >"$W/drop.out" 2>"$W/drop.err"
assert_rc "5% drop: download + read-back" 0 $?
assert_same_file "5% drop: board holds the file" "$W/f16" "$W/b1/config.bin"
sent=$(json_get data_frames_sent <"$W/drop.out")
need=$(json_get frames <"$W/drop.out")
# 5% of the data frames are lost (plus lost reports); at most 15% resent.
assert_between "5% drop: frames sent vs needed" "$need" $((need * 115 / 100)) "${sent:-0}"
board_stop

# --- resume: kill the host mid-download, run again.
gen_file "$W/old" 5000 5
gen_file "$W/f32" $((32 << 20)) 32
board_start "$W/b2" -q || exit 1
ethdl_h download -i "$IF" -b "$B" "$W/old" >/dev/null 2>&1
assert_rc "resume: a first file in place" 0 $?
# 100 Mbit/s pacing: 32 MiB takes ~2.8 s, so 1 s in is mid-download.
ip netns exec "$IT_NS_H" "$ETHDL" download -i "$IF" -b "$B" --rate 100M "$W/f32" \
	>/dev/null 2>&1 &
pid=$!
sleep 1
kill -KILL "$pid"
wait "$pid" 2>/dev/null
assert_same_file "resume: after the kill the board still holds the old file" "$W/old" "$W/b2/config.bin"
ethdl_h download -i "$IF" -b "$B" --json "$W/f32" >"$W/resume.out" 2>"$W/resume.err"
assert_rc "resume: second run" 0 $?
assert_same_file "resume: board holds the new file" "$W/f32" "$W/b2/config.bin"
resumed=$(json_get resumed_frames <"$W/resume.out")
sent=$(json_get data_frames_sent <"$W/resume.out")
need=$(json_get frames <"$W/resume.out")
assert_between "resume: the board kept frames" 1 "$need" "${resumed:-0}"
assert_between "resume: fewer frames sent than a full download" 1 $((need - 1)) "${sent:-0}"
board_stop

# --- resume after the board restarts: kill -9 the board mid-download (after
# its first checkpoint), start it again, run the download again.
board_start "$W/b6" -q || exit 1
ethdl_h download -i "$IF" -b "$B" "$W/old" >/dev/null 2>&1
assert_rc "board restart: a first file in place" 0 $?
ip netns exec "$IT_NS_H" "$ETHDL" download -i "$IF" -b "$B" --rate 100M "$W/f32" \
	>/dev/null 2>&1 &
pid=$!
sleep 1.6
kill -KILL "$IT_BOARD_PID"
wait "$IT_BOARD_PID" 2>/dev/null
IT_BOARD_PID=
wait "$pid" 2>/dev/null
assert_same_file "board restart: the board still holds the old file" "$W/old" "$W/b6/config.bin"
board_start "$W/b6" -q || exit 1
ethdl_h download -i "$IF" -b "$B" --json "$W/f32" >"$W/restart.out" 2>"$W/restart.err"
IT_LAST_ERR=$W/restart.err assert_rc "board restart: the download again" 0 $?
assert_same_file "board restart: board holds the new file" "$W/f32" "$W/b6/config.bin"
resumed=$(json_get resumed_frames <"$W/restart.out")
need=$(json_get frames <"$W/restart.out")
assert_between "board restart: the board kept frames across the restart" 1 "$need" "${resumed:-0}"
board_stop

# --- pacing: --rate 50M on 4 MiB takes at least ~0.6 s (4 MiB * 8 / 50e6).
gen_file "$W/f4" $((4 << 20)) 4
board_start "$W/b3" -q || exit 1
t0=$(now_ms)
ethdl_h download -i "$IF" -b "$B" --no-readback --rate 50M "$W/f4" >/dev/null 2>&1
rc=$?
t1=$(now_ms)
assert_rc "pacing: --rate 50M" 0 "$rc"
assert_between "pacing: 4 MiB at 50 Mbit/s takes >= 600 ms" 600 60000 $((t1 - t0))
board_stop

# --- jumbo frames: MTU 9000 on both ends, 8979-byte blocks.
ip -n "$IT_NS_H" link set "$IT_IF_H" mtu 9000
ip -n "$IT_NS_B" link set "$IT_IF_B" mtu 9000
board_start "$W/b4" -q || exit 1
ethdl_h download -i "$IF" -b "$B" --json "$W/f16" >"$W/jumbo.out" 2>"$W/jumbo.err"
assert_rc "jumbo: download + read-back at MTU 9000" 0 $?
assert_same_file "jumbo: board holds the file" "$W/f16" "$W/b4/config.bin"
assert_eq "jumbo: 8979-byte blocks" "$(frames_needed $((16 << 20)) 8979)" "$(json_get frames <"$W/jumbo.out")"
board_stop
ip -n "$IT_NS_H" link set "$IT_IF_H" mtu 1500
ip -n "$IT_NS_B" link set "$IT_IF_B" mtu 1500

# --- link flap: the board's interface goes down and up while it serves; the
# first session after it succeeds (a reply the nic refused is sent again).
board_start "$W/b5" -q || exit 1
for i in 1 2; do
	ip -n "$IT_NS_B" link set "$IT_IF_B" down
	sleep 0.2
	ip -n "$IT_NS_B" link set "$IT_IF_B" up
	ethdl_h download -i "$IF" -b "$B" --json "$W/old" >"$W/flap.out" 2>"$W/flap.err"
	IT_LAST_ERR="$W/flap.err" assert_rc "link flap $i: the first download after it" 0 $?
	assert_same_file "link flap $i: board holds the file" "$W/old" "$W/b5/config.bin"
done
board_stop
# The kernel reports the link running again up to a second after it is up.
for i in $(seq 50); do
	ip netns exec "$IT_NS_B" cat "/sys/class/net/$IT_IF_B/operstate" | grep -qx up && break
	sleep 0.1
done

# --- a board whose disk is full refuses before any data moves, keeps its file.
mkdir -p "$W/small"
if mount -t tmpfs -o size=1m ethdl-test "$W/small"; then
	trap 'rc=$?; umount "$W/small" 2>/dev/null; (exit $rc); it_cleanup' EXIT
	board_start "$W/small" -q || exit 1
	ethdl_h download -i "$IF" -b "$B" "$W/old" >/dev/null 2>&1
	assert_rc "full disk: a small file fits" 0 $?
	ethdl_h download -i "$IF" -b "$B" "$W/f4" >"$W/full.out" 2>"$W/full.err"
	assert_rc "full disk: a 4 MiB file is refused" 1 $?
	assert_match "full disk: the message names it" "No space left on device" "$(cat "$W/full.err")"
	assert_same_file "full disk: the board kept its file" "$W/old" "$W/small/config.bin"
	board_stop
	umount "$W/small"
else
	it_log "note: cannot mount a tmpfs; full-disk case not run"
fi

it_summary
