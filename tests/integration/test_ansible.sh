#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Ansible module contrib/ansible/ethdl_batch.py: two segment hosts in an
# inventory (both ansible_connection=local), each driving the boards of its
# own bridged segment through a wrapper that runs ethdl in its namespace.
# Segment A: two good boards; segment B: one good, one absent. A must be ok
# and changed with two verified boards; B failed, naming the absent board,
# with its good board verified all the same.
#
#   tests/integration/test_ansible.sh BUILD_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/lib.sh"
. "$here/lib_bridge.sh"

if ! command -v ansible-playbook >/dev/null; then
	it_log "SKIPPED: needs ansible-playbook (Debian's ansible-core)"
	exit 77
fi
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)

# Segment A is made first; its names are kept here when segment B takes
# lib_bridge's variables, and removed by the hook br_cleanup calls.
A_NS=
A_NS_H=
A_NS_B=()
A_PID=()
seg_a_cleanup() {
	local p ns
	for p in "${A_PID[@]}"; do [ -n "$p" ] && kill -TERM "$p" 2>/dev/null; done
	for p in "${A_PID[@]}"; do [ -n "$p" ] && wait "$p" 2>/dev/null; done
	A_PID=()
	for ns in "${A_NS_B[@]}" "$A_NS_H" "$A_NS"; do
		[ -n "$ns" ] && ip netns del "$ns" 2>/dev/null
	done
	A_NS_B=()
	A_NS_H=
	A_NS=
}
BR_CLEANUP_HOOK=seg_a_cleanup

br_init "${1:-}"
W=$IT_WORK
t0=$(now_ms)

# Segment A: boards 1 and 2.
br_net_up 2
for i in 1 2; do br_board_start "$i" "$W/a$i"; done
br_boards_wait 1 2 || exit 1
A_NS=$BR_NS
A_NS_H=$BR_NS_H
A_NS_B=("${BR_NS_B[@]}")
A_PID=("${BR_PID[@]}")
mv "$W/board-1.log" "$W/a-board-1.log"
mv "$W/board-2.log" "$W/a-board-2.log"
BR_NS=
BR_NS_H=
BR_NS_B=()
BR_PID=()

# Segment B: board 1 good, board 2 absent.
br_net_up 2
br_board_start 1 "$W/b1"
br_boards_wait 1 || exit 1

for s in a b; do
	ns=$A_NS_H
	[ $s = b ] && ns=$BR_NS_H
	printf '#!/bin/sh\nexec ip netns exec %s %s "$@"\n' "$ns" "$ETHDL" >"$W/ethdl-$s"
	chmod +x "$W/ethdl-$s"
	head -c 120000 /dev/urandom >"$W/$s.bin"
done
cat >"$W/a.json" <<EOF
{"interface": "$BR_IF_H", "jobs": 2, "boards": [
  {"mac": "$(br_mac 1)", "name": "a-one", "files": [{"type": "config", "path": "a.bin"}]},
  {"mac": "$(br_mac 2)", "name": "a-two", "files": [{"type": "config", "path": "a.bin"}]}]}
EOF
cat >"$W/b.json" <<EOF
{"interface": "$BR_IF_H", "jobs": 2, "boards": [
  {"mac": "$(br_mac 1)", "name": "b-one", "files": [{"type": "config", "path": "b.bin"}]},
  {"mac": "$(br_mac 2)", "name": "b-absent", "files": [{"type": "config", "path": "b.bin"}]}]}
EOF
cat >"$W/inventory.ini" <<EOF
[segments]
seg-a ethdl_manifest=$W/a.json ethdl_executable=$W/ethdl-a
seg-b ethdl_manifest=$W/b.json ethdl_executable=$W/ethdl-b

[segments:vars]
ansible_connection=local
ansible_python_interpreter=$PY
EOF
cat >"$W/site.yml" <<EOF
- hosts: segments
  gather_facts: false
  tasks:
    - ethdl_batch:
        manifest: "{{ ethdl_manifest }}"
        executable: "{{ ethdl_executable }}"
        resume: "$W/{{ inventory_hostname }}.state"
        timeout: 1
      register: r
      ignore_errors: true
    - copy:
        content: "{{ r | to_json }}"
        dest: "$W/{{ inventory_hostname }}.result.json"
EOF

IT_LAST_ERR=$W/play.out
ANSIBLE_LIBRARY=$top/contrib/ansible ANSIBLE_LOCAL_TEMP=$W/ansible-tmp \
	ANSIBLE_HOME=$W/ansible-home ANSIBLE_NOCOLOR=1 ANSIBLE_FORKS=2 \
	ansible-playbook -i "$W/inventory.ini" "$W/site.yml" >"$W/play.out" 2>&1
assert_rc "ansible-playbook runs both segments" 0 $?

# check FILE EXPR: a Python expression over the result r.
check() {
	"$PY" -c 'import json,sys
r=json.load(open(sys.argv[1]))
v={b["name"]: b for b in r.get("boards", [])}
print(eval(sys.argv[2]))' "$1" "$2" 2>&1
}
A=$W/seg-a.result.json
B=$W/seg-b.result.json
assert_eq "segment A not failed" False "$(check "$A" 'bool(r.get("failed"))')"
assert_eq "segment A changed" True "$(check "$A" 'r["changed"]')"
assert_eq "segment A: two verified boards" 2 \
	"$(check "$A" 'sum(1 for b in r["boards"] if b["ok"] and all(f["verified"] for f in b["files"]))')"
assert_eq "segment B failed" True "$(check "$B" 'r["failed"]')"
assert_match "segment B's message names the absent board" "b-absent \\($(br_mac 2)\\).*exit 11" \
	"$(check "$B" 'r["msg"]')"
assert_eq "segment B's failed_boards" "['$(br_mac 2)']" "$(check "$B" 'r["failed_boards"]')"
assert_eq "segment B's good board verified" True "$(check "$B" 'v["b-one"]["files"][0]["verified"]')"
assert_eq "segment B's summary exit" 11 "$(check "$B" 'r["summary"]["exit"]')"

it_log "test_ansible: $(( ($(now_ms) - t0) / 1000 )) s"
echo "passed $IT_PASSES, failed $IT_FAILS"
[ "$IT_FAILS" = 0 ]
