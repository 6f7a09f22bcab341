#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Integration test: each way of sending frames (ETHDL_SEND=libnet, sendmmsg,
# bypass) carries a download that the board stores and the host reads back
# identical, on both ends; -v and --json say which path was used; and --rate
# is honoured over veth, within a tolerance taken from the same run: the
# paced download lasts at least its frames' bits at the rate (less the
# pacer's credit) and at most that plus what the unpaced download took.
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

echo "== each send path, on the host and on the board =="
for path in libnet sendmmsg bypass; do
	ETHDL_SEND=$path board_start "$S" || continue
	dl "$path" "dl-$path" -v --json "$W/f"
	assert_rc "download 4 MiB, read back, ETHDL_SEND=$path" 0 "$RC"
	assert_eq "--json says send_path $path" "$path" "$(json_get send_path <"$W/dl-$path.out")"
	assert_match "-v says the path" "frames sent by $path" "$(cat "$W/dl-$path.err")"
	assert_same_file "ETHDL_SEND=$path: stored identical" "$W/f" "$S/config.bin"
	board_stop
done

dl nosuch dl-nosuch "$W/f"
assert_rc "ETHDL_SEND=nosuch is refused" 1 "$RC"
assert_match "ETHDL_SEND=nosuch: says why" "ETHDL_SEND=nosuch" "$(cat "$W/dl-nosuch.err")"

echo "== --rate over veth =="
board_start "$S"
dl sendmmsg free --no-readback --json "$W/f"
assert_rc "unpaced download" 0 "$RC"
RATE=50000000
dl sendmmsg paced --no-readback --rate $RATE --json "$W/f"
assert_rc "download at --rate 50M" 0 "$RC"
board_stop
"$IT_PYTHON" - "$W/free.out" "$W/paced.out" $RATE <<'PY'
import json, sys
free = json.loads(open(sys.argv[1]).read().splitlines()[-1])
paced = json.loads(open(sys.argv[2]).read().splitlines()[-1])
rate = int(sys.argv[3])
frames = paced["data_frames_sent"]
# every data frame of a 1479-byte block is 1514 bytes on the wire
wire = frames * 1514 * 8
ideal = wire / rate
# the pacer's credit: a batch (1 ms) and its slack (5 ms)
credit = 0.006
lo, hi = ideal - credit, ideal + free["seconds"] + 0.05 * ideal
ok = lo <= paced["seconds"] <= hi
print("%s: --rate: %.3f s for %d frames (%.1f Mbit/s on the wire), "
      "expected %.3f..%.3f s (unpaced %.3f s)"
      % ("PASS" if ok else "FAIL", paced["seconds"], frames,
         wire / paced["seconds"] / 1e6, lo, hi, free["seconds"]))
sys.exit(0 if ok else 1)
PY
if [ $? -eq 0 ]; then pass "--rate is honoured"; else fail "--rate is not honoured"; fi

it_summary
