#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The man pages against the programs, without root or a network: every
# command `ethdl --help` lists has a --help that exits 0 and prints Usage,
# and every option it prints is in docs/ethdl.1; every option of
# `ethdl-board --help` is in docs/ethdl-board.8; each page has its sections,
# ethdl.1 every exit code and every environment variable the code reads;
# both render without a warning (groff -ww; mandoc -T lint too if there).
#
#   tests/test_manpages.sh BUILD_DIR

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/integration/lib.sh"

BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd) || exit 1
SRC=$(cd "$HERE/.." && pwd)
ETHDL=$BUILD/cmd/ethdl
BOARD=$BUILD/cmd/ethdl-board
MAN1=$SRC/docs/ethdl.1
MAN8=$SRC/docs/ethdl-board.8
W=$(mktemp -d "${TMPDIR:-/tmp}/ethdl-man.XXXXXX") || exit 1
trap 'rm -rf -- "$W"' EXIT

# The page's text with roff's \- as -, for plain searches.
sed 's/\\-/-/g' "$MAN1" >"$W/man1"
sed 's/\\-/-/g' "$MAN8" >"$W/man8"

# options HELP_FILE: the options a --help text shows (long, then short).
options() {
	grep -oE -- '(^|[ ,[(|])--[a-z0-9][a-z0-9-]*' "$1" | sed 's/^[ ,[(|]//' | sort -u
	grep -oE -- '^ {1,8}-[A-Za-z0-9]([ ,]|$)' "$1" | sed 's/^ *//; s/[ ,]$//' | sort -u
}

# in_page PAGE OPTION: OPTION is written in PAGE (not as part of a longer
# one). PAGE is a variable's name (the text is searched in the shell: this
# runs for every option).
in_page() {
	local -n text=$1
	local re="(^|[^a-z0-9-])$2([^a-z0-9-]|\$)"

	[[ $text =~ $re ]]
}
# shellcheck disable=SC2034 # read through in_page's nameref
PAGE1=$(cat "$W/man1")
# shellcheck disable=SC2034
PAGE8=$(cat "$W/man8")

# section PAGE NAME: the text of one .SH section.
section() {
	awk -v name="$2" '/^\.SH / { on = (substr($0, 5) == name || substr($0, 5) == "\"" name "\"") ; next } on' "$1"
}

echo "== every command and option of ethdl in ethdl(1) =="
"$ETHDL" --help >"$W/help" 2>&1
assert_rc "ethdl --help" 0 $?
mapfile -t CMDS < <(sed -n 's/^  \([a-z][a-z0-9-]*\)  .*/\1/p' "$W/help")
[ "${#CMDS[@]}" -ge 10 ] && pass "ethdl --help lists ${#CMDS[@]} commands" ||
	fail "ethdl --help lists only ${#CMDS[@]} commands"
for c in "${CMDS[@]}"; do
	"$ETHDL" "$c" --help >"$W/help.$c" 2>&1
	rc=$?
	if [ $rc -ne 0 ] || ! grep -q '^Usage: ' "$W/help.$c"; then
		fail "ethdl $c --help exits $rc, prints: $(head -c 200 "$W/help.$c")"
		continue
	fi
	in_page PAGE1 "ethdl $c" || grep -qE "^\.B ethdl $c\$|^\.B $c\$|^\.BR $c " "$W/man1" ||
		fail "ethdl(1) does not name the command $c"
	missing=()
	while read -r o; do
		in_page PAGE1 "$o" || missing+=("$o")
	done < <(options "$W/help.$c")
	assert_eq "ethdl $c: every option of --help is in ethdl(1)" "" "${missing[*]}"
done
section "$W/man1" SYNOPSIS >"$W/synopsis1"
missing=()
for c in "${CMDS[@]}"; do
	grep -qx "\.B ethdl $c" "$W/synopsis1" || missing+=("$c")
done
assert_eq "ethdl(1) SYNOPSIS has a line for every command" "" "${missing[*]}"

echo "== every option of ethdl-board in ethdl-board(8) =="
"$BOARD" --help >"$W/bhelp" 2>&1
assert_rc "ethdl-board --help" 0 $?
missing=()
while read -r o; do
	in_page PAGE8 "$o" || missing+=("$o")
done < <(options "$W/bhelp")
n=$(options "$W/bhelp" | wc -l)
[ "$n" -ge 20 ] && pass "ethdl-board --help shows $n options" || fail "ethdl-board --help shows $n options"
assert_eq "ethdl-board: every option of --help is in ethdl-board(8)" "" "${missing[*]}"

echo "== sections =="
for s in NAME SYNOPSIS DESCRIPTION "EXIT STATUS" ENVIRONMENT FILES EXAMPLES "SEE ALSO"; do
	grep -qE "^\.SH \"?$s\"?\$" "$MAN1" && pass "ethdl(1) has $s" || fail "ethdl(1) has no section $s"
done
grep -qE '^\.SH "?OPTIONS' "$MAN1" && pass "ethdl(1) has OPTIONS" || fail "ethdl(1) has no OPTIONS"
for s in NAME SYNOPSIS DESCRIPTION OPTIONS "STATE DIRECTORY" "HEALTH CHECK" SIGNALS LOGGING \
	SYSTEMD "RUNNING WITHOUT ROOT" "EXIT STATUS" ENVIRONMENT FILES "SEE ALSO"; do
	grep -qE "^\.SH \"?$s\"?\$" "$MAN8" && pass "ethdl-board(8) has $s" ||
		fail "ethdl-board(8) has no section $s"
done

echo "== exit codes and environment =="
section "$W/man1" "EXIT STATUS" >"$W/exit1"
missing=()
for code in 0 1 2 11 12 13 14 15 16 17 18 20 130 143; do
	grep -qx -- "$code" "$W/exit1" || missing+=("$code")
done
assert_eq "ethdl(1) EXIT STATUS has an entry for every code" "" "${missing[*]}"
# the codes ethdl --help names are the page's
mapfile -t helpcodes < <(sed -n '/^Exit codes:/,$p' "$W/help" | grep -oE '(^|[ ,])[0-9]{1,3} ' | tr -d ' ,' | sort -un)
missing=()
for code in "${helpcodes[@]}"; do
	grep -qx -- "$code" "$W/exit1" || missing+=("$code")
done
assert_eq "every exit code of ethdl --help is in ethdl(1)" "" "${missing[*]}"
section "$W/man8" "EXIT STATUS" >"$W/exit8"
for code in 0 1 2; do
	grep -qx -- "$code" "$W/exit8" || fail "ethdl-board(8) EXIT STATUS has no $code"
done
section "$W/man1" ENVIRONMENT >"$W/env1"
mapfile -t vars < <(grep -ohE 'getenv\("[A-Z_][A-Z0-9_]*"\)' "$SRC"/cmd/*.c "$SRC"/nic/*.c \
	"$SRC"/session/*.c "$SRC"/platform/*.c 2>/dev/null | sed 's/getenv("\(.*\)")/\1/' | sort -u)
[ "${#vars[@]}" -ge 1 ] && pass "the code reads ${#vars[@]} environment variables" ||
	fail "no getenv found in the sources"
missing=()
for v in "${vars[@]}"; do
	grep -q -- "$v" "$W/env1" || missing+=("$v")
done
assert_eq "ethdl(1) ENVIRONMENT names every variable the programs read" "" "${missing[*]}"

echo "== rendering =="
if command -v groff >/dev/null; then
	for p in "$MAN1" "$MAN8"; do
		out=$(LC_ALL=C.UTF-8 groff -man -ww -z "$p" 2>&1)
		assert_eq "groff -man -ww: ${p##*/} renders without a warning" "" "$out"
	done
else
	echo "SKIPPED: groff is not installed"
fi
if command -v mandoc >/dev/null; then
	for p in "$MAN1" "$MAN8"; do
		out=$(mandoc -T lint -W warning "$p" 2>&1)
		assert_eq "mandoc -T lint: ${p##*/}" "" "$out"
	done
else
	echo "SKIPPED: mandoc -T lint (mandoc is not installed)"
fi

it_summary
