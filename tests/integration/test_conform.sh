#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `ethdl conform` over a real veth pair (docs/CONFORMANCE.md): every case
# passes against ethdl-board; against ethdl-board --strict the windowed and
# extension cases are n/a and none fails; against each fault option the
# run exits 20 and the JSON names the case that fails.
#   tests/integration/test_conform.sh BUILD_DIR
# Exit 0 if everything passed, 1 if anything failed, 77 (skip) when not root
# or without `ip netns`.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

if [ "$(id -u)" != 0 ]; then
	echo "SKIPPED: needs root (network namespaces)"
	exit 77
fi
it_init "${1:-}"
it_net_up
W=$IT_WORK
n=0

# result CASE < JSON: pass, fail or n/a
result() {
	"$IT_PYTHON" -c '
import json, sys
for l in sys.stdin:
    j = json.loads(l)
    if j.get("case") == sys.argv[1]:
        print(j["result"])
' "$1"
}
# count RESULT < JSON
count() {
	"$IT_PYTHON" -c '
import json, sys
print(sum(1 for l in sys.stdin if json.loads(l).get("result") == sys.argv[1]))
' "$1"
}

# conform_on "BOARD FLAGS" [conform options]: a fresh board, one run
conform_on() {
	local flags=$1

	shift
	n=$((n + 1))
	# shellcheck disable=SC2086
	board_start "$W/state$n" -q $flags || return 1
	ethdl_h conform -i "$IT_IF_H" -b "$IT_MAC_B" --json "$@" >"$W/c$n.json" 2>"$W/c$n.err"
	RC=$?
	IT_LAST_ERR=$W/c$n.err
	OUT=$W/c$n.json
	board_stop
}

# --- the reference board: every case passes (auth-required is n/a)
t0=$(now_ms)
conform_on ""
assert_rc "ethdl-board: no case fails" 0 "$RC"
assert_eq "ethdl-board: no fail in the JSON" 0 "$(count fail <"$OUT")"
assert_eq "ethdl-board: n/a only auth-required" 1 "$(count n/a <"$OUT")"
for c in connect download-size-0 download-block+1 download-large strict-exchange resume \
	frame-crc frame-crc-windowed file-crc timeout-data timeout-readback busy \
	stranger-ignored info discover end-state; do
	assert_eq "ethdl-board: $c" pass "$(result "$c" <"$OUT")"
done
assert_between "ethdl-board: the suite takes" 1000 40000 $(($(now_ms) - t0))

# --- text output and --list, --only
board_start "$W/state-text" -q || exit 1
ethdl_h conform -i "$IT_IF_H" -b "$IT_MAC_B" --only connect --only file-crc >"$W/text.out" 2>&1
assert_rc "text: exit" 0 $?
assert_match "text: pass line" '^pass  file-crc$' "$(cat "$W/text.out")"
assert_match "text: summary" 'pass, 0 fail' "$(cat "$W/text.out")"
board_stop
"$ETHDL" conform --list >"$W/list.out"
assert_rc "--list" 0 $?
assert_match "--list names sequence-gap" '^sequence-gap ' "$(cat "$W/list.out")"
"$ETHDL" conform -i x -b 02:00:00:00:00:01 --only no-such-case >/dev/null 2>&1
assert_rc "--only with an unknown case" 2 $?

# --- --strict: windowed and extension cases n/a, none fails
conform_on "--strict"
assert_rc "--strict: no case fails" 0 "$RC"
for c in windowed-download frame-crc-windowed timeout-readback resume info log discover \
	auth-required; do
	assert_eq "--strict: $c" n/a "$(result "$c" <"$OUT")"
done
assert_eq "--strict: strict-exchange" pass "$(result strict-exchange <"$OUT")"

# --- each fault option fails, naming the case
conform_on "--wrong-reply" --only connect --only strict-exchange
assert_rc "--wrong-reply: a case failed" 20 "$RC"
assert_eq "--wrong-reply: strict-exchange" fail "$(result strict-exchange <"$OUT")"
assert_eq "--wrong-reply: connect" pass "$(result connect <"$OUT")"

conform_on "--flip-received" --only strict-exchange --only file-crc
assert_rc "--flip-received: a case failed" 20 "$RC"
assert_eq "--flip-received: strict-exchange" fail "$(result strict-exchange <"$OUT")"

conform_on "--corrupt-readback" --only readback --only connect
assert_rc "--corrupt-readback: a case failed" 20 "$RC"
assert_eq "--corrupt-readback: readback" fail "$(result readback <"$OUT")"

conform_on "--skip-readback-seq 3" --only readback --only connect
assert_rc "--skip-readback-seq 3: a case failed" 20 "$RC"
assert_eq "--skip-readback-seq 3: readback" fail "$(result readback <"$OUT")"

conform_on "--silent-after 20" --only connect --only download-large
assert_rc "--silent-after 20: a case failed" 20 "$RC"
assert_eq "--silent-after 20: download-large" fail "$(result download-large <"$OUT")"
assert_eq "--silent-after 20: connect" pass "$(result connect <"$OUT")"

conform_on "--silent"
assert_rc "--silent: the board does not answer (connect failed)" 11 "$RC"

echo "$IT_PASSES passed, $IT_FAILS failed"
[ "$IT_FAILS" -eq 0 ]
