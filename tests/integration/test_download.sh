#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Integration test: ethdl and ethdl-board over a real veth pair between two
# network namespaces made by this script. Downloads, read-backs, the strict
# exchange, every error notice reached over the link, and bad input.
#
#   tests/integration/test_download.sh BUILD_DIR
#
# Exit 0 if everything passed, 1 if anything failed, 77 (skip) when not root
# or without `ip netns`. IT_KEEP=1 keeps the work directory.

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

it_init "${1:-}"
it_net_up

W=$IT_WORK
S=$W/state          # the board's state directory, kept across all cases
IF=$IT_IF_H
B=$IT_MAC_B
T0=$(now_ms)

# The block size the code uses on a 1500-byte MTU: FRAME_DATA_FOR_MTU(mtu),
# i.e. MTU - FRAME_OVERHEAD (21): 1479 bytes per data frame.
MTU=$(ip -n "$IT_NS_H" -o link show "$IF" | sed -n 's/.* mtu \([0-9]*\).*/\1/p')
BLOCK=$((MTU - 21))

# run_dl NAME ARGS...: ethdl in the host namespace; sets RC, OUT (stdout), ERR
# (stderr) and MS (elapsed milliseconds).
run_dl() {
	local name=$1 t

	shift
	t=$(now_ms)
	IT_LAST_ERR=$W/$name.err
	ethdl_h "$@" >"$W/$name.out" 2>"$W/$name.err"
	RC=$?
	MS=$(($(now_ms) - t))
	OUT=$(cat "$W/$name.out")
	ERR=$(cat "$W/$name.err")
}

# check_json NAME: the --json output of the last run parses, one object a line.
check_json() {
	if json_ok <"$W/$1.out"; then
		pass "$1: --json output parses"
	else
		fail "$1: --json output does not parse: $(head -c 300 "$W/$1.out")"
	fi
}

echo "== downloads of edge sizes (MTU $MTU, block $BLOCK) =="
board_start "$S"
for size in 0 1 $BLOCK $((BLOCK + 1)) $((64 << 20)) $((1 << 20)); do
	f=$W/file.$size
	gen_file "$f" "$size" "$size"
	run_dl "dl-$size" download -i "$IF" -b "$B" --json "$f"
	assert_rc "download $size B" 0 "$RC"
	check_json "dl-$size"
	assert_same_file "download $size B: board's config.bin identical" "$f" "$S/config.bin"
	frames=$(json_get frames <"$W/dl-$size.out")
	assert_eq "download $size B: frame count" $(((size + BLOCK - 1) / BLOCK)) "$frames"
	if [ "$size" -eq $((64 << 20)) ]; then
		"$IT_PYTHON" -c '
import json, sys
j = json.loads(sys.stdin.read().splitlines()[-1])
print("64MiB: %.2f s, %.1f MB/s" % (j["seconds"], j["bytes"] / j["seconds"] / 1e6))
' <"$W/dl-$size.out"
	fi
done
rm -f "$W/file.$((64 << 20))"
GOOD=$W/known                   # what config.bin holds from here on
cp "$W/file.$((1 << 20))" "$GOOD"

echo "== file types and read-back =="
gen_file "$W/algo" 100000 42
run_dl dl-algo download -i "$IF" -b "$B" -t algorithm --json "$W/algo"
assert_rc "download -t algorithm" 0 "$RC"
assert_same_file "-t algorithm lands in algorithm.bin" "$W/algo" "$S/algorithm.bin"
assert_same_file "config.bin untouched by the algorithm download" "$GOOD" "$S/config.bin"

run_dl rb-config readback -i "$IF" -b "$B" -o "$W/rb-config" --json
assert_rc "readback config" 0 "$RC"
check_json rb-config
assert_same_file "readback config gives back the same bytes" "$GOOD" "$W/rb-config"
run_dl rb-algo readback -i "$IF" -b "$B" -t algorithm -o "$W/rb-algo"
assert_rc "readback algorithm" 0 "$RC"
assert_same_file "readback algorithm gives back the same bytes" "$W/algo" "$W/rb-algo"
run_dl rb-none readback -i "$IF" -b "$B" -t parameter -o "$W/rb-none"
assert_rc "readback of an empty slot fails" 1 "$RC"
[ ! -e "$W/rb-none" ] && pass "readback of an empty slot leaves no output file" ||
	fail "readback of an empty slot left $W/rb-none"

echo "== strict exchange =="
gen_file "$W/strict" $((1 << 20)) 1001
run_dl dl-strict-host download -i "$IF" -b "$B" --strict --json "$W/strict"
assert_rc "download --strict 1 MiB" 0 "$RC"
assert_eq "download --strict: exchange" strict "$(json_get exchange <"$W/dl-strict-host.out")"
assert_same_file "download --strict: stored identical" "$W/strict" "$S/config.bin"
board_stop

board_start "$S" --strict
run_dl dl-strict-board download -i "$IF" -b "$B" --json "$GOOD"
assert_rc "download 1 MiB to ethdl-board --strict" 0 "$RC"
assert_eq "board --strict: exchange" strict "$(json_get exchange <"$W/dl-strict-board.out")"
assert_same_file "board --strict: stored identical" "$GOOD" "$S/config.bin"
run_dl rb-strict readback -i "$IF" -b "$B" -o "$W/rb-strict"
assert_rc "readback from ethdl-board --strict" 0 "$RC"
assert_same_file "strict readback identical" "$GOOD" "$W/rb-strict"
board_stop

echo "== lossy link =="
gen_file "$W/f4m" $((4 << 20)) 4
board_start "$S" --drop 0.05 --seed 7
run_dl dl-drop download -i "$IF" -b "$B" --json "$W/f4m"
assert_rc "4 MiB over --drop 0.05 --seed 7" 0 "$RC"
assert_same_file "4 MiB over a lossy link: stored identical" "$W/f4m" "$S/config.bin"
board_stop
# Seed 7 damages the CONNECT_ACK: the windowed host must wait for the
# resent one, not give up (it used to exit 12 at once).
gen_file "$W/f1m" $((1 << 20)) 5
board_start "$S" --corrupt 0.05 --seed 7
run_dl dl-corrupt download -i "$IF" -b "$B" --json "$W/f1m"
assert_rc "1 MiB over --corrupt 0.05 --seed 7 (windowed repair)" 0 "$RC"
assert_same_file "1 MiB over a corrupting link: stored identical" "$W/f1m" "$S/config.bin"
board_stop

# Put the known file back: every failure below must leave it as it is.
board_start "$S"
run_dl dl-good download -i "$IF" -b "$B" --json "$GOOD"
assert_rc "download the known file before the failures" 0 "$RC"
board_stop
NEWF=$W/new                     # what every failing case tries to download
gen_file "$NEWF" $((1 << 20)) 2002

echo "== error notices over the link =="
# notice_case NAME EXIT BOARD_FLAGS -- HOST_ARGS: start a board with the
# flags, download NEWF, expect EXIT, check the JSON and the stored file.
# EXPECT_STORED says which file config.bin must hold afterwards.
notice_case() {
	local name=$1 want=$2

	shift 2
	split_flags "$@"
	local bflags=("${IT_BFLAGS[@]}")
	set -- "${IT_HFLAGS[@]}"
	board_start "$S" "${bflags[@]}" || return
	run_dl "$name" download -i "$IF" -b "$B" --json "$@" "$NEWF"
	assert_rc "$name: board ${bflags[*]} -> exit $want" "$want" "$RC"
	check_json "$name"
	assert_eq "$name: JSON exit field" "$want" "$(json_get exit <"$W/$name.out")"
	board_stop
	assert_same_file "$name: board's config.bin is $(basename "$EXPECT_STORED") afterwards" \
		"$EXPECT_STORED" "$S/config.bin"
	echo "   $name: exit $RC after $MS ms: $(json_get result <"$W/$name.out"): $(json_get detail <"$W/$name.out")"
}

EXPECT_STORED=$GOOD
run_dl no-board download -i "$IF" -b "$IT_MAC_NOBODY" --json "$NEWF"
assert_rc "no board at $IT_MAC_NOBODY -> connect failed" 11 "$RC"
assert_between "no board: gives up after about 3 s (ms)" 2500 5000 "$MS"
check_json no-board

# Failures before the board commits: the known file must stay as it was.
notice_case silent 11 --silent --
assert_between "silent board: connect failed after about 3 s (ms)" 2500 5000 "$MS"
notice_case corrupt-all 12 --corrupt 1 --impair-on tx --
# Windowed: a damaged frame is repaired, and named only when nothing good
# came for the whole timer (CONNECT is resent twice meanwhile).
assert_between "every frame damaged: frame CRC named after the timer (ms)" 2500 5000 "$MS"
# A strict board whose every frame is damaged: before a good reply the host
# cannot know the board is strict, so it keeps resending CONNECT and names
# the damage when the timer runs out.
notice_case corrupt-strict 12 --strict --corrupt 1 --impair-on tx --
assert_between "strict board, CONNECT_ACKs damaged: frame CRC after the timer (ms)" 2500 5000 "$MS"
# A host that asks for the strict exchange knows it from the start.
notice_case corrupt-strict-host 12 --strict --corrupt 1 --impair-on tx -- --strict
assert_between "strict host names a damaged CONNECT_ACK at once (ms)" 0 2000 "$MS"
notice_case flip-received 13 --flip-received --
assert_match "flip-received: board says file CRC" "file CRC" "$(json_get detail <"$W/flip-received.out")"
notice_case wrong-reply 16 --wrong-reply --

# Failures after the board committed: the download itself was whole and
# CRC-checked, so the board holds the new file, whole. (--silent-after 4
# mutes the board's replies, not its ears: it still receives every frame.)
EXPECT_STORED=$NEWF
notice_case silent-after 14 --silent-after 4 --
assert_between "silent-after 4: timeout after about 3 s (ms)" 2500 6000 "$MS"
# Seed 4 damages a READBACK_DATA (after the commit): the strict exchange stops at once.
notice_case corrupt-strict-4 12 --strict --corrupt 0.2 --impair-on tx --seed 4 --
assert_between "strict exchange names a damaged frame at once (ms)" 0 2000 "$MS"
notice_case corrupt-readback 15 --corrupt-readback --
off=$(json_get offset <"$W/corrupt-readback.out")
assert_match "corrupt-readback: JSON has \"offset\"" '"offset":[0-9]+' "$OUT"
# The board's store flips the byte at size/2 of what it reads back.
assert_eq "corrupt-readback: offset of the flipped byte" $(((1 << 20) / 2)) "$off"
notice_case skip-rb-seq 16 --strict --skip-readback-seq 5 --

echo "== bad input =="
run_dl missing download -i "$IF" -b "$B" "$W/does-not-exist"
assert_rc "missing file" 1 "$RC"
assert_match "missing file: message names it" "$W/does-not-exist" "$ERR"
run_dl badmac download -i "$IF" -b 02:e7:zz:00:00:01 "$GOOD"
assert_rc "bad MAC" 2 "$RC"
assert_match "bad MAC: message quotes it" "02:e7:zz:00:00:01" "$ERR"
run_dl groupmac download -i "$IF" -b ff:ff:ff:ff:ff:ff "$GOOD"
assert_rc "broadcast MAC as the board" 2 "$RC"
assert_match "broadcast MAC: message says why" "group address" "$ERR"
run_dl badopt download --no-such-option -i "$IF" -b "$B" "$GOOD"
assert_rc "unknown option" 2 "$RC"
assert_match "unknown option: message names it" "no-such-option" "$ERR"
run_dl nodev download -i ethdl-nosuch0 -b "$B" "$GOOD"
assert_rc "no such interface" 1 "$RC"
assert_match "no such interface: message" "no such interface" "$ERR"
run_dl list list
assert_rc "ethdl list" 0 "$RC"
assert_match "ethdl list shows lo with MTU 65536" '^lo +[-0-9a-f:]+ +65536 ' "$OUT"
run_dl list-json list --json
check_json list-json

echo "== total $(( ($(now_ms) - T0) / 1000 )) s =="
it_summary
