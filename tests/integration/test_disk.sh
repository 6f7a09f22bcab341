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
	it_log "SKIPPED: cannot mount a tmpfs"
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

sha256() {
	"$IT_PYTHON" -c '
import sys, hashlib
print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())
' "$1"
}

# What the board's record says of its active config image: "SIZE SHA-256".
meta_of() {
	ethdl_h info -i "$IF" -b "$B" --json 2>/dev/null | "$IT_PYTHON" -c '
import json, sys
j = json.loads([l for l in sys.stdin.read().splitlines() if l.strip()][-1])
for s in j["slots"]:
    if s["type"] == "config" and s["active"]:
        print(s["active"]["bytes"], s["active"]["sha256"])
' 2>/dev/null
}

listing() { (cd "$S" && ls | tr '\n' ' ' | sed 's/ $//'); }
parts() { (cd "$S" && ls | grep -c '\.part$'); }

echo "== a board with one file, on a 2 MiB disk =="
board_start "$S" || exit 1
OLD=$W/old
gen_file "$OLD" 300000 61
run dl-old download -i "$IF" -b "$B" --json "$OLD"
assert_rc "download the old file" 0 "$RC"
assert_same_file "old file stored" "$OLD" "$S/config.bin"
assert_eq "old file's metadata" "300000 $(sha256 "$OLD")" "$(meta_of)"
BEFORE=$(listing)

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
assert_eq "board's metadata still that of the old file" "300000 $(sha256 "$OLD")" "$(meta_of)"
assert_eq "nothing left of the refused download" "$BEFORE" "$(listing)"
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
assert_eq "new file's metadata" "$((FREE - PAGE)) $(sha256 "$SMALL")" "$(meta_of)"
run rb-small readback -i "$IF" -b "$B" -o "$W/rb-small"
assert_rc "readback of the new file" 0 "$RC"
assert_same_file "readback gives the new file" "$SMALL" "$W/rb-small"
assert_eq "no part left" 0 "$(parts)"
board_stop

it_summary
