#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The command lines of ethdl and ethdl-board, without root or a network:
# every number option refuses what it cannot honour with a usage error
# (exit 2) that states the range, and takes what it can; each command takes
# only its own options; --help for each command.
#
#   tests/integration/test_options.sh BUILD_DIR
#
# Values that parse go on to open an interface that does not exist, so
# "accepted" means: exit 1, and not a usage error.

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

BUILD=${1:?usage: $0 BUILD_DIR}
ETHDL=$BUILD/cmd/ethdl
ETHDL_BOARD=$BUILD/cmd/ethdl-board
[ -x "$ETHDL" ] && [ -x "$ETHDL_BOARD" ] || { echo "no binaries in $BUILD/cmd"; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/ethdl-opts.XXXXXX") || exit 1
trap 'rm -rf -- "$W"' EXIT
F=$W/file
printf 'hello\n' >"$F"
NOIF=ethdl-nosuch0
B=02:e7:d1:00:00:02

# run PROG ARGS...: RC, OUT, ERR.
run() {
	"$@" >"$W/out" 2>"$W/err"
	RC=$?
	OUT=$(cat "$W/out")
	ERR=$(cat "$W/err")
}

# refused WHAT RANGE-REGEX PROG ARGS...: exit 2, the message names the
# option, quotes the value and states the range.
refused() {
	local what=$1 range=$2

	shift 2
	run "$@"
	if [ "$RC" -eq 2 ] && printf '%s' "$ERR" | grep -Fq -- "$what" &&
	   printf '%s' "$ERR" | grep -Eq -- "$range"; then
		pass "refused: ${*:2}"
	else
		fail "refused: ${*:2}: exit $RC, stderr: $(head -c 300 "$W/err")"
	fi
}

# accepted PROG ARGS...: not a usage error (the run fails later, at the
# interface, with exit 1).
accepted() {
	run "$@"
	if [ "$RC" -eq 1 ] && ! printf '%s' "$ERR" | grep -q "Try '"; then
		pass "accepted: ${*:2}"
	else
		fail "accepted: ${*:2}: exit $RC, stderr: $(head -c 300 "$W/err")"
	fi
}

dl() { refused "$1" "$2" "$ETHDL" download -i "$NOIF" -b "$B" "${@:3}" "$F"; }
dl_ok() { accepted "$ETHDL" download -i "$NOIF" -b "$B" "$@" "$F"; }
rb() { refused "$1" "$2" "$ETHDL" readback -i "$NOIF" -b "$B" -o "$W/rb" "${@:3}"; }
bd() { refused "$1" "$2" "$ETHDL_BOARD" -i "$NOIF" -d "$W/state" "${@:3}"; }
bd_ok() { accepted "$ETHDL_BOARD" -i "$NOIF" -d "$W/state" "$@"; }

echo "== ethdl: numbers =="
R='seconds, 0\.001 to 3600\)'
for v in nan NaN inf -inf infinity -1 0 0.0001 3601 1e9 0x10 3s ' 3' '' +3 1e-400; do
	dl "--timeout \`$v'" "$R" --timeout "$v"
done
R='sessions, 0 to 1000\)'
for v in -1 1.5 1e3 1001 abc '' 99999999999999999999999 0x1 3x; do
	dl "--retries \`$v'" "$R" --retries "$v"
done
R='bytes, 1 to 65500\)'
for v in 1.5 0 -5 65501 1e3 1k nan 9x '' 18446744073709551617; do
	dl "--block \`$v'" "$R" --block "$v"
done
R='frames, 1 to 65535\)'
for v in 0 65536 1.5 -1 1e2 inf; do
	dl "--window \`$v'" "$R" --window "$v"
done
R='bits/s, 1k to 100G'
for v in nan inf -1M 999 200G 1X 0x10 '' 1e400 -0; do
	dl "--rate \`$v'" "$R" --rate "$v"
done
R='hexadecimal, 0600 to ffff\)'
for v in 5ff 10000 xyz -1 '' 0x 88b5x ' 88b5'; do
	dl "--ethertype \`$v'" "$R" --ethertype "$v"
done
dl "-t \`bogus'" 'config, algorithm, parameter, redundancy' -t bogus
for v in 02:e7:zz:00:00:01 2:e7:d1:0:0:2 02:e7:d1:00:00 02:e7:d1:00:00:02:03 ' 02:e7:d1:00:00:02'; do
	refused "\`$v'" 'MAC' "$ETHDL" download -i "$NOIF" -b "$v" "$F"
done
refused "group address" 'unicast' "$ETHDL" download -i "$NOIF" -b 01:00:5e:00:00:01 "$F"
rb "--timeout \`nan'" 'seconds, 0\.001 to 3600\)' --timeout nan
rb "--block \`1.5'" 'bytes, 1 to 65500\)' --block 1.5
rb "--window \`0'" 'frames, 1 to 65535\)' --window 0

for a in "--timeout 0.001" "--timeout 3600" "--timeout 1e1" "--timeout .5" "--retries 0" \
	"--retries 1000" "--block 1" "--block 65500" "--window 1" "--window 65535" \
	"--rate 1k" "--rate 1000" "--rate 100M" "--rate 1.5G" "--rate 100G" \
	"--ethertype 88b5" "--ethertype 0x88B5" "--ethertype 0600" "--ethertype ffff" \
	"-t algorithm" "-b 02-E7-D1-00-00-02"; do
	# shellcheck disable=SC2086
	dl_ok $a
done

echo "== ethdl-board: numbers =="
bd "--timeout \`nan'" 'seconds, 0\.001 to 3600\)' --timeout nan
bd "--timeout \`inf'" 'seconds, 0\.001 to 3600\)' --timeout inf
bd "--window \`0'" 'frames, 1 to 65535\)' --window 0
for v in 1.5 0 65501 1k nan; do
	bd "--max-block \`$v'" 'bytes, 1 to 65500\)' --max-block "$v"
done
for v in 0 2T 1.5k -1 nan 1P; do
	bd "--max-file \`$v'" 'bytes, 1 to 1T; k, M, G, T: powers of 1024\)' --max-file "$v"
done
for o in --drop --corrupt --duplicate --reorder; do
	for v in nan inf 1.5 -0.1 x 1e400; do
		bd "$o \`$v'" 'probability, 0 to 1\)' "$o" "$v"
	done
done
for v in -1 1.5 18446744073709551616 0x10 ''; do
	bd "--seed \`$v'" 'number, 0 to 18446744073709551615\)' --seed "$v"
done
for v in 0 4294967296 1.5 -3; do
	bd "--silent-after \`$v'" 'frames, 1 to 4294967295\)' --silent-after "$v"
done
for v in 0 1.5 16777217; do
	bd "--skip-readback-seq \`$v'" 'sequence, 1 to 16777216\)' --skip-readback-seq "$v"
done
bd "--ethertype \`5ff'" 'hexadecimal, 0600 to ffff\)' --ethertype 5ff
bd "--impair-on \`up'" 'tx, rx or both' --impair-on up
for a in "--drop 0" "--drop 1" "--drop 0.05" "--corrupt 1e-3" "--seed 0" \
	"--seed 18446744073709551615" "--max-file 1" "--max-file 4G" "--max-file 1T" \
	"--max-file 1048576" "--silent-after 4" "--skip-readback-seq 16777216" \
	"--max-block 1479" "--timeout 0.5" "--window 65535"; do
	# shellcheck disable=SC2086
	bd_ok $a
done

echo "== commands and their own options =="
refused "\`--rate'" 'readback' "$ETHDL" readback -i "$NOIF" -b "$B" -o "$W/x" --rate 1M
refused "\`--no-readback'" 'readback' "$ETHDL" readback -i "$NOIF" -b "$B" -o "$W/x" --no-readback
refused "\`-o'" 'download' "$ETHDL" download -i "$NOIF" -b "$B" -o "$W/x" "$F"
refused "\`--output'" 'download' "$ETHDL" download --output "$W/x" "$F"
refused "\`-i'" 'list' "$ETHDL" list -i lo
refused "\`--timeout'" 'list' "$ETHDL" list --timeout 3
refused "\`--r'" 'ambiguous' "$ETHDL" download --r 3 "$F"
refused "\`--timeout'" 'needs a value' "$ETHDL" download -i "$NOIF" -b "$B" "$F" --timeout
refused "\`bogus'" 'invalid command' "$ETHDL" bogus
refused "\`--json'" 'takes no value' "$ETHDL" download -i "$NOIF" -b "$B" --json=1 "$F"
refused "\`-x'" 'download has no option' "$ETHDL" download -i "$NOIF" -b "$B" -vx "$F"
refused "\`-x'" 'download has no option' "$ETHDL" download -i "$NOIF" -b "$B" -xv "$F"
refused "missing FILE" 'download' "$ETHDL" download -i "$NOIF" -b "$B"
refused "\`$F'" 'unexpected argument' "$ETHDL" download -i "$NOIF" -b "$B" "$F" "$F"
refused "missing -o" 'readback' "$ETHDL" readback -i "$NOIF" -b "$B"
refused "-o needs" 'file name' "$ETHDL" readback -i "$NOIF" -b "$B" -o ''
refused "missing -i" 'interface' "$ETHDL" download -b "$B" "$F"
refused "missing -b" 'board' "$ETHDL" download -i "$NOIF" "$F"
refused "missing -d" 'STATE_DIR' "$ETHDL_BOARD" -i "$NOIF"
refused "\`--rate'" 'ethdl-board' "$ETHDL_BOARD" -i "$NOIF" -d "$W/state" --rate 1M

run "$ETHDL"
assert_rc "ethdl without a command" 2 "$RC"
assert_match "ethdl without a command: usage on stderr" 'Usage: ethdl COMMAND' "$ERR"
run "$ETHDL" --help
assert_rc "ethdl --help" 0 "$RC"
for c in list download readback; do
	assert_match "ethdl --help lists $c" "^  $c " "$OUT"
done
assert_match "ethdl --help: exit codes 130 and 143" '130 interrupted.*143 interrupted' "$(echo $OUT)"
run "$ETHDL" --version
assert_rc "ethdl --version" 0 "$RC"
assert_match "ethdl --version prints it" '^ethdl [0-9]' "$OUT"
for c in list download readback; do
	run "$ETHDL" "$c" --help
	assert_rc "ethdl $c --help" 0 "$RC"
	assert_match "ethdl $c --help: its usage" "^Usage: ethdl $c" "$OUT"
	run "$ETHDL" help "$c"
	assert_rc "ethdl help $c" 0 "$RC"
	assert_match "ethdl help $c: its usage" "^Usage: ethdl $c" "$OUT"
done
run "$ETHDL" download --help
assert_match "download --help has --rate" '--rate BPS' "$OUT"
assert_match "download --help has --no-readback" '--no-readback' "$OUT"
run "$ETHDL" readback --help
assert_match "readback --help has -o" '-o, --output OUT' "$OUT"
if printf '%s' "$OUT" | grep -q -- '--rate'; then
	fail "readback --help lists --rate"
else
	pass "readback --help does not list --rate"
fi
run "$ETHDL_BOARD" --help
assert_rc "ethdl-board --help" 0 "$RC"
assert_match "ethdl-board --help: usage" '^Usage: ethdl-board' "$OUT"
run "$ETHDL_BOARD" --version
assert_rc "ethdl-board --version" 0 "$RC"

it_summary
