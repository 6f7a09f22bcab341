#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ethdl batch over a bridged segment: two boards alone, one absent, two in a
# group; every JSON line parses; the live boards hold the files; --resume
# sends nothing to what was verified and tries the absent board again;
# bad manifests exit 2 naming line:column and field; --dry-run sends nothing;
# --progress-fd writes JSON lines.
#
#   tests/integration/test_batch.sh BUILD_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/lib_bridge.sh"

br_init "${1:-}"
if [ -z "$IT_PYTHON" ] && [ ! -x /usr/bin/python3 ]; then
	it_log "SKIPPED: needs python3 (to parse the JSON lines)"
	exit $IT_SKIP
fi
W=$IT_WORK
IF=$BR_IF_H
br_net_up 5
for i in 1 2 4 5; do br_board_start "$i" "$W/b$i"; done
br_boards_wait 1 2 4 5 || exit 1

mkdir -p "$W/m/files"
for f in c1 a1 c2 c3 g; do head -c 150000 /dev/urandom >"$W/m/files/$f.bin"; done
cat >"$W/m/plant.json" <<EOF
{
  "interface": "$IF",
  "jobs": 3,
  "boards": [
    {"mac": "$(br_mac 1)", "name": "rack1",
     "files": [{"type": "config", "path": "files/c1.bin"},
               {"type": "algorithm", "path": "files/a1.bin"}]},
    {"mac": "$(br_mac 2)", "name": "rack2", "files": [{"type": "config", "path": "files/c2.bin"}]},
    {"mac": "$(br_mac 3)", "name": "absent", "files": [{"type": "config", "path": "files/c3.bin"}]},
    {"mac": "$(br_mac 4)", "name": "g4", "group": "g", "files": [{"type": "config", "path": "files/g.bin"}]},
    {"mac": "$(br_mac 5)", "name": "g5", "group": "g", "files": [{"type": "config", "path": "files/g.bin"}]}
  ]
}
EOF

# The system's python when there is one: a version manager's shim costs
# seconds a call.
PY=$IT_PYTHON
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
# digest FILE: check that every line is a JSON object; FILE.tsv gets one row
# per file line (board type result exit verified) and the summary's row
# (summary exit failed_boards); prints the number of lines.
digest() {
	"$PY" -c 'import json,sys
n=0
with open(sys.argv[1]+".tsv","w") as t:
    for l in open(sys.argv[1]):
        o=json.loads(l); assert isinstance(o,dict); n+=1
        if o.get("event")=="file":
            t.write("%s %s %s %d %s\n"%(o["board"],o["type"],o["result"],o["exit"],json.dumps(o["verified"])))
        elif o.get("event")=="summary":
            t.write("summary %d %s\n"%(o["exit"],",".join(o.get("failed_boards",[]))))
print(n)' "$1"
}
# jfield FILE BOARD COLUMN [TYPE]: from FILE.tsv (3 result, 4 exit, 5 verified).
jfield() {
	awk -v b="$2" -v c="$3" -v t="${4:-config}" '$1==b && $2==t {print $c; exit}' "$1.tsv"
}
summary() {
	awk -v c="$2" '$1=="summary" {print $c}' "$1.tsv"
}
# started I: the "download started" events in board I's log.
started() {
	ethdl_bh log -i "$IF" -b "$(br_mac "$1")" --json 2>/dev/null | grep -c '"download started"'
}

t0=$(now_ms)

# --dry-run: the plan, nothing on the wire.
br_count_reset
ethdl_bh batch --dry-run --json "$W/m/plant.json" >"$W/dry.out" 2>"$W/dry.err"
assert_rc "dry run exits 0" 0 $?
assert_eq "dry run plans 6 files (+summary)" 7 "$(digest "$W/dry.out")"
assert_eq "dry run sends no data frame" 0 "$(br_count_big)"

# The batch: board 3 is absent.
IT_LAST_ERR=$W/run1.err
ethdl_bh batch --json --resume "$W/state.json" --timeout 1 "$W/m/plant.json" \
	>"$W/run1.out" 2>"$W/run1.err"
rc=$?
assert_rc "a batch with an absent board exits 11 (connect failed)" 11 $rc
assert_eq "every line is JSON (6 files + summary)" 7 "$(digest "$W/run1.out" 2>&1)"
assert_eq "the absent board's line says exit 11" 11 "$(jfield "$W/run1.out" "$(br_mac 3)" 4)"
for i in 1 2; do
	assert_eq "board $i verified" true "$(jfield "$W/run1.out" "$(br_mac "$i")" 5)"
done
assert_eq "board 1's second file verified" true \
	"$(jfield "$W/run1.out" "$(br_mac 1)" 5 algorithm)"
for i in 4 5; do
	assert_eq "group board $i ok" ok "$(jfield "$W/run1.out" "$(br_mac "$i")" 3)"
done
assert_eq "summary names the failed board" "$(br_mac 3)" "$(summary "$W/run1.out" 3)"
assert_match "the state file records the verified files" "$(br_mac 1)" "$(cat "$W/state.json" 2>&1)"
ethdl_bh readback -i "$IF" -b "$(br_mac 1)" -t algorithm -o "$W/rb1.bin" >/dev/null 2>&1
assert_same_file "board 1 holds a1.bin" "$W/m/files/a1.bin" "$W/rb1.bin"
ethdl_bh readback -i "$IF" -b "$(br_mac 2)" -o "$W/rb2.bin" >/dev/null 2>&1
assert_same_file "board 2 holds c2.bin" "$W/m/files/c2.bin" "$W/rb2.bin"
ethdl_bh readback -i "$IF" -b "$(br_mac 5)" -o "$W/rb5.bin" >/dev/null 2>&1
assert_same_file "group board 5 holds g.bin" "$W/m/files/g.bin" "$W/rb5.bin"
# ethdl group's own verdict ("group: N bytes ...") is in the detail.
assert_match "the group entry went through the group download" '"group":"g".*"detail":"group: ' \
	"$(grep "$(br_mac 4)" "$W/run1.out")"
s1=$(started 1)
s2=$(started 2)

# --resume: nothing to the verified boards, the absent one again.
br_count_reset
IT_LAST_ERR=$W/run2.err
ethdl_bh batch --json --resume "$W/state.json" --timeout 1 "$W/m/plant.json" \
	>"$W/run2.out" 2>"$W/run2.err"
rc=$?
digest "$W/run2.out" >/dev/null
assert_rc "resume with board 3 still absent exits 11" 11 $rc
for i in 1 2 4 5; do
	assert_eq "resume skips board $i" skipped "$(jfield "$W/run2.out" "$(br_mac "$i")" 3)"
done
assert_eq "resume tries the absent board again" 11 "$(jfield "$W/run2.out" "$(br_mac 3)" 4)"
assert_eq "resume sends no data frame" 0 "$(br_count_big)"
assert_eq "no new session on board 1" "$s1" "$(started 1)"
assert_eq "no new session on board 2" "$s2" "$(started 2)"

# Board 3 appears; a changed file is sent again.
br_board_start 3 "$W/b3"
br_boards_wait 3 || exit 1
head -c 150000 /dev/urandom >"$W/m/files/c2.bin"
ethdl_bh batch --json --resume "$W/state.json" "$W/m/plant.json" >"$W/run3.out" 2>"$W/run3.err"
rc=$?
digest "$W/run3.out" >/dev/null
assert_rc "resume with every board present exits 0" 0 $rc
assert_eq "board 3 verified now" true "$(jfield "$W/run3.out" "$(br_mac 3)" 5)"
assert_eq "board 2's changed file is sent again" ok "$(jfield "$W/run3.out" "$(br_mac 2)" 3)"
assert_eq "board 1 still skipped" skipped "$(jfield "$W/run3.out" "$(br_mac 1)" 3)"

# Human output: the summary table.
ethdl_bh batch --resume "$W/state.json" -q "$W/m/plant.json" >"$W/run4.out" 2>&1
assert_rc "all verified before: exit 0" 0 $?
assert_match "the table has a header and rows" "^BOARD +NAME +FILE.*" "$(head -1 "$W/run4.out")"
assert_match "the table's last line counts" "5 boards, 6 files: 6 verified" "$(cat "$W/run4.out")"

# Bad manifests: exit 2, FILE:LINE:COL: FIELD.
bad() {
	local what=$1 re=$2 out rc
	shift 2
	printf '%s\n' "$@" >"$W/m/bad.json"
	out=$(ethdl_bh batch "$W/m/bad.json" 2>&1)
	rc=$?
	assert_rc "bad manifest: $what" 2 $rc
	assert_match "bad manifest: $what: message" "$re" "$out"
}
bad "missing field" "bad.json:2:3: boards\[0\]\.mac: missing" \
	'{"interface": "x", "boards": [' \
	'  {"name": "n",' \
	'   "files": [{"type": "config", "path": "files/c1.bin"}]}]}'
bad "wrong type" "bad.json:2:10: jobs: must be a whole number" \
	'{"interface": "x",' ' "jobs": "3", "boards": []}'
bad "unreadable file" "bad.json:2:[0-9]+: boards\[0\]\.files\[0\]\.path: cannot read .*nope.bin.: No such file" \
	'{"interface": "x", "boards": [{"mac": "02:00:00:00:00:01",' \
	'  "files": [{"type": "config", "path": "nope.bin"}]}]}'
bad "type name" 'boards\[0\]\.files\[0\]\.type: "confg" is not a file type' \
	'{"interface": "x", "boards": [{"mac": "02:00:00:00:00:01",' \
	'  "files": [{"type": "confg", "path": "files/c1.bin"}]}]}'

# SIGTERM: the children are stopped, exit 143, the state keeps what was
# verified (board 2's small file ends first).
br_shape 10mbit
head -c 8000000 /dev/urandom >"$W/m/files/slow.bin"
cat >"$W/m/slow.json" <<EOF
{"interface": "$IF", "jobs": 2, "boards": [
  {"mac": "$(br_mac 2)", "files": [{"type": "parameter", "path": "files/g.bin"}]},
  {"mac": "$(br_mac 1)", "files": [{"type": "parameter", "path": "files/slow.bin"}]}]}
EOF
# `ip netns exec` execs ethdl: $! is the batch itself.
ip netns exec "$BR_NS_H" "$ETHDL" batch --json --resume "$W/slow.state" "$W/m/slow.json" \
	>"$W/slow.out" 2>"$W/slow.err" &
bpid=$!
for t in $(seq 100); do grep -q '"result":"ok"' "$W/slow.out" 2>/dev/null && break; sleep 0.05; done
sleep 0.3
kill -TERM "$bpid"
wait "$bpid"
rc=$?
br_shape none
digest "$W/slow.out" >/dev/null
assert_rc "SIGTERM stops the batch" 143 $rc
assert_eq "the running board's file: interrupted" "interrupted 143" \
	"$(jfield "$W/slow.out" "$(br_mac 1)" 3 parameter) $(jfield "$W/slow.out" "$(br_mac 1)" 4 parameter)"
assert_match "the state keeps the verified file" "$(br_mac 2)" "$(cat "$W/slow.state" 2>&1)"
assert_eq "no ethdl child left" "" "$(pgrep -f -- "--progress-fd 3 .*slow.bin" 2>/dev/null)"

# --progress-fd on download.
head -c 400000 /dev/urandom >"$W/big.bin"
# (--readback-after: a read-back phase of its own; read back as it comes,
# the bytes are compared during the data phase and what is left may pass
# between two progress lines)
ethdl_bh download -i "$IF" -b "$(br_mac 1)" --progress-fd 3 --readback-after "$W/big.bin" \
	>/dev/null 2>"$W/pfd.err" 3>"$W/pfd.out"
assert_rc "download with --progress-fd" 0 $?
assert_match "progress lines parse and name the phases" "connect.*data.*read-back" \
	"$("$PY" -c 'import json,sys
print(" ".join(json.loads(l)["phase"] for l in open(sys.argv[1])))' "$W/pfd.out" 2>&1)"
ethdl_bh download -i "$IF" -b "$(br_mac 1)" --progress-fd 3 "$W/big.bin" \
	>/dev/null 2>"$W/pfd.err" 3>"$W/pfd.out"
assert_rc "download read back as it comes, with --progress-fd" 0 $?
assert_match "progress lines parse and name the phases" "connect.*data" \
	"$("$PY" -c 'import json,sys
print(" ".join(json.loads(l)["phase"] for l in open(sys.argv[1])))' "$W/pfd.out" 2>&1)"

t1=$(now_ms)
it_log "test_batch: $(( (t1 - t0) / 1000 )) s"
br_boards_stop
echo "passed $IT_PASSES, failed $IT_FAILS"
[ "$IT_FAILS" = 0 ]
