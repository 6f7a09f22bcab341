#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The command lines of ethdl discover and ethdl group, without root or a
# network: what they refuse as usage errors (exit 2, the message naming the
# problem) and what they accept (then the interface does not exist: exit 1).
#
#   tests/integration/test_group_cli.sh BUILD_DIR

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

BUILD=${1:?usage: $0 BUILD_DIR}
ETHDL=$BUILD/cmd/ethdl
[ -x "$ETHDL" ] || { echo "no ethdl in $BUILD/cmd"; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/ethdl-gcli.XXXXXX") || exit 1
trap 'rm -rf -- "$W"' EXIT
F=$W/file
printf 'hello\n' >"$F"
NOIF=ethdl-nosuch0
B=02:e7:d1:00:00:02

run() {
	"$@" >"$W/out" 2>"$W/err"
	RC=$?
	OUT=$(cat "$W/out")
	ERR=$(cat "$W/err")
}

# refused WHAT REGEX ARGS...: exit 2 and stderr matches REGEX.
refused() {
	local what=$1 re=$2
	shift 2
	run "$ETHDL" "$@"
	assert_eq "$what: exit 2" 2 "$RC"
	assert_match "$what: says why" "$re" "$ERR"
}

# accepted WHAT ARGS...: not a usage error (the interface is missing: 1).
accepted() {
	local what=$1
	shift
	run "$ETHDL" "$@"
	assert_eq "$what: accepted (exit 1, no such interface)" 1 "$RC"
}

refused "group without boards" "missing -b MAC, --from FILE or --all" group -i "$NOIF" "$F"
refused "group --all and -b" "--all and -b/--from" group -i "$NOIF" --all -b "$B" "$F"
refused "group without file" "missing PACKAGE or FILE" group -i "$NOIF" --all
refused "group without -i" "missing -i IF" group --all "$F"
refused "group --group-mac unicast" "not a locally administered multicast MAC" \
	group -i "$NOIF" --all --group-mac 02:00:00:00:00:01 "$F"
refused "group --group-mac globally administered multicast" \
	"not a locally administered multicast MAC" \
	group -i "$NOIF" --all --group-mac 01:00:5e:00:00:01 "$F"
refused "group --group-mac discovery address" "is the discovery address" \
	group -i "$NOIF" --all --group-mac 03:65:74:68:64:6c "$F"
refused "group --group-mac junk" "invalid --group-mac" group -i "$NOIF" --all --group-mac x "$F"
refused "group --repair" "invalid --repair .fec. \(code or resend\)" \
	group -i "$NOIF" --all --repair fec "$F"
refused "group --rounds 0" "--rounds" group -i "$NOIF" --all --rounds 0 "$F"
refused "group --rate 10" "--rate" group -i "$NOIF" --all --rate 10 "$F"
refused "group --window 5" "--window" group -i "$NOIF" --all --window 5 "$F"
refused "group --activate on a plain file" "--activate is for update packages" \
	group -i "$NOIF" --all --activate now "$F"
refused "group -b group address" "-b" group -i "$NOIF" -b 03:00:00:00:00:01 "$F"
printf '# boards\n%s\n\nnot-a-mac\n' "$B" >"$W/boards"
refused "group --from with a bad line" "line 4: .not-a-mac." group -i "$NOIF" --from "$W/boards" "$F"
printf '# boards\n%s   # the first\n02:e7:d1:00:00:03\n' "$B" >"$W/boards"
accepted "group --from" group -i "$NOIF" --from "$W/boards" "$F"
accepted "group -b -b --rate 9.5M --repair resend --rounds 3" \
	group -i "$NOIF" -b "$B" -b 02:e7:d1:00:00:03 --rate 9.5M --repair resend --rounds 3 "$F"
accepted "group --all --group-mac 03:..." group -i "$NOIF" --all --group-mac 03:00:00:00:10:01 "$F"
run "$ETHDL" group -i "$NOIF" --all "$W/nosuch"
assert_eq "group: a missing file is exit 1" 1 "$RC"
assert_match "group: names the file" "cannot open .*nosuch" "$ERR"

refused "discover without -i" "missing -i IF" discover
refused "discover --probes 0" "--probes" discover -i "$NOIF" --probes 0
refused "discover argument" "unexpected argument" discover -i "$NOIF" x
accepted "discover --vendor --model --window --probes --json" \
	discover -i "$NOIF" --vendor acme --model m1 --window 100 --probes 2 --json

for c in discover group; do
	run "$ETHDL" "$c" --help
	assert_eq "ethdl $c --help" 0 "$RC"
	assert_match "ethdl $c --help: its usage" "^Usage: ethdl $c" "$OUT"
done

it_summary
