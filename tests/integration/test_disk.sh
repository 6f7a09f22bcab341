#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Integration test: a board whose disk is full. The board's state directory
# is a small tmpfs (in a mount namespace of this test's own), already holding
# a file. A download of exactly the free space must be refused (no room for
# its metadata) and change nothing: the old file, its metadata and CRC, no
# part left, the free space as it was. A download one page smaller (the file
# and its metadata fill the disk exactly) then goes in and reads back
# identical. (Bug 6: the board used to replace the file and report failure.)
#
#   tests/integration/test_disk.sh BUILD_DIR
#
# Exit 0 if everything passed, 1 if anything failed, 77 (skip) when not root
# or without `ip netns` or `unshare`. IT_KEEP=1 keeps the work directory.

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

it_private_mounts "$@"
it_init "${1:-}"
it_net_up

W=$IT_WORK
S=$W/state
IF=$IT_IF_H
B=$IT_MAC_B
PAGE=$(getconf PAGESIZE)

if ! it_tmpfs "$S" $((2 << 20)); then
	it_log "SKIP: cannot mount a tmpfs"
	exit $IT_SKIP
fi

run() {
	local name=$1

	shift
	IT_LAST_ERR=$W/$name.err
	ethdl_h "$@" >"$W/$name.out" 2>"$W/$name.err"
	RC=$?
	OUT=$(cat "$W/$name.out")
	ERR=$(cat "$W/$name.err")
}

free_bytes() { echo $(($(stat -f -c '%a * %S' "$S"))); }

crc32() {
	"$IT_PYTHON" -c '
import sys, zlib
print("%08x" % (zlib.crc32(open(sys.argv[1], "rb").read()) & 0xffffffff))
' "$1"
}

# The metadata the board keeps for config.bin: "SIZE CRC".
meta_of() {
	sed -n 's/^size \([0-9]*\)$/\1/p; s/^crc \([0-9a-f]*\)$/\1/p' "$S/config.meta" |
		tr '\n' ' ' | sed 's/ $//'
}

echo "== a board with one file, on a 2 MiB disk =="
board_start "$S" || exit 1
OLD=$W/old
gen_file "$OLD" 300000 61
run dl-old download -i "$IF" -b "$B" --json "$OLD"
assert_rc "download the old file" 0 "$RC"
assert_same_file "old file stored" "$OLD" "$S/config.bin"
assert_eq "old file's metadata" "300000 $(crc32 "$OLD")" "$(meta_of)"

FREE=$(free_bytes)
echo "free on the board's disk: $FREE bytes"

echo "== a file of exactly the free space =="
BIG=$W/big
gen_file "$BIG" "$FREE" 62
run dl-big download -i "$IF" -b "$B" --json "$BIG"
assert_rc "download of exactly the free space is refused" 1 "$RC"
assert_match "the refusal names the lack of space" "[Nn]o space" "$OUT $ERR"
assert_eq "result is a local failure, not a notice" 1 "$(json_get exit <"$W/dl-big.out")"
assert_same_file "board's config.bin is still the old file" "$OLD" "$S/config.bin"
assert_eq "board's metadata still that of the old file" "300000 $(crc32 "$OLD")" "$(meta_of)"
assert_eq "nothing left of the refused download" "config.bin config.meta" \
	"$(cd "$S" && ls | tr '\n' ' ' | sed 's/ $//')"
assert_eq "free space as before" "$FREE" "$(free_bytes)"
# The host checks the data read back against the CRC the board announces
# from its metadata (else exit 13): exit 0 means both are the old file's.
run rb-old readback -i "$IF" -b "$B" -o "$W/rb-old" --json
assert_rc "readback after the refusal" 0 "$RC"
assert_same_file "readback gives the old file" "$OLD" "$W/rb-old"

echo "== one page less: the file and its metadata fill the disk =="
SMALL=$W/small
gen_file "$SMALL" $((FREE - PAGE)) 63
run dl-small download -i "$IF" -b "$B" --json "$SMALL"
assert_rc "download of the free space less one page" 0 "$RC"
assert_same_file "board's config.bin is the new file" "$SMALL" "$S/config.bin"
assert_same_file "the old file is kept as config.prev" "$OLD" "$S/config.prev"
assert_eq "new file's metadata" "$((FREE - PAGE)) $(crc32 "$SMALL")" "$(meta_of)"
run rb-small readback -i "$IF" -b "$B" -o "$W/rb-small"
assert_rc "readback of the new file" 0 "$RC"
assert_same_file "readback gives the new file" "$SMALL" "$W/rb-small"
assert_eq "no part left" "config.bin config.meta config.prev" \
	"$(cd "$S" && ls | tr '\n' ' ' | sed 's/ $//')"
board_stop

it_summary
