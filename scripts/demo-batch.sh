#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# demo-batch.sh BUILD_DIR [MIB]: ethdl batch over a bridged segment of three
# boards in network namespaces made here (and removed on exit), the host's
# port shaped to 100 Mbit/s so the live progress lines can be watched. Each
# board gets a config file of MIB MiB (default 8) and a 64-KiB parameter
# file. Needs root. Run it on a terminal to see one live line per board.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/integration/lib.sh"
. "$top/tests/integration/lib_bridge.sh"
mib=${2:-8}
br_init "${1:?usage: demo-batch.sh BUILD_DIR [MIB]}"
W=$IT_WORK
br_net_up 3
br_shape 100mbit
for i in 1 2 3; do
	br_board_start "$i" "$W/board$i" -q
	head -c $((mib << 20)) /dev/urandom >"$W/cfg$i.bin"
	head -c 65536 /dev/urandom >"$W/par$i.bin"
done
br_boards_wait 1 2 3 || exit 1
cat >"$W/plant.json" <<JSON
{"interface": "$BR_IF_H", "jobs": 3, "boards": [
  {"mac": "$(br_mac 1)", "name": "rack1-ai", "files": [
    {"type": "config", "path": "cfg1.bin"}, {"type": "parameter", "path": "par1.bin"}]},
  {"mac": "$(br_mac 2)", "name": "rack1-do", "files": [
    {"type": "config", "path": "cfg2.bin"}, {"type": "parameter", "path": "par2.bin"}]},
  {"mac": "$(br_mac 3)", "name": "rack2-pid", "files": [
    {"type": "config", "path": "cfg3.bin"}, {"type": "parameter", "path": "par3.bin"}]}]}
JSON
echo "\$ ethdl batch plant.json"
ethdl_bh batch "$W/plant.json"
echo "(exit $?)"
