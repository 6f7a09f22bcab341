#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ethdl batch: wall time of the same batch with --jobs 1, 3 and N, the cost
# of starting one child (fork + exec of ethdl, its session set-up) and its
# peak RSS. A bridged segment of N boards in namespaces (root).
#
#   bench/batch_jobs.sh BUILD_DIR [BOARDS] [FILE_BYTES] [RATE|none] [ABSENT]
#
# RATE shapes the host's link (tbf), e.g. 100mbit; default none. ABSENT: how
# many of the boards (the last ones) are not started: each costs a connect
# timeout (--timeout 1 here).
set -u
here=$(cd "$(dirname "$0")/../tests/integration" && pwd)
. "$here/lib.sh"
. "$here/lib_bridge.sh"
br_init "${1:-}"
N=${2:-6}
BYTES=${3:-1048576}
RATE=${4:-none}
ABSENT=${5:-0}
W=$IT_WORK
br_net_up "$N"
for i in $(seq $((N - ABSENT))); do br_board_start "$i" "$W/b$i"; done
br_boards_wait $(seq $((N - ABSENT))) || exit 1
br_shape "$RATE"
head -c "$BYTES" /dev/urandom >"$W/f.bin"
{
	printf '{"interface": "%s", "boards": [\n' "$BR_IF_H"
	for i in $(seq "$N"); do
		printf '  {"mac": "%s", "files": [{"type": "config", "path": "f.bin"}]}%s\n' \
			"$(br_mac "$i")" "$([ "$i" = "$N" ] || echo ,)"
	done
	printf ']}\n'
} >"$W/m.json"
echo "boards $N ($ABSENT absent), file $BYTES bytes, link $RATE"
for j in 1 3 "$N"; do
	for rep in 1 2; do
		t=$(now_ms)
		ethdl_bh batch --jobs "$j" -q --json --timeout 1 "$W/m.json" >"$W/out" 2>&1
		rc=$?
		echo "jobs $j: $(( $(now_ms) - t )) ms wall (exit $rc)"
	done
done
# One child as batch runs it, timed inside the namespace (no ip netns
# exec per run): startup + one session, and its peak RSS.
br_h bash -c '
t=$(date +%s%N)
for i in $(seq 20); do /bin/true; done
echo "/bin/true x20: $(( ($(date +%s%N) - t) / 20000 )) us each (the same, for scale)"
t=$(date +%s%N)
for i in $(seq 20); do "$0" --version >/dev/null; done
echo "ethdl --version x20: $(( ($(date +%s%N) - t) / 20000 )) us each (fork+exec+exit)"
/usr/bin/time -f "one download child: %e s wall, %M KiB peak RSS" \
	"$0" download -i "$1" -b "$2" --json --progress-fd 3 "$3" >/dev/null 3>/dev/null
/usr/bin/time -f "batch parent (jobs $4): %e s wall, %M KiB peak RSS" \
	"$0" batch --jobs "$4" -q --json "$5" >/dev/null
' "$ETHDL" "$BR_IF_H" "$(br_mac 1)" "$W/f.bin" "$N" "$W/m.json"
br_boards_stop
