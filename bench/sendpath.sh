#!/usr/bin/env bash
# bench/sendpath.sh BUILD_DIR [--frames N] [--runs N]
#
# The live nic's send paths side by side on an unshaped veth pair between two
# network namespaces made here (names unique to the run, deleted on exit):
# bench/rawpump sends N 1514-byte frames (default 200000) by each path
# (libnet: a write per frame; sendmmsg: a batch per call; bypass: sendmmsg
# past the qdisc; txring: rawpump's own PACKET_TX_RING, a send() per 64
# frames, measured beside the nic's paths), a second rawpump counts them. Prints, per path, the
# median over --runs (default 3) of the frames/s received, the frames lost
# by the receiver, and the sender's CPU seconds (user + system) per million
# frames. Needs root and /usr/bin/time.
set -uo pipefail

[ $# -ge 1 ] || { sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2; }
BUILD=$(cd "$1" && pwd) || exit 2
shift
N=200000 RUNS=3
while [ $# -gt 0 ]; do
	case $1 in
	--frames) N=${2:?}; shift ;;
	--runs) RUNS=${2:?}; shift ;;
	*) echo "sendpath.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
RAWPUMP=$BUILD/bench/rawpump
[ -x "$RAWPUMP" ] || { echo "sendpath.sh: no $RAWPUMP" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "sendpath.sh: needs root" >&2; exit 1; }

SFX=$$-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
NS_H=ethdl-sp-h-$SFX NS_B=ethdl-sp-b-$SFX
W=$(mktemp -d "${TMPDIR:-/tmp}/ethdl-sp.XXXXXX") || exit 1
RP=
cleanup() {
	[ -n "$RP" ] && kill "$RP" 2>/dev/null
	ip netns del "$NS_H" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
	rm -rf -- "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$NS_H" && ip netns add "$NS_B" || exit 1
ip link add sp0 netns "$NS_H" address 02:e7:d1:00:c0:01 type veth \
	peer name sp1 netns "$NS_B" address 02:e7:d1:00:c0:02 || exit 1
ip -n "$NS_H" link set sp0 up
ip -n "$NS_B" link set sp1 up
for i in $(seq 50); do
	ip -n "$NS_H" link show sp0 | grep -q LOWER_UP && break
	sleep 0.1
done

echo "path        frames/s     lost   CPU s per 10^6 frames (sender)"
for path in libnet sendmmsg bypass txring; do
	for r in $(seq "$RUNS"); do
		: >"$W/err"
		ip netns exec "$NS_B" "$RAWPUMP" recv -i sp1 -n "$N" --json >"$W/recv" 2>"$W/err" &
		RP=$!
		for i in $(seq 100); do grep -q ready "$W/err" && break; sleep 0.05; done
		ip netns exec "$NS_H" /usr/bin/time -f '%U %S' -o "$W/time" "$RAWPUMP" send -i sp0 \
			-d 02:e7:d1:00:c0:02 -n "$N" --path "$path" --json >"$W/send" 2>>"$W/err"
		wait "$RP"
		RP=
		python3 - "$W/recv" "$W/time" "$N" >>"$W/$path" <<'PY'
import json, sys
try:
    r = json.loads(open(sys.argv[1]).read())
except ValueError:
    sys.exit(0)  # the receiver did not report: the run is left out
u, s = map(float, open(sys.argv[2]).read().split()[-2:])
print(r["fps"], int(sys.argv[3]) - r["frames"], (u + s) / int(sys.argv[3]) * 1e6)
PY
	done
	python3 - "$path" "$W/$path" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[2])]
if not rows:
    sys.exit(print("%-10s no run reported" % sys.argv[1]))
med = [statistics.median(c) for c in zip(*rows)]
print("%-10s %9.0f %8.0f   %.2f" % (sys.argv[1], med[0], med[1], med[2]))
PY
done
