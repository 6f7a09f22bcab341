#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ethdl pack and ethdl inspect, without root or a network: a package made by
# pack is accepted by inspect with every field as given; a package damaged
# in its header or its image, cut short or lengthened is refused (exit 13)
# with the reason; bad options are usage errors (exit 2), unreadable files
# local errors (exit 1).
#
#   tests/integration/test_pack.sh BUILD_DIR

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

BUILD=${1:?usage: $0 BUILD_DIR}
ETHDL=$BUILD/cmd/ethdl
[ -x "$ETHDL" ] || { echo "no ethdl in $BUILD/cmd"; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/ethdl-pack.XXXXXX") || exit 1
trap 'rm -rf -- "$W"' EXIT

run() {
	"$@" >"$W/out" 2>"$W/err"
	RC=$?
	OUT=$(cat "$W/out")
	ERR=$(cat "$W/err")
}

# jload FILE: read the JSON object in FILE once (python is slow to start);
# then jget FILE KEY prints one value (arrays joined by ',', booleans
# lowercase, absent keys empty).
jload() {
	python3 -c 'import json, sys
for k, v in json.load(open(sys.argv[1])).items():
    if isinstance(v, list):
        v = ",".join(v)
    elif isinstance(v, bool):
        v = str(v).lower()
    print("%s\t%s" % (k, v))' "$1" >"$1.kv"
}
jget() {
	awk -F '\t' -v k="$2" '$1 == k { print $2 }' "$1.kv"
}

# flip FILE OFFSET: invert one byte.
flip() {
	local b

	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "\\$(printf %o $((b ^ 255)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

IMG=$W/image.bin
head -c 300001 /dev/urandom >"$IMG"
SHA=$(sha256sum "$IMG" | cut -d' ' -f1)
printf '# boards of unit 2\nSN-0001\n  SN-0002\t\n\nSN-0003 # spare\n' >"$W/targets"
P=$W/a.pkg
PACK=("$ETHDL" pack --vendor "Acme Controls" --model IO-4821 --image-version 1.10.3
	-t parameter --targets "$W/targets" --build-time 1718000000)

# ---- a good package ----
run "${PACK[@]}" -o "$P" "$IMG"
assert_rc "pack" 0 "$RC"
assert_match "pack: summary line" "image 300001 bytes, sha256 $SHA" "$OUT"
HL=$(od -An -tu2 --endian=big -j 10 -N2 "$P" | tr -d ' ')
assert_eq "package = header + image" $((HL + 300001)) "$(stat -c %s "$P")"
tail -c 300001 "$P" >"$W/tail"
assert_same_file "the image follows the header unchanged" "$IMG" "$W/tail"
assert_eq "magic" "ETHDLPKG" "$(head -c 8 "$P")"

run "$ETHDL" inspect "$P"
assert_rc "inspect" 0 "$RC"
for want in "vendor +Acme Controls" "model +IO-4821" "version +1.10.3" "type +parameter" \
	"build time +1718000000 \(2024-06-10T06:13:20Z\)" "targets +3: SN-0001" " +SN-0002" \
	" +SN-0003" "image size +300001 bytes" "sha256 +$SHA" "signature +none" \
	"image +300001 bytes, SHA-256 matches"; do
	assert_match "inspect shows $want" "$want" "$OUT"
done

run "$ETHDL" inspect --json "$P"
assert_rc "inspect --json" 0 "$RC"
printf '%s\n' "$OUT" >"$W/j"
jload "$W/j"
assert_eq "json: one line" 1 "$(wc -l <"$W/j")"
assert_eq "json result" ok "$(jget "$W/j" result)"
assert_eq "json exit" 0 "$(jget "$W/j" exit)"
assert_eq "json vendor" "Acme Controls" "$(jget "$W/j" vendor)"
assert_eq "json model" IO-4821 "$(jget "$W/j" model)"
assert_eq "json version" 1.10.3 "$(jget "$W/j" version)"
assert_eq "json type" parameter "$(jget "$W/j" type)"
assert_eq "json build_time" 1718000000 "$(jget "$W/j" build_time)"
assert_eq "json targets" SN-0001,SN-0002,SN-0003 "$(jget "$W/j" targets)"
assert_eq "json image_size" 300001 "$(jget "$W/j" image_size)"
assert_eq "json sha256" "$SHA" "$(jget "$W/j" sha256)"
assert_eq "json image_sha256" "$SHA" "$(jget "$W/j" image_sha256)"
assert_eq "json header_bytes" "$HL" "$(jget "$W/j" header_bytes)"
assert_eq "json signed" false "$(jget "$W/j" signed)"

# The same inputs make the same bytes; SOURCE_DATE_EPOCH stands for --build-time.
run "${PACK[@]}" -o "$W/b.pkg" "$IMG"
assert_same_file "pack is deterministic" "$P" "$W/b.pkg"
run env SOURCE_DATE_EPOCH=1718000000 "$ETHDL" pack --vendor "Acme Controls" --model IO-4821 \
	--image-version 1.10.3 -t parameter --targets "$W/targets" -o "$W/c.pkg" "$IMG"
assert_same_file "SOURCE_DATE_EPOCH is the build time" "$P" "$W/c.pkg"

# Defaults: config, no targets, now; an empty image.
: >"$W/empty"
run "$ETHDL" pack --vendor V --model M --image-version 7 -o "$W/e.pkg" "$W/empty"
assert_rc "pack an empty image" 0 "$RC"
run "$ETHDL" inspect --json "$W/e.pkg"
assert_rc "inspect the empty image's package" 0 "$RC"
printf '%s\n' "$OUT" >"$W/j"
jload "$W/j"
assert_eq "default type" config "$(jget "$W/j" type)"
assert_eq "no targets" "" "$(jget "$W/j" targets)"
assert_eq "empty image" 0 "$(jget "$W/j" image_size)"
NOW=$(date +%s)
assert_between "default build time is now" $((NOW - 60)) $((NOW + 1)) "$(jget "$W/j" build_time)"
run "$ETHDL" inspect "$W/e.pkg"
assert_match "inspect: any board" "targets +any board" "$OUT"

# Replacing an existing package leaves no temporary file.
run "${PACK[@]}" -o "$W/e.pkg" "$IMG"
assert_same_file "pack replaces -o" "$P" "$W/e.pkg"
assert_eq "no temporary files left" "" "$(ls "$W" | grep -E '\.pkg\.' || true)"

# ---- refused packages: exit 13 and the reason ----
# refused WHAT REASON-REGEX FILE
refused() {
	run "$ETHDL" inspect "$3"
	if [ "$RC" -eq 13 ] && printf '%s' "$ERR" | grep -Eq -- "$2"; then
		pass "refused: $1"
	else
		fail "refused: $1: exit $RC, stderr: $(head -c 300 "$W/err")"
	fi
	run "$ETHDL" inspect --json "$3"
	if [ "$RC" -eq 13 ] && printf '%s' "$OUT" | grep -q '"result":"refused","exit":13,' &&
	   printf '%s' "$OUT" | grep -Eq -- "\"reason\":\"[^\"]*$2"; then
		pass "refused, json: $1"
	else
		fail "refused, json: $1: exit $RC, $(printf "%s" "$OUT" | head -c 300)"
	fi
}

for off in 0 300000 150000; do
	cp "$P" "$W/bad.pkg"
	flip "$W/bad.pkg" $((HL + off))
	refused "image byte $off changed" "SHA-256 mismatch" "$W/bad.pkg"
done
for off in 13 20 $((HL - 40)) $((HL - 1)); do
	cp "$P" "$W/bad.pkg"
	flip "$W/bad.pkg" "$off"
	refused "header byte $off changed" "header CRC" "$W/bad.pkg"
done
cp "$P" "$W/bad.pkg"
flip "$W/bad.pkg" 3
refused "magic changed" "bad magic" "$W/bad.pkg"
cp "$P" "$W/bad.pkg"
flip "$W/bad.pkg" 9
refused "format version changed" "format version" "$W/bad.pkg"
head -c $((HL + 300000)) "$P" >"$W/bad.pkg"
refused "image one byte short" "image length differs" "$W/bad.pkg"
{ cat "$P"; printf x; } >"$W/bad.pkg"
refused "one byte after the image" "image length differs" "$W/bad.pkg"
head -c $((HL - 1)) "$P" >"$W/bad.pkg"
refused "header cut short" "shorter than its header" "$W/bad.pkg"
head -c 5 "$P" >"$W/bad.pkg"
refused "five bytes" "shorter than its header" "$W/bad.pkg"
refused "an empty file" "shorter than its header" "$W/empty"
refused "the image, not a package" "bad magic" "$IMG"
run "$ETHDL" inspect "$W/e.pkg"
run "$ETHDL" inspect "$W/bad.pkg"
assert_match "a refused header shows no field" "header +refused" "$OUT"

# ---- usage errors (2) and local errors (1) ----
# usage WHAT ARGS...: exit 2 and "Try".
usage() {
	local what=$1

	shift
	run "$@"
	if [ "$RC" -eq 2 ] && printf '%s' "$ERR" | grep -q "Try 'ethdl"; then
		pass "usage: $what"
	else
		fail "usage: $what: exit $RC, stderr: $(head -c 300 "$W/err")"
	fi
}

B=(--vendor V --model M --image-version 1.2.3 -o "$W/u.pkg")
usage "no --vendor" "$ETHDL" pack --model M --image-version 1 -o "$W/u.pkg" "$IMG"
usage "no --model" "$ETHDL" pack --vendor V --image-version 1 -o "$W/u.pkg" "$IMG"
usage "no --image-version" "$ETHDL" pack --vendor V --model M -o "$W/u.pkg" "$IMG"
usage "no -o" "$ETHDL" pack --vendor V --model M --image-version 1 "$IMG"
usage "no IMAGE" "$ETHDL" pack "${B[@]}"
usage "two IMAGEs" "$ETHDL" pack "${B[@]}" "$IMG" "$IMG"
for v in "" 1. .1 1..2 +1 -1 01 1.2.3.4.5 65536 "1 " 1.2a 0x1; do
	usage "--image-version '$v'" "$ETHDL" pack --vendor V --model M --image-version "$v" \
		-o "$W/u.pkg" "$IMG"
done
usage "--type firmware" "$ETHDL" pack "${B[@]}" -t firmware "$IMG"
usage "--vendor empty" "$ETHDL" pack --vendor "" --model M --image-version 1 -o "$W/u.pkg" "$IMG"
usage "--vendor of 64" "$ETHDL" pack --vendor "$(printf 'v%.0s' $(seq 64))" --model M \
	--image-version 1 -o "$W/u.pkg" "$IMG"
usage "--model with a newline" "$ETHDL" pack --vendor V --model "$(printf 'a\nb')" \
	--image-version 1 -o "$W/u.pkg" "$IMG"
usage "--build-time -1" "$ETHDL" pack "${B[@]}" --build-time -1 "$IMG"
usage "--build-time 1.5" "$ETHDL" pack "${B[@]}" --build-time 1.5 "$IMG"
usage "unknown option" "$ETHDL" pack "${B[@]}" --frobnicate k "$IMG"
usage "inspect: no PKG" "$ETHDL" inspect
usage "inspect: two PKGs" "$ETHDL" inspect "$P" "$P"
usage "inspect: unknown option" "$ETHDL" inspect --frobnicate x "$P"

# A bad --targets file: exit 2, naming the line.
badtargets() {
	printf "$2" >"$W/t"
	run "$ETHDL" pack "${B[@]}" --targets "$W/t" "$IMG"
	if [ "$RC" -eq 2 ] && printf '%s' "$ERR" | grep -Eq -- "$3"; then
		pass "targets: $1"
	else
		fail "targets: $1: exit $RC, stderr: $(head -c 300 "$W/err")"
	fi
}
badtargets "a space inside" 'SN-1\nSN 2\n' "t:2: .SN 2. is not a serial"
badtargets "a duplicate" 'SN-1\nSN-2\nSN-1\n' "t:3: serial .SN-1. listed twice"
badtargets "64 characters" "$(printf 'x%.0s' $(seq 64))\n" "t:1: "
badtargets "a control character" 'SN\0011\n' "t:1: "
seq -f 'S%g' 257 >"$W/t"
run "$ETHDL" pack "${B[@]}" --targets "$W/t" "$IMG"
assert_rc "257 targets" 2 "$RC"
assert_match "257 targets: said" "more than 256" "$ERR"

# 256 targets fit the format, not one FILE_INFO at MTU 1500: a warning.
seq -f 'SERIAL-%06g' 256 >"$W/t"
run "$ETHDL" pack "${B[@]}" --targets "$W/t" "$IMG"
assert_rc "256 targets" 0 "$RC"
assert_match "256 targets: warned about FILE_INFO" "warning: .*FILE_INFO" "$ERR"
run "$ETHDL" inspect --json "$W/u.pkg"
assert_rc "256 targets: inspect" 0 "$RC"
printf '%s\n' "$OUT" >"$W/j"
jload "$W/j"
assert_eq "256 targets listed" 256 "$(jget "$W/j" targets | tr ',' '\n' | wc -l)"

local_err() {
	local what=$1

	shift
	run "$@"
	if [ "$RC" -eq 1 ] && ! printf '%s' "$ERR" | grep -q "Try '"; then
		pass "local error: $what"
	else
		fail "local error: $what: exit $RC, stderr: $(head -c 300 "$W/err")"
	fi
}
local_err "no such IMAGE" "$ETHDL" pack "${B[@]}" "$W/nosuch"
local_err "IMAGE is a directory" "$ETHDL" pack "${B[@]}" "$W"
local_err "no such --targets" "$ETHDL" pack "${B[@]}" --targets "$W/nosuch" "$IMG"
local_err "-o in a missing directory" "$ETHDL" pack --vendor V --model M --image-version 1 \
	-o "$W/no/such/x.pkg" "$IMG"
local_err "inspect: no such PKG" "$ETHDL" inspect "$W/nosuch"
local_err "inspect: a directory" "$ETHDL" inspect "$W"

for c in pack inspect; do
	run "$ETHDL" "$c" --help
	assert_rc "ethdl $c --help" 0 "$RC"
	assert_match "ethdl $c --help: its usage" "^Usage: ethdl $c" "$OUT"
done

it_summary
