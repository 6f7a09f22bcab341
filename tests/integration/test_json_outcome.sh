#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# --json covers every outcome: with --json anywhere on the command line,
# usage errors (unknown option, missing -i, a bad number, an invalid
# command), interface errors and local errors print exactly one JSON object
# on standard output, with "result", "exit" (the exit code) and "detail";
# an interface error also names its "diagnosis". No root or network needed.
#
#   tests/integration/test_json_outcome.sh BUILD_DIR

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

BUILD=${1:?usage: $0 BUILD_DIR}
ETHDL=$BUILD/cmd/ethdl
[ -x "$ETHDL" ] || { echo "no ethdl in $BUILD/cmd"; exit 1; }
PY=$(command -v python3) || { echo "SKIPPED: needs python3"; exit 77; }
W=$(mktemp -d "${TMPDIR:-/tmp}/ethdl-json.XXXXXX") || exit 1
trap 'rm -rf -- "$W"' EXIT
NOIF=ethdl-nosuch0
B=02:e7:d1:00:00:02
F=$W/file
printf 'hello\n' >"$F"
N=0
: >"$W/expect"

# case RESULT DIAGNOSIS ARGS...: run ethdl ARGS, keep stdout and the exit
# code for the one python3 check at the end ("-" for no diagnosis).
case_() {
	local result=$1 diag=$2

	shift 2
	N=$((N + 1))
	"$ETHDL" "$@" >"$W/$N.out" 2>"$W/$N.err"
	printf '%s\t%s\t%s\t%s\t%s\n' "$N" "$?" "$result" "$diag" "$*" >>"$W/expect"
}

case_ usage - download --json --bogus
case_ usage - download --bogus --json
case_ usage - download --json "$F"
case_ usage - download --json -i "$NOIF" "$F"
case_ usage - download --json -i "$NOIF" -b "$B" --window abc "$F"
case_ usage - download --json -i "$NOIF" -b "$B" --timeout 0.30000000000000004x "$F"
case_ usage group_address download --json -i "$NOIF" -b ff:ff:ff:ff:ff:ff "$F"
case_ usage - download --json -i "$NOIF" -b "$B"
case_ usage - --json nosuchcommand
case_ usage - --json download --bogus
case_ error no_interface download --json -i "$NOIF" -b "$B" "$F"
case_ error - download --json -i "$NOIF" -b "$B" "$W/missing"
case_ error no_interface readback --json -i "$NOIF" -b "$B" -o "$W/out"
case_ error no_interface info --json -i "$NOIF" -b "$B"
case_ error no_interface activate --json -i "$NOIF" -b "$B"
case_ error no_interface rollback --json -i "$NOIF" -b "$B"
case_ error no_interface log --json -i "$NOIF" -b "$B"
case_ error no_interface discover --json -i "$NOIF"
case_ error no_interface group --json -i "$NOIF" -b "$B" "$F"
case_ error - conform --json -i "$NOIF" -b "$B"
case_ usage - inspect --json
case_ error - inspect --json "$W/missing"
case_ usage - pack --json
case_ usage - list --json --bogus
printf '{"interface": "x", "boards": [{"mac": "02:e7:d1:00:00:02"}]}\n' >"$W/bad.json"
case_ usage - batch --json --bogus
case_ usage - batch --json --jobs 0 "$W/bad.json"
case_ usage - batch --json
case_ usage - batch --json "$W/bad.json"
case_ usage - batch --json "$W/missing.json"

"$PY" - "$W" <<'PY'
import json, sys
w = sys.argv[1]
fails = passes = 0
for row in open(f"{w}/expect"):
    n, rc, result, diag, args = row.rstrip("\n").split("\t")
    text = open(f"{w}/{n}.out").read()
    lines = [l for l in text.splitlines() if l.strip()]
    what = f"ethdl {args}"
    try:
        assert len(lines) == 1, f"{len(lines)} lines on stdout"
        j = json.loads(lines[0])
        assert isinstance(j, dict), "not an object"
        assert j.get("result") == result, f"result {j.get('result')!r}, not {result!r}"
        assert j.get("exit") == int(rc), f"exit {j.get('exit')} in JSON, {rc} for real"
        assert int(rc) == (2 if result == "usage" else 1), f"exit code {rc}"
        assert isinstance(j.get("detail"), str) and j["detail"], "no detail"
        if diag != "-":
            assert j.get("diagnosis") == diag, f"diagnosis {j.get('diagnosis')!r}"
            assert j.get("hint"), "no hint"
        print(f"PASS: {what}: {lines[0][:100]}")
        passes += 1
    except Exception as e:
        print(f"FAIL: {what}: {e}: {text[:200]!r}")
        fails += 1
print(f"{passes} passed, {fails} failed")
sys.exit(1 if fails else 0)
PY
