#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Usage: fuzz/run.sh BUILD_DIR SECONDS
#
# Runs every libFuzzer binary BUILD_DIR/fuzz/fuzz_NAME for SECONDS, seeded
# from a temporary copy of fuzz/corpus/NAME/ (the committed corpus is never
# grown), with fuzz/NAME.dict when there is one. Exits nonzero when a target
# finds a crash, leak, timeout or sanitizer report, or when none is built;
# reproducers are kept in BUILD_DIR/fuzz-artifacts/fuzz_NAME/.
set -u

usage() {
	echo "Usage: $0 BUILD_DIR SECONDS" >&2
	exit 2
}

[ $# -eq 2 ] || usage
build=$1
secs=$2
case $secs in
'' | *[!0-9]*) usage ;;
esac
[ -d "$build/fuzz" ] || {
	echo "No fuzz targets in \`$build' (configure with CC=clang -DETHDL_FUZZ=ON)" >&2
	exit 2
}

here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/ethdl-fuzz.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

: "${UBSAN_OPTIONS:=print_stacktrace=1:halt_on_error=1}"
export UBSAN_OPTIONS

ran=0
failed=0
for bin in "$build"/fuzz/fuzz_*; do
	if [ ! -f "$bin" ] || [ ! -x "$bin" ]; then
		continue
	fi
	name=$(basename "$bin")
	short=${name#fuzz_}
	dir=$work/$name
	mkdir -p "$dir/corpus" "$dir/artifacts"
	if [ -d "$here/corpus/$short" ]; then
		cp -R "$here/corpus/$short/." "$dir/corpus/"
	fi
	set -- -max_total_time="$secs" -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$dir/artifacts/"
	if [ -f "$here/$short.dict" ]; then
		set -- "$@" -dict="$here/$short.dict"
	fi

	echo "== $name: $secs s, $(find "$dir/corpus" -type f | wc -l) seeds"
	"$bin" "$@" "$dir/corpus" >"$dir/log" 2>&1
	rc=$?
	ran=$((ran + 1))
	grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$dir/log"
	echo "   cov: $(grep -E '^#[0-9]+.*(cov|ft):' "$dir/log" | tail -n 1)"
	if [ $rc -ne 0 ] || [ -n "$(ls "$dir/artifacts")" ]; then
		failed=$((failed + 1))
		keep=$build/fuzz-artifacts/$name
		mkdir -p "$keep"
		cp -R "$dir/artifacts/." "$keep/" 2>/dev/null
		cp "$dir/log" "$keep/log"
		echo "!! $name failed (exit $rc); reproducers and log in $keep:" >&2
		ls "$keep" >&2
		tail -n 60 "$dir/log" >&2
	fi
done

if [ $ran -eq 0 ]; then
	echo "No fuzz_* binaries in \`$build/fuzz'" >&2
	exit 2
fi
echo "== $ran targets, $failed failed"
[ $failed -eq 0 ]
