#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Integration test: hostile frames injected over the link in the middle of
# a download do not break it (issue 10). A real ethdl-board and ethdl over
# a veth pair; a rate-limited download of a few MB runs while ethdl_inject
# (tests/tools) sends, from the host's namespace onto the same link,
# CRC-valid frames: CONNECT floods from a stranger, every command of the
# protocol from a stranger MAC (with its own session id and with ones near
# the running session's), frames of other session ids from the host's own
# MAC (never CONNECT or GROUP_JOIN, which start a new session by design),
# nonsense fields (sequence 0, beyond the count, 0xFFFFFFFF; a size beyond
# any storage) and GROUP_JOIN from a stranger. The download must exit 0 with
# the file read back identical, the board must hold the file and still
# serve, and its log must show that no stranger changed anything.
#
# Then a disk that fills up during the data: the board's state directory is
# on a small tmpfs that the test fills while a download runs. The board
# reserved the file's space at FILE_INFO, so the download should go in; if
# it fails it must say why (storage) and leave the old file. Either way no
# verdict is wrong and the board still serves.
#
#   tests/integration/test_hostile.sh BUILD_DIR
#
# Exit 0 if everything passed, 1 if anything failed, 77 (skip) when not root
# or without `ip netns`. IT_KEEP=1 keeps the work directory.

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

if [ "$(id -u)" != 0 ]; then
	echo "SKIPPED: needs root (network namespaces)"
	exit 77
fi
it_private_mounts "$@"
it_init "${1:-}"
INJECT=$(cd "$1" && pwd)/tests/ethdl_inject
if [ ! -x "$INJECT" ]; then
	it_log "no ethdl_inject in $1/tests"
	exit 1
fi
it_net_up

W=$IT_WORK
S=$W/state
IF=$IT_IF_H
B=$IT_MAC_B
H=$IT_MAC_H
X=02:e7:d1:00:00:77 # the stranger
T0=$(now_ms)

inject() { host "$INJECT" -i "$IF" "$@" >>"$W/inject.log" 2>&1 || fail "ethdl_inject $*: $(tail -1 "$W/inject.log")"; }

# every host command from src in session (CONNECT and GROUP_JOIN only when
# the third argument says so)
everything() {
	local src=$1 sid=$2 new=$3
	if [ "$new" = 1 ]; then
		inject --src "$src" --dst "$B" --session "$sid" --code CONNECT \
			--tlv 1:u32:7 --tlv 3:u16:1479 --tlv 2:u16:64
		inject --src "$src" --dst "$B" --session "$sid" --code GROUP_JOIN \
			--tlv 40:x:030000001001 --tlv 8:u8:1 --tlv 9:u64:1000 --tlv 10:u32:1 \
			--tlv 11:u32:4660 --tlv 3:u16:1000 --tlv 41:u16:16
	fi
	inject --src "$src" --dst "$B" --session "$sid" --code DOWNLOAD --tlv 8:u8:1
	inject --src "$src" --dst "$B" --session "$sid" --code FILE_INFO --tlv 8:u8:1 \
		--tlv 9:u64:1000 --tlv 10:u32:1 --tlv 11:u32:4660 --tlv 3:u16:1000
	inject --src "$src" --dst "$B" --session "$sid" --code FILE_DATA --seq 1 --seq-step 1 \
		--count 20 --data-len 1479
	inject --src "$src" --dst "$B" --session "$sid" --code STATUS_QUERY --seq 1
	inject --src "$src" --dst "$B" --session "$sid" --code HOST_STATUS --tlv 18:u32:0 --tlv 19:u32:0
	inject --src "$src" --dst "$B" --session "$sid" --code READBACK --tlv 8:u8:1
	inject --src "$src" --dst "$B" --session "$sid" --code ACTIVATE --tlv 8:u8:1 --tlv 29:u8:1
	inject --src "$src" --dst "$B" --session "$sid" --code ROLLBACK --tlv 8:u8:1
	inject --src "$src" --dst "$B" --session "$sid" --code INFO
	inject --src "$src" --dst "$B" --session "$sid" --code GROUP_QUERY
	inject --src "$src" --dst "$B" --session "$sid" --code GROUP_LEAVE
	inject --src "$src" --dst "$B" --session "$sid" --code ERROR --tlv 13:u8:6 --tlv 14:u16:1 \
		--tlv 17:s:hostile
	inject --src "$src" --dst "$B" --session "$sid" --code 0x3f
	inject --src "$src" --dst "$B" --session "$sid" --code DISCONNECT
}

echo "== a board with an old file; a rate-limited download =="
board_start "$S" -v || exit 1
OLD=$W/old
NEW=$W/new
gen_file "$OLD" 100000 71
gen_file "$NEW" $((4 << 20)) 72
ethdl_h download -i "$IF" -b "$B" "$OLD" >"$W/old.out" 2>&1
assert_rc "download the old file" 0 $?
BL0=$(wc -l <"$IT_BOARD_LOG")

IT_LAST_ERR=$W/dl.err
# 4 MiB at 2 Mbit/s: about 17 s of data, while the attacker works (its
# ~130 runs take 10 s on a busy machine)
timeout -k 5 120 ip netns exec "$IT_NS_H" "$ETHDL" download -i "$IF" -b "$B" --rate 2M \
	--json -v "$NEW" >"$W/dl.out" 2>"$W/dl.err" &
DL=$!
for _ in $(seq 100); do
	tail -n +$((BL0 + 1)) "$IT_BOARD_LOG" | grep -q "receiving config" && break
	sleep 0.05
done
assert_match "the download is under way" "receiving config" "$(tail -n +$((BL0 + 1)) "$IT_BOARD_LOG")"

echo "== strangers, other sessions and nonsense, during the data =="
TI=$(now_ms)
# a flood of CONNECTs from a stranger, each with its own session id
inject --src "$X" --dst "$B" --session 0x70000000 --session-step 1 --code CONNECT \
	--tlv 1:u32:7 --count 3000
# DISCOVER floods to the discovery address
inject --src "$X" --dst 03:65:74:68:64:6c --session 0x71000000 --session-step 1 --code DISCOVER \
	--tlv 42:u32:5 --count 500
# every command from the stranger, with its own id and with ids the session may have
everything "$X" 0x0badf00d 1
for sid in 1 2 0xffffffff; do everything "$X" "$sid" 1; done
# The download must still be running here, so that these frames hit it in
# the middle; whether it outlasts the rest depends on how fast this machine
# starts the injector (under ASan it may not), which proves nothing more.
kill -0 "$DL" 2>/dev/null
assert_rc "the download was still running after the stranger's frames" 0 $?
# other session ids from the host's own MAC (not CONNECT / GROUP_JOIN)
for sid in 0 1 0x0badf00d 0xfffffffe; do everything "$H" "$sid" 0; done
# nonsense fields from the stranger
inject --src "$X" --dst "$B" --session 5 --code FILE_DATA --seq 0 --data-len 1479
inject --src "$X" --dst "$B" --session 5 --code FILE_DATA --seq 0xffffffff --data-len 1479
inject --src "$X" --dst "$B" --session 5 --code FILE_INFO --tlv 8:u8:1 \
	--tlv 9:u64:0xffffffffffffffff --tlv 10:u32:0xffffffff --tlv 11:u32:1 --tlv 3:u16:0
# a flood of data frames from the host's MAC in another session
inject --src "$H" --dst "$B" --session 0x12345678 --code FILE_DATA --seq 1 --seq-step 1 \
	--data-len 1479 --count 3000
TI=$(($(now_ms) - TI))
echo "injection took $TI ms: $(grep -c '^sent' "$W/inject.log") runs of ethdl_inject"
if kill -0 "$DL" 2>/dev/null; then
	echo "the download outlasted the whole injection"
else
	echo "the download ended before the last injections"
fi

wait "$DL"
RC=$?
assert_rc "the download completes despite the hostile frames" 0 "$RC"
assert_eq "its result" ok "$(json_get result <"$W/dl.out")"
assert_match "it read back and compared" "read-back done: [0-9]+ bytes identical" "$(cat "$W/dl.err")"
assert_same_file "the board holds the new file" "$NEW" "$S/config.bin"
assert_same_file "the old file is the previous one" "$OLD" "$S/config.prev"

echo "== the board still serves =="
ethdl_h readback -i "$IF" -b "$B" -o "$W/rb" >"$W/rb.out" 2>&1
assert_rc "readback after the attack" 0 $?
assert_same_file "readback gives the new file" "$NEW" "$W/rb"
ethdl_h info -i "$IF" -b "$B" >"$W/info.out" 2>&1
assert_rc "info after the attack" 0 $?

echo "== what the board's log says =="
LOG=$(tail -n +$((BL0 + 1)) "$IT_BOARD_LOG")
assert_match "the DISCOVER flood reached the board (and was held to its bound)" \
	"too many probes at once" "$LOG"
assert_eq "no session from the stranger" 0 "$(printf '%s\n' "$LOG" | grep -c "from ${X}")"
assert_eq "no session superseded" 0 "$(printf '%s\n' "$LOG" | grep -ci superseded)"
assert_eq "no error in the download's session" 0 "$(printf '%s\n' "$LOG" | grep -ci 'error')"
assert_eq "one file stored" 1 "$(printf '%s\n' "$LOG" | grep -c 'stored config')"
assert_eq "three sessions: download, readback, info" 3 \
	"$(printf '%s\n' "$LOG" | grep -Ec 'session [0-9a-f]{8} from ')"
board_stop

echo "== a disk that fills up during the data =="
DISK=$W/disk
if ! it_tmpfs "$DISK" $((12 << 20)); then
	fail "cannot mount a tmpfs"
else
	S2=$DISK/state
	board_start "$S2" -v || exit 1
	ethdl_h download -i "$IF" -b "$B" "$OLD" >"$W/old2.out" 2>&1
	assert_rc "download the old file" 0 $?
	BL1=$(wc -l <"$IT_BOARD_LOG")
	timeout -k 5 120 ip netns exec "$IT_NS_H" "$ETHDL" download -i "$IF" -b "$B" --rate 4M \
		--json -v "$NEW" >"$W/dl2.out" 2>"$W/dl2.err" &
	DL=$!
	for _ in $(seq 100); do
		tail -n +$((BL1 + 1)) "$IT_BOARD_LOG" | grep -q "receiving config" && break
		sleep 0.05
	done
	dd if=/dev/zero of="$DISK/filler" bs=64k 2>/dev/null
	FREE=$(($(stat -f -c '%a * %S' "$DISK")))
	assert_between "the disk is full during the data" 0 65536 "$FREE"
	kill -0 "$DL" 2>/dev/null
	assert_rc "the download was still running" 0 $?
	wait "$DL"
	RC=$?
	IT_LAST_ERR=$W/dl2.err
	if [ "$RC" = 0 ]; then
		pass "the space reserved at FILE_INFO carried the download"
		assert_eq "its result" ok "$(json_get result <"$W/dl2.out")"
		assert_same_file "the board holds the new file" "$NEW" "$S2/config.bin"
	else
		assert_eq "a failed download exits 1 (a refusal)" 1 "$RC"
		assert_match "the failure names the storage" "[Ss]torage|[Nn]o space" \
			"$(cat "$W/dl2.out" "$W/dl2.err")"
		assert_same_file "the board still runs the old file" "$OLD" "$S2/config.bin"
		assert_eq "nothing half-written left" 0 "$(ls "$S2" | grep -c '\.part$')"
	fi
	rm -f "$DISK/filler"
	ethdl_h readback -i "$IF" -b "$B" -o "$W/rb2" >"$W/rb2.out" 2>&1
	assert_rc "readback after the full disk" 0 $?
	assert_same_file "readback gives what the board holds" "$S2/config.bin" "$W/rb2"
	board_stop
fi

echo "took $(( ($(now_ms) - T0) / 1000 )) s"
it_summary
