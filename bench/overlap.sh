#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/overlap.sh BUILD_DIR [MIB] [RUNS]: verified against unverified
# download time over a veth pair shaped to 1 Gbit/s both ways (tbf, as the
# tbf1g cell of run.sh), to one long-running board, RUNS times each
# (default 64 MiB, 4 runs), a new file every run. run.sh starts a fresh
# board with an empty state directory for every run; this script keeps one
# board, as a board in service is: its first download is printed apart.
# Work files in /dev/shm; namespaces made here and removed on exit. Root.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tests/integration/lib.sh"
mib=${2:-64}
runs=${3:-4}
export TMPDIR=/dev/shm
it_init "${1:?usage: overlap.sh BUILD_DIR [MIB] [RUNS]}"
it_net_up
for p in "$IT_NS_H:$IT_IF_H" "$IT_NS_B:$IT_IF_B"; do
	ip netns exec "${p%%:*}" tc qdisc replace dev "${p#*:}" root tbf rate 1gbit burst 64kb latency 20ms ||
		exit 1
done
board_start "$IT_WORK/state" -q || exit 1
one() { # one MODE FILE: seconds and bytes compared during the download
	ip netns exec "$IT_NS_H" "$ETHDL" download -i "$IT_IF_H" -b "$IT_MAC_B" --json $1 "$2" |
		"$IT_PYTHON" -c 'import json, sys
j = json.loads(sys.stdin.read().splitlines()[-1])
assert j["result"] == "ok", j
print(j["seconds"], j.get("overlapped_bytes", "-"))'
}
printf '%-4s %-22s %10s %10s %18s\n' run board unverified verified "compared during"
for i in $(seq 0 "$runs"); do
	head -c $((mib << 20)) /dev/urandom >"$IT_WORK/f"
	read -r v ov < <(one "" "$IT_WORK/f")
	head -c $((mib << 20)) /dev/urandom >"$IT_WORK/f"
	read -r u _ < <(one --no-readback "$IT_WORK/f")
	printf '%-4s %-22s %10s %10s %18s\n' "$i" "$([ "$i" = 0 ] && echo "first download" || echo "in service")" \
		"$u" "$v" "$ov"
done
