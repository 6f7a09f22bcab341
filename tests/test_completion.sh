#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The bash completion of ethdl and ethdl-board, driven as bash drives it
# (COMP_WORDS, COMP_CWORD, then COMPREPLY), against the built programs:
# commands, each command's options as its --help shows them, the values of
# -t, -i, --activate, --repair, files where a file is expected. Bash only.
#
#   tests/test_completion.sh BUILD_DIR

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/integration/lib.sh"

BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd) || exit 1
SRC=$(cd "$HERE/.." && pwd)
ETHDL=$BUILD/cmd/ethdl
BOARD=$BUILD/cmd/ethdl-board
W=$(mktemp -d "${TMPDIR:-/tmp}/ethdl-compl.XXXXXX") || exit 1
trap 'rm -rf -- "$W"' EXIT

# complete_line FUNCTION WORD...: run FUNCTION with the words, the last
# being completed; REPLY_TEXT is COMPREPLY sorted, one per line.
complete_line() {
	local fn=$1

	shift
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	"$fn"
	REPLY_TEXT=$(printf '%s\n' "${COMPREPLY[@]}" | sort)
}

# has WHAT WORD: WORD is one of the completions.
has() {
	if grep -qxF -- "$2" <<<"$REPLY_TEXT"; then
		pass "$1"
	else
		fail "$1: '$2' not in: $(tr '\n' ' ' <<<"$REPLY_TEXT")"
	fi
}

# only WHAT WORDS...: the completions are exactly WORDS.
only() {
	local what=$1

	shift
	assert_eq "$what" "$(printf '%s\n' "$@" | sort)" "$REPLY_TEXT"
}

# shellcheck source=../contrib/bash-completion/ethdl
. "$SRC/contrib/bash-completion/ethdl"
assert_eq "complete -F _ethdl ethdl is set" "complete -F _ethdl ethdl" "$(complete -p ethdl 2>&1)"

echo "== commands =="
complete_line _ethdl "$ETHDL" dow
only "ethdl dow<TAB>" download
complete_line _ethdl "$ETHDL" ""
for c in $("$ETHDL" --help | sed -n 's/^  \([a-z][a-z0-9-]*\)  .*/\1/p'); do
	has "ethdl <TAB> offers $c" "$c"
done
complete_line _ethdl "$ETHDL" help re
only "ethdl help re<TAB>" readback replay

echo "== options, from ethdl COMMAND --help =="
complete_line _ethdl "$ETHDL" download --re
only "ethdl download --re<TAB>" --readback-after --retries
complete_line _ethdl "$ETHDL" download -i eth0 --no
only "ethdl download -i eth0 --no<TAB>" --no-readback
complete_line _ethdl "$ETHDL" readback --
has "ethdl readback --<TAB> offers --output" --output
if grep -qxF -- --rate <<<"$REPLY_TEXT"; then
	fail "ethdl readback --<TAB> offers --rate, which is download's"
else
	pass "ethdl readback --<TAB> does not offer download's --rate"
fi
complete_line _ethdl "$ETHDL" group --dr
only "ethdl group --dr<TAB>" --dry-run

echo "== values =="
complete_line _ethdl "$ETHDL" download -t ""
only "ethdl download -t <TAB>" config algorithm parameter redundancy
complete_line _ethdl "$ETHDL" download --type = p
only "ethdl download --type=p<TAB>" parameter
complete_line _ethdl "$ETHDL" download -i ""
has "ethdl download -i <TAB> offers lo" lo
for d in /sys/class/net/*; do
	has "ethdl download -i <TAB> offers ${d##*/}" "${d##*/}"
done
complete_line _ethdl "$ETHDL" download -i l
has "ethdl download -i l<TAB> offers lo" lo
complete_line _ethdl "$ETHDL" download --activate ""
only "ethdl download --activate <TAB>" now at: in: later
complete_line _ethdl "$ETHDL" group --repair ""
only "ethdl group --repair <TAB>" code resend
complete_line _ethdl "$ETHDL" replay --speed r
only "ethdl replay --speed r<TAB>" recorded
complete_line _ethdl "$ETHDL" download --timeout ""
only "ethdl download --timeout <TAB> (a number) offers nothing"

echo "== files =="
mkdir "$W/dir" && : >"$W/image.bin" && : >"$W/image.pkg" && : >"$W/other"
complete_line _ethdl "$ETHDL" download -i lo -b 02:00:00:00:00:02 "$W/image."
only "ethdl download ... FILE<TAB>" "$W/image.bin" "$W/image.pkg"
complete_line _ethdl "$ETHDL" readback -o "$W/d"
only "ethdl readback -o D<TAB>" "$W/dir"
complete_line _ethdl "$ETHDL" download --capture "$W/ot"
only "ethdl download --capture F<TAB>" "$W/other"

echo "== ethdl-board =="
# shellcheck source=../contrib/bash-completion/ethdl-board
. "$SRC/contrib/bash-completion/ethdl-board"
assert_eq "complete -F _ethdl_board ethdl-board is set" "complete -F _ethdl_board ethdl-board" \
	"$(complete -p ethdl-board 2>&1)"
complete_line _ethdl_board "$BOARD" --health
only "ethdl-board --health<TAB>" --health-cmd --health-timeout
complete_line _ethdl_board "$BOARD" --dr
only "ethdl-board --dr<TAB> (a fault option on a shared help line)" --drop
complete_line _ethdl_board "$BOARD" --impair-on ""
only "ethdl-board --impair-on <TAB>" tx rx both
complete_line _ethdl_board "$BOARD" --signed-only a
only "ethdl-board --signed-only a<TAB>" algorithm
complete_line _ethdl_board "$BOARD" -i lo -d "$W/d"
only "ethdl-board -d D<TAB>: directories" "$W/dir"
complete_line _ethdl_board "$BOARD" -i ""
has "ethdl-board -i <TAB> offers lo" lo

it_summary
