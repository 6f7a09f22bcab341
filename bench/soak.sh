#!/usr/bin/env bash
# bench/soak.sh BUILD_DIR [--count N] [--count2 N] [--loss P] [--seed N]
#                         [--max-size BYTES] [--keep]
#
# A long soak of `ethdl download` (with read-back and compare, the default;
# no --retries: the protocol must repair loss by itself) against ONE
# ethdl-board process per phase, on a veth pair between two network
# namespaces made for the run (tests/integration/lib.sh) and deleted on
# every exit path.
#
#   phase 1  --count downloads (default 300) through the board's impair:
#            --drop 0.05 --corrupt 0.01 --reorder 0.25
#   phase 2  --count2 downloads (default 50) at heavy loss:
#            --drop P (--loss, default 0.2) --corrupt 0.01 --reorder 0.25
#            --duplicate 0.01
#
# Sizes: every 10th download takes the next edge size (0, 1, block-1, block,
# block+1, 2 blocks +-1, the 1024-frame window +-1 block edge, 64 KiB,
# 1 MiB, max-1, max; block = MTU - 21 = 1479); the others are random from 0
# to --max-size (default 3000000 bytes), half uniform and half log-uniform so
# that small files are not rare. Content is random; all of it comes from
# --seed (default 20261125), which is printed so a run can be replayed
# (closely: the timing of a live link differs from run to run).
#
# Every download must exit 0 with a JSON result "ok" and leave the board's
# config.bin byte-identical to the file. Counted apart: failures (exit != 0),
# wrong verdicts (exit 0 but the JSON is not ok or the board holds something
# else) and damage (a failure that left the board holding neither its old
# file nor the new one). The board's VmRSS and open fds are sampled (board
# idle) at the start and every 50 downloads (every count/5 when a phase has
# fewer than 150); flat means the last sample is at most 1 MiB of RSS and 0
# fds above the sample after the first interval.
#
# Exit 0 when both phases end with 0 failures, 0 wrong verdicts, the board
# alive and flat; 1 otherwise; 2 usage. Results (every download, the samples,
# the table, the logs of each failure) go to BUILD_DIR/bench-results/soak-DATE/.
set -uo pipefail

usage() {
	sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'
	exit 2
}

[ $# -ge 1 ] || usage
case $1 in -h|--help) usage ;; esac
BUILD=$(cd "$1" 2>/dev/null && pwd) || { echo "soak.sh: no build directory $1" >&2; exit 2; }
shift
COUNT=300 COUNT2=50 LOSS=0.2 SEED=20261125 MAX=3000000 KEEP=0
while [ $# -gt 0 ]; do
	case $1 in
	--count) COUNT=${2:?}; shift ;;
	--count2) COUNT2=${2:?}; shift ;;
	--loss) LOSS=${2:?}; shift ;;
	--seed) SEED=${2:?}; shift ;;
	--max-size) MAX=${2:?}; shift ;;
	--keep) KEEP=1 ;;
	-h|--help) usage ;;
	*) echo "soak.sh: unknown option $1" >&2; usage ;;
	esac
	shift
done
for v in "$COUNT" "$COUNT2" "$SEED" "$MAX"; do
	case $v in ''|*[!0-9]*) echo "soak.sh: not a number: $v" >&2; exit 2 ;; esac
done
case $LOSS in 0.*|0|1) ;; *) echo "soak.sh: --loss wants a probability (0.2): $LOSS" >&2; exit 2 ;; esac

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../tests/integration/lib.sh
. "$BENCH_DIR/../tests/integration/lib.sh"
IT_KEEP=$KEEP
it_init "$BUILD"
[ -n "$IT_PYTHON" ] || { echo "soak.sh: needs python3 (scripts/install-deps.sh)" >&2; exit 1; }
it_net_up
W=$IT_WORK
MTU=$(ip -n "$IT_NS_H" -o link show "$IT_IF_H" | sed -n 's/.* mtu \([0-9]*\).*/\1/p')
BLOCK=$((MTU - 21))
OUT=$BUILD/bench-results/soak-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT" || { echo "soak.sh: cannot make $OUT" >&2; exit 1; }
printf 'phase\tn\tbytes\texit\tclass\twall_ms\tseconds\tframes\tsent\tresult\tdetail\n' >"$OUT/runs.tsv"
printf 'phase\tafter\tpid\trss_kb\tfds\tidle\n' >"$OUT/samples.tsv"
: >"$OUT/summary.tsv"

# sizes SEED COUNT: one size a line (see the header).
sizes() {
	"$IT_PYTHON" - "$1" "$2" "$MAX" "$BLOCK" <<'EOF'
import math, random, sys
seed, count, top, b = (int(a) for a in sys.argv[1:])
r = random.Random(seed)
win = 1024 * b
edges = [0, 1, b - 1, b, b + 1, 2 * b - 1, 2 * b, 2 * b + 1, win - 1, win, win + 1,
         65536, 1 << 20, top - 1, top]
edges = [e for e in edges if 0 <= e <= top]
k = 0
for i in range(count):
    if i % 10 == 0:
        print(edges[k % len(edges)]); k += 1
    elif i % 2:
        print(r.randint(0, top))
    else:
        print(min(top, int(math.exp(r.uniform(0, math.log(top + 1))))))
EOF
}

# sample PHASE AFTER: the board's RSS and fds once it is idle.
sample() {
	local idle=yes
	board_wait_idle 6 || idle=no
	SRSS=$(proc_rss_kb "$IT_BOARD_PID")
	SFDS=$(proc_fds "$IT_BOARD_PID")
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$IT_BOARD_PID" "$SRSS" "$SFDS" "$idle" >>"$OUT/samples.tsv"
	printf '  %s sample after %4d: VmRSS %s kB, %s fds%s\n' "$1" "$2" "$SRSS" "$SFDS" \
		"$([ "$idle" = yes ] || echo ' (board not idle after 6 s)')"
	proc_fd_list "$IT_BOARD_PID" >"$W/fds.$1.$2"
}

# phase NAME COUNT SEED BOARD_FLAGS...
ANY_BAD=0
phase() {
	local name=$1 count=$2 pseed=$3 every n=0 i f t0 secs last
	local nfail=0 nwrong=0 ndamaged=0 deaths=0 bytes=0 ref_rss='' ref_fds='' ref_at=0
	local -a sz specs
	shift 3
	if [ "$count" = 0 ]; then
		echo "== $name: skipped (0 downloads)"
		return 0
	fi
	if [ "$count" -ge 150 ]; then every=50; else every=$((count / 5)); [ "$every" -ge 1 ] || every=1; fi
	mapfile -t sz < <(sizes "$pseed" "$count")
	echo "== $name: $count downloads, board $*, sizes 0..$MAX B, samples every $every"
	board_start "$W/state.$name" "$@" || { ANY_BAD=1; return 1; }
	sample "$name" 0
	: >"$W/fail.$name"
	t0=$(now_ms)
	while [ "$n" -lt "$count" ]; do
		# Files ten at a time: one python3 start, little disk.
		specs=()
		for ((i = n + 1; i <= n + 10 && i <= count; i++)); do
			specs+=("$W/f.$i:${sz[i - 1]}:$((pseed * 100000 + i))")
		done
		gen_files "${specs[@]}" || { fail "cannot write the files"; ANY_BAD=1; return 1; }
		last=$((n + ${#specs[@]}))
		while [ "$n" -lt "$last" ]; do
			n=$((n + 1))
			f=$W/f.$n
			soak_one "$name-$n" "$f" "$W/state.$name/config.bin" "$W/prev.$name"
			bytes=$((bytes + ${sz[n - 1]}))
			local j fr se sc
			j=$(grep '^{' "$SOAK_OUT" | tail -1)
			sc=$(sed -n 's/.*"seconds":\([0-9.e+-]*\).*/\1/p' <<<"$j")
			fr=$(sed -n 's/.*"frames":\([0-9]*\).*/\1/p' <<<"$j")
			se=$(sed -n 's/.*"data_frames_sent":\([0-9]*\).*/\1/p' <<<"$j")
			printf '%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$n" "${sz[n - 1]}" \
				"$SOAK_RC" "$SOAK_CLASS" "$SOAK_MS" "${sc:--}" "${fr:--}" "${se:--}" \
				"${SOAK_RESULT:-}" "${SOAK_DETAIL:-}" >>"$OUT/runs.tsv"
			case $SOAK_CLASS in
			fail) nfail=$((nfail + 1)) ;;
			wrong) nwrong=$((nwrong + 1)) ;;
			damaged) nfail=$((nfail + 1)); ndamaged=$((ndamaged + 1)) ;;
			esac
			if [ "$SOAK_CLASS" != ok ]; then
				printf '%s\t%s\n' "$SOAK_CLASS" "${SOAK_RESULT:-?}: ${SOAK_DETAIL:-}" >>"$W/fail.$name"
				mkdir -p "$OUT/failures/$name-$n"
				cp -- "$SOAK_OUT" "$SOAK_ERR" "$IT_BOARD_LOG" "$OUT/failures/$name-$n/" 2>/dev/null
			fi
			rm -f -- "$f" "$SOAK_OUT" "$SOAK_ERR"
			if ! kill -0 "$IT_BOARD_PID" 2>/dev/null; then
				deaths=$((deaths + 1))
				echo "  board process $IT_BOARD_PID died after download $n:"
				tail -5 "$IT_BOARD_LOG" | sed 's/^/      board: /'
				cp -- "$IT_BOARD_LOG" "$OUT/board-died-$name-$n.log" 2>/dev/null
				wait "$IT_BOARD_PID" 2>/dev/null
				IT_BOARD_PID=
				board_start "$W/state.$name" "$@" || { ANY_BAD=1; return 1; }
			fi
			if [ $((n % every)) = 0 ] || [ "$n" = "$count" ]; then
				sample "$name" "$n"
				if [ "$n" = "$every" ]; then
					ref_rss=$SRSS ref_fds=$SFDS ref_at=$n
				fi
				printf '  %s: %d/%d downloads, %d failures, %d wrong verdicts, %d s\n' "$name" "$n" \
					"$count" "$nfail" "$nwrong" $((($(now_ms) - t0) / 1000))
			fi
		done
	done
	secs=$((($(now_ms) - t0 + 500) / 1000))
	local stopped=yes
	board_stop || stopped=no

	# Flat: the last sample against the one after the first interval.
	local flat=yes why=
	if [ "$deaths" != 0 ]; then
		flat=no why="the board died and was restarted $deaths time(s)"
	elif [ -z "$ref_rss" ] || [ "$ref_rss" = - ] || [ "$SRSS" = - ]; then
		flat=no why="no samples"
	else
		if [ $((SRSS - ref_rss)) -gt 1024 ]; then
			flat=no why="VmRSS grew $((SRSS - ref_rss)) kB after download $ref_at"
		fi
		if [ "$SFDS" -gt "$ref_fds" ]; then
			flat=no why="${why:+$why; }fds grew by $((SFDS - ref_fds)) after download $ref_at"
			echo "  $name: fds open at the end and not after download $ref_at:"
			diff "$W/fds.$name.$ref_at" "$W/fds.$name.$n" | sed -n 's/^> /      /p'
		fi
	fi
	echo "  $name: VmRSS/fds series: $(awk -F'\t' -v p="$name" '$1 == p {printf "%s%s:%s/%s", s, $2, $4, $5; s = " "}' \
		"$OUT/samples.tsv")"
	if [ -s "$W/fail.$name" ]; then
		echo "  $name: distinct failure messages (count x class: result: detail):"
		sort "$W/fail.$name" | uniq -c | sort -rn | sed 's/^ *\([0-9]*\) \([a-z]*\)\t/    \1 x \2: /'
	fi
	local ok=PASS
	if [ "$nfail" != 0 ] || [ "$nwrong" != 0 ] || [ "$deaths" != 0 ] || [ "$flat" != yes ] ||
	   [ "$stopped" != yes ]; then
		ok=FAIL ANY_BAD=1
	fi
	[ "$stopped" = yes ] || why="${why:+$why; }the board did not exit 0 on SIGTERM"
	echo "soak: $name: $count downloads, $nfail failures, $nwrong wrong verdicts, $secs s;" \
		"flat: $flat${why:+ ($why)}; $ok"
	[ "$ndamaged" = 0 ] || echo "soak: $name: $ndamaged failure(s) left the board's file damaged"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$*" "$count" "$nfail" \
		"$nwrong" "$ndamaged" "$deaths" "$bytes" "$secs" "$ref_rss" "$SRSS" "$ref_fds" "$SFDS" \
		"$ok${why:+ ($why)}" >>"$OUT/summary.tsv"
}

{
	echo "soak: seed $SEED (--seed $SEED to replay), MTU $MTU, block $BLOCK, $(nproc) CPUs," \
		"load $(cut -d' ' -f1-3 /proc/loadavg), $("$ETHDL" --version 2>&1 | head -1)"
} | tee "$OUT/header.txt"
START=$(now_ms)
phase phase1 "$COUNT" "$SEED" --drop 0.05 --corrupt 0.01 --reorder 0.25 --seed "$SEED"
phase phase2 "$COUNT2" $((SEED + 1)) --drop "$LOSS" --corrupt 0.01 --reorder 0.25 --duplicate 0.01 \
	--seed $((SEED + 1))

# The table: per phase, and the wall time of the ok downloads from runs.tsv.
{
	cat "$OUT/header.txt"
	"$IT_PYTHON" - "$OUT" <<'EOF'
import csv, sys
out = sys.argv[1]
runs = list(csv.DictReader(open(out + "/runs.tsv"), delimiter="\t"))
print()
print("%-7s %-40s %5s %4s %5s %3s %4s %7s %5s %7s %7s %7s %6s %15s %7s  %s" % (
    "phase", "board impair (both ways)", "runs", "fail", "wrong", "dmg", "died", "MB", "s",
    "med ms", "p90 ms", "max ms", "sent/n", "RSS kB ref>last", "fds", "verdict"))
for row in csv.reader(open(out + "/summary.tsv"), delimiter="\t"):
    name, flags, count, nf, nw, nd, died, nbytes, secs, rr, rl, fr, fl, verdict = row
    ms = sorted(int(r["wall_ms"]) for r in runs if r["phase"] == name and r["class"] == "ok")
    pick = lambda q: str(ms[min(len(ms) - 1, int(q * len(ms)))]) if ms else "-"
    need = sum(int(r["frames"]) for r in runs if r["phase"] == name and r["frames"] not in ("-", ""))
    sent = sum(int(r["sent"]) for r in runs if r["phase"] == name and r["sent"] not in ("-", ""))
    w = flags.split()
    if "--seed" in w:  # the seeds are in the header
        k = w.index("--seed"); del w[k:k + 2]
    flags = " ".join(w).replace("--duplicate", "dup").replace("--", "")
    print("%-7s %-40s %5s %4s %5s %3s %4s %7.1f %5s %7s %7s %7s %6s %15s %7s  %s" % (
        name, flags, count, nf, nw, nd, died, int(nbytes) / 1e6, secs, pick(0.5), pick(0.9),
        str(ms[-1]) if ms else "-", "%.3f" % (sent / need) if need else "-",
        "%s>%s" % (rr or "-", rl or "-"), "%s>%s" % (fr or "-", fl or "-"), verdict))
EOF
	echo "total $((($(now_ms) - START) / 1000)) s"
} | tee "$OUT/table.txt"
echo "results: $OUT (runs.tsv: every download; samples.tsv; table.txt; failures/)"
if [ "$ANY_BAD" != 0 ]; then
	echo "soak.sh: FAILED (see above; logs of each failure in $OUT/failures)" >&2
	exit 1
fi
exit 0
