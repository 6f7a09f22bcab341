#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Session authentication over a real veth pair (PROTOCOL.md §9): a board
# started with --auth-key takes a download and a read-back from a host with
# the same key; without the key, or with another one, download, read-back,
# info, log, activate and rollback are refused (exit 11) and the board's
# file stays as it was; the board's event log records the refusals;
# discovery shows only who the board is. Usage: test_auth.sh BUILD_DIR
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

it_init "$1"
it_net_up
W=$IT_WORK
IF=$IT_IF_H
B=$IT_MAC_B
D=$W/state

printf '000102030405060708090a0b0c0d0e0f\n101112131415161718191a1b1c1d1e1f\n' >"$W/k"
printf '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1e\n' >"$W/k2"
printf '0001020304\n' >"$W/short"
printf 'this is not a key, it is a sentence of sixty-four characters!!!\n' >"$W/text"
gen_file "$W/f1" 300000 21
gen_file "$W/f2" 200000 22

# --- key files that are not keys: usage errors naming the file
ethdl_h download -i "$IF" -b "$B" --auth-key "$W/short" "$W/f1" >/dev/null 2>"$W/e.err"
IT_LAST_ERR=$W/e.err assert_rc "short key file: usage error" 2 $?
assert_match "short key file: named" "short' holds fewer than 64 hex digits" "$(cat "$W/e.err")"
ethdl_h info -i "$IF" -b "$B" --auth-key "$W/text" >/dev/null 2>"$W/e.err"
IT_LAST_ERR=$W/e.err assert_rc "text key file: usage error" 2 $?
assert_match "text key file: named" "text' holds a character" "$(cat "$W/e.err")"
ip netns exec "$IT_NS_B" "$ETHDL_BOARD" -i "$IT_IF_B" -d "$D" --auth-key "$W/missing" \
	2>"$W/e.err"
IT_LAST_ERR=$W/e.err assert_rc "board, missing key file: usage error" 2 $?
assert_match "board, missing key file: named" "missing'" "$(cat "$W/e.err")"

board_start "$D" -q --auth-key "$W/k" || exit 1
t0=$(now_ms)

# --- with the key: downloaded, read back, compared
ethdl_h download -i "$IF" -b "$B" --auth-key "$W/k" --json "$W/f1" >"$W/ok.out" 2>"$W/ok.err"
IT_LAST_ERR=$W/ok.err assert_rc "download with the key" 0 $?
assert_eq "download with the key: read back" true "$(json_get readback <"$W/ok.out")"
assert_same_file "download with the key: the board holds the file" "$W/f1" "$D/config.bin"
ethdl_h readback -i "$IF" -b "$B" --auth-key "$W/k" -o "$W/rb.bin" >/dev/null 2>"$W/rb.err"
IT_LAST_ERR=$W/rb.err assert_rc "readback with the key" 0 $?
assert_same_file "readback with the key: the file" "$W/f1" "$W/rb.bin"
ethdl_h info -i "$IF" -b "$B" --auth-key "$W/k" --json >"$W/info.out" 2>"$W/info.err"
IT_LAST_ERR=$W/info.err assert_rc "info with the key" 0 $?
cp "$D/config.bin" "$W/before"

# --- without the key, or with another: refused, nothing changes
ethdl_h download -i "$IF" -b "$B" "$W/f2" >/dev/null 2>"$W/nokey.err"
IT_LAST_ERR=$W/nokey.err assert_rc "download without the key: connect failed" 11 $?
assert_match "download without the key: says why" "auth-key" "$(cat "$W/nokey.err")"
ethdl_h download -i "$IF" -b "$B" --auth-key "$W/k2" "$W/f2" >/dev/null 2>"$W/wrong.err"
IT_LAST_ERR=$W/wrong.err assert_rc "download with a wrong key: connect failed" 11 $?
assert_match "download with a wrong key: says why" "not authenticated" "$(cat "$W/wrong.err")"
rm -f "$W/rb2.bin"
ethdl_h readback -i "$IF" -b "$B" -o "$W/rb2.bin" >/dev/null 2>"$W/e.err"
IT_LAST_ERR=$W/e.err assert_rc "readback without the key" 11 $?
assert_eq "readback without the key: no bytes" "" "$(cat "$W/rb2.bin" 2>/dev/null)"
ethdl_h readback -i "$IF" -b "$B" --auth-key "$W/k2" -o - >"$W/rb3.bin" 2>"$W/e.err"
IT_LAST_ERR=$W/e.err assert_rc "readback with a wrong key" 11 $?
assert_eq "readback with a wrong key: nothing on standard output" 0 "$(stat -c %s "$W/rb3.bin")"
ethdl_h info -i "$IF" -b "$B" >/dev/null 2>"$W/e.err"
IT_LAST_ERR=$W/e.err assert_rc "info without the key" 11 $?
ethdl_h log -i "$IF" -b "$B" >/dev/null 2>"$W/e.err"
IT_LAST_ERR=$W/e.err assert_rc "log without the key" 11 $?
ethdl_h log -i "$IF" -b "$B" --auth-key "$W/k2" >/dev/null 2>"$W/e.err"
IT_LAST_ERR=$W/e.err assert_rc "log with a wrong key" 11 $?
ethdl_h activate -i "$IF" -b "$B" >/dev/null 2>"$W/e.err"
IT_LAST_ERR=$W/e.err assert_rc "activate without the key" 11 $?
ethdl_h rollback -i "$IF" -b "$B" --auth-key "$W/k2" >/dev/null 2>"$W/e.err"
IT_LAST_ERR=$W/e.err assert_rc "rollback with a wrong key" 11 $?
ethdl_h download -i "$IF" -b "$B" --auth-key "$W/k2" --retries 3 "$W/f2" >/dev/null 2>"$W/e.err"
IT_LAST_ERR=$W/e.err assert_rc "wrong key with --retries 3" 11 $?
assert_eq "wrong key: not retried" "" "$(grep 'trying again' "$W/e.err")"
assert_same_file "after the refusals: the board's file is unchanged" "$W/before" "$D/config.bin"

# --- the board's log, read with the key, shows the ten refusals
ethdl_h log -i "$IF" -b "$B" --auth-key "$W/k" --json >"$W/log.out" 2>"$W/log.err"
IT_LAST_ERR=$W/log.err assert_rc "log with the key" 0 $?
refusals=$("$IT_PYTHON" -c '
import json, sys
n = 0
for l in open(sys.argv[1]):
    if l.strip():
        e = json.loads(l)
        if e["event"] == "refused" and e["detail"] == 27 and e["notice"] == 1:
            n += 1
print(n)
' "$W/log.out" 2>/dev/null)
assert_eq "log: one refusal (connect failed, not authenticated) per attempt" 10 "$refusals"

# --- discovery: who the board is, and nothing of what it holds
ethdl_h discover -i "$IF" --json >"$W/disc.out" 2>"$W/disc.err"
IT_LAST_ERR=$W/disc.err assert_rc "discover" 0 $?
assert_match "discover: the board says it authenticates" '"auth"' "$(cat "$W/disc.out")"
assert_eq "discover: no images shown" "[]" "$(json_get images <"$W/disc.out")"

# --- a restarted host: a second download while one runs takes over once it
# has authenticated; the first is told it was superseded
gen_file "$W/big" 8000000 23
ethdl_h download -i "$IF" -b "$B" --auth-key "$W/k" --rate 10M "$W/big" >/dev/null \
	2>"$W/first.err" &
first=$!
sleep 1
ethdl_h download -i "$IF" -b "$B" --auth-key "$W/k2" "$W/f2" >/dev/null 2>"$W/e.err"
IT_LAST_ERR=$W/e.err assert_rc "a second host session with a wrong key: refused" 11 $?
kill -0 "$first" 2>/dev/null
assert_rc "the first download still runs" 0 $?
ethdl_h download -i "$IF" -b "$B" --auth-key "$W/k" "$W/f2" >/dev/null 2>"$W/second.err"
IT_LAST_ERR=$W/second.err assert_rc "a second host session with the key: takes over" 0 $?
wait "$first"
IT_LAST_ERR=$W/first.err assert_rc "the first: superseded" 1 $?
assert_match "the first: says so" "took over" "$(cat "$W/first.err")"
assert_same_file "the second file is the board's" "$W/f2" "$D/config.bin"

# --- a host with a key refuses a board that does not authenticate
board_stop
board_start "$W/plain" -q || exit 1
ethdl_h download -i "$IF" -b "$B" --auth-key "$W/k" "$W/f2" >/dev/null 2>"$W/e.err"
IT_LAST_ERR=$W/e.err assert_rc "key given, board without authentication: refused" 11 $?
assert_match "board without authentication: says why" "CAP_AUTH" "$(cat "$W/e.err")"
assert_eq "board without authentication: nothing stored" "" "$(ls "$W/plain" | grep config.bin)"
board_stop
it_log "auth checks took $(( $(now_ms) - t0 )) ms"

it_summary
