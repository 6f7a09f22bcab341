#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The board as an updatable device, over a real veth pair (PROTOCOL.md §7):
# packages installed, staged and activated later, refused by policy, rolled
# back by a failed health check, an activation cut by kill -9, and the event
# log across a restart. Usage: test_device.sh BUILD_DIR
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

it_init "$1"
it_net_up
W=$IT_WORK
IF=$IT_IF_H
B=$IT_MAC_B
ID=(--vendor acme --model rtu9 --serial SN-0042)

gen_file "$W/img1" 20000 11
gen_file "$W/img2" 30000 12
gen_file "$W/img3" 25000 13
pack() { # pack VERSION IMAGE OUT [more pack options]
	local v=$1 img=$2 out=$3
	shift 3
	"$ETHDL" pack --vendor acme --model rtu9 --image-version "$v" -o "$out" "$@" "$img"
}
pack 1.0.0 "$W/img1" "$W/v1.pkg" || fail "pack v1"
pack 2.0.0 "$W/img2" "$W/v2.pkg" || fail "pack v2"
pack 3.0.0 "$W/img3" "$W/v3.pkg" || fail "pack v3"
"$ETHDL" pack --vendor other --model rtu9 --image-version 9.0.0 -o "$W/other.pkg" "$W/img3" ||
	fail "pack other vendor"

slot_json() { # slot_json ROLE FIELD < info JSON: the config slot's ROLE.FIELD
	"$IT_PYTHON" -c '
import json, sys
j = json.loads([l for l in sys.stdin.read().splitlines() if l.strip()][-1])
for s in j.get("slots", []):
    if s.get("type") == "config":
        r = s.get(sys.argv[1])
        print("null" if r is None else r.get(sys.argv[2], ""))
' "$1" "$2" 2>/dev/null
}

D=$W/state
board_start "$D" -q "${ID[@]}" || exit 1

# --- v1 installed, shown active
ethdl_h download -i "$IF" -b "$B" --json "$W/v1.pkg" >"$W/v1.out" 2>"$W/v1.err"
IT_LAST_ERR=$W/v1.err assert_rc "v1: download and activate" 0 $?
assert_eq "v1: activated" activated "$(json_get activation <"$W/v1.out")"
ethdl_h info -i "$IF" -b "$B" --json >"$W/info1.out" 2>"$W/info1.err"
IT_LAST_ERR=$W/info1.err assert_rc "info after v1" 0 $?
assert_eq "info: v1 active" 1.0.0 "$(slot_json active version <"$W/info1.out")"
assert_eq "info: board vendor" acme "$(json_get vendor <"$W/info1.out")"

# --- v2 staged with --activate in:3s, active after the time
ethdl_h download -i "$IF" -b "$B" --activate in:3s --json "$W/v2.pkg" >"$W/v2.out" 2>"$W/v2.err"
IT_LAST_ERR=$W/v2.err assert_rc "v2: download, activation in 3 s" 0 $?
assert_eq "v2: scheduled" scheduled "$(json_get activation <"$W/v2.out")"
ethdl_h info -i "$IF" -b "$B" --json >"$W/info2.out" 2>/dev/null
assert_eq "v2: still v1 active before the time" 1.0.0 "$(slot_json active version <"$W/info2.out")"
assert_eq "v2: v2 staged" 2.0.0 "$(slot_json staged version <"$W/info2.out")"
sleep 4
ethdl_h info -i "$IF" -b "$B" --json >"$W/info3.out" 2>/dev/null
assert_eq "v2: active after the time" 2.0.0 "$(slot_json active version <"$W/info3.out")"
assert_eq "v2: v1 previous" 1.0.0 "$(slot_json previous version <"$W/info3.out")"
cp "$D/config.bin" "$W/active-v2"

# --- v1 again, and another vendor's package: refused (17), nothing changes
ethdl_h download -i "$IF" -b "$B" --json "$W/v1.pkg" >"$W/old.out" 2>"$W/old.err"
IT_LAST_ERR=$W/old.err assert_rc "v1 again: refused, not newer" 17 $?
assert_match "v1 again: the reason" "not newer" "$(cat "$W/old.err" "$W/old.out")"
ethdl_h download -i "$IF" -b "$B" "$W/other.pkg" >"$W/other.out" 2>"$W/other.err"
IT_LAST_ERR=$W/other.err assert_rc "another vendor: refused" 17 $?
assert_match "another vendor: the reason" "other" "$(cat "$W/other.err")"
# an encrypted package, to a board that holds no key: refused (13)
printf '00112233445566778899aabbccddeeff\n' >"$W/aes.key"
pack 5.0.0 "$W/img3" "$W/enc.pkg" --encrypt "$W/aes.key" || fail "pack encrypted"
ethdl_h download -i "$IF" -b "$B" "$W/enc.pkg" >"$W/enc.out" 2>"$W/enc.err"
IT_LAST_ERR=$W/enc.err assert_rc "encrypted package, no key on the board: refused" 13 $?
assert_match "encrypted: the reason" "encrypted" "$(cat "$W/enc.err")"
assert_same_file "refusals: the active image is unchanged" "$W/active-v2" "$D/config.bin"
board_stop

# --- a failing health check rolls v3 back to v2 (exit 18)
board_start "$D" -q "${ID[@]}" --fail-health || exit 1
ethdl_h download -i "$IF" -b "$B" --json "$W/v3.pkg" >"$W/v3.out" 2>"$W/v3.err"
IT_LAST_ERR=$W/v3.err assert_rc "v3: activated and rolled back" 18 $?
assert_eq "v3: rolled back" "rolled back" "$(json_get activation <"$W/v3.out")"
ethdl_h info -i "$IF" -b "$B" --json >"$W/info4.out" 2>/dev/null
assert_eq "v3: v2 active again" 2.0.0 "$(slot_json active version <"$W/info4.out")"
assert_same_file "v3: the board runs v2's bytes" "$W/active-v2" "$D/config.bin"
board_stop

# --- after a restart, the log shows it all, in order
board_start "$D" -q "${ID[@]}" || exit 1
ethdl_h log -i "$IF" -b "$B" --json >"$W/log.out" 2>"$W/log.err"
IT_LAST_ERR=$W/log.err assert_rc "log after a restart" 0 $?
events=$("$IT_PYTHON" -c '
import json, sys
for l in open(sys.argv[1]):
    if l.strip():
        e = json.loads(l)
        print(e["seq"], e["event"].replace(" ", "_"), e.get("to", ""))
' "$W/log.out" 2>/dev/null)
printf '%s\n' "$events" >"$W/events"
order=$(awk '{print $2}' "$W/events" | tr '\n' ' ')
assert_match "log: v2 scheduled, then activated" \
	"activation_scheduled .*activated" "$order"
assert_match "log: refusals after the activation of v2" "activated .*refused .*refused" "$order"
assert_match "log: v3's failed check, then the rollback" \
	"refused .*health_check_failed .*rolled_back" "$order"
assert_match "log: the restarts" "board_started .*board_started .*board_started" "$order"
seqs=$(awk '{print $1}' "$W/events" | tr '\n' ' ')
assert_eq "log: sequence numbers only grow" "$seqs" \
	"$(awk '{print $1}' "$W/events" | sort -n | tr '\n' ' ')"
board_stop

# --- a health check longer than the 3-s timer: the host waits it out
pack 3.5.0 "$W/img3" "$W/v35.pkg" || fail "pack v3.5"
board_start "$D" -q "${ID[@]}" --health-cmd 'sleep 4; test -s "$1"' --health-timeout 20 || exit 1
ethdl_h download -i "$IF" -b "$B" --json "$W/v35.pkg" >"$W/v35.out" 2>"$W/v35.err"
IT_LAST_ERR=$W/v35.err assert_rc "v3.5: a 4-s health check passes" 0 $?
assert_eq "v3.5: activated" activated "$(json_get activation <"$W/v35.out")"
ethdl_h rollback -i "$IF" -b "$B" >/dev/null 2>"$W/rb.err"
IT_LAST_ERR=$W/rb.err assert_rc "rollback to v2" 0 $?
ethdl_h info -i "$IF" -b "$B" --json >"$W/info6.out" 2>/dev/null
assert_eq "rollback: v2 active" 2.0.0 "$(slot_json active version <"$W/info6.out")"
assert_eq "rollback: v3.5 previous" 3.5.0 "$(slot_json previous version <"$W/info6.out")"
board_stop

# --- kill -9 during an activation: the board comes back on a confirmed image
pack 4.0.0 "$W/img1" "$W/v4.pkg" || fail "pack v4"
board_start "$D" -q "${ID[@]}" --health-cmd 'sleep 30' --health-timeout 60 || exit 1
ethdl_h download -i "$IF" -b "$B" --activate later "$W/v4.pkg" >/dev/null 2>"$W/v4.err"
IT_LAST_ERR=$W/v4.err assert_rc "v4: staged" 0 $?
ethdl_h activate -i "$IF" -b "$B" >"$W/act4.out" 2>&1 &
apid=$!
for i in $(seq 50); do
	grep -q "health check running" "$IT_BOARD_LOG" 2>/dev/null && break
	sleep 0.1
done
kill -KILL "$IT_BOARD_PID"
wait "$IT_BOARD_PID" 2>/dev/null
IT_BOARD_PID=
wait "$apid" 2>/dev/null
IT_LAST_ERR=$W/act4.out assert_rc "kill -9 under test: the host says it does not know (TIMEOUT)" 14 $?
assert_match "kill -9 under test: why" "stopped answering" "$(cat "$W/act4.out")"
board_start "$D" -q "${ID[@]}" || exit 1
ethdl_h info -i "$IF" -b "$B" --json >"$W/info5.out" 2>/dev/null
assert_eq "kill -9 under test: back on v2" 2.0.0 "$(slot_json active version <"$W/info5.out")"
assert_same_file "kill -9 under test: v2's bytes" "$W/active-v2" "$D/config.bin"
board_stop

it_summary
