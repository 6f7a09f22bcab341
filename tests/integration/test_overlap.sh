#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Read-back as it comes (CAP_OVERLAP, PROTOCOL.md §10) over a real veth
# pair: a download verified while it goes, a store that lies about one byte
# (--corrupt-readback: READBACK_MISMATCH at size/2), 5% loss both ways, and
# --readback-after. Usage: test_overlap.sh BUILD_DIR
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

it_init "$1"
it_net_up
W=$IT_WORK
IF=$IT_IF_H
B=$IT_MAC_B
SIZE=$((8 << 20))

gen_file "$W/f8" "$SIZE" 8

# --- a plain download: verified, most of it while downloading.
board_start "$W/b1" -q || exit 1
IT_LAST_ERR=$W/ok.err
ethdl_h download -i "$IF" -b "$B" --json "$W/f8" >"$W/ok.out" 2>"$W/ok.err"
assert_rc "overlap: download verified" 0 $?
assert_same_file "overlap: board holds the file" "$W/f8" "$W/b1/config.bin"
during=$(json_get overlapped_bytes <"$W/ok.out")
after=$(json_get readback_after_bytes <"$W/ok.out")
assert_between "overlap: bytes compared during the download" 1 "$SIZE" "${during:-0}"
assert_eq "overlap: every byte compared" "$SIZE" "$(( ${during:-0} + ${after:-0} ))"

# --- --readback-after: the read-back of §4, nothing during the download.
ethdl_h download -i "$IF" -b "$B" --json --readback-after "$W/f8" >"$W/after.out" 2>"$W/after.err"
assert_rc "--readback-after: verified" 0 $?
assert_eq "--readback-after: nothing compared during the download" 0 \
	"$(json_get overlapped_bytes <"$W/after.out")"
assert_eq "--readback-after: every byte after" "$SIZE" \
	"$(json_get readback_after_bytes <"$W/after.out")"
board_stop

# --- a store that lies about the byte at size/2.
board_start "$W/b2" -q --corrupt-readback || exit 1
IT_LAST_ERR=$W/bad.err
ethdl_h download -i "$IF" -b "$B" --json "$W/f8" >"$W/bad.out" 2>"$W/bad.err"
assert_rc "--corrupt-readback: READBACK_MISMATCH" 15 $?
assert_eq "--corrupt-readback: at size/2" $((SIZE / 2)) "$(json_get offset <"$W/bad.out")"
assert_eq "--corrupt-readback: one byte" 1 "$(json_get differing <"$W/bad.out")"
board_stop

# --- 5% loss both ways at the board.
board_start "$W/b3" -q --drop 0.05 --seed 5 || exit 1
IT_LAST_ERR=$W/loss.err
ethdl_h download -i "$IF" -b "$B" --json "$W/f8" >"$W/loss.out" 2>"$W/loss.err"
assert_rc "5% drop: verified" 0 $?
assert_same_file "5% drop: board holds the file" "$W/f8" "$W/b3/config.bin"
during=$(json_get overlapped_bytes <"$W/loss.out")
after=$(json_get readback_after_bytes <"$W/loss.out")
assert_between "5% drop: every byte compared" "$SIZE" $((SIZE * 2)) \
	"$(( ${during:-0} + ${after:-0} ))"
board_stop

it_summary
