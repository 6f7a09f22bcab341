#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Group download (PROTOCOL.md §8) on a bridged segment of 8 boards, each in
# its own namespace:
#   1, 2  plain boards (acme rtu9)
#   3     5 % loss of the frames of 1000 bytes or more the bridge sends it
#   4     20 % loss, the same way
#   5     not running: its namespace and port exist, nobody answers
#   6     another vendor (other rtu9)
#   7     already up to date (2.0.0 installed first by a unicast download)
#   8     --strict: no extension, so no discovery, no group and no package
#         (no CAP_DEVICE): the host tries it point to point after the group
#         and reports why it cannot; with a plain file it serves it so
# One `ethdl group --from LIST --json --activate now` names all 8. Asserted:
# every board's result, path and exit, the run's exit (11: a named board did
# not answer), every live board's stored file byte for byte (updated: the
# package, header and image; skipped: unchanged), --dry-run (the same classification,
# nothing changed), `ethdl discover` (the running boards with the group
# capability) and `--repair resend` of a plain file on a fresh set (the
# strict board served point to point in the same run). Usage: test_group.sh BUILD_DIR
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/lib_bridge.sh"

br_init "$1"
[ -n "$IT_PYTHON" ] || { it_log "SKIPPED: needs python3"; exit $IT_SKIP; }
br_net_up 8
W=$IT_WORK
IF=$BR_IF_H
ACME=(--vendor acme --model rtu9)
GROUP_TIMEOUT=${ETHDL_GROUP_TIMEOUT:-300}

# --- the package (2.0.0, ~1.5 MiB of random bytes), an older-vendor one
gen_file "$W/img2" $((1536 * 1024 + 333)) 21
gen_file "$W/imgo" 40000 22
"$ETHDL" pack "${ACME[@]}" --image-version 2.0.0 -o "$W/v2.pkg" "$W/img2" || fail "pack 2.0.0"
"$ETHDL" pack --vendor other --model rtu9 --image-version 1.0.0 -o "$W/other.pkg" "$W/imgo" ||
	fail "pack other vendor"

# --- the boards
role_flags() { # I: ethdl-board flags of board I
	case $1 in
	6) echo "--vendor other --model rtu9 --serial SN-6" ;;
	8) echo "--vendor acme --model rtu9 --serial SN-8 --strict" ;;
	*) echo "--vendor acme --model rtu9 --serial SN-$1" ;;
	esac
}
start_boards() { # SET I...: boards I… with state dirs $W/SET/I
	local set=$1 i
	shift
	for i in "$@"; do
		# shellcheck disable=SC2046
		br_board_start "$i" "$W/$set/$i" -v $(role_flags "$i")
	done
	br_boards_wait "$@"
}
LIVE=(1 2 3 4 6 7 8)
start_boards s1 "${LIVE[@]}" || exit 1
br_loss 3 5
br_loss 4 20

# Board 7 up to date, board 6 holding another vendor's image: by unicast.
ethdl_bh download -i "$IF" -b "$(br_mac 7)" --activate now --json "$W/v2.pkg" \
	>"$W/pre7.out" 2>"$W/pre7.err"
IT_LAST_ERR=$W/pre7.err assert_rc "board 7: 2.0.0 installed by unicast first" 0 $?
ethdl_bh download -i "$IF" -b "$(br_mac 6)" --json "$W/other.pkg" >"$W/pre6.out" 2>"$W/pre6.err"
IT_LAST_ERR=$W/pre6.err assert_rc "board 6: its own vendor's 1.0.0 installed" 0 $?
cp "$W/s1/7/config.bin" "$W/before7" 2>/dev/null
cp "$W/s1/6/config.bin" "$W/before6" 2>/dev/null
assert_same_file "board 7 holds the package before the group" "$W/v2.pkg" "$W/before7"

for i in 1 2 3 4 5 6 7 8; do br_mac "$i"; echo; done >"$W/list"

# rows FILE: "MAC result path exit reason" per board line of a group --json
# output, sorted by MAC; "summary boards ok failed skipped" for the summary.
rows() {
	"$IT_PYTHON" -c '
import json, sys
for l in open(sys.argv[1]):
    l = l.strip()
    if not l.startswith("{"):
        continue
    try:
        j = json.loads(l)
    except ValueError:
        print("bad-json"); continue
    if j.get("summary"):
        print("summary", j.get("boards"), j.get("ok"), j.get("failed"), j.get("skipped"))
    elif "board" in j:
        print(j["board"].lower(), str(j.get("result", "-")).replace(" ", "_"), j.get("path") or "-",
              j.get("exit", "-"),
              str(j.get("reason", "-")).replace(" ", "_") or "-")
' "$1" | sort
}
row() { # FILE I: that board's row
	rows "$1" | awk -v m="$(br_mac "$2")" '$1 == m'
}
field() { # FILE I N: field N of board I's row
	row "$1" "$2" | awk -v n="$3" '{print $n}'
}
# assert_stored WHAT FILE: a board's active file (TYPE.bin, the package as
# stored: header then image, platform/devstore_dir.h) is the package, and
# its last bytes the image.
IMG2_SIZE=$(stat -c %s "$W/img2")
assert_stored() {
	assert_same_file "$1 is the package" "$W/v2.pkg" "$2" || return 1
	if tail -c "$IMG2_SIZE" "$2" | cmp -s - "$W/img2"; then
		pass "$1 ends with the image"
	else
		fail "$1 does not end with the image"
	fi
}
digest_bins() { # DIR...: sha256 of every stored image, by path
	find "$@" -type f -name '*.bin' -print0 2>/dev/null | sort -z | xargs -0r sha256sum
}

# classify FILE: "I class" per board, class being ok-group, ok-unicast,
# skipped, or the result name; for --dry-run the result of a board that
# would be updated is not "skipped" nor a notice: "update-PATH".
classify() {
	local i res path
	for i in 1 2 3 4 5 6 7 8; do
		res=$(field "$1" "$i" 2)
		path=$(field "$1" "$i" 3)
		case $res in
		skipped|CONNECT_FAILED) echo "$i $res" ;;
		"") echo "$i missing" ;;
		*) echo "$i update-$path" ;;
		esac
	done
}

# --- dry run: who would be updated and why not the others; nothing changes
digest_bins "$W/s1" >"$W/digest.before"
timeout -k 5 "$GROUP_TIMEOUT" ip netns exec "$BR_NS_H" "$ETHDL" group -i "$IF" --from "$W/list" \
	--json --activate now --dry-run "$W/v2.pkg" >"$W/dry.out" 2>"$W/dry.err"
rc=$?
IT_LAST_ERR=$W/dry.err
json_ok <"$W/dry.out" || fail "dry run: every line is JSON: $(head -c 300 "$W/dry.out")"
digest_bins "$W/s1" >"$W/digest.after"
if cmp -s "$W/digest.before" "$W/digest.after"; then
	pass "dry run: no stored image changed"
else
	fail "dry run changed stored images: $(diff "$W/digest.before" "$W/digest.after" | head -4)"
fi
assert_eq "dry run: board 5 (not running) fails to connect" CONNECT_FAILED "$(field "$W/dry.out" 5 2)"
[ "$rc" = 0 ] || [ "$rc" = 11 ] || fail "dry run: exit $rc (0, or 11 for the silent board, expected)"

# --- the group
t0=$(now_ms)
timeout -k 5 "$GROUP_TIMEOUT" ip netns exec "$BR_NS_H" "$ETHDL" group -i "$IF" --from "$W/list" \
	--json --activate now "$W/v2.pkg" >"$W/g.out" 2>"$W/g.err"
rc=$?
ms=$(($(now_ms) - t0))
IT_LAST_ERR=$W/g.err
echo "group of 8: exit $rc in $ms ms"
rows "$W/g.out" | sed 's/^/  /'
json_ok <"$W/g.out" || fail "group: every line is JSON: $(head -c 300 "$W/g.out")"
assert_rc "group: exit 11 (board 5 named and silent)" 11 "$rc"
for i in 1 2 3 4; do
	assert_eq "board $i: ok" ok "$(field "$W/g.out" "$i" 2)"
	assert_eq "board $i: by the group" group "$(field "$W/g.out" "$i" 3)"
	assert_stored "board $i: active image" "$W/s1/$i/config.bin"
done
# A strict board has no CAP_DEVICE, so it cannot take a package (§7): the
# host tries it point to point after the group and says so plainly; nothing
# is stored. (With a plain file it is served: the resend run below.)
res8=$(field "$W/g.out" 8 2)
[ -n "$res8" ] && [ "$res8" != ok ] && [ "$res8" != skipped ] &&
	pass "board 8 (strict): a package fails ($res8)" ||
	fail "board 8 (strict): a package cannot be installed without CAP_DEVICE, got '$res8'"
assert_eq "board 8 (strict): tried point to point" unicast "$(field "$W/g.out" 8 3)"
assert_match "board 8 (strict): the detail says why" "CAP_DEVICE|package" \
	"$(grep -i "$(br_mac 8)" "$W/g.out")"
[ ! -e "$W/s1/8/config.bin" ] && pass "board 8 (strict): nothing stored" ||
	fail "board 8 (strict): something was stored"
assert_eq "board 5 (not running): CONNECT_FAILED" CONNECT_FAILED "$(field "$W/g.out" 5 2)"
assert_eq "board 5 (not running): exit 11" 11 "$(field "$W/g.out" 5 4)"
assert_eq "board 6 (other vendor): skipped" skipped "$(field "$W/g.out" 6 2)"
assert_match "board 6: the reason names the vendor or model" "vendor|model" "$(field "$W/g.out" 6 5)"
assert_same_file "board 6: image unchanged" "$W/before6" "$W/s1/6/config.bin"
assert_eq "board 7 (up to date): skipped" skipped "$(field "$W/g.out" 7 2)"
assert_match "board 7: the reason says up to date" "up.to.date|not.newer|already" "$(field "$W/g.out" 7 5)"
assert_same_file "board 7: image unchanged" "$W/before7" "$W/s1/7/config.bin"
read -r _ nb nok nfail nskip < <(rows "$W/g.out" | grep '^summary')
assert_eq "summary: 8 boards, 4 ok, 2 failed, 2 skipped" "8 4 2 2" "$nb $nok $nfail $nskip"
ethdl_bh info -i "$IF" -b "$(br_mac 4)" --json >"$W/info4.out" 2>"$W/info4.err"
active=$("$IT_PYTHON" -c '
import json, sys
j = json.loads([l for l in open(sys.argv[1]) if l.strip()][-1])
print(" ".join((s.get("active") or {}).get("version", "-") for s in j.get("slots", [])
               if s.get("type") == "config"))
' "$W/info4.out" 2>/dev/null)
assert_eq "board 4 (20 % loss): 2.0.0 active" 2.0.0 "$active"

# The dry run's classification is the real run's.
classify "$W/dry.out" >"$W/class.dry"
classify "$W/g.out" >"$W/class.real"
for i in 1 2 3 4 5 6 7 8; do
	d=$(awk -v i="$i" '$1 == i {print $2}' "$W/class.dry")
	r=$(awk -v i="$i" '$1 == i {print $2}' "$W/class.real")
	if [ "$r" = missing ] || [ "$d" = missing ]; then
		fail "board $i is missing from the run ($r) or the dry run ($d)"
	else
		assert_eq "dry run classifies board $i as the run did ($r)" "$r" "$d"
	fi
done

# --- discovery: the running boards with CAP_GROUP (the strict one answers
# no extension, the silent one nothing)
ethdl_bh discover -i "$IF" --json >"$W/disc.out" 2>"$W/disc.err"
IT_LAST_ERR=$W/disc.err assert_rc "discover" 0 $?
found=$("$IT_PYTHON" -c '
import json, sys
print(" ".join(sorted(json.loads(l)["board"].lower() for l in open(sys.argv[1])
                      if l.strip().startswith("{") and "board" in json.loads(l))))
' "$W/disc.out" 2>/dev/null)
want=$(for i in 1 2 3 4 6 7; do br_mac "$i"; echo; done | sort | tr '\n' ' ' | sed 's/ $//')
assert_eq "discover: boards 1-4, 6, 7 (not the silent nor the strict one)" "$want" "$found"
assert_match "discover: board 6's vendor" "\"vendor\": *\"other\"" \
	"$(grep -i "$(br_mac 6)" "$W/disc.out")"
assert_match "discover: board 7 runs 2.0.0" "2\.0\.0" "$(grep -i "$(br_mac 7)" "$W/disc.out")"
ethdl_bh discover -i "$IF" --vendor acme --model rtu9 --json >"$W/disc2.out" 2>"$W/disc2.err"
assert_eq "discover --vendor acme: 5 boards" 5 "$(grep -c '"board"' "$W/disc2.out")"

# --- --repair resend on a fresh set, with a plain file: the four group
# boards (two of them lossy) by the group, the strict one point to point
# after it, in the same run
br_boards_stop || true
start_boards s2 1 2 3 4 8 || exit 1
timeout -k 5 "$GROUP_TIMEOUT" ip netns exec "$BR_NS_H" "$ETHDL" group -i "$IF" \
	-b "$(br_mac 1)" -b "$(br_mac 2)" -b "$(br_mac 3)" -b "$(br_mac 4)" -b "$(br_mac 8)" \
	--repair resend --json "$W/img2" >"$W/r.out" 2>"$W/r.err"
IT_LAST_ERR=$W/r.err assert_rc "resend, plain file: exit 0" 0 $?
rows "$W/r.out" | sed 's/^/  /'
for i in 1 2 3 4; do
	assert_eq "resend: board $i ok by the group" "ok group" \
		"$(field "$W/r.out" "$i" 2) $(field "$W/r.out" "$i" 3)"
	assert_same_file "resend: board $i's file" "$W/img2" "$W/s2/$i/config.bin"
done
assert_eq "resend: board 8 (strict) ok point to point" "ok unicast" \
	"$(field "$W/r.out" 8 2) $(field "$W/r.out" 8 3)"
assert_same_file "resend: board 8's file" "$W/img2" "$W/s2/8/config.bin"
for i in 1 2 3 4 8; do
	br_board_alive "$i" || fail "board $i died during the run"
done
br_boards_stop

# --- a board of older firmware (the device extension, no group: --no-group)
# is named with one that has the group: the package reaches it point to
# point in the same run, staged and activated as by the group
br_board_start 1 "$W/s3/1" -v --vendor acme --model rtu9 --serial SN-1
br_board_start 7 "$W/s3/7" -v --vendor acme --model rtu9 --serial SN-7 --no-group
br_boards_wait 1 7 || exit 1
timeout -k 5 "$GROUP_TIMEOUT" ip netns exec "$BR_NS_H" "$ETHDL" group -i "$IF" \
	-b "$(br_mac 1)" -b "$(br_mac 7)" --activate now --full-readback --json "$W/v2.pkg" \
	>"$W/o.out" 2>"$W/o.err"
IT_LAST_ERR=$W/o.err assert_rc "older firmware: exit 0" 0 $?
rows "$W/o.out" | sed 's/^/  /'
assert_eq "older firmware: board 1 ok by the group" "ok group" \
	"$(field "$W/o.out" 1 2) $(field "$W/o.out" 1 3)"
assert_eq "older firmware: board 7 ok point to point" "ok unicast" \
	"$(field "$W/o.out" 7 2) $(field "$W/o.out" 7 3)"
assert_match "--full-readback: board 1 read back after the group" "read back and identical" \
	"$(grep -i "$(br_mac 1)" "$W/o.out")"
assert_stored "older firmware: board 1's active image" "$W/s3/1/config.bin"
assert_stored "older firmware: board 7's active image" "$W/s3/7/config.bin"
br_boards_stop

it_summary
