#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Soak: many windowed downloads (with read-back, the default) one after
# another through ONE board process whose impair drops 5%, corrupts 1% and
# reorders 25% of the frames both ways. Every download must exit 0 with a
# JSON result "ok" and leave the board's config.bin byte-identical to the
# file sent; no --retries (the protocol repairs loss itself).
#
#   tests/integration/test_soak.sh BUILD_DIR
#
# 12 rounds (ETHDL_SOAK_ROUNDS) of 5 sizes: 0 B, 1 B, block-1, block+1 and
# 64 KiB (block = MTU - 21 = 1479 at MTU 1500), new random content each time.
# The seed (board impair and content) is printed; ETHDL_SOAK_SEED=N replays
# it (timing differs from run to run, so a replay is close, not exact).
#
# Counted apart: failures (exit != 0), wrong verdicts (exit 0 but the JSON is
# not ok or the board holds something else) and damage (a failure that left
# the board holding neither its old file nor the new one). Passes only with
# none of any. Prints the board's VmRSS and open fds before and after.
# Exit 0 pass, 1 fail, 77 skip (not root, no `ip netns`). IT_KEEP=1 keeps
# the work directory.

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

it_init "${1:-}"
it_net_up

W=$IT_WORK
S=$W/state
IF=$IT_IF_H
SEED=${ETHDL_SOAK_SEED:-20261125}
ROUNDS=${ETHDL_SOAK_ROUNDS:-12}
IMPAIR=(--drop 0.05 --corrupt 0.01 --reorder 0.25 --seed "$SEED")
MTU=$(ip -n "$IT_NS_H" -o link show "$IF" | sed -n 's/.* mtu \([0-9]*\).*/\1/p')
BLOCK=$((MTU - 21))
SIZES=(0 1 $((BLOCK - 1)) $((BLOCK + 1)) 65536)

echo "soak: seed $SEED (ETHDL_SOAK_SEED=$SEED to replay), $ROUNDS rounds of sizes ${SIZES[*]}"
echo "soak: board ${IMPAIR[*]}"
board_start "$S" "${IMPAIR[@]}" || exit 1
board_wait_idle 1
PID0=$IT_BOARD_PID
RSS0=$(proc_rss_kb "$PID0")
FDS0=$(proc_fds "$PID0")
proc_fd_list "$PID0" >"$W/fds.before"
echo "soak: board pid $PID0 before: VmRSS $RSS0 kB, $FDS0 fds"

N=0 F=0 WRONG=0 DAMAGED=0 DEATHS=0
T0=$(now_ms)
: >"$W/failures"
for round in $(seq "$ROUNDS"); do
	specs=() k=$N
	for size in "${SIZES[@]}"; do
		k=$((k + 1))
		specs+=("$W/file.$k:$size:$((SEED * 1000 + k))")
	done
	gen_files "${specs[@]}" || { fail "cannot write the files of round $round"; break; }
	for size in "${SIZES[@]}"; do
		N=$((N + 1))
		f=$W/file.$N
		soak_one "$N" "$f" "$S/config.bin" "$W/prev"
		case $SOAK_CLASS in
		fail) F=$((F + 1)) ;;
		wrong) WRONG=$((WRONG + 1)) ;;
		damaged) F=$((F + 1)); DAMAGED=$((DAMAGED + 1)) ;;
		esac
		printf '%s\t%s\t%s\t%s\t%s\n' "$N" "$size" "$SOAK_RC" "$SOAK_CLASS" "$SOAK_MS" >>"$W/runs.tsv"
		[ "$SOAK_CLASS" = ok ] ||
			printf '%s\t%s\n' "$SOAK_CLASS" "${SOAK_RESULT:-?}: ${SOAK_DETAIL:-}" >>"$W/failures"
		rm -f -- "$f"
		[ "$SOAK_CLASS" = ok ] && rm -f -- "$SOAK_OUT" "$SOAK_ERR"
		# The daemon serves session after session; if it died, that is a
		# finding: say so and start another to go on.
		if ! kill -0 "$IT_BOARD_PID" 2>/dev/null; then
			DEATHS=$((DEATHS + 1))
			echo "  board process $IT_BOARD_PID died after download #$N:"
			tail -5 "$IT_BOARD_LOG" | sed 's/^/      board: /'
			wait "$IT_BOARD_PID" 2>/dev/null
			IT_BOARD_PID=
			board_start "$S" "${IMPAIR[@]}" || exit 1
		fi
	done
	printf 'soak: round %d/%d done, %d downloads, %d failures, %d wrong verdicts\n' \
		"$round" "$ROUNDS" "$N" "$F" "$WRONG"
	if [ "$round" = 1 ]; then
		board_wait_idle || echo "soak: (board not idle after 6 s)"
		RSS1=$(proc_rss_kb "$IT_BOARD_PID")
		FDS1=$(proc_fds "$IT_BOARD_PID")
	fi
done
T=$((($(now_ms) - T0 + 500) / 1000))

board_wait_idle || echo "soak: (board not idle 6 s after the last download)"
PID1=$IT_BOARD_PID
RSS2=$(proc_rss_kb "$PID1")
FDS2=$(proc_fds "$PID1")
proc_fd_list "$PID1" >"$W/fds.after"
echo "soak: board pid $PID1 after round 1: VmRSS $RSS1 kB, $FDS1 fds;" \
	"after the soak: VmRSS $RSS2 kB, $FDS2 fds (before: $RSS0 kB, $FDS0 fds)"
[ "$PID0" = "$PID1" ] || echo "soak: (the board was restarted $DEATHS time(s): not one process)"
if [ "$FDS2" != - ] && [ "$FDS0" != - ] && [ "$FDS2" -gt "$FDS0" ]; then
	echo "soak: note: the board holds $((FDS2 - FDS0)) more fd(s) than before the soak:"
	diff "$W/fds.before" "$W/fds.after" | sed -n 's/^> /      /p'
fi

if [ -s "$W/failures" ]; then
	echo "soak: distinct failure messages (count x class: result: detail):"
	sort "$W/failures" | uniq -c | sort -rn | sed 's/^ *\([0-9]*\) \([a-z]*\)\t/  \1 x \2: /'
fi
awk -F'\t' '{ n[$2]++; if ($4 != "ok") f[$2]++; if (!($2 in o)) o[$2] = ++k; s[o[$2]] = $2 }
	END { printf "soak: not ok by size:"; for (i = 1; i <= k; i++) printf " %s B %d/%d;", s[i], f[s[i]], n[s[i]]; print "" }' \
	"$W/runs.tsv"
awk -F'\t' '$4 == "ok" {print $5}' "$W/runs.tsv" | sort -n | awk '
	{ v[NR] = $1 } END { if (NR) printf "soak: wall time of an ok download: median %d ms, 90th %d ms, max %d ms\n",
		v[int((NR + 1) / 2)], v[int(NR * 0.9 + 0.5) ? int(NR * 0.9 + 0.5) : 1], v[NR] }'
echo "soak: $N downloads, $F failures, $WRONG wrong verdicts, $T s"
[ "$DAMAGED" = 0 ] || echo "soak: $DAMAGED failure(s) left the board's file damaged"
[ "$DEATHS" = 0 ] || echo "soak: the board process died $DEATHS time(s)"

assert_eq "soak: failures (seed $SEED)" 0 "$F"
assert_eq "soak: wrong verdicts (seed $SEED)" 0 "$WRONG"
assert_eq "soak: board process deaths" 0 "$DEATHS"
board_stop
it_summary
