#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Integration test: each way of sending frames (ETHDL_SEND=libnet, sendmmsg,
# bypass) carries a download that the board stores and the host reads back
# identical (libnet and sendmmsg on the board's side too); -v, --json and the
# board's first line say which path was used; and --rate
# is honoured over veth, within a tolerance taken from the same run: the
# paced download lasts at least its frames' bits at the rate (less the
# pacer's credit) and at most 1.3 times that plus what the unpaced
# download took.
# --capture, over the batched path, records every data frame sent.
#
#   tests/integration/test_sendpath.sh BUILD_DIR
#
# Exit 0 if everything passed, 1 if anything failed, 77 (skip) when not root
# or without `ip netns`.

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

it_init "${1:-}"
it_net_up

W=$IT_WORK
S=$W/state
IF=$IT_IF_H
B=$IT_MAC_B

# field NAME FILE: a number or string field of the last JSON line of FILE
# (without python: it starts slowly on a busy machine).
field() {
	tail -1 "$2" | sed -n "s/.*\"$1\":\"\{0,1\}\([^,\"}]*\).*/\1/p"
}

# dl PATH NAME ARGS...: download with ETHDL_SEND=PATH; sets RC.
dl() {
	local path=$1 name=$2

	shift 2
	IT_LAST_ERR=$W/$name.err
	host env ETHDL_SEND="$path" "$ETHDL" download -i "$IF" -b "$B" "$@" \
		>"$W/$name.out" 2>"$W/$name.err"
	RC=$?
}

gen_file "$W/f" $((4 << 20)) 11

# path BOARD_PATH HOST_PATH: a verified download, sent by HOST_PATH, read
# back from a board sending by BOARD_PATH (the board already started).
path() {
	dl "$2" "dl-$2" -v --json "$W/f"
	assert_rc "download 4 MiB, read back, board $1, host $2" 0 "$RC"
	assert_eq "--json says send_path $2" "$2" "$(field send_path "$W/dl-$2.out")"
	assert_match "-v says the path" "frames sent by $2" "$(cat "$W/dl-$2.err")"
	assert_same_file "host $2: stored identical" "$W/f" "$S/config.bin"
}

echo "== each send path, on the host and on the board =="
ETHDL_SEND=libnet board_start "$S"
assert_match "the board says its path" "frames sent by libnet" "$(cat "$IT_BOARD_LOG")"
path libnet libnet
board_stop
board_start "$S"
path sendmmsg sendmmsg
path sendmmsg bypass

echo "== --capture sees every frame sent in batches =="
dl sendmmsg cap --no-readback --capture "$W/cap.pcap" --json "$W/f"
assert_rc "download with --capture" 0 "$RC"
dl nosuch dl-nosuch "$W/f"
assert_rc "ETHDL_SEND=nosuch is refused" 1 "$RC"
assert_match "ETHDL_SEND=nosuch: says why" "ETHDL_SEND=nosuch" "$(cat "$W/dl-nosuch.err")"

echo "== --rate over veth =="
dl sendmmsg free --no-readback --json "$W/f"
assert_rc "unpaced download" 0 "$RC"
RATE=50000000
dl sendmmsg paced --no-readback --rate $RATE --json "$W/f"
assert_rc "download at --rate 50M" 0 "$RC"
board_stop

# FILE_DATA frames (code 0x04 at byte 26) from the host in the capture.
sent=$(field data_frames_sent "$W/cap.out")
got=$("$IT_PYTHON" - "$W/cap.pcap" "$IT_MAC_H" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
src = bytes.fromhex(sys.argv[2].replace(":", ""))
big = d[:4] == b"\xa1\xb2\xc3\xd4"
off, n = 24, 0
while off + 16 <= len(d):
    incl = struct.unpack(">I" if big else "<I", d[off + 8:off + 12])[0]
    f = d[off + 16:off + 16 + incl]
    if f[6:12] == src and f[12:14] == b"\x88\xb5" and len(f) > 26 and f[26] == 4:
        n += 1
    off += 16 + incl
print(n)
PY
)
assert_between "--capture: data frames sent" 2000 4000 "${sent:-0}"
assert_eq "--capture: every data frame sent is in the capture" "$sent" "$got"

# The paced download against the frames' bits at the rate.
frames=$(field data_frames_sent "$W/paced.out")
free=$(field seconds "$W/free.out")
paced=$(field seconds "$W/paced.out")
if awk -v f="${frames:-0}" -v free="${free:-0}" -v t="${paced:-0}" -v rate=$RATE 'BEGIN {
	wire = f * 1514 * 8      # every data frame of a 1479-byte block is 1514 bytes
	ideal = wire / rate
	lo = ideal - 0.006       # the pacer credit: a batch (1 ms) and its slack (5 ms)
	hi = 1.3 * ideal + free  # late wake-ups past the credit lose time on a busy machine
	printf "--rate: %.3f s for %d frames (%.1f Mbit/s on the wire), expected %.3f..%.3f s (unpaced %.3f s)\n", t, f, wire / t / 1e6, lo, hi, free
	exit !(f > 0 && t >= lo && t <= hi)
}'; then
	pass "--rate is honoured"
else
	fail "--rate is not honoured"
fi

it_summary
