#!/usr/bin/env bash
# bench/group.sh BUILD_DIR [--quick] [--mib M] [--cells LIST] [--rate-kbit R] [--ethdl-rate-kbit R]
#                [--ethdl-args ARGS] [--board-args ARGS] [--no-ethdl] [--no-uftp]
#                [--keep]
#
# Group download (PROTOCOL.md §8) where the network, not this machine, is
# the bottleneck: a Linux bridge in a namespace of its own, the host and up
# to 32 boards each in a namespace joined to it by a veth pair
# (tests/integration/lib_bridge.sh), the host's port shaped to 10 Mbit/s by
# tbf (`tc qdisc add dev HOSTPORT root tbf rate 10mbit burst 32kbit latency
# 400ms`). Loss is nftables on the bridge (bridge family, per board port,
# `numgen random mod 100 < P drop`) on frames of 1000 bytes or more, so
# that both tools lose data, not control; the "all" cell drops every frame.
#
# Cells (boards/loss): 1/0 1/5 8/0 8/5 32/0 32/5 32/5all. In each:
#   ethdl code    ethdl group --repair code (Reed-Solomon parity)
#   ethdl resend  ethdl group --repair resend (multicast/unicast resend)
#   uftp          UFTP 4.10.2: uftpd in every board namespace, uftp in the
#                 host's, -R RATE -b 1400 -C none, closed group (-H)
# and once per run:
#   unicast       ethdl download --no-readback of the same file to one board,
#                 no loss, same shaping: the reference time
#   ceiling       bench/rawpump: multicast 1514-byte frames through the
#                 shaped port for a fixed count, received at every board of
#                 the biggest cell; the slowest board's frames/s gives the
#                 best possible time for the file in 1473-byte blocks
# Printed per run: wall time, time ÷ unicast, frames of 1000 bytes or more
# that entered the bridge from the host (nft counter) ÷ blocks (for ethdl
# also data+parity+resent frames from its summary ÷ its blocks), and
# whether every board ends with a byte-identical copy (ethdl: result ok and
# cmp of each board's stored file; UFTP: cmp of each received file).
#
# --quick: cells 1/0 and 8/5 of a 2 MiB file (tests the script, ~2 min).
# --mib M: file size (default 16). --cells "N/P N/P N/Pall ...": just those.
# --rate-kbit R: the fixed send rate of both tools (default: UFTP 9800
#   kbit/s, ethdl 9950 kbit/s, each just under the 10 Mbit/s tbf, which
#   then drops nothing: column "tbf drops"; ethdl paces whole Ethernet
#   frames, header included, so it can come closer to the link than UFTP,
#   whose rate counts its own packets). --ethdl-rate-kbit R: ethdl's alone.
# --ethdl-args "ARGS": more options for every ethdl group (e.g. "--window 100").
# --board-args "ARGS": ethdl-board's options in the group runs (default -q;
#   "-v" logs every exchange, kept with the logs of a failed run).
# --no-ethdl / --no-uftp: leave a tool out (ethdl is left out by itself,
# and said so, when this build has no `ethdl group`). --keep: keep the work
# directory.
#
# Needs root, the build (cmd/ethdl, cmd/ethdl-board, bench/rawpump), nft,
# tc, python3, uftp/uftpd (bench/install.sh). IP traffic (UFTP only) uses
# 198.18.0.1 (host) and 198.18.1.I (board I) inside the namespaces, and the
# administratively scoped multicast groups 239.255.18.1 and 239.255.18.2,
# which never leave them. Results: BUILD_DIR/bench-results/group-DATE/
# (results.tsv, table.txt, logs of any failure).
set -uo pipefail

usage() {
	sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'
	exit 2
}
[ $# -ge 1 ] || usage
case $1 in -h|--help) usage ;; esac
BUILD=$(cd "$1" 2>/dev/null && pwd) || { echo "group.sh: no build directory $1" >&2; exit 2; }
shift
QUICK=0 MIB= CELLS= RATE_K=9800 ETHDL_RATE_K=9950 DO_ETHDL=1 DO_UFTP=1 KEEP=0 ETHDL_ARGS= BOARD_ARGS=-q
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1 ;;
	--mib) MIB=${2:?}; shift ;;
	--cells) CELLS=${2:?}; shift ;;
	--rate-kbit) RATE_K=${2:?}; ETHDL_RATE_K=$RATE_K; shift ;;
	--ethdl-rate-kbit) ETHDL_RATE_K=${2:?}; shift ;;
	--ethdl-args) ETHDL_ARGS=${2:?}; shift ;;
	--board-args) BOARD_ARGS=${2:?}; shift ;;
	--no-ethdl) DO_ETHDL=0 ;;
	--no-uftp) DO_UFTP=0 ;;
	--keep) KEEP=1 ;;
	-h|--help) usage ;;
	*) echo "group.sh: unknown option $1" >&2; usage ;;
	esac
	shift
done
if [ "$QUICK" = 1 ]; then
	MIB=${MIB:-2}
	CELLS=${CELLS:-"1/0 8/5"}
fi
MIB=${MIB:-16}
CELLS=${CELLS:-"1/0 1/5 8/0 8/5 32/0 32/5 32/5all"}

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
RAWPUMP=$BUILD/bench/rawpump
PATH=$PATH:/usr/sbin:/sbin
die() { echo "group.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
[ -x "$RAWPUMP" ] || die "no $RAWPUMP: build first"
command -v python3 >/dev/null || die "needs python3 (scripts/install-deps.sh)"
command -v tc >/dev/null || die "needs tc (iproute2)"
command -v nft >/dev/null || die "needs nft: run bench/install.sh"
if [ "$DO_UFTP" = 1 ]; then
	command -v uftp >/dev/null && command -v uftpd >/dev/null ||
		die "needs uftp and uftpd: run bench/install.sh (or --no-uftp)"
fi

# shellcheck source=../tests/integration/lib.sh
. "$BENCH_DIR/../tests/integration/lib.sh"
# shellcheck source=../tests/integration/lib_bridge.sh
. "$BENCH_DIR/../tests/integration/lib_bridge.sh"
IT_KEEP=$KEEP
br_init "$BUILD"
if [ "$DO_ETHDL" = 1 ] && ! "$ETHDL" group --help >/dev/null 2>&1; then
	echo "group.sh: this build has no \`ethdl group': ethdl cells left out" >&2
	DO_ETHDL=0
	NO_GROUP=1
fi

NMAX=1
for c in $CELLS; do
	n=${c%%/*}
	[ "$n" -gt "$NMAX" ] && NMAX=$n
done
W=$IT_WORK
STAMP=$(date +%Y%m%d-%H%M%S)
OUT=$BUILD/bench-results/group-$STAMP
mkdir -p "$OUT" "$W/log" || die "cannot make $OUT"
RES=$OUT/results.tsv
printf 'cell\tboards\tloss\ttool\tseconds\tx_unicast\tbig_frames\tblocks\tframes_per_block\tsummary_frames\tsummary_blocks\tidentical\tstatus\trounds\tstate_bytes_per_board\tqdisc_drops\tgroup_seconds\n' >"$RES"

br_net_up "$NMAX" --ip
SHAPE_ARGS=(burst 32kbit latency 400ms)
br_shape 10mbit "${SHAPE_ARGS[@]}" || die "tc tbf failed"
RATE_BPS=$((ETHDL_RATE_K * 1000))
GROUP_MAC=03:e7:d1:00:67:01
UFTP_PUB=239.255.18.1
UFTP_PRIV=239.255.18.2
UFTP_BLOCK=1400
CEIL_BLOCK=1473      # the largest group block at MTU 1500 (PROTOCOL.md §8)

FILE=$W/f$MIB
head -c $((MIB << 20)) /dev/urandom >"$FILE" || die "cannot write $FILE"
SIZE=$(stat -c %s "$FILE")

NFAIL=0
fail_run() { # LABEL FILES...: keep the logs, say so
	local label=$1 d
	shift
	NFAIL=$((NFAIL + 1))
	d=$OUT/failures/$NFAIL-$label
	mkdir -p "$d"
	cp -- "$@" "$d/" 2>/dev/null
	echo "  FAILED: $label (logs: $d)" >&2
	for f in "$@"; do [ -s "$f" ] && tail -4 "$f" | sed "s|^|    $(basename "$f"): |" >&2; done
}
now_ns() { date +%s%N; }
secs_since() { python3 -c "print('%.3f' % (($(now_ns) - $1) / 1e9))"; }
ratio() { python3 -c "import sys; a, b = sys.argv[1:]; print('%.3f' % (float(a) / float(b)) if b not in ('', '-', '0') and a not in ('', '-') else '-')" "$1" "$2"; }

# ports N: only boards 1..N on the bridge (the others' ports down, so the
# bridge floods N copies, not NMAX).
ports() {
	local i
	for i in $(seq "$NMAX"); do
		if [ "$i" -le "$1" ]; then
			ip -n "$BR_NS" link set "bp$i" up
		else
			ip -n "$BR_NS" link set "bp$i" down
		fi
	done
	for i in $(seq 50); do
		ip -n "${BR_NS_B[1]}" link show "$BR_IF_B" | grep -q LOWER_UP && break
		sleep 0.1
	done
}
# loss N P [all]: P % on boards 1..N, none elsewhere.
loss() {
	local i
	br_loss_clear
	for i in $(seq "$1"); do br_loss "$i" "$2" ${3:-} || die "nft rule"; done
}
board_list() { # N: -b MAC for boards 1..N
	local i
	for i in $(seq "$1"); do printf -- '-b\n%s\n' "$(br_mac "$i")"; done
}

UNICAST_S=
QD0=0
qd_mark() { QD0=$(br_qdisc_drops); }
record() { # cell boards loss tool seconds big blocks sframes sblocks identical status [rounds state gsecs]
	local x fpb
	x=$(ratio "$5" "$UNICAST_S")
	if [ -n "$8" ] && [ "$8" != - ]; then fpb=$(ratio "$8" "$9"); else fpb=$(ratio "$6" "$7"); fi
	local IFS=$'\t'
	echo "$1	$2	$3	$4	$5	$x	$6	$7	$fpb	$8	$9	${10}	${11}	${12:--}	${13:--}	$(($(br_qdisc_drops) - QD0))	${14:--}" >>"$RES"
	printf '  %-8s %-13s %8s s  %6s x  %6s frames/block  identical %s  %s\n' \
		"$1" "$4" "$5" "$x" "$fpb" "${10}" "${11}" >&2
}

# ---- unicast reference: one loss-free ethdl download at the same rate ----
run_unicast() {
	local t0 st s
	ports 1
	loss 1 0
	rm -rf "$W/u"
	br_board_start 1 "$W/u" -q --vendor acme --model rtu9 --serial SN-1
	br_boards_wait 1 || die "board did not start"
	br_count_reset
	qd_mark
	t0=$(now_ns)
	timeout -k 5 600 ip netns exec "$BR_NS_H" "$ETHDL" download -i "$BR_IF_H" -b "$(br_mac 1)" \
		--no-readback --json "$FILE" >"$W/log/uni.out" 2>"$W/log/uni.err"
	st=$?
	s=$(secs_since "$t0")
	br_board_stop 1
	local big blocks
	big=$(br_count_big)
	blocks=$(( (SIZE + 1478) / 1479 ))
	if [ "$st" = 0 ] && cmp -s "$FILE" "$W/u/config.bin"; then
		UNICAST_S=$s
		record unicast 1 0 "ethdl download" "$s" "$big" "$blocks" - - yes ok
	else
		fail_run unicast "$W/log/uni.out" "$W/log/uni.err" "$IT_WORK/board-1.log"
		record unicast 1 0 "ethdl download" "$s" "$big" "$blocks" - - no "FAIL:exit$st"
	fi
}

# ---- the raw multicast ceiling of the emulation ----
run_ceiling() { # N
	local n=$1 i count=$((QUICK ? 1500 : 5000)) st
	ports "$n"
	loss "$n" 0
	for i in $(seq "$n"); do
		rm -f "$W/log/ceil.$i.out" "$W/log/ceil.$i.err"
		ip netns exec "${BR_NS_B[$i]}" "$RAWPUMP" recv -i "$BR_IF_B" -n "$count" --idle-ms 1500 \
			--json >"$W/log/ceil.$i.out" 2>"$W/log/ceil.$i.err" &
		CEIL_PIDS+=($!)
	done
	for i in $(seq "$n"); do
		for _ in $(seq 100); do grep -q ready "$W/log/ceil.$i.err" 2>/dev/null && break; sleep 0.05; done
	done
	ip netns exec "$BR_NS_H" timeout 300 "$RAWPUMP" send -i "$BR_IF_H" -d "$GROUP_MAC" -n "$count" \
		--len 1514 --json >"$W/log/ceil.send" 2>"$W/log/ceil.serr"
	st=$?
	for p in "${CEIL_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	CEIL_PIDS=()
	python3 - "$n" "$count" "$SIZE" "$CEIL_BLOCK" "$W/log" "$st" <<-'EOF' >"$W/log/ceil.res"
	import json, math, sys
	n, count, size, block, d, st = sys.argv[1:]
	n, count, size, block = int(n), int(count), int(size), int(block)
	fps, got = [], []
	for i in range(1, n + 1):
	    try:
	        j = json.loads(open("%s/ceil.%d.out" % (d, i)).read().strip().splitlines()[-1])
	        fps.append(j["frames"] / j["seconds"] if j["seconds"] else 0)
	        got.append(j["frames"])
	    except Exception:
	        fps.append(0); got.append(0)
	slow = min(fps)
	blocks = math.ceil(size / block)
	print("%.3f %d %.0f %d" % (blocks / slow if slow else 0, blocks, slow, min(got)))
	EOF
	read -r CEIL_S CEIL_BLOCKS CEIL_FPS CEIL_MIN <"$W/log/ceil.res"
	local ok=yes
	[ "$st" = 0 ] && [ "$CEIL_MIN" = "$count" ] || ok="no($CEIL_MIN/$count)"
	record "$n/0" "$n" 0 "raw ceiling" "$CEIL_S" "$count" "$count" - - "$ok" "${CEIL_FPS}fps"
}
CEIL_PIDS=()

# ---- ethdl group, one run ----
run_group() { # CELL N PCT ALL REPAIR
	local cell=$1 n=$2 pct=$3 all=$4 repair=$5 i t0 st s label dir=$W/g
	label=$(tr / - <<<"$cell")-$repair
	ports "$n"
	rm -rf "$dir"
	for i in $(seq "$n"); do
		br_board_start "$i" "$dir/$i" $BOARD_ARGS --vendor acme --model rtu9 --serial "SN-$i"
	done
	br_boards_wait $(seq "$n") || { fail_run "$label-start" "$IT_WORK"/board-*.log; br_boards_stop; return 1; }
	loss "$n" "$pct" $([ "$all" = 1 ] && echo all)
	mapfile -t bl < <(board_list "$n")
	br_count_reset
	qd_mark
	t0=$(now_ns)
	timeout -k 5 900 ip netns exec "$BR_NS_H" "$ETHDL" group -i "$BR_IF_H" "${bl[@]}" \
		--group-mac "$GROUP_MAC" --rate "$RATE_BPS" --repair "$repair" --json $ETHDL_ARGS "$FILE" \
		>"$W/log/g.out" 2>"$W/log/g.err"
	st=$?
	s=$(secs_since "$t0")
	local big
	big=$(br_count_big)
	loss "$n" 0
	br_boards_stop >/dev/null
	# Every board: result ok in the JSON, and its stored file the same bytes.
	local nok=0 same=0
	nok=$(grep -c '"result": *"ok"' "$W/log/g.out")
	for i in $(seq "$n"); do
		cmp -s "$FILE" "$dir/$i/config.bin" && same=$((same + 1))
	done
	local sframes sblocks sstate srounds sgsecs
	read -r sframes sblocks sstate srounds sgsecs < <(python3 -c '
import json, sys
for l in open(sys.argv[1]):
    l = l.strip()
    if l.startswith("{"):
        try:
            j = json.loads(l)
        except ValueError:
            continue
        if j.get("summary"):
            # unicast_frames is the part of parity_frames and resent_frames
            # sent point to point: not counted twice.
            f = sum(int(j.get(k) or 0) for k in ("data_frames", "parity_frames", "resent_frames"))
            g = j.get("group_seconds")
            print(f, j.get("blocks", "-"), j.get("state_bytes_per_board", "-"), j.get("rounds", "-"),
                  "%.3f" % g if isinstance(g, (int, float)) else "-")
' "$W/log/g.out" 2>/dev/null | tail -1)
	grep '"summary"' "$W/log/g.out" | tail -1 >"$OUT/summary-$label.json"
	local ident=no status=ok
	[ "$nok" = "$n" ] && [ "$same" = "$n" ] && ident=yes
	if [ "$st" != 0 ] || [ "$ident" != yes ]; then
		status="FAIL:exit$st,ok$nok,same$same"
		fail_run "$label" "$W/log/g.out" "$W/log/g.err" "$IT_WORK"/board-*.log
	fi
	record "$cell" "$n" "$pct$([ "$all" = 1 ] && echo all)" "ethdl $repair" "$s" "$big" \
		"${sblocks:--}" "${sframes:--}" "${sblocks:--}" "$ident" "$status" "${srounds:--}" "${sstate:--}" "${sgsecs:--}"
}

# ---- UFTP, one run ----
UFTPD_PIDS=()
stop_uftpd() {
	local p
	for p in "${UFTPD_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${UFTPD_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	UFTPD_PIDS=()
}
stop_helpers() {
	local p
	stop_uftpd
	for p in "${CEIL_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	CEIL_PIDS=()
}
BR_CLEANUP_HOOK=stop_helpers
uid() { printf '0x%08X' $((0xC6120100 + $1)); }
run_uftp() { # CELL N PCT ALL
	local cell=$1 n=$2 pct=$3 all=$4 i t0 st s label dir=$W/uf hosts=
	label=$(tr / - <<<"$cell")-uftp
	ports "$n"
	rm -rf "$dir"
	for i in $(seq "$n"); do
		mkdir -p "$dir/$i"
		: >"$W/log/uftpd.$i.log"
		ip netns exec "${BR_NS_B[$i]}" uftpd -d -x 1 -q -U "$(uid "$i")" -I "$BR_IF_B" \
			-M "$UFTP_PUB" -D "$dir/$i" 2>"$W/log/uftpd.$i.log" &
		UFTPD_PIDS+=($!)
		hosts=$hosts${hosts:+,}$(uid "$i")
	done
	for i in $(seq "$n"); do
		for _ in $(seq 100); do
			ip netns exec "${BR_NS_B[$i]}" ss -lun 2>/dev/null | grep -q ':1044 ' && break
			sleep 0.05
		done
	done
	loss "$n" "$pct" $([ "$all" = 1 ] && echo all)
	br_count_reset
	qd_mark
	t0=$(now_ns)
	(cd "$W" && timeout -k 5 900 ip netns exec "$BR_NS_H" uftp -I "$BR_IF_H" -M "$UFTP_PUB" \
		-P "$UFTP_PRIV" -R "$RATE_K" -b "$UFTP_BLOCK" -C none -Y none -H "$hosts" -x 1 \
		-S "$W/log/uftp.status" "$(basename "$FILE")" >"$W/log/uftp.out" 2>&1)
	st=$?
	s=$(secs_since "$t0")
	local big
	big=$(br_count_big)
	loss "$n" 0
	stop_uftpd
	local same=0 blocks
	for i in $(seq "$n"); do
		cmp -s "$FILE" "$dir/$i/$(basename "$FILE")" && same=$((same + 1))
	done
	blocks=$(( (SIZE + UFTP_BLOCK - 1) / UFTP_BLOCK ))
	local ident=no status=ok
	[ "$same" = "$n" ] && ident=yes
	if [ "$st" != 0 ] || [ "$ident" != yes ]; then
		status="FAIL:exit$st,same$same"
		fail_run "$label" "$W/log/uftp.out" "$W/log/uftp.status" "$W"/log/uftpd.*.log
	fi
	cp "$W/log/uftp.status" "$OUT/uftp-status-$label.txt" 2>/dev/null
	record "$cell" "$n" "$pct$([ "$all" = 1 ] && echo all)" "uftp" "$s" "$big" "$blocks" - - \
		"$ident" "$status"
}

# ---- the run ----
T_ALL=$(date +%s)
{
	echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), load $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "file: $MIB MiB; host port tbf 10mbit ${SHAPE_ARGS[*]}; send rate: ethdl $ETHDL_RATE_K kbit/s (whole frames), uftp $RATE_K kbit/s; cells: $CELLS${ETHDL_ARGS:+; ethdl group $ETHDL_ARGS}"
	echo "$("$ETHDL" --version 2>&1 | head -1) (bench $(git -C "$BENCH_DIR" rev-parse --short HEAD 2>/dev/null)); uftp $(dpkg-query -W -f='${Version}' uftp 2>/dev/null)"
} | tee "$OUT/machine.txt" >&2
echo "unicast reference and raw ceiling:" >&2
run_unicast
run_ceiling "$NMAX"
for c in $CELLS; do
	n=${c%%/*}
	p=${c#*/}
	all=0
	case $p in *all) all=1; p=${p%all} ;; esac
	echo "cell $c:" >&2
	if [ "$DO_ETHDL" = 1 ]; then
		run_group "$c" "$n" "$p" "$all" code
		run_group "$c" "$n" "$p" "$all" resend
	fi
	[ "$DO_UFTP" = 1 ] && run_uftp "$c" "$n" "$p" "$all"
done

# ---- the table and the targets ----
python3 - "$RES" "${NO_GROUP:-0}" "$MIB" <<-'EOF' | tee "$OUT/table.txt"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
print()
print("| cell (boards/loss) | tool | time s | × unicast | frames/block | all boards identical | group phase s | rounds | tbf drops | status |")
print("|---|---|---|---|---|---|---|---|---|---|")
for r in rows:
    loss = r["loss"]
    loss = loss[:-3] + "% (all frames)" if loss.endswith("all") else loss + "%"
    cell = "%s / %s" % (r["boards"], loss)
    print("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (cell, r["tool"], r["seconds"], r["x_unicast"],
          r["frames_per_block"], r["identical"], r["group_seconds"], r["rounds"], r["qdisc_drops"], r["status"]))
def get(cell, tool):
    for r in rows:
        if r["cell"] == cell and r["tool"] == tool:
            return r
targets = [
    ("32/0", "time", 1.05, None, None),
    ("8/5", "frames", 1.12, "time", 1.2),
    ("32/5", "frames", 1.15, "time", 1.25),
]
print()
print("| target | ethdl code | ethdl resend | uftp | met (code)? |")
print("|---|---|---|---|---|")
def val(r, what):
    if not r:
        return None
    v = r["x_unicast"] if what == "time" else r["frames_per_block"]
    try:
        return float(v)
    except ValueError:
        return None
for cell, w1, l1, w2, l2 in targets:
    for what, lim in ((w1, l1), (w2, l2)):
        if what is None:
            continue
        vs = [val(get(cell, t), what) for t in ("ethdl code", "ethdl resend", "uftp")]
        code = vs[0]
        ok = get(cell, "ethdl code")["identical"] == "yes" if code is not None else False
        met = "-" if code is None else ("met" if code <= lim and ok else "**not met**" if ok else "**not met** (the run failed)")
        name = "%s boards %s%% loss: %s ≤ %.2f×%s" % (cell.split("/")[0], cell.split("/")[1], "time" if what == "time" else "frames", lim, " unicast" if what == "time" else " blocks")
        print("| %s | %s | %s | %s | %s |" % (name, *["-" if v is None else "%.3f" % v for v in vs], met))
st = sorted({r.get("state_bytes_per_board") for r in rows if r["tool"].startswith("ethdl ") and r.get("state_bytes_per_board") not in (None, "", "-")})
if st:
    print("\nethdl group: host state per board %s bytes (%s MiB file); rounds per run: %s" % (
        "/".join(st), sys.argv[3],
        ", ".join("%s %s: %s" % (r["cell"], r["tool"][6:], r["rounds"]) for r in rows if r["tool"].startswith("ethdl ") and r["tool"] != "ethdl download")))
if sys.argv[2] == "1":
    print("\n(this build has no `ethdl group`: the ethdl cells were not run)")
EOF
echo "results: $OUT ($(( $(date +%s) - T_ALL )) s, $NFAIL failed run(s))" >&2
[ "$NFAIL" = 0 ]
