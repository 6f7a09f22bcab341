#!/usr/bin/env bash
# bench/run.sh BUILD_DIR [--quick] [--runs N] [--slow-runs N] [--only CELLS] [--keep]
#              [--plot FILE.png]
#
# ethdl against the raw-frame ceiling of the link and against TFTP, side by
# side on one veth pair between two network namespaces that this script
# makes itself (names unique to the run) and deletes on every exit path.
#
#   raw         bench/rawpump: 1514-byte frames of EtherType 0x88B5, one
#               nic_send per frame, counted by a libpcap receiver, sent the
#               way ethdl sends (the live nic's default: a batch per sendmmsg)
#   raw libnet  the same, one libnet write per frame (the unbatched path)
#   tftp-hpa    in.tftpd (tftp-hpa) server, atftp client, blksize 1468
#   atftp       atftpd server, atftp client, blksize 1468
#   atftp ws16  atftpd server, atftp client, blksize 1468, windowsize 16
#   ethdl dl+rb ethdl download (with read-back and compare, the default)
#   ethdl dl    ethdl download --no-readback
#   (drop cells also run both without loss, interleaved with the lossy
#   runs: "no loss", the reference of their time ratio)
#
# Conditions: unshaped veth; the board's impair dropping 1% and 5% of frames
# both ways (ethdl-board --drop P --seed RUN; TFTP has no equivalent, so only
# ethdl runs there); tbf at 1 Gbit/s and at 100 Mbit/s on both ends. Sizes:
# 64 MiB and 256 MiB (and 1 MiB unshaped, ethdl only: the RSS baseline).
# Each cell runs --runs times (default 3; 256 MiB at 100 Mbit/s: --slow-runs,
# default 3, which is 8 of the full run's ~15 minutes; --slow-runs 1 makes it
# ~10) with the tools interleaved, and the table shows medians of
# MB/s (10^6 bytes per second: file bytes for TFTP and ethdl, whole 1514-byte
# frames for raw) and the peak RSS over the runs (/usr/bin/time -v).
#
# --quick: 64 MiB unshaped only, one run (a smoke test, about 15 s).
# --only group: the group download cells instead (bench/group.sh, with
#   --quick and --keep passed on; its own options: run it directly).
# --only COND:MIB[,COND:MIB...]: just those cells (COND: unshaped, drop1,
#   drop5, tbf1g, tbf100m), --runs times each. --keep: keep the work files.
# --plot FILE.png: also draw the table (MB/s per tool and cell, the raw
#   ceiling as a line) with matplotlib (python3-matplotlib).
#
# Needs root, the binaries in BUILD_DIR (cmd/ethdl, cmd/ethdl-board,
# bench/rawpump) and what bench/install.sh installs. IP traffic (TFTP only)
# uses 198.18.0.1 and 198.18.0.2 inside the two namespaces. Results (every
# run, the table, logs of any failure) are kept in BUILD_DIR/bench-results/.
set -uo pipefail

usage() {
	sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'
	exit 2
}

[ $# -ge 1 ] || usage
case $1 in -h|--help) usage ;; esac
BUILD=$(cd "$1" 2>/dev/null && pwd) || { echo "run.sh: no build directory $1" >&2; exit 2; }
shift
QUICK=0 RUNS=3 SLOW_RUNS=3 KEEP=0 ONLY= PLOT=
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1 ;;
	--runs) RUNS=${2:?}; shift ;;
	--slow-runs) SLOW_RUNS=${2:?}; shift ;;
	--keep) KEEP=1 ;;
	--only) ONLY=${2:?}; shift ;;
	--plot) PLOT=${2:?}; shift ;;
	-h|--help) usage ;;
	*) echo "run.sh: unknown option $1" >&2; usage ;;
	esac
	shift
done
if [ "$QUICK" = 1 ]; then RUNS=1; fi
# The group cells (many boards on a bridge) are their own script.
if [ "$ONLY" = group ]; then
	exec bash "$(dirname "$0")/group.sh" "$BUILD" $([ "$QUICK" = 1 ] && echo --quick) \
		$([ "$KEEP" = 1 ] && echo --keep)
fi

ETHDL=$BUILD/cmd/ethdl
BOARD=$BUILD/cmd/ethdl-board
RAWPUMP=$BUILD/bench/rawpump
TOOLS=${ETHDL_BENCH_TOOLS:-/opt/ethdl-bench}
TIME=/usr/bin/time
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)

die() { echo "run.sh: $*" >&2; exit 1; }
find_tool() { # NAME: in $TOOLS/usr/sbin, else on PATH (sbin included)
	if [ -x "$TOOLS/usr/sbin/$1" ]; then echo "$TOOLS/usr/sbin/$1"; return; fi
	PATH=$PATH:/usr/sbin:/sbin command -v "$1" || true
}

[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
for b in "$ETHDL" "$BOARD" "$RAWPUMP"; do
	[ -x "$b" ] || die "no $b: build first (cmake --build $BUILD)"
done
HPA=$(find_tool in.tftpd)
ATFTPD=$(find_tool atftpd)
ATFTP=$(command -v atftp || true)
[ -n "$HPA" ] && [ -n "$ATFTPD" ] && [ -n "$ATFTP" ] && [ -x "$TIME" ] ||
	die "missing in.tftpd, atftpd, atftp or /usr/bin/time: run bench/install.sh"
command -v python3 >/dev/null || die "needs python3 (scripts/install-deps.sh)"
SUMMARY_PY=python3
if [ -n "$PLOT" ]; then
	case $PLOT in /*) ;; *) PLOT=$PWD/$PLOT ;; esac
	# Debian's matplotlib is for Debian's python3, which may not be first on PATH.
	for p in python3 /usr/bin/python3; do
		"$p" -c 'import matplotlib' 2>/dev/null && { SUMMARY_PY=$p; break; }
	done
	"$SUMMARY_PY" -c 'import matplotlib' 2>/dev/null ||
		die "--plot needs matplotlib: run bench/install.sh (python3-matplotlib)"
fi
command -v tc >/dev/null || die "needs tc (iproute2)"

# ---- the namespaces, and cleanup on every exit path ----
SFX=$$-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
NS_H=ethdl-bench-h-$SFX
NS_B=ethdl-bench-b-$SFX
IF_H=ebench0
IF_B=ebench1
MAC_H=02:e7:d1:00:b0:01
MAC_B=02:e7:d1:00:b0:02
IP_H=198.18.0.1
IP_B=198.18.0.2
NS_MADE=()
PIDS=()     # background processes we started (time wrappers and plain)
if [ -w /dev/shm ] && [ "$(df -Pk /dev/shm | awk 'NR==2 {print $4}')" -gt 1500000 ]; then
	W=$(mktemp -d /dev/shm/ethdl-bench.XXXXXX) || die "mktemp"
else
	W=$(mktemp -d "${TMPDIR:-/tmp}/ethdl-bench.XXXXXX") || die "mktemp"
fi
STAMP=$(date +%Y%m%d-%H%M%S)
OUT=$BUILD/bench-results/$STAMP
mkdir -p "$OUT" || die "cannot make $OUT"

# stop_pid PID: SIGTERM a process we started; for a /usr/bin/time wrapper,
# its child first, so that time reports and exits by itself.
stop_pid() {
	local p=$1 c i
	kill -0 "$p" 2>/dev/null || { wait "$p" 2>/dev/null; return 0; }
	for c in $(ps -o pid= --ppid "$p" 2>/dev/null); do
		kill -TERM "$c" 2>/dev/null
	done
	for i in $(seq 50); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$p" 2>/dev/null && kill -TERM "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	return 0
}

forget_pid() { # PID: no longer ours to stop
	local p keep=()
	for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	PIDS=("${keep[@]}")
}

cleanup() {
	local rc=$? p ns
	trap - EXIT INT TERM
	for p in "${PIDS[@]}"; do stop_pid "$p"; done
	for ns in "${NS_MADE[@]}"; do ip netns del "$ns" 2>/dev/null; done
	if [ "$KEEP" = 1 ]; then
		echo "work directory kept: $W" >&2
	else
		rm -rf -- "$W"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'echo "run.sh: interrupted" >&2; exit 130' INT TERM

ip netns add "$NS_H" || die "cannot make a network namespace"
NS_MADE+=("$NS_H")
ip netns add "$NS_B" || die "cannot make a network namespace"
NS_MADE+=("$NS_B")
# Made straight inside the namespaces: no interface appears outside them.
ip link add "$IF_H" netns "$NS_H" address "$MAC_H" type veth \
	peer name "$IF_B" netns "$NS_B" address "$MAC_B" || die "veth"
for x in "$NS_H $IF_H $IP_H" "$NS_B $IF_B $IP_B"; do
	set -- $x
	ip -n "$1" link set lo up
	ip netns exec "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1" 2>/dev/null
	ip -n "$1" addr add "$3/30" dev "$2"
	ip -n "$1" link set "$2" up
done
ip -n "$NS_H" neigh replace "$IP_B" lladdr "$MAC_B" dev "$IF_H" nud permanent
ip -n "$NS_B" neigh replace "$IP_H" lladdr "$MAC_H" dev "$IF_B" nud permanent
for i in $(seq 50); do
	ip -n "$NS_H" link show "$IF_H" | grep -q LOWER_UP &&
		ip -n "$NS_B" link show "$IF_B" | grep -q LOWER_UP && break
	sleep 0.1
done

# shape none|RATE: tbf on both ends, or nothing.
TBF_ARGS="burst 64kb latency 20ms"
shape() {
	local x
	for x in "$NS_H $IF_H" "$NS_B $IF_B"; do
		set -- $x
		ip netns exec "$1" tc qdisc del dev "$2" root 2>/dev/null
		if [ "$SHAPE" != none ]; then
			# shellcheck disable=SC2086
			ip netns exec "$1" tc qdisc replace dev "$2" root tbf rate "$SHAPE" $TBF_ARGS ||
				die "tc tbf failed"
		fi
	done
}

# ---- files ----
BLOCK=1479   # data bytes per 1514-byte frame (MTU 1500 less 21 of ethdl)
mkdir -p "$W/src" "$W/srv" "$W/cli" "$W/log"
chmod 755 "$W" "$W/srv"
make_file() { # MiB
	local f=$W/src/f$1
	[ -f "$f" ] && return 0
	head -c $(($1 << 20)) /dev/urandom >"$f" || die "cannot write $f"
	chmod 644 "$f"
	ln "$f" "$W/srv/f$1" 2>/dev/null || cp "$f" "$W/srv/f$1"
}

RES=$OUT/results.tsv
printf 'cond\tmib\ttool\trun\tmbps\tseconds\tneeded\tsent\thost_rss_kb\tboard_rss_kb\tstatus\n' >"$RES"
NFAIL=0
record() { # cond mib tool run mbps seconds needed sent host_kb board_kb status
	local IFS=$'\t'
	echo "$*" >>"$RES"
}
rss_of() { # TIME-FILE: peak RSS in kB, or -
	local v
	v=$(sed -n 's/.*Maximum resident set size (kbytes): *\([0-9]*\).*/\1/p' "$1" 2>/dev/null)
	echo "${v:--}"
}
now_ns() { date +%s%N; }
fail_run() { # label cmd-text files...: keep the logs, say what failed
	local label=$1 cmd=$2 d
	shift 2
	NFAIL=$((NFAIL + 1))
	d=$OUT/failures/$NFAIL-$label
	mkdir -p "$d"
	printf '%s\n' "$cmd" >"$d/command"
	cp -- "$@" "$d/" 2>/dev/null
	{
		echo "FAILED: $label"
		echo "  command: $cmd"
		for f in "$@"; do [ -s "$f" ] && tail -5 "$f" | sed "s|^|  $(basename "$f"): |"; done
		echo "  logs: $d"
	} >&2
}

# ---- one run of each tool ----
run_raw() { # cond mib run [libnet]
	local n=$((($2 * 1048576 + BLOCK - 1) / BLOCK)) rp i out st t_h t_b tool=raw path=()
	[ "${4:-}" = libnet ] && tool=raw_libnet path=(--path libnet)
	rm -f "$W/log/raw.recv" "$W/log/raw.err"
	ip netns exec "$NS_B" "$TIME" -v -o "$W/log/raw.rtime" "$RAWPUMP" recv -i "$IF_B" -n "$n" --json \
		>"$W/log/raw.recv" 2>"$W/log/raw.err" &
	rp=$!
	PIDS+=("$rp")
	for i in $(seq 100); do grep -q ready "$W/log/raw.err" 2>/dev/null && break; sleep 0.05; done
	ip netns exec "$NS_H" timeout 600 "$TIME" -v -o "$W/log/raw.stime" "$RAWPUMP" send -i "$IF_H" \
		-d "$MAC_B" -n "$n" "${path[@]}" --json >"$W/log/raw.send" 2>>"$W/log/raw.err"
	st=$?
	wait "$rp"
	forget_pid "$rp"
	out=$(cat "$W/log/raw.recv")
	local frames mbps secs
	frames=$(sed -n 's/.*"frames":\([0-9]*\).*/\1/p' <<<"$out")
	mbps=$(sed -n 's/.*"mbps":\([0-9.]*\).*/\1/p' <<<"$out")
	secs=$(sed -n 's/.*"seconds":\([0-9.]*\).*/\1/p' <<<"$out")
	t_h=$(rss_of "$W/log/raw.stime")
	t_b=$(rss_of "$W/log/raw.rtime")
	if [ "$st" != 0 ] || [ -z "$frames" ] || [ "$frames" = 0 ]; then
		fail_run "$1-$2M-$tool-$3" "rawpump send -i $IF_H -d $MAC_B -n $n ${path[*]} / recv -i $IF_B -n $n" \
			"$W/log/raw.send" "$W/log/raw.recv" "$W/log/raw.err"
		record "$1" "$2" "$tool" "$3" - - "$n" - "$t_h" "$t_b" FAIL
		return 1
	fi
	# Frames the receiver missed (its ring overflowed) are not in the rate.
	record "$1" "$2" "$tool" "$3" "$mbps" "$secs" "$n" "$frames" "$t_h" "$t_b" \
		"$([ "$frames" = "$n" ] && echo ok || echo "lost$((n - frames))")"
}

run_tftp() { # cond mib run tool(hpa|atftp|ws16)
	local port opts=(--option "blksize 1468") t0 t1 st f=$W/cli/out label
	case $4 in
	hpa) port=69 ;;
	atftp) port=1069 ;;
	ws16) port=1069; opts+=(--option "windowsize 16") ;;
	esac
	label=$1-$2M-$4-$3
	rm -f "$f"
	t0=$(now_ns)
	ip netns exec "$NS_H" timeout 600 "$TIME" -v -o "$W/log/tftp.time" "$ATFTP" "${opts[@]}" \
		-g -r "f$2" -l "$f" "$IP_B" "$port" >"$W/log/tftp.out" 2>&1
	st=$?
	t1=$(now_ns)
	local secs mbps
	secs=$(python3 -c "print('%.6f' % (($t1 - $t0) / 1e9))")
	if [ "$st" != 0 ] || ! cmp -s "$f" "$W/src/f$2"; then
		fail_run "$label" "atftp ${opts[*]} -g -r f$2 -l $f $IP_B $port (exit $st)" \
			"$W/log/tftp.out" "$W/log/hpa.log" "$W/log/atftpd.log"
		record "$1" "$2" "$4" "$3" - "$secs" - - "$(rss_of "$W/log/tftp.time")" - FAIL
		rm -f "$f"
		return 1
	fi
	rm -f "$f"
	mbps=$(python3 -c "print('%.3f' % ($2 * 1048576 / $secs / 1e6))")
	# The server's RSS is filled in per cell when the servers stop.
	record "$1" "$2" "$4" "$3" "$mbps" "$secs" - - "$(rss_of "$W/log/tftp.time")" - ok
}

run_ethdl() { # cond mib run mode(rb|dl) [board flags...]
	local cond=$1 mib=$2 run=$3 mode=$4 bp i st out tool hostargs=() label
	shift 4
	tool=ethdl_$mode
	case $mode in dl | dl0) hostargs=(--no-readback) ;; esac
	label=$cond-${mib}M-$tool-$run
	rm -rf "$W/board"
	mkdir -p "$W/board"
	: >"$W/log/board.log"
	# Not --once: a board that left at once would leave a lost DISCONNECT_ACK
	# unanswered, and the host would wait out its timer (a real board stays).
	ip netns exec "$NS_B" "$TIME" -v -o "$W/log/board.time" "$BOARD" -i "$IF_B" -d "$W/board" \
		"$@" 2>"$W/log/board.log" &
	bp=$!
	PIDS+=("$bp")
	for i in $(seq 200); do
		grep -q listening "$W/log/board.log" 2>/dev/null && break
		kill -0 "$bp" 2>/dev/null || break
		sleep 0.05
	done
	ip netns exec "$NS_H" timeout 600 "$TIME" -v -o "$W/log/host.time" "$ETHDL" download -i "$IF_H" \
		-b "$MAC_B" --json "${hostargs[@]}" "$W/src/f$mib" >"$W/log/host.out" 2>"$W/log/host.err"
	st=$?
	local gone=
	# Without --once the board only leaves when told: if it is gone already,
	# something outside this script stopped it.
	kill -0 "$bp" 2>/dev/null || gone=" (the board had already exited: $(tail -1 "$W/log/board.log"))"
	stop_pid "$bp"
	forget_pid "$bp"
	out=$(tail -1 "$W/log/host.out")
	local secs frames sent result
	secs=$(sed -n 's/.*"seconds":\([0-9.e+-]*\).*/\1/p' <<<"$out")
	frames=$(sed -n 's/.*"frames":\([0-9]*\).*/\1/p' <<<"$out")
	sent=$(sed -n 's/.*"data_frames_sent":\([0-9]*\).*/\1/p' <<<"$out")
	result=$(sed -n 's/.*"result":"\([^"]*\)".*/\1/p' <<<"$out")
	if [ "$st" != 0 ] || [ "$result" != ok ] || ! cmp -s "$W/src/f$mib" "$W/board/config.bin"; then
		fail_run "$label" "ethdl-board -i $IF_B -d DIR $* ; ethdl download -i $IF_H -b $MAC_B --json ${hostargs[*]} FILE(${mib} MiB) (exit $st)$gone" \
			"$W/log/host.out" "$W/log/host.err" "$W/log/board.log"
		record "$cond" "$mib" "$tool" "$run" - "${secs:--}" "${frames:--}" "${sent:--}" \
			"$(rss_of "$W/log/host.time")" "$(rss_of "$W/log/board.time")" "FAIL:${result:-exit$st}"
		return 1
	fi
	record "$cond" "$mib" "$tool" "$run" "$(python3 -c "print('%.3f' % ($mib * 1048576 / $secs / 1e6))")" \
		"$secs" "$frames" "$sent" "$(rss_of "$W/log/host.time")" "$(rss_of "$W/log/board.time")" ok
}

# ---- the TFTP servers of one cell ----
HPA_PID= ATFTPD_PID=
servers_start() {
	: >"$W/log/hpa.log"
	: >"$W/log/atftpd.log"
	ip netns exec "$NS_B" "$TIME" -v -o "$W/log/hpa.time" "$HPA" --foreground --listen \
		--address "$IP_B:69" --user nobody -s "$W/srv" >>"$W/log/hpa.log" 2>&1 &
	HPA_PID=$!
	PIDS+=("$HPA_PID")
	ip netns exec "$NS_B" "$TIME" -v -o "$W/log/atftpd.time" "$ATFTPD" --daemon --no-fork \
		--bind-address "$IP_B" --port 1069 --user nobody --group nogroup \
		--logfile "$W/log/atftpd.log" "$W/srv" >>"$W/log/atftpd.log" 2>&1 &
	ATFTPD_PID=$!
	PIDS+=("$ATFTPD_PID")
	for i in $(seq 50); do
		ip netns exec "$NS_B" ss -lun 2>/dev/null | grep -q "$IP_B:69 " &&
			ip netns exec "$NS_B" ss -lun 2>/dev/null | grep -q "$IP_B:1069 " && return 0
		sleep 0.1
	done
	die "tftp servers did not start: $(cat "$W/log/hpa.log" "$W/log/atftpd.log")"
}
servers_stop() { # cond mib: write the servers' peak RSS
	stop_pid "$HPA_PID"
	stop_pid "$ATFTPD_PID"
	forget_pid "$HPA_PID"
	forget_pid "$ATFTPD_PID"
	printf '%s\t%s\thpa\t%s\n%s\t%s\tatftpd\t%s\n' "$1" "$2" "$(rss_of "$W/log/hpa.time")" \
		"$1" "$2" "$(rss_of "$W/log/atftpd.time")" >>"$OUT/servers.tsv"
}

# twice FN ARGS...: a run that fails (its logs kept, its row marked FAIL) is
# made once more, so that one stray failure does not leave a cell short.
twice() {
	"$@" && return 0
	echo "  (running it once more)" >&2
	"$@"
}

# ---- the matrix ----
# cell COND MIB RUNS: every tool that applies, interleaved run by run.
cell() {
	local cond=$1 mib=$2 runs=$3 r t0 drop=
	t0=$(date +%s)
	make_file "$mib"
	case $cond in
	unshaped) SHAPE=none ;;
	tbf1g) SHAPE=1gbit ;;
	tbf100m) SHAPE=100mbit ;;
	drop1) SHAPE=none drop=0.01 ;;
	drop5) SHAPE=none drop=0.05 ;;
	esac
	shape
	local full=1
	{ [ -n "$drop" ] || [ "$mib" = 1 ]; } && full=0
	[ "$full" = 1 ] && servers_start
	for r in $(seq "$runs"); do
		if [ "$full" = 1 ]; then
			twice run_raw "$cond" "$mib" "$r"
			twice run_raw "$cond" "$mib" "$r" libnet
			twice run_tftp "$cond" "$mib" "$r" hpa
			twice run_tftp "$cond" "$mib" "$r" atftp
			twice run_tftp "$cond" "$mib" "$r" ws16
		fi
		if [ -n "$drop" ]; then
			# each beside the same run without loss (rb0, dl0): the
			# ratio to loss-free time is measured side by side, not
			# against another cell minutes apart
			twice run_ethdl "$cond" "$mib" "$r" rb --drop "$drop" --seed "$r"
			twice run_ethdl "$cond" "$mib" "$r" rb0
			twice run_ethdl "$cond" "$mib" "$r" dl --drop "$drop" --seed "$r"
			twice run_ethdl "$cond" "$mib" "$r" dl0
		else
			twice run_ethdl "$cond" "$mib" "$r" rb
			twice run_ethdl "$cond" "$mib" "$r" dl
		fi
	done
	[ "$full" = 1 ] && servers_stop "$cond" "$mib"
	printf '  %-9s %4s MiB  %d run(s)  %3d s\n' "$cond" "$mib" "$runs" $(($(date +%s) - t0)) >&2
}

describe_machine() {
	echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
		"$(awk '/MemTotal/ {printf "%.1f GiB RAM", $2 / 1048576}' /proc/meminfo)," \
		"kernel $(uname -r), $(. /etc/os-release && echo "$PRETTY_NAME")"
	echo "tools: $("$ATFTP" --version 2>&1 | head -1); $("$ATFTPD" --version 2>&1 | head -1);" \
		"$("$HPA" -V 2>&1 | head -1 | cut -d, -f1); $("$ETHDL" --version 2>&1 | head -1)"
	echo "link: veth pair $NS_H/$IF_H <-> $NS_B/$IF_B, MTU 1500; tbf: $TBF_ARGS on both ends"
	echo "work files in $(dirname "$W") ($(df -P "$W" | awk 'NR==2 {print $1}'))"
}

{
	describe_machine
	echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "runs: $RUNS per cell$([ "$QUICK" = 1 ] && echo ' (quick)' || echo ", 256 MiB at 100 Mbit/s: $SLOW_RUNS")"
} | tee "$OUT/header.txt" >&2
START=$(date +%s)
if [ "$QUICK" = 1 ]; then
	cell unshaped 64 1
elif [ -n "$ONLY" ]; then
	for c in ${ONLY//,/ }; do
		case ${c%%:*} in unshaped|drop1|drop5|tbf1g|tbf100m) ;; *) die "--only: no condition ${c%%:*}" ;; esac
		cell "${c%%:*}" "${c#*:}" "$RUNS"
	done
else
	cell unshaped 1 "$RUNS"
	cell unshaped 64 "$RUNS"
	cell unshaped 256 "$RUNS"
	cell drop1 64 "$RUNS"
	cell drop1 256 "$RUNS"
	cell drop5 64 "$RUNS"
	cell drop5 256 "$RUNS"
	cell tbf1g 64 "$RUNS"
	cell tbf1g 256 "$RUNS"
	cell tbf100m 64 "$RUNS"
	cell tbf100m 256 "$SLOW_RUNS"
fi
{
	echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg); total $(($(date +%s) - START)) s"
} | tee -a "$OUT/header.txt" >&2

{ cat "$OUT/header.txt"; echo; "$SUMMARY_PY" "$BENCH_DIR/summary.py" "$OUT" ${PLOT:+--plot "$PLOT"}; } |
	tee "$OUT/table.txt"
[ -z "$PLOT" ] || echo "plot: $PLOT"
echo "results: $OUT (results.tsv: every run; table.txt)"
[ "$NFAIL" = 0 ] || { echo "run.sh: $NFAIL run(s) failed: logs in $OUT/failures" >&2; exit 1; }
