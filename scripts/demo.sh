#!/usr/bin/env bash
# demo.sh: the main job. Installs what is needed, builds, joins two fresh
# network namespaces with a veth pair, starts the board emulator in one,
# downloads a sample file from the other, reads it back, compares, prints
# the outcome and removes everything it made.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bash "$top/scripts/install-deps.sh"
bash "$top/scripts/build.sh" "$top/build"
bin=$top/build/cmd

id=$$$RANDOM
ns_h=ethdl-h$id ns_b=ethdl-b$id
tmp=$(mktemp -d)
board_pid=
cleanup() {
	[ -n "$board_pid" ] && kill "$board_pid" 2>/dev/null && wait "$board_pid" 2>/dev/null
	ip netns del "$ns_h" 2>/dev/null || true
	ip netns del "$ns_b" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

ip netns add "$ns_h"
ip netns add "$ns_b"
ip link add eh$id type veth peer name eb$id
ip link set eh$id netns "$ns_h"
ip link set eb$id netns "$ns_b"
ip -n "$ns_h" link set eh$id up
ip -n "$ns_b" link set eb$id up
board_mac=$(ip -n "$ns_b" -o link show eb$id | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')

mkdir "$tmp/board"
ip netns exec "$ns_b" "$bin/ethdl-board" -i eb$id -d "$tmp/board" --vendor demo 2>"$tmp/board.log" &
board_pid=$!
for _ in $(seq 50); do grep -q listening "$tmp/board.log" && break; sleep 0.1; done

head -c 300000 /dev/urandom >"$tmp/sample.cfg"
echo "board $board_mac on a veth pair; downloading a 300000-byte configuration:"
ip netns exec "$ns_h" "$bin/ethdl" download -i eh$id -b "$board_mac" -t config "$tmp/sample.cfg"
rc=$?
echo "reading it back into a second file:"
ip netns exec "$ns_h" "$bin/ethdl" readback -i eh$id -b "$board_mac" -t config -o "$tmp/back.cfg"
cmp "$tmp/sample.cfg" "$tmp/back.cfg" && cmp "$tmp/sample.cfg" "$tmp/board/config.bin"
echo "board log:"
sed 's/^/  /' "$tmp/board.log"
echo "outcome: exit $rc, the board holds exactly the file that was sent"
